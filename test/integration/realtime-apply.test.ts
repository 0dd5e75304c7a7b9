/**
 * `terraform apply` of the Kafka and Kafka Connect parts of a realtime pipeline built with our
 * constructs, against the harness's real broker, Connect worker, PostgreSQL and MariaDB:
 * topics, ACLs and SCRAM users exist as asked; Debezium connectors run; rows inserted, updated
 * and deleted in both databases arrive as Debezium events; ACLs are enforced; a second plan is
 * empty; destroy removes everything. The connectors run on a Connect worker of the test's own
 * that logs in as the Connect user the stack creates, with the stack's ACLs only (no super user;
 * see connect-least-privilege.test.ts for restarts and the authorization checks). Needs
 * `npm run infra:up`.
 */
import { App, Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { Client as PgClient } from 'pg';
import * as mysql from 'mysql2/promise';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaScramUser } from '../../constructs/kafka/kafka-scram-user';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { BIGQUERY_SINK_CLASS } from '../../constructs/connect/bigquery-sink';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { validateAll } from '../../stacks/reference-app';
import { NamedConnectWorker, requireInfra } from './infra';
import { TerraformWorkdir, withoutGoogle } from './terraform';
import { apply, applyKafkaResources, plan, resolveWorkerProperties } from './connect-harness';

jest.setTimeout(600_000);

const run = `it${Date.now().toString(36).slice(-5)}`;
const env = requireInfra([
  'KAFKA_BOOTSTRAP',
  'KAFKA_ADMIN_USER',
  'KAFKA_ADMIN_PASSWORD',
  'KAFKA_VERSION',
  'PG_HOST',
  'PG_PORT',
  'PG_USER',
  'PG_PASSWORD',
  'PG_DATABASE',
  'MARIADB_HOST',
  'MARIADB_PORT',
  'MARIADB_USER',
  'MARIADB_PASSWORD',
  'MARIADB_DATABASE',
  'TF_CLI_CONFIG_FILE',
  'TERRAFORM_BIN',
] as const);

const connectUrl = 'http://127.0.0.1:18185';
const passwords = {
  kafka_admin_password: env.KAFKA_ADMIN_PASSWORD,
  connect_password: `c-${run}-secret`,
  pg_cdc_password: env.PG_PASSWORD,
  mariadb_cdc_password: env.MARIADB_PASSWORD,
  writer_password: `w-${run}-secret`,
  outsider_password: `o-${run}-secret`,
};
const pgTable = `customers_${run}`;
const myTable = `orders_${run}`;

/** The stack under test: a realtime pipeline whose sources are the harness's databases. */
function buildStack(): any {
  const app: App = Testing.app();
  const stack = new TerraformStack(app, 'realtime-it');
  new GoogleProvider(stack, 'google', { project: 'acme-it' });
  const kafka = new KafkaCluster(stack, 'kafka', {
    bootstrapServers: env.KAFKA_BOOTSTRAP.split(','),
    kafkaVersion: env.KAFKA_VERSION,
    tlsEnabled: false,
    brokerCount: 1,
    sasl: { username: env.KAFKA_ADMIN_USER, password: SecretValue.fromVariable('kafka_admin_password') },
  });
  const connectUser = new KafkaScramUser(stack, 'connect-user', {
    platform: kafka,
    username: `${run}-connect`,
    password: SecretValue.fromVariable('connect_password'),
  });
  const connect = new KafkaConnectCluster(stack, 'connect', {
    url: connectUrl,
    kafka,
    workerPrincipal: connectUser.principal,
    kafkaCredentials: { username: connectUser.username, password: connectUser.password },
    worker: {
      groupId: `${run}-connect`,
      configStorageTopic: `${run}-connect.configs`,
      offsetStorageTopic: `${run}-connect.offsets`,
      statusStorageTopic: `${run}-connect.status`,
      offsetStoragePartitions: 1,
      statusStoragePartitions: 1,
      replicationFactor: 1,
    },
    // Only the BigQuery sinks (left out of the apply) use it.
    googleServiceAccount: 'kafka-connect@acme-data.iam.gserviceaccount.com',
  });
  const pg = new ExternalSourceDatabase(stack, 'pg', {
    logicalName: `${run}pg`,
    engine: 'postgres',
    host: env.PG_HOST,
    port: Number(env.PG_PORT),
    databaseName: env.PG_DATABASE,
    replicationUser: env.PG_USER,
    replicationPassword: SecretValue.fromVariable('pg_cdc_password'),
    tables: [{ name: pgTable, primaryKey: ['id'] }],
  });
  const maria = new ExternalSourceDatabase(stack, 'maria', {
    logicalName: `${run}my`,
    engine: 'mariadb',
    host: env.MARIADB_HOST,
    port: Number(env.MARIADB_PORT),
    databaseName: env.MARIADB_DATABASE,
    replicationUser: env.MARIADB_USER,
    replicationPassword: SecretValue.fromVariable('mariadb_cdc_password'),
    tables: [{ name: myTable, primaryKey: ['id'] }],
  });
  const pipeline = new RealtimePipeline(stack, 'realtime', {
    kafka,
    connect,
    sources: [pg, maria],
    warehouse: { project: 'acme-it' },
    topicPartitions: 3,
    topicConfig: { cleanupPolicy: 'compact,delete', retentionMs: 86400000, minInsyncReplicas: 1 },
    sourceOptions: { [`${run}pg`]: { heartbeatIntervalMs: 1000 }, [`${run}my`]: { heartbeatIntervalMs: 1000 } },
  });
  const writer = new KafkaScramUser(stack, 'writer', { platform: kafka, username: `${run}-writer`, password: SecretValue.fromVariable('writer_password') });
  new KafkaScramUser(stack, 'outsider', { platform: kafka, username: `${run}-outsider`, password: SecretValue.fromVariable('outsider_password') });
  const events = new KafkaTopic(stack, 'events', { platform: kafka, name: `${run}.events`, partitions: 2, replicationFactor: 1 });
  events.grantProduce(writer);
  const problems = validateAll([stack]);
  if (problems.length) throw new Error(problems.join('\n'));
  return { json: JSON.parse(Testing.synth(stack)), pipeline, connect };
}

function kafkaAs(username: string, password: string): Kafka {
  return new Kafka({
    clientId: `cdp-${run}`,
    brokers: env.KAFKA_BOOTSTRAP.split(','),
    sasl: { mechanism: 'scram-sha-512', username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
}

async function connectorStatus(name: string): Promise<any> {
  const res = await fetch(`${connectUrl}/connectors/${encodeURIComponent(name)}/status`);
  return res.ok ? res.json() : { error: res.status, body: await res.text() };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Reads events from `topic` from the beginning until `enough` says so. */
async function readEvents(topic: string, enough: (events: any[]) => boolean): Promise<any[]> {
  const consumer = kafkaAs(env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD).consumer({ groupId: `cdp-${run}-${topic}` });
  const events: any[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ message }) => {
      events.push({
        key: message.key ? JSON.parse(message.key.toString()) : null,
        value: message.value === null ? null : JSON.parse(message.value.toString()),
      });
      if (enough(events)) done();
    },
  });
  try {
    await Promise.race([
      finished,
      new Promise((_, rej) => setTimeout(() => rej(new Error(`only ${events.length} events on ${topic}: ${JSON.stringify(events).slice(0, 2000)}`)), 120_000)),
    ]);
  } finally {
    await consumer.disconnect();
  }
  return events;
}

const payloadOf = (e: any) => (e && typeof e === 'object' && 'payload' in e && 'schema' in e ? e.payload : e);

/** Operations per row key, in topic order (Kafka keeps order per key, not across partitions). */
function opsByKey(events: { key: any; value: any }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    const id = String(payloadOf(e.key).id);
    (out[id] ??= []).push(e.value === null ? 'tombstone' : payloadOf(e.value).op);
  }
  return out;
}

describe('terraform apply of a realtime pipeline on the real parts', () => {
  const { json: full, pipeline, connect } = buildStack();
  const { json, removed } = withoutGoogle(full, { dropConnectorClasses: [BIGQUERY_SINK_CLASS] });
  const tf = new TerraformWorkdir(json, passwords);
  // The worker runs with the properties the construct gives its workers (group, internal topics,
  // the Connect user's login for the worker and its producer/consumer/admin clients).
  const worker = new NamedConnectWorker({
    name: run,
    port: 18185,
    user: `${run}-connect`,
    password: passwords.connect_password,
    group: `${run}-connect`,
    configTopic: `${run}-connect.configs`,
    offsetTopic: `${run}-connect.offsets`,
    statusTopic: `${run}-connect.status`,
    workerProperties: resolveWorkerProperties(connect.workerProperties, passwords),
  });
  const connectorTargets = () => Object.keys(json.resource['kafka-connect_connector'] ?? {}).map((n) => `-target=kafka-connect_connector.${n}`);
  const pgTopic = pipeline.sources[`${run}pg`].capture.topicsByTable[`public.${pgTable}`];
  const myTopic = pipeline.sources[`${run}my`].capture.topicsByTable[`${env.MARIADB_DATABASE}.${myTable}`];
  let pg: PgClient;
  let maria: mysql.Connection;

  beforeAll(async () => {
    pg = new PgClient({ host: env.PG_HOST, port: Number(env.PG_PORT), user: env.PG_USER, password: env.PG_PASSWORD, database: env.PG_DATABASE });
    await pg.connect();
    await pg.query(`CREATE TABLE public.${pgTable} (id int PRIMARY KEY, name text NOT NULL, balance numeric(10,2))`);
    await pg.query(`INSERT INTO public.${pgTable} VALUES (1, 'ada', 10.50)`);
    maria = await mysql.createConnection({
      host: env.MARIADB_HOST,
      port: Number(env.MARIADB_PORT),
      user: env.MARIADB_USER,
      password: env.MARIADB_PASSWORD,
      database: env.MARIADB_DATABASE,
    });
    await maria.query(`CREATE TABLE ${myTable} (id INT PRIMARY KEY, item VARCHAR(64) NOT NULL, qty INT)`);
    await maria.query(`INSERT INTO ${myTable} VALUES (1, 'book', 2)`);
    tf.must(['init', '-input=false', '-no-color']);
  });

  afterAll(async () => {
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color', ...connectorTargets()]);
    try {
      worker.clean();
    } catch (e) {
      console.error(String(e));
    }
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
    await pg?.query(`DROP TABLE IF EXISTS public.${pgTable}`).catch(() => undefined);
    for (const name of [`${run}pg`]) {
      const slot = `${name}_debezium`;
      await pg?.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [slot]).catch(() => undefined);
      await pg?.query(`DROP PUBLICATION IF EXISTS ${name}_publication`).catch(() => undefined);
    }
    await pg?.end().catch(() => undefined);
    await maria?.query(`DROP TABLE IF EXISTS ${myTable}`).catch(() => undefined);
    await maria?.end().catch(() => undefined);
  });

  test('only Google resources and the BigQuery sinks are left out of the apply', () => {
    expect(removed.filter((r) => !r.startsWith('google_') && !r.startsWith('data.google_')).length).toBe(2);
    expect(Object.keys(json.resource).sort()).toEqual(['kafka-connect_connector', 'kafka_acl', 'kafka_topic', 'kafka_user_scram_credential']);
  });

  test('apply creates topics with the partitions and configs asked for, ACLs and SCRAM users', async () => {
    // The worker's user, internal topics and ACLs first, then the worker, then the connectors.
    applyKafkaResources(tf, json);
    worker.up();
    apply(tf);
    const admin = kafkaAs(env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD).admin();
    await admin.connect();
    try {
      const wanted = Object.values<any>(json.resource.kafka_topic);
      const meta = await admin.fetchTopicMetadata({ topics: wanted.map((t) => t.name) });
      const partitions = Object.fromEntries(meta.topics.map((t) => [t.name, t.partitions.length]));
      expect(partitions).toEqual(Object.fromEntries(wanted.map((t) => [t.name, t.partitions])));
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: pgTopic }] });
      const entries = Object.fromEntries(configs.resources[0].configEntries.map((c) => [c.configName, c.configValue]));
      expect(entries).toMatchObject({ 'cleanup.policy': 'compact,delete', 'retention.ms': '86400000', 'min.insync.replicas': '1' });
      const acls = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      const nameOf = (e: Record<string, number>, n: number) =>
        Object.keys(e)
          .find((k) => e[k] === n)!
          .toLowerCase()
          .replace(/_/g, '');
      const op = (n: number) => nameOf(AclOperationTypes as never, n);
      const rtype = (n: number) => nameOf(AclResourceTypes as never, n);
      const ptype = (n: number) => nameOf(ResourcePatternTypes as never, n);
      const onBroker = acls.resources
        .flatMap((r) => r.acls.map((a) => `${a.principal} ${op(a.operation)} ${rtype(r.resourceType)}:${ptype(r.resourcePatternType)}:${r.resourceName}`))
        .filter((x) => x.includes(run))
        .sort();
      const asked = Object.values<any>(json.resource.kafka_acl)
        .map(
          (a) =>
            `${a.acl_principal} ${a.acl_operation.toLowerCase()} ${a.resource_type.toLowerCase()}:${a.resource_pattern_type_filter.toLowerCase()}:${a.resource_name}`,
        )
        .filter((x) => x.includes(run))
        .sort();
      expect(asked.length).toBeGreaterThan(10);
      expect(onBroker).toEqual(asked);
    } finally {
      await admin.disconnect();
    }
  });

  test('the Debezium connectors and their tasks are RUNNING', async () => {
    for (const c of Object.values<any>(json.resource['kafka-connect_connector'])) {
      const status = await waitFor(`connector ${c.name} RUNNING`, async () => {
        const s = await connectorStatus(c.name);
        if (s.tasks?.some((t: any) => t.state === 'FAILED')) throw new Error(`${c.name} task failed: ${JSON.stringify(s).slice(0, 3000)}`);
        return s.connector?.state === 'RUNNING' && s.tasks?.length > 0 && s.tasks.every((t: any) => t.state === 'RUNNING') ? s : undefined;
      });
      expect(status.connector.state).toBe('RUNNING');
    }
  });

  test('rows inserted, updated and deleted in PostgreSQL arrive as Debezium events', async () => {
    await pg.query(`INSERT INTO public.${pgTable} VALUES (2, 'grace', 20.00)`);
    await pg.query(`UPDATE public.${pgTable} SET name = 'ada l.' WHERE id = 1`);
    await pg.query(`DELETE FROM public.${pgTable} WHERE id = 2`);
    const events = await readEvents(pgTopic, (ev) => ev.length >= 5);
    expect(opsByKey(events)).toEqual({ 1: ['r', 'u'], 2: ['c', 'd', 'tombstone'] });
    const update = payloadOf(events.find((e) => e.value && payloadOf(e.value).op === 'u')!.value);
    expect(update.after).toMatchObject({ id: 1, name: 'ada l.' });
    expect(update.source).toMatchObject({ connector: 'postgresql', schema: 'public', table: pgTable, db: env.PG_DATABASE });
  });

  test('rows inserted, updated and deleted in MariaDB arrive as Debezium events', async () => {
    await maria.query(`INSERT INTO ${myTable} VALUES (2, 'pen', 5)`);
    await maria.query(`UPDATE ${myTable} SET qty = 3 WHERE id = 1`);
    await maria.query(`DELETE FROM ${myTable} WHERE id = 2`);
    const events = await readEvents(myTopic, (ev) => ev.length >= 5);
    expect(opsByKey(events)).toEqual({ 1: ['r', 'u'], 2: ['c', 'd', 'tombstone'] });
    const update = payloadOf(events.find((e) => e.value && payloadOf(e.value).op === 'u')!.value);
    expect(update.after).toMatchObject({ id: 1, item: 'book', qty: 3 });
    expect(update.source).toMatchObject({ db: env.MARIADB_DATABASE, table: myTable });
  });

  test('ACLs are enforced: the granted SCRAM user may write, the other is refused', async () => {
    const send = async (user: string, password: string) => {
      const producer = kafkaAs(user, password).producer({ allowAutoTopicCreation: false, retry: { retries: 1 } });
      try {
        await producer.connect();
        await producer.send({ topic: `${run}.events`, messages: [{ key: 'k', value: 'v' }] });
        return 'ok';
      } catch (e) {
        const chain: string[] = [];
        for (let cur: any = e; cur && chain.length < 10; cur = cur.originalError ?? cur.cause) chain.push(String(cur.type ?? cur.name ?? cur));
        return chain.join(' <- ');
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    };
    expect(
      await waitFor('writer can produce', async () => ((await send(`${run}-writer`, passwords.writer_password)) === 'ok' ? 'ok' : undefined), 30_000),
    ).toBe('ok');
    expect(await send(`${run}-outsider`, passwords.outsider_password)).toMatch(/TOPIC_AUTHORIZATION_FAILED/);
  });

  test('a second plan reports no changes', () => {
    const result = plan(tf);
    expect({ status: result.status, out: result.status === 0 ? '' : `${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}` }).toEqual({
      status: 0,
      out: '',
    });
  });

  test('destroy removes every topic', async () => {
    // Connectors first, through the worker; then the worker stops; then its ACLs, topics and user.
    tf.must(['destroy', '-auto-approve', '-input=false', '-no-color', ...connectorTargets()], [0], 480_000);
    const statuses = await Promise.all(Object.values<any>(json.resource['kafka-connect_connector']).map((c) => connectorStatus(c.name)));
    expect(statuses.map((s) => s.error)).toEqual(statuses.map(() => 404));
    worker.clean();
    tf.must(['destroy', '-auto-approve', '-input=false', '-no-color'], [0], 480_000);
    const admin = kafkaAs(env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD).admin();
    await admin.connect();
    try {
      const left = (await admin.listTopics()).filter((t) => t.includes(run));
      expect(left).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});

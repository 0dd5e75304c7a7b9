/**
 * Least privilege, proven on the real broker: a realtime pipeline's Debezium connectors
 * (PostgreSQL 3.6 and MariaDB 3.5, the sources the harness runs) run on a Kafka Connect worker
 * that logs in as the Connect user the stack defines (its producer, consumer and admin clients
 * and Debezium's schema-history clients too), holding exactly the ACLs the stack's Terraform
 * applied. They snapshot, stream, survive a task restart through the REST API and a `kill -9`
 * of the worker, and recover (MariaDB from its schema history: audit #3). The worker's log
 * must show no authorization error; and with one required ACL removed the task fails with
 * exactly the authorization error, so that check can fail. Needs `npm run infra:up`.
 */
import * as fs from 'fs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { Client as PgClient } from 'pg';
import * as mysql from 'mysql2/promise';
import { BIGQUERY_SINK_CLASS } from '../../constructs/connect/bigquery-sink';
import { NamedConnectWorker, requireInfra } from './infra';
import { TerraformWorkdir, withoutGoogle } from './terraform';
import {
  apply,
  applyKafkaResources,
  plan,
  brokerAcls,
  connectPost,
  EventCollector,
  kafkaAs,
  resolveWorkerProperties,
  stackAcls,
  waitRunning,
  waitTaskFailed,
  leastPrivilegedPipelineStack,
} from './connect-harness';

jest.setTimeout(600_000);

const run = `lp${Date.now().toString(36).slice(-5)}`;
const env = requireInfra([
  'KAFKA_BOOTSTRAP',
  'KAFKA_ADMIN_USER',
  'KAFKA_ADMIN_PASSWORD',
  'KAFKA_VERSION',
  'CONNECT_URL',
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

const connectUser = `${run}-connect`;
const connectGroup = `${run}-connect`;
const passwords = {
  kafka_admin_password: env.KAFKA_ADMIN_PASSWORD,
  connect_password: `c-${run}-secret`,
  pg_cdc_password: env.PG_PASSWORD,
  mariadb_cdc_password: env.MARIADB_PASSWORD,
};
const pgTable = `accounts_${run}`;
const myTable = `orders_${run}`;
const connectUrl = 'http://127.0.0.1:18183';

/**
 * The stack: the harness's databases captured by a realtime pipeline on a Connect cluster whose
 * workers log in as the SCRAM user `<run>-connect` the stack creates.
 */
function buildStack() {
  return leastPrivilegedPipelineStack({ stackName: 'least-privilege-it', run, env, connectUrl, connectUser, pgTable, myTable, offsetStoragePartitions: 5 });
}

describe("a realtime pipeline on a least-privileged Kafka Connect worker (the stack's Connect user and ACLs only)", () => {
  const { json: full, pipeline, connect } = buildStack();
  // The worker runs with the properties the construct says its workers need (group, internal
  // topics, SASL login as the Connect user for the worker and its producer/consumer/admin clients).
  const worker = new NamedConnectWorker({
    name: run,
    port: 18183,
    user: connectUser,
    password: passwords.connect_password,
    group: connectGroup,
    configTopic: `${run}-connect.configs`,
    offsetTopic: `${run}-connect.offsets`,
    statusTopic: `${run}-connect.status`,
    workerProperties: resolveWorkerProperties(connect.workerProperties, passwords),
  });
  const { json } = withoutGoogle(full, { dropConnectorClasses: [BIGQUERY_SINK_CLASS] });
  const tf = new TerraformWorkdir(json, passwords);
  const pgSource = pipeline.sources[`${run}pg`];
  const mySource = pipeline.sources[`${run}my`];
  const pgTopic = pgSource.capture.topicsByTable[`public.${pgTable}`];
  const myTopic = mySource.capture.topicsByTable[`${env.MARIADB_DATABASE}.${myTable}`];
  const pgConnector = pgSource.capture.connector.name;
  const myConnector = mySource.capture.connector.name;
  const admin = () => kafkaAs(env.KAFKA_BOOTSTRAP, env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD, `cdp-${run}`);
  const collector = new EventCollector(admin(), `${run}-it-reader`);
  let pg: PgClient;
  let maria: mysql.Connection;
  let nextId = 100;

  /** Inserts one row in each database and waits until both arrive as `c` events. */
  async function bothStream(what: string, extra: { note?: string } = {}): Promise<void> {
    const id = nextId++;
    await pg.query(`INSERT INTO public.${pgTable} (id, name) VALUES ($1, $2)`, [id, `${what}`]);
    if (extra.note !== undefined) await maria.query(`INSERT INTO ${myTable} (id, item, qty, note) VALUES (?, ?, 1, ?)`, [id, what, extra.note]);
    else await maria.query(`INSERT INTO ${myTable} (id, item, qty) VALUES (?, ?, 1)`, [id, what]);
    await collector.waitForChange(pgTopic, `PostgreSQL insert of ${id} (${what})`, (c) => c.op === 'c' && c.after?.id === id, {
      watch: { url: worker.url, connector: pgConnector },
    });
    const my = await collector.waitForChange(myTopic, `MariaDB insert of ${id} (${what})`, (c) => c.op === 'c' && c.after?.id === id, {
      watch: { url: worker.url, connector: myConnector },
    });
    if (extra.note !== undefined) expect(my.after.note).toBe(extra.note);
  }

  beforeAll(async () => {
    pg = new PgClient({ host: env.PG_HOST, port: Number(env.PG_PORT), user: env.PG_USER, password: env.PG_PASSWORD, database: env.PG_DATABASE });
    await pg.connect();
    await pg.query(`CREATE TABLE public.${pgTable} (id int PRIMARY KEY, name text NOT NULL)`);
    await pg.query(`INSERT INTO public.${pgTable} VALUES (1, 'snapshot row')`);
    maria = await mysql.createConnection({
      host: env.MARIADB_HOST,
      port: Number(env.MARIADB_PORT),
      user: env.MARIADB_USER,
      password: env.MARIADB_PASSWORD,
      database: env.MARIADB_DATABASE,
    });
    await maria.query(`CREATE TABLE ${myTable} (id INT PRIMARY KEY, item VARCHAR(64) NOT NULL, qty INT)`);
    await maria.query(`INSERT INTO ${myTable} VALUES (1, 'snapshot row', 2)`);
    tf.must(['init', '-input=false', '-no-color']);
    // The worker's user, internal topics and every ACL first; then the worker; then the connectors.
    applyKafkaResources(tf, json);
    worker.up();
    apply(tf);
    await collector.start([pgTopic, myTopic]);
  });

  afterAll(async () => {
    await collector.stop();
    // Connectors first (through the worker), then the worker, then its ACLs, topics and user:
    // a worker whose ACLs are gone would only fill its log with authorization errors.
    const connectors = Object.keys(json.resource['kafka-connect_connector'] ?? {}).map((n) => `-target=kafka-connect_connector.${n}`);
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color', ...connectors]);
    try {
      worker.clean();
    } catch (e) {
      console.error(String(e));
    }
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
    const prefixId = `${run}pg`;
    await pg?.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [`${prefixId}_debezium`]).catch(() => undefined);
    await pg?.query(`DROP PUBLICATION IF EXISTS ${prefixId}_publication`).catch(() => undefined);
    await pg?.query(`DROP TABLE IF EXISTS public.${pgTable}`).catch(() => undefined);
    await pg?.end().catch(() => undefined);
    await maria?.query(`DROP TABLE IF EXISTS ${myTable}`).catch(() => undefined);
    await maria?.end().catch(() => undefined);
  });

  test("the worker logs in as the stack's Connect user, who is no super user and holds exactly the ACLs the stack applied", async () => {
    const a = admin().admin();
    await a.connect();
    try {
      const principal = `User:${connectUser}`;
      const onBroker = (await brokerAcls(a)).filter((x) => x.startsWith(`${principal} `));
      const asked = stackAcls(json).filter((x) => x.startsWith(`${principal} `));
      expect(asked.length).toBeGreaterThan(10);
      expect(onBroker).toEqual(asked);
    } finally {
      await a.disconnect();
    }
    // Not a super user: it may not even list ACLs.
    const asConnect = kafkaAs(env.KAFKA_BOOTSTRAP, connectUser, passwords.connect_password, `cdp-${run}`).admin();
    await asConnect.connect();
    try {
      await expect(
        asConnect.describeAcls({
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        }),
      ).rejects.toThrow(/[Cc]luster authorization failed|CLUSTER_AUTHORIZATION_FAILED|not authorized/i);
    } finally {
      await asConnect.disconnect();
    }
    const config = fs.readFileSync(worker.configFile, 'utf8');
    const users = [...config.matchAll(/username="([^"]+)"/g)].map((m) => m[1]);
    expect([...new Set(users)]).toEqual([connectUser]);
  });

  test('both connectors snapshot and stream as that user', async () => {
    await waitRunning(worker.url, pgConnector);
    await waitRunning(worker.url, myConnector);
    await collector.waitForChange(pgTopic, 'PostgreSQL snapshot row', (c) => c.op === 'r' && c.after?.id === 1);
    await collector.waitForChange(myTopic, 'MariaDB snapshot row', (c) => c.op === 'r' && c.after?.id === 1);
    await pg.query(`UPDATE public.${pgTable} SET name = 'updated' WHERE id = 1`);
    await maria.query(`UPDATE ${myTable} SET qty = 3 WHERE id = 1`);
    await collector.waitForChange(pgTopic, 'PostgreSQL update', (c) => c.op === 'u' && c.after?.name === 'updated');
    await collector.waitForChange(myTopic, 'MariaDB update', (c) => c.op === 'u' && c.after?.qty === 3);
    await bothStream('streamed');
  });

  test('audit #3: after a task restart through the REST API, MariaDB recovers its schema history (and PostgreSQL its slot) and both stream on', async () => {
    // A DDL change goes into the schema history; the restarted task must read it back to parse later rows.
    await maria.query(`ALTER TABLE ${myTable} ADD COLUMN note VARCHAR(32)`);
    await bothStream('before task restart', { note: 'after ddl' });
    for (const name of [pgConnector, myConnector]) await connectPost(worker.url, `/connectors/${encodeURIComponent(name)}/tasks/0/restart`);
    await new Promise((r) => setTimeout(r, 2000));
    await waitRunning(worker.url, pgConnector);
    await waitRunning(worker.url, myConnector);
    await bothStream('after task restart', { note: 'recovered' });
  });

  test('audit #3: after kill -9 of the worker and a restart, both connectors recover and stream on', async () => {
    worker.kill();
    await pg.query(`INSERT INTO public.${pgTable} (id, name) VALUES (90, 'while down')`);
    await maria.query(`INSERT INTO ${myTable} (id, item, qty, note) VALUES (90, 'while down', 1, 'down')`);
    worker.up();
    await waitRunning(worker.url, pgConnector, 180_000);
    await waitRunning(worker.url, myConnector, 180_000);
    await collector.waitForChange(pgTopic, 'PostgreSQL row written while the worker was down', (c) => c.op === 'c' && c.after?.id === 90, {
      watch: { url: worker.url, connector: pgConnector },
    });
    await collector.waitForChange(
      myTopic,
      'MariaDB row written while the worker was down',
      (c) => c.op === 'c' && c.after?.id === 90 && c.after?.note === 'down',
      { watch: { url: worker.url, connector: myConnector } },
    );
    await bothStream('after kill -9', { note: 'after crash' });
  });

  test("the worker's log shows no authorization error from its start to here", () => {
    expect(worker.logSince(0)).toMatch(/Joined group/);
    expect(worker.authorizationErrors()).toEqual([]);
  });

  test('without one required ACL (Write on the PostgreSQL topic prefix) the task fails with exactly that authorization error, seen in the log; re-applying restores it', async () => {
    const mark = worker.logMark();
    const prefix = `${pgSource.capture.topicPrefix}.`;
    const a = admin().admin();
    await a.connect();
    try {
      const removed = await a.deleteAcls({
        filters: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: prefix,
            resourcePatternType: ResourcePatternTypes.PREFIXED,
            principal: `User:${connectUser}`,
            host: '*',
            operation: AclOperationTypes.WRITE,
            permissionType: AclPermissionTypes.ALLOW,
          },
        ],
      });
      expect(removed.filterResponses[0].matchingAcls).toHaveLength(1);
    } finally {
      await a.disconnect();
    }
    await pg.query(`INSERT INTO public.${pgTable} (id, name) VALUES (500, 'denied')`);
    const trace = await waitTaskFailed(worker.url, pgConnector);
    expect(trace).toContain(`org.apache.kafka.common.errors.TopicAuthorizationException: Not authorized to access topics: [${pgTopic}]`);
    expect(worker.authorizationErrors(mark).join('\n')).toContain(`TopicAuthorizationException: Not authorized to access topics: [${pgTopic}]`);
    // The MariaDB connector, whose ACLs are intact, runs on.
    expect((await waitRunning(worker.url, myConnector)).connector.state).toBe('RUNNING');
    // Terraform sees the missing ACL and creates it again; the restarted task then delivers the row.
    const planned = plan(tf);
    expect(planned.status).toBe(2);
    expect(planned.stdout).toMatch(/1 to add, 0 to change, 0 to destroy/);
    apply(tf);
    // Restart of the failed task only (KIP-745): its status goes to RESTARTING at once, so the wait below sees the new run.
    const res = await fetch(`${worker.url}/connectors/${encodeURIComponent(pgConnector)}/restart?includeTasks=true&onlyFailed=true`, { method: 'POST' });
    expect(res.status).toBe(202);
    expect(((await res.json()) as any).tasks.map((t: any) => t.state)).toEqual(['RESTARTING']);
    await waitRunning(worker.url, pgConnector, 120_000, 10_000);
    await collector.waitForChange(pgTopic, 'the row the denied task could not write', (c) => c.op === 'c' && c.after?.id === 500, {
      watch: { url: worker.url, connector: pgConnector },
    });
  });
});

/**
 * End to end, on the real parts: the repo's CDC worker streams a PostgreSQL table (snapshot, then
 * a mixed workload of inserts, updates, a primary-key change and deletes over the engine's common
 * types) into Kafka; Debezium's JDBC sink, configured by our `JdbcSink` construct and created by
 * Terraform on a least-privileged Connect worker (the stack's Connect user and ACLs only), applies
 * the events to a PostgreSQL table; and that table equals the source, row for row. Needs
 * `npm run infra:up`.
 */
import { App, Testing, TerraformStack } from 'cdktf';
import { Client as PgClient } from 'pg';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaScramUser } from '../../constructs/kafka/kafka-scram-user';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { KafkaAccessGrant } from '../../constructs/kafka/kafka-access-grant';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { JdbcSink } from '../../constructs/connect/jdbc-sink';
import { validateAll } from '../../stacks/reference-app';
import { NamedConnectWorker } from './infra';
import { TerraformWorkdir } from './terraform';
import { apply, applyKafkaResources, resolveWorkerProperties, waitFor, waitRunning } from './connect-harness';
import { cleanup, infra, pgClient, RunningWorker, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';
import { requireInfra } from './infra';

jest.setTimeout(600_000);

const env = { ...infra(), ...requireInfra(['KAFKA_VERSION', 'TF_CLI_CONFIG_FILE', 'TERRAFORM_BIN'] as const) };
const name = scratchName('jdbce2e');
const run = name.replace(/_/g, '-');
const schema = name;
const source = `${schema}.mixed`;
const target = `tgt_${name}`;
const topic = `${name}.${schema}.mixed`;
const sinkName = `${run}-jdbc-sink`;
const passwords = { kafka_admin_password: env.KAFKA_ADMIN_PASSWORD, connect_password: `c-${run}-secret`, target_db_password: env.PG_PASSWORD };

/** Columns of the source table: the PostgreSQL types the worker and the sink both carry. */
const COLUMNS = `id int PRIMARY KEY, i2 smallint, i8 bigint, n numeric(12,2), f8 double precision, f4 real, b boolean,
  t text, vc varchar(40), d date, ts timestamp(6), tstz timestamptz, u uuid, j jsonb, bin bytea`;

/** Each column as text, the same way on both sides whatever type the sink chose for it. */
const NORMALIZED = `id, i2::int AS i2, i8::bigint::text AS i8, n::numeric::text AS n, f8::float8 AS f8, f4::float4 AS f4, b::boolean AS b, t::text AS t,
  vc::text AS vc, d::date::text AS d, ts::timestamp::text AS ts, (tstz::timestamptz AT TIME ZONE 'UTC')::text AS tstz, u::text AS u,
  j::text::jsonb AS j, encode(bin::bytea, 'hex') AS bin`;

function buildStack() {
  const app: App = Testing.app();
  const stack = new TerraformStack(app, 'jdbc-e2e-it');
  const kafka = new KafkaCluster(stack, 'kafka', {
    bootstrapServers: env.KAFKA_BOOTSTRAP.split(','),
    kafkaVersion: env.KAFKA_VERSION,
    tlsEnabled: false,
    brokerCount: 1,
    sasl: { username: env.KAFKA_ADMIN_USER, password: SecretValue.fromVariable('kafka_admin_password') },
  });
  const user = new KafkaScramUser(stack, 'connect-user', {
    platform: kafka,
    username: `${run}-connect`,
    password: SecretValue.fromVariable('connect_password'),
  });
  const connect = new KafkaConnectCluster(stack, 'connect', {
    url: 'http://127.0.0.1:18186',
    kafka,
    workerPrincipal: user.principal,
    kafkaCredentials: { username: user.username, password: user.password },
    worker: {
      groupId: `${run}-connect`,
      configStorageTopic: `${run}-connect.configs`,
      offsetStorageTopic: `${run}-connect.offsets`,
      statusStorageTopic: `${run}-connect.status`,
      offsetStoragePartitions: 1,
      statusStoragePartitions: 1,
      replicationFactor: 1,
    },
  });
  // The worker's topic, made beforehand (the broker creates none by itself).
  const cdcTopic = new KafkaTopic(stack, 'cdc-topic', { platform: kafka, name: topic, partitions: 1, replicationFactor: 1 });
  const sink = new JdbcSink(stack, 'sink', {
    cluster: connect,
    name: sinkName,
    topics: [topic],
    flavor: 'debezium',
    connectionUrl: `jdbc:postgresql://${env.PG_HOST}:${env.PG_PORT}/${env.PG_DATABASE}`,
    connectionUser: env.PG_USER,
    connectionPassword: SecretValue.fromVariable('target_db_password'),
    autoCreate: true,
    insertMode: 'upsert',
    primaryKeyMode: 'record_key',
    deleteEnabled: true,
    extraConfig: { 'collection.name.format': target },
  });
  // Sink tasks consume as group connect-<connector name>.
  const read = new KafkaAccessGrant(stack, 'sink-consume', { platform: kafka, principal: connect, intent: 'consume', topic, group: `connect-${sinkName}` });
  sink.connector.addDependency(cdcTopic.resource, ...read.resources);
  const problems = validateAll([stack]);
  if (problems.length) throw new Error(problems.join('\n'));
  return { json: JSON.parse(Testing.synth(stack)), connect };
}

describe('CDC worker → Kafka → Debezium JDBC sink (our JdbcSink) → PostgreSQL: the target equals the source', () => {
  const { json, connect } = buildStack();
  const tf = new TerraformWorkdir(json, passwords);
  const worker = new NamedConnectWorker({
    name: run,
    port: 18186,
    user: `${run}-connect`,
    password: passwords.connect_password,
    group: `${run}-connect`,
    configTopic: `${run}-connect.configs`,
    offsetTopic: `${run}-connect.offsets`,
    statusTopic: `${run}-connect.status`,
    workerProperties: resolveWorkerProperties(connect.workerProperties, passwords),
  });
  let pg: PgClient;
  let cdc: RunningWorker | undefined;

  async function rows(table: string): Promise<any[]> {
    return (await pg.query(`SELECT ${NORMALIZED} FROM ${table} ORDER BY id`)).rows;
  }

  beforeAll(async () => {
    pg = await pgClient(env);
    await pg.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${source} (${COLUMNS})`);
    await pg.query(`INSERT INTO ${source} VALUES
      (1, 1, 10000000000, 12.50, 1.5, 0.25, true, 'snapshot row', 'vc1', '2024-01-31', '2024-02-29 23:59:59.123456', '2024-03-10 12:34:56.789+02',
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2, {"b": null}]}', '\\x00ff10'),
      (2, -32768, -9223372036854775808, -0.01, -1e300, -3.5, false, 'ünïcødé ✓ and "quotes"', '', '1970-01-01', '1970-01-01 00:00:00', '1999-12-31 23:59:59.999999+00',
       'ffffffff-ffff-ffff-ffff-ffffffffffff', '[]', '\\x'),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    tf.must(['init', '-input=false', '-no-color']);
    applyKafkaResources(tf, json);
    worker.up();
    apply(tf);
  });

  afterAll(async () => {
    if (cdc) {
      cdc.proc.kill('SIGTERM');
      await cdc.exited;
    }
    const targets = Object.keys(json.resource['kafka-connect_connector'] ?? {}).map((n) => `-target=kafka-connect_connector.${n}`);
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color', ...targets]);
    try {
      worker.clean();
    } catch (e) {
      console.error(String(e));
    }
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
    await pg?.query(`DROP TABLE IF EXISTS public.${target}`).catch(() => undefined);
    await pg?.end().catch(() => undefined);
    await cleanup(env, name).catch(() => undefined);
  });

  test('the sink applies the snapshot and a mixed workload, and the target table equals the source row for row', async () => {
    await waitRunning(worker.url, sinkName);
    cdc = startWorker(writeConfigFile(workerConfig(env, name, [source])), env);
    await cdc.waitForLog(/"msg":"streaming started"/, 120_000);
    // Inserts, updates (several columns, to and from NULL), a primary-key change, deletes, in
    // single statements and in transactions.
    await pg.query(`INSERT INTO ${source} VALUES
      (4, 4, 4, 4.44, 4.4, 4.5, true, 'four', 'vc4', '2000-02-29', '2000-02-29 12:00:00.5', '2000-02-29 12:00:00.5-05:30',
       '123e4567-e89b-12d3-a456-426614174000', '{"nested": {"x": 1.5, "y": "z"}}', '\\xdeadbeef')`);
    await pg.query('BEGIN');
    await pg.query(`INSERT INTO ${source} (id, t, n) SELECT g, 'bulk ' || g, g * 1.25 FROM generate_series(10, 29) g`);
    await pg.query(`UPDATE ${source} SET t = 'updated', n = 99999.99, j = '{"k": true}', tstz = '2030-01-01 00:00:00+00' WHERE id = 1`);
    await pg.query(`UPDATE ${source} SET i2 = 7, vc = 'was null', u = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', bin = '\\x01' WHERE id = 3`);
    await pg.query('COMMIT');
    await pg.query(`UPDATE ${source} SET t = NULL, b = NULL, d = NULL WHERE id = 2`);
    await pg.query(`DELETE FROM ${source} WHERE id IN (11, 13, 15)`);
    await pg.query(`UPDATE ${source} SET id = 40 WHERE id = 4`); // primary-key change: delete 4, create 40
    await pg.query(`UPDATE ${source} SET f8 = f8 * 2, f4 = -0.125 WHERE id >= 20`);
    await pg.query(`DELETE FROM ${source} WHERE id = 29`);
    await pg.query(`INSERT INTO ${source} (id, t) VALUES (29, 'same key again')`);
    const expected = await rows(source);
    expect(expected).toHaveLength(21); // 1-3, 40, 10-29 without 11, 13, 15
    let last: any[] = [];
    await waitFor(
      `the target table ${target} to equal ${source}`,
      async () => {
        const status = (await (await fetch(`${worker.url}/connectors/${sinkName}/status`)).json()) as any;
        const failed = (status.tasks ?? []).find((t: any) => t.state === 'FAILED');
        if (failed) throw Object.assign(new Error(`the sink task FAILED: ${String(failed.trace).slice(0, 3000)}`), { fatal: true });
        last = await rows(`public.${target}`).catch(() => []);
        return JSON.stringify(last) === JSON.stringify(expected) ? true : undefined;
      },
      180_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\nsource: ${JSON.stringify(expected)}\ntarget: ${JSON.stringify(last)}`);
    });
    expect(last).toEqual(expected);
  });
});

/**
 * What our connector constructs synthesize passes each plugin's own config validation on the
 * harness's real Kafka Connect (`PUT /connector-plugins/{class}/config/validate`): the
 * Debezium PostgreSQL, MySQL and MariaDB sources, the Kafka Connect BigQuery sink and the
 * Debezium JDBC sink. Sensitive values (Terraform references at synth time) are replaced by
 * placeholders, as Terraform would replace them by the secrets. Needs `npm run infra:up`.
 *
 * The validating worker is one of this test's own that logs in as a least-privileged user
 * (GoldenConnect: the stack's Terraform creates the user, its group and internal topics and their
 * ACLs, and nothing else), not the shared worker, which logs in as the broker's super user.
 * Validation reads no topic: Connect runs the plugin's `validate()` and its own config checks in
 * the worker, and the worker needs the broker only for its group and internal topics. The test
 * shows it: the user holds no ACL but the worker's own, and the worker's log has no
 * authorization error after every validation.
 */
import { SecretValue } from '../../constructs/core/secret-value';
import { DebeziumPostgresSource } from '../../constructs/connect/debezium-postgres-source';
import { DebeziumMySqlSource } from '../../constructs/connect/debezium-mysql-source';
import { BigQuerySink } from '../../constructs/connect/bigquery-sink';
import { JdbcSink } from '../../constructs/connect/jdbc-sink';
import { resources, synth } from '../helpers';
import { connectCluster, kafkaCluster, mysqlSource, postgresSource } from '../fixtures';
import { GoldenConnect } from './golden-connect';
import { brokerAcls, kafkaAs } from './connect-harness';
import { requireInfra } from './infra';

jest.setTimeout(600_000);

const run = `val${Date.now().toString(36).slice(-5)}`;
const infra = requireInfra(['KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD'] as const);
// A worker of this test's own, logged in as `<run>-connect` with the ACLs of its group and internal topics only.
const connect = new GoldenConnect({ run, port: 18294, produce: [] });
const env = { CONNECT_URL: connect.url };

beforeAll(() => connect.up());
afterAll(() => connect.down());

interface Validation {
  name: string;
  error_count: number;
  configs: { value: { name: string; errors: string[] } }[];
}

async function validate(connector: any): Promise<Validation> {
  const config: Record<string, string> = { ...connector.config };
  for (const key of Object.keys(connector.config_sensitive ?? {}))
    config[key] = key.endsWith('jaas.config')
      ? 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";'
      : 'placeholder-secret';
  const cls = config['connector.class'];
  const res = await fetch(`${env.CONNECT_URL}/connector-plugins/${encodeURIComponent(cls)}/config/validate`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (!res.ok) throw new Error(`validate ${cls}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Validation;
}

/** Errors per key, without the ones that only say a server cannot be reached from here. */
function errorsOf(v: Validation): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of v.configs) {
    if (!c.value) continue;
    const errs = c.value.errors.filter(
      (e) =>
        !/(Unable to connect|Communications link|Connection refused|UnknownHost|could not connect|timed out|Failed to resolve|Error while validating connector config|Failed to establish connection with the database)/i.test(
          e,
        ),
    );
    if (errs.length) out[c.value.name] = errs;
  }
  return out;
}

/** The connectors our constructs synthesize: three Debezium sources, three BigQuery sinks, a JDBC sink. */
function synthesizedConnectors(): any[] {
  const json = synth((stack) => {
    const kafka = kafkaCluster(stack);
    const cluster = connectCluster(stack, kafka);
    new DebeziumPostgresSource(stack, 'pg', { cluster, database: postgresSource(stack), signalTable: 'signals' });
    new DebeziumMySqlSource(stack, 'my', { cluster, database: mysqlSource(stack), includeSchemaChanges: true });
    new DebeziumMySqlSource(stack, 'maria-capture', { cluster, database: mysqlSource(stack, { logicalName: 'maria', engine: 'mariadb' }) });
    // The sink on Maven Central is WePay's kcbq 2.0.0-alpha, which knows keySource FILE and JSON
    // only (APPLICATION_DEFAULT came with Confluent's later 2.x releases), so these use JSON keys.
    new BigQuerySink(stack, 'bq', {
      cluster,
      name: 'bq-sink',
      project: 'acme-data',
      defaultDataset: 'shop_cdc',
      topics: ['shop.public.orders'],
      upsertEnabled: true,
      deleteEnabled: true,
      kafkaKeyFieldName: 'kafka_key',
      timestampPartitionFieldName: 'created_at',
      clusteringFieldNames: ['id'],
      keySource: 'JSON',
      keyJson: SecretValue.fromVariable('kcbq_key'),
    });
    new BigQuerySink(stack, 'bq-adc', { cluster, name: 'bq-adc-sink', project: 'acme-data', defaultDataset: 'shop_cdc', topics: ['shop.public.orders'] });
    new BigQuerySink(stack, 'bq-json', {
      cluster,
      name: 'bq-json-sink',
      project: 'acme-data',
      defaultDataset: 'raw',
      topicsRegex: 'shop\\..*',
      keySource: 'JSON',
      keyJson: SecretValue.fromVariable('kcbq_key'),
    });
    new JdbcSink(stack, 'jdbc', {
      cluster,
      name: 'pg-sink',
      flavor: 'debezium',
      topics: ['shop.public.orders'],
      connectionUrl: 'jdbc:postgresql://127.0.0.1:15432/inventory',
      connectionUser: 'cdc',
      connectionPassword: SecretValue.fromVariable('sink_pw'),
      insertMode: 'upsert',
      deleteEnabled: true,
      autoCreate: true,
    });
  });
  return resources(json, 'kafka-connect_connector');
}

describe('Connect accepts the connector configs our constructs write', () => {
  const connectors = synthesizedConnectors();

  test('every connector synthesized is validated', () => {
    expect(connectors.map((c) => c.name).sort()).toEqual([
      'bq-adc-sink',
      'bq-json-sink',
      'bq-sink',
      'legacy-mysql-source',
      'maria-mysql-source',
      'pg-sink',
      'shop-postgres-source',
    ]);
  });

  test.each(['shop-postgres-source', 'legacy-mysql-source', 'maria-mysql-source', 'bq-sink', 'bq-json-sink', 'pg-sink'])('%s', async (name) => {
    const connector = connectors.find((c) => c.name === name);
    const result = await validate(connector);
    expect({ name, errors: errorsOf(result) }).toEqual({ name, errors: {} });
    // The plugin recognised the keys we set (no unknown-key typos on the ones it declares).
    const declared = new Set(result.configs.filter((c) => c.value).map((c) => c.value.name));
    expect(declared.has(name.includes('sink') ? 'topics' : 'topic.prefix')).toBe(true);
  });

  test('the Maven Central sink (kcbq 2.0.0-alpha) predates keySource APPLICATION_DEFAULT: the one known gap', async () => {
    const plugins = (await (await fetch(`${env.CONNECT_URL}/connector-plugins`)).json()) as { class: string; version: string }[];
    const kcbq = plugins.find((p) => p.class.endsWith('BigQuerySinkConnector'));
    const errors = errorsOf(await validate(connectors.find((c) => c.name === 'bq-adc-sink')));
    if (kcbq?.version === '2.0.0-alpha') expect(errors).toEqual({ keySource: [expect.stringContaining('APPLICATION_DEFAULT')] });
    else expect(errors).toEqual({});
  });

  test('the validation route does catch a broken config (the test can fail)', async () => {
    const pgSource = connectors.find((c) => c.name === 'shop-postgres-source');
    const broken = { ...pgSource, config: { ...pgSource.config, 'snapshot.mode': 'sometimes', 'plugin.name': 'wal2nothing' } };
    const errors = errorsOf(await validate(broken));
    expect(Object.keys(errors).sort()).toEqual(expect.arrayContaining(['plugin.name', 'snapshot.mode']));
  });

  test("the validating worker logs in only as its least-privileged user, who holds only the worker's own ACLs, and it logged no authorization error", async () => {
    expect(connect.loginUsers()).toEqual([connect.user]);
    const admin = kafkaAs(infra.KAFKA_BOOTSTRAP, infra.KAFKA_ADMIN_USER, infra.KAFKA_ADMIN_PASSWORD, `cdp-${run}`).admin();
    await admin.connect();
    try {
      const held = (await brokerAcls(admin)).filter((a) => a.startsWith(`User:${connect.user} `));
      // Its group, and Read/Write/Describe on its three internal topics: nothing on any other topic, no cluster ACL.
      expect(held.length).toBeGreaterThan(0);
      for (const acl of held)
        expect(acl).toMatch(new RegExp(`^User:${connect.user} \\w+ (group:literal:${run}-connect|topic:literal:${run}-connect\\.(configs|offsets|status))$`));
    } finally {
      await admin.disconnect();
    }
    expect(connect.authorizationErrors()).toEqual([]);
  });
});

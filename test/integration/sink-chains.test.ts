/**
 * Each sink's transform chain, exactly as the constructs synthesize it, run on change events built
 * with Debezium's own classes (test/infra/chains: Debezium's Envelope for relational and Spanner
 * events, MongoDbSchema's layout with JSON-string documents for MongoDB; Debezium 3.6.1 and Kafka
 * Connect 4.3 from Maven Central). Needs Java 17+ and Maven; the first run downloads ~28 MB.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { TerraformStack } from 'cdktf';
import { DebeziumMongoDbSource } from '../../constructs/connect/debezium-mongodb-source';
import { DebeziumSpannerSource } from '../../constructs/connect/debezium-spanner-source';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { SecretValue } from '../../constructs/core/secret-value';
import { IntegrationPlatform, IntegrationSink } from '../../constructs/stages/integration-platform';
import { resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

interface HarnessResult {
  dropped?: boolean;
  error?: string;
  keyType?: string;
  key?: unknown;
  valueType?: string;
  value?: Record<string, unknown> | null;
  nestedFields?: string[];
}

const HARNESS = path.join(__dirname, '..', 'infra', 'chains', 'chains.sh');

function runChain(config: Record<string, string>, records: object[]): HarnessResult[] {
  const run = spawnSync('bash', [HARNESS], { input: JSON.stringify({ config, records }), encoding: 'utf8', timeout: 600000 });
  if (run.status !== 0) throw new Error(`chain harness failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** One change of each kind per source: insert, update, delete and its tombstone. */
const RELATIONAL = (topic: string) => [
  { kind: 'relational', topic, op: 'c', key: { id: 1 }, after: { id: 1, email: 'a@example.com', amount: 12.5 } },
  {
    kind: 'relational',
    topic,
    op: 'u',
    key: { id: 1 },
    before: { id: 1, email: 'a@example.com', amount: 12.5 },
    after: { id: 1, email: 'b@example.com', amount: 13 },
  },
  { kind: 'relational', topic, op: 'd', key: { id: 1 }, before: { id: 1, email: 'b@example.com', amount: 13 } },
  { kind: 'relational', topic, op: 'tombstone', key: { id: 1 } },
];
const OID = { $oid: '65f0c0ffee0000000000beef' };
const MONGODB = (topic: string) => [
  { kind: 'mongodb', topic, op: 'c', key: { _id: OID }, after: { _id: OID, email: 'a@example.com', address: { city: 'Paris' }, tags: ['x', 'y'] } },
  { kind: 'mongodb', topic, op: 'u', key: { _id: OID }, after: { _id: OID, email: 'b@example.com', address: { city: 'Lyon' }, tags: ['x'] } },
  { kind: 'mongodb', topic, op: 'd', key: { _id: OID } },
  { kind: 'mongodb', topic, op: 'tombstone', key: { _id: OID } },
];
const SPANNER = (topic: string) => RELATIONAL(topic).map((r) => ({ ...r, key: { id: 1 } }));

const TOPICS = { pg: 'shop.public.users', mongo: 'profiles.app.users', spanner: 'ledger.Users' };
const RECORDS = [...RELATIONAL(TOPICS.pg), ...MONGODB(TOPICS.mongo), ...SPANNER(TOPICS.spanner)];

/** The five sinks, each fed by PostgreSQL, MongoDB and Spanner through the integration platform. */
function sinkConfigs(): Record<string, Record<string, string>> {
  const select = { source: ['shop', 'profiles', 'ledger'] };
  const sinks: IntegrationSink[] = [
    { kind: 'bigquery', name: 'bigquery-sink', select, topicsAs: 'regex', datasetId: 'lake' },
    {
      kind: 'jdbc',
      name: 'jdbc-sink',
      select,
      options: { connectionUrl: 'jdbc:postgresql://r:5432/r', flavor: 'debezium', insertMode: 'upsert', deleteEnabled: true },
    },
    { kind: 'jdbc', name: 'jdbc-confluent-sink', select, options: { connectionUrl: 'jdbc:postgresql://r:5432/r', insertMode: 'upsert', deleteEnabled: true } },
    { kind: 'search', name: 'search-sink', select, options: { connectionUrls: ['https://search:9200'] } },
    { kind: 'graph', name: 'graph-sink', select, options: { uri: 'neo4j+s://graph:7687' } },
    {
      kind: 'pubsub',
      name: 'pubsub-sink',
      select,
      options: { project: 'acme-data', pubsubTopic: 'events', publisherMember: 'serviceAccount:connect@acme-data.iam.gserviceaccount.com' },
    },
  ];
  const json = synth((stack: TerraformStack) => {
    const kafka = kafkaCluster(stack);
    const connect = connectCluster(stack, kafka);
    const shop = new ExternalSourceDatabase(stack, 'shop', {
      logicalName: 'shop',
      engine: 'postgres',
      host: 'pg',
      databaseName: 'shop',
      replicationPassword: SecretValue.fromVariable('p'),
      tables: [{ name: 'users', primaryKey: ['id'] }],
    });
    const profiles = new DebeziumMongoDbSource(stack, 'profiles', {
      cluster: connect,
      logicalName: 'profiles',
      connectionString: 'mongodb://m:27017/?replicaSet=rs0',
      databaseName: 'app',
      collections: [{ name: 'users', primaryKey: ['_id'] }],
    });
    const ledger = new DebeziumSpannerSource(stack, 'ledger', {
      cluster: connect,
      logicalName: 'ledger',
      project: 'acme-data',
      instanceId: 'ledger-spanner',
      databaseId: 'ledger',
      changeStream: 'changes',
      tables: [{ name: 'Users', primaryKey: ['id'] }],
    });
    new IntegrationPlatform(stack, 'integration', {
      kafka,
      connect,
      databases: [shop],
      captures: [profiles, ledger],
      sinks,
      warehouse: { project: 'acme-data' },
    });
  });
  return Object.fromEntries(resources(json, 'kafka-connect_connector').map((c) => [c.name, c.config]));
}

describe('sink chains on Debezium-built change events', () => {
  const configs = sinkConfigs();
  const byTopic = (results: HarnessResult[], topic: string) => results.filter((_, i) => (RECORDS[i] as { topic: string }).topic === topic);

  test('the audit #4 failure is real: ExtractNewRecordState on a MongoDB event throws, ExtractNewDocumentState reads it', () => {
    const old = runChain(
      { transforms: 'unwrap', 'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState', 'transforms.unwrap.add.fields': 'op,source.ts_ms' },
      MONGODB(TOPICS.mongo).slice(0, 1),
    );
    expect(old[0].error).toMatch(/DataException/);
    const now = byTopic(runChain(configs['bigquery-sink'], RECORDS), TOPICS.mongo);
    expect(now[0]).toMatchObject({ valueType: 'STRUCT', value: { email: 'a@example.com', address: { city: 'Paris' }, tags: ['x', 'y'], __op: 'c' } });
  });

  test('BigQuery: rows of every source, deletes as tombstones (the sink deletes by kafka_key)', () => {
    const out = runChain(configs['bigquery-sink'], RECORDS);
    expect(out.filter((r) => r.error)).toEqual([]);
    for (const topic of Object.values(TOPICS)) {
      const [insert, update, del, tombstone] = byTopic(out, topic);
      expect(insert.value).toMatchObject({ email: 'a@example.com', __op: 'c' });
      expect(update.value).toMatchObject({ email: 'b@example.com', __op: 'u' });
      expect(del.value).toBeNull();
      // 'tombstone' mode makes the delete event the tombstone and drops the source's own one: one delete per row.
      expect(tombstone.dropped).toBe(true);
    }
  });

  test("search (audit #5): every document id is an integer or a string, the sinks' only id types; MongoDB documents carry no _id", () => {
    const out = runChain(configs['search-sink'], RECORDS);
    expect(out.filter((r) => r.error)).toEqual([]);
    expect([...new Set(out.map((r) => r.keyType))].sort()).toEqual(['INT64', 'STRING']);
    expect(byTopic(out, TOPICS.mongo)[0]).toMatchObject({ key: '65f0c0ffee0000000000beef', value: { email: 'a@example.com' } });
    expect(Object.keys(byTopic(out, TOPICS.mongo)[0].value!)).not.toContain('_id');
    expect(byTopic(out, TOPICS.pg)[2].value).toBeNull(); // delete → the sink deletes the document
  });

  test('Neo4j (audit #14): flat rows (node properties cannot be maps) with __deleted for the generated statements; the key keeps its fields for __key.<field>', () => {
    const out = runChain(configs['graph-sink'], RECORDS);
    expect(out.filter((r) => r.error)).toEqual([]);
    const kept = out.filter((r) => !r.dropped);
    for (const r of kept) expect(r.nestedFields).toEqual([]);
    for (const topic of Object.values(TOPICS)) {
      const [insert, , del] = byTopic(out, topic);
      expect(String(insert.value!.__deleted)).toBe('false');
      expect(String(del.value!.__deleted)).toBe('true');
      expect(insert.keyType).toBe('STRUCT');
    }
    expect(byTopic(out, TOPICS.mongo)[0].value).toMatchObject({ address_city: 'Paris' });
  });

  test("JDBC: the Debezium sink gets relational envelopes as they are and flat MongoDB rows; Confluent's gets flat rows of all", () => {
    const debezium = runChain(configs['jdbc-sink'], RECORDS);
    expect(debezium.filter((r) => r.error)).toEqual([]);
    expect(byTopic(debezium, TOPICS.pg)[0].value).toMatchObject({ op: 'c', after: { email: 'a@example.com' } });
    for (const r of byTopic(debezium, TOPICS.mongo).filter((x) => x.value)) expect(r.nestedFields).toEqual([]);
    const confluent = runChain(configs['jdbc-confluent-sink'], RECORDS);
    expect(confluent.filter((r) => r.error)).toEqual([]);
    for (const r of confluent.filter((x) => x.value)) expect(r.nestedFields).toEqual([]);
  });

  test('Pub/Sub (audit #6): no transform touches the events; the converters pass the bytes through', () => {
    expect(configs['pubsub-sink'].transforms).toBeUndefined();
    expect(configs['pubsub-sink']['value.converter']).toBe('org.apache.kafka.connect.converters.ByteArrayConverter');
  });
});

/**
 * The Java harnesses that run sink code on change events, from the integration tests:
 * test/infra/chains/chains.sh (a sink's converter-free transform chain, exactly as a construct
 * configures it, on events built with Debezium's classes or read from bytes) and
 * test/infra/chains/pubsub/pubsub.sh (Google's Pub/Sub sink task on the records' bytes, with its
 * publisher talking to an in-process gRPC server). Also the change events each source kind writes:
 * descriptors for Debezium's builders, and the bytes our CDC worker's own envelope code writes.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { buildTableModel, changeRecords, EnvelopeOptions } from '../../lib/cdc-worker/postgres/envelope';
import { OID } from '../../lib/cdc-worker/postgres/type-mapping';
import { buildMySqlTableModel, MySqlColumnDef, mysqlChangeRecords } from '../../lib/cdc-worker/mysql/envelope';

/** What chains.sh prints per record. */
export interface HarnessResult {
  dropped?: boolean;
  error?: string;
  keyType?: string;
  key?: unknown;
  valueType?: string;
  value?: Record<string, unknown> | null;
  nestedFields?: string[];
  /** With `cypher`: what the Neo4j connector's Cypher strategy would run for the record. */
  cypher?: { statement?: string; parsed?: boolean; parseError?: string; error?: string; parameters?: { events: { header: object; key: any; value: any }[] } };
}

/** A record as stored in Kafka: key and value base64 (null for none). */
export interface StoredRecord {
  topic: string;
  key: string | null;
  value: string | null;
  partition?: number;
  offset?: number;
}

/** One message the Pub/Sub sink task published. */
export interface PublishedMessage {
  data: string;
  dataUtf8: string;
  attributes: Record<string, string>;
  orderingKey: string;
}

/** What pubsub.sh prints. */
export interface PubSubResult {
  records: { published?: number; error?: string }[];
  requests: { topic: string; messages: PublishedMessage[] }[];
}

const INFRA = path.join(__dirname, '..', 'infra', 'chains');

function runJava(script: string, request: object): string {
  const run = spawnSync('bash', [script], { input: JSON.stringify(request), encoding: 'utf8', timeout: 600000 });
  if (run.status !== 0) throw new Error(`${path.basename(script)} failed (${run.status}):\n${run.stderr}`);
  return run.stdout;
}

/**
 * Runs the transform chain of `config` on `records` (descriptors for ChainHarness.java); with
 * `cypher`, also the Neo4j statement and parameters for each record (Neo4jStatement.java).
 */
export function runChain(config: Record<string, string>, records: object[], options: { cypher?: boolean } = {}): HarnessResult[] {
  return JSON.parse(runJava(path.join(INFRA, 'chains.sh'), { config, records, cypher: options.cypher ?? false }));
}

/** The descriptors' records as a Debezium source on the harness's workers stores them (JsonConverter with schemas). */
export function serialize(records: object[]): StoredRecord[] {
  return JSON.parse(runJava(path.join(INFRA, 'chains.sh'), { config: {}, records, serialize: true }));
}

/** Google's Pub/Sub sink task, configured by `config`, on the stored records. */
export function runPubSub(config: Record<string, string>, records: StoredRecord[]): PubSubResult {
  return JSON.parse(runJava(path.join(INFRA, 'pubsub', 'pubsub.sh'), { config, records }));
}

/** A stored record as a ChainHarness descriptor (read back with JsonConverter and schemas). */
export const asBytes = (r: StoredRecord) => ({ kind: 'bytes', topic: r.topic, key: r.key, value: r.value });

const b64 = (s: string | null) => (s === null ? null : Buffer.from(s, 'utf8').toString('base64'));

/** One change of each kind: insert, update, delete and its tombstone, of a table `users (id, email, amount)`. */
export const RELATIONAL = (topic: string, connector = 'postgresql', keyField = 'id') => [
  { kind: 'relational', connector, topic, op: 'c', key: { [keyField]: 1 }, after: { [keyField]: 1, email: 'a@example.com', amount: 12.5 } },
  {
    kind: 'relational',
    connector,
    topic,
    op: 'u',
    key: { [keyField]: 1 },
    before: { [keyField]: 1, email: 'a@example.com', amount: 12.5 },
    after: { [keyField]: 1, email: 'b@example.com', amount: 13 },
  },
  { kind: 'relational', connector, topic, op: 'd', key: { [keyField]: 1 }, before: { [keyField]: 1, email: 'b@example.com', amount: 13 } },
  { kind: 'relational', connector, topic, op: 'tombstone', key: { [keyField]: 1 } },
];
export const OID_HEX = '65f0c0ffee0000000000beef';
const MONGO_ID = { $oid: OID_HEX };
/** The same changes of a MongoDB collection `users`, with a nested document and an array. */
export const MONGODB = (topic: string) => [
  { kind: 'mongodb', topic, op: 'c', key: { _id: MONGO_ID }, after: { _id: MONGO_ID, email: 'a@example.com', address: { city: 'Paris' }, tags: ['x', 'y'] } },
  { kind: 'mongodb', topic, op: 'u', key: { _id: MONGO_ID }, after: { _id: MONGO_ID, email: 'b@example.com', address: { city: 'Lyon' }, tags: ['x'] } },
  { kind: 'mongodb', topic, op: 'd', key: { _id: MONGO_ID } },
  { kind: 'mongodb', topic, op: 'tombstone', key: { _id: MONGO_ID } },
];
/** Spanner's envelope is Debezium's relational one. */
export const SPANNER = (topic: string, keyField = 'id') => RELATIONAL(topic, 'spanner', keyField);
/** Cassandra rows of cell structs, as Debezium's Cassandra agent writes them. */
export const CASSANDRA = (topic: string) => [
  { kind: 'cassandra', topic, op: 'c', key: { id: 1 }, after: { id: 1, email: 'a@example.com' } },
  { kind: 'cassandra', topic, op: 'u', key: { id: 1 }, after: { id: 1, email: 'b@example.com' } },
  { kind: 'cassandra', topic, op: 'tombstone', key: { id: 1 } },
];

/** Our CDC worker's events for `users (id, email, amount)` on PostgreSQL, from its own envelope code. */
export function workerPostgresRecords(topicPrefix: string): StoredRecord[] {
  const opts: EnvelopeOptions & { tombstonesOnDelete: boolean } = {
    topicPrefix,
    database: 'app',
    schemasEnable: true,
    unknownTypes: 'fail',
    debeziumVersion: '3.6.1.Final',
    decimalHandlingMode: 'precise',
    tombstonesOnDelete: true,
  };
  const model = buildTableModel(
    'public',
    'users',
    [
      { name: 'id', typeOid: OID.int4, typmod: -1, notNull: true, pkPosition: 1 },
      { name: 'email', typeOid: OID.text, typmod: -1, notNull: true },
      { name: 'amount', typeOid: OID.float8, typmod: -1, notNull: false },
    ],
    opts,
  );
  const pos = { commitTimeMicros: 1700000000123456, txId: 771, lsn: 24023128n, lastCommitLsn: 24020000n, snapshot: 'false' as const };
  const now = 1700000000200000;
  return [
    ...changeRecords(model, { op: 'c', before: null, after: ['1', 'a@example.com', '12.5'] }, pos, opts, now),
    ...changeRecords(model, { op: 'u', before: ['1', 'a@example.com', '12.5'], after: ['1', 'b@example.com', '13'] }, pos, opts, now),
    ...changeRecords(model, { op: 'd', before: ['1', 'b@example.com', '13'], after: null }, pos, opts, now),
  ].map((r) => ({ topic: r.topic, key: b64(r.key), value: b64(r.value) }));
}

/** Our CDC worker's events for `users (id, email, amount)` on MySQL or MariaDB, from its own envelope code. */
export function workerMySqlRecords(engine: 'mysql' | 'mariadb', topicPrefix: string): StoredRecord[] {
  const opts = {
    engine,
    topicPrefix,
    schemasEnable: true,
    debeziumVersion: '3.5.0.Final',
    decimalHandlingMode: 'precise' as const,
    tombstonesOnDelete: true,
    unknownTypes: 'fail' as const,
  };
  const col = (name: string, columnType: string, extra: Partial<MySqlColumnDef> = {}): MySqlColumnDef => ({
    name,
    dataType: columnType.replace(/\(.*$/, ''),
    columnType,
    nullable: true,
    ...extra,
  });
  const model = buildMySqlTableModel(
    'app',
    'users',
    [col('id', 'int', { nullable: false, pkPosition: 1 }), col('email', 'varchar(64)'), col('amount', 'double')],
    opts,
  );
  const pos = { tsMs: 1700000000000, snapshot: 'false' as const, serverId: 1, gtid: null, file: 'bin.000003', pos: 1234, row: 0, thread: null, query: null };
  return [
    ...mysqlChangeRecords(model, 'c', null, { id: 1, email: 'a@example.com', amount: 12.5 }, pos, opts, 1700000000500),
    ...mysqlChangeRecords(model, 'u', { id: 1, email: 'a@example.com', amount: 12.5 }, { id: 1, email: 'b@example.com', amount: 13 }, pos, opts, 1700000000500),
    ...mysqlChangeRecords(model, 'd', { id: 1, email: 'b@example.com', amount: 13 }, null, pos, opts, 1700000000500),
  ].map((r) => ({ topic: r.topic, key: b64(r.key), value: b64(r.value) }));
}

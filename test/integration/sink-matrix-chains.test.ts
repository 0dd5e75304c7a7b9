/**
 * Every source kind × sink pair the matrix allows (test/connect/source-sink-matrix.ts: the same
 * stacks, built the way a user would build them) runs on that source's change events: the cell's
 * synthesized sink config, its transform chain run by Kafka Connect's and Debezium's own classes
 * (test/infra/chains), and for Pub/Sub Google's sink task itself (test/infra/chains/pubsub). The
 * pairs the matrix refuses (Cassandra into a typed sink) are refused at synth, checked there.
 *
 * Events per row: our CDC worker's rows come from its own envelope code (PostgreSQL, MySQL,
 * MariaDB), read back from their bytes as a Connect worker reads them; Debezium's PostgreSQL,
 * MySQL, MariaDB and Spanner events from Debezium's Envelope, MongoDB's in MongoDbSchema's layout,
 * Cassandra's in the agent's cell-struct layout (test/infra/chains/src/ChainHarness.java).
 */
import { resources, synth } from '../helpers';
import { build, COLUMNS, EXPECTED, SinkColumn, SourceRow, ROWS } from '../connect/source-sink-matrix';
import {
  asBytes,
  CASSANDRA,
  HarnessResult,
  MONGODB,
  OID_HEX,
  RELATIONAL,
  runChain,
  runPubSub,
  serialize,
  SPANNER,
  StoredRecord,
  workerMySqlRecords,
  workerPostgresRecords,
} from './sink-harness';

jest.setTimeout(600_000);

/** The cell's sink connector config, as synthesized. */
function cellConfig(row: SourceRow, sink: SinkColumn): Record<string, string> {
  const connector = resources(synth(build(row, sink)), 'kafka-connect_connector').find((c) => c.name === `${sink}-sink`);
  return connector.config;
}

/** The row's events on `topic`, in order: insert, update, delete, tombstone (Cassandra: insert, update, tombstone). */
function events(row: SourceRow, topic: string): { descriptors: object[]; stored: () => StoredRecord[] } {
  const fromBytes = (stored: StoredRecord[]) => {
    expect(stored.every((r) => r.topic === topic)).toBe(true);
    return { descriptors: stored.map(asBytes), stored: () => stored };
  };
  if (row === 'worker-postgres') return fromBytes(workerPostgresRecords('app'));
  if (row === 'worker-mysql') return fromBytes(workerMySqlRecords('mysql', 'app'));
  if (row === 'worker-mariadb') return fromBytes(workerMySqlRecords('mariadb', 'app'));
  const built: Record<string, () => object[]> = {
    'debezium-postgres': () => RELATIONAL(topic, 'postgresql'),
    'debezium-mysql': () => RELATIONAL(topic, 'mysql'),
    'debezium-mariadb': () => RELATIONAL(topic, 'mariadb'),
    mongodb: () => MONGODB(topic),
    spanner: () => SPANNER(topic, 'UserId'),
    cassandra: () => CASSANDRA(topic),
  };
  const descriptors = built[row]();
  return { descriptors, stored: () => serialize(descriptors) };
}

/** What each sink must receive from the chain, whatever the source. */
const CHECKS: Record<Exclude<SinkColumn, 'pubsub'>, (out: HarnessResult[], row: SourceRow, config: Record<string, string>) => void> = {
  bigquery: (out, row) => {
    const [insert, update, del, tombstone] = out;
    expect(insert.value).toMatchObject({ email: 'a@example.com', __op: 'c' });
    expect(update.value).toMatchObject({ email: 'b@example.com', __op: 'u' });
    // Deletes reach the sink as one tombstone (it deletes by kafka_key); the source's own tombstone is dropped.
    expect(del.value).toBeNull();
    expect(tombstone.dropped).toBe(true);
    if (row === 'mongodb') expect(insert.nestedFields).toEqual(expect.arrayContaining(['address']));
  },
  jdbc: (out, row) => {
    const [insert, update] = out;
    // The Debezium JDBC sink reads relational envelopes itself; MongoDB documents arrive as flat rows.
    if (row === 'mongodb') {
      expect(insert.value).toMatchObject({ email: 'a@example.com', address_city: 'Paris' });
      for (const r of out.filter((x) => x.value)) expect(r.nestedFields).toEqual([]);
    } else {
      expect(insert.value).toMatchObject({ op: 'c', after: { email: 'a@example.com' } });
      expect(update.value).toMatchObject({ op: 'u', before: { email: 'a@example.com' }, after: { email: 'b@example.com' } });
    }
  },
  search: (out, row) => {
    const [insert, , del] = out;
    // The document id: the one key field as an integer or a string, never the key struct.
    for (const r of out.filter((x) => !x.dropped)) expect(r.keyType).toMatch(/^(INT32|INT64|STRING)$/);
    expect(insert.key).toBe(row === 'mongodb' ? OID_HEX : 1);
    expect(insert.value).toMatchObject({ email: 'a@example.com' });
    expect(Object.keys(insert.value!)).not.toContain('_id');
    expect(del.value).toBeNull();
  },
  graph: (out, _row, config) => {
    const [insert, update, del] = out;
    for (const r of out.filter((x) => !x.dropped)) expect(r.nestedFields).toEqual([]);
    expect(insert.value).toMatchObject({ email: 'a@example.com' });
    expect(update.value).toMatchObject({ email: 'b@example.com' });
    expect(String(insert.value!.__deleted)).toBe('false');
    expect(String(del.value!.__deleted)).toBe('true');
    // The statement's `__key.<field>` is a field of the key the sink gets.
    const cypher = Object.entries(config).find(([k]) => k.startsWith('neo4j.cypher.topic.'))![1];
    const keyField = /__key\.`([^`]+)`/.exec(cypher)![1];
    expect(insert.keyType).toBe('STRUCT');
    expect(Object.keys(insert.key as object)).toContain(keyField);
    // What the Neo4j connector would run: the statement wrapped as its Cypher strategy wraps it, valid
    // Cypher (parsed), MERGE on the table's label and key, and each record as the `events` parameter.
    for (const r of out.filter((x) => !x.dropped)) {
      expect(r.cypher).toMatchObject({ parsed: true });
      expect(r.cypher!.statement).toMatch(
        /^UNWIND \$events AS message WITH message\.value AS event, message\.header AS __header, message\.key AS __key, message\.value AS __value CALL \{WITH \* MERGE \(n:`User` \{`(id|_id|UserId)`: __key\.`(id|UserId)`\}\)/,
      );
      expect(r.cypher!.parameters!.events).toEqual([{ header: {}, key: r.key, value: r.value }]);
    }
  },
};

describe("every source kind × sink pair the matrix allows runs on that source's events", () => {
  const allowed = ROWS.flatMap((row) => COLUMNS.filter((sink) => EXPECTED[row][sink] !== 'refused').map((sink) => [row, sink] as const));

  test('the matrix allows 41 pairs and refuses the other 4 (Cassandra into a typed sink), which are refused at synth', () => {
    expect(allowed).toHaveLength(41);
    expect(ROWS.flatMap((row) => COLUMNS.filter((sink) => EXPECTED[row][sink] === 'refused').map((sink) => `${row}→${sink}`))).toEqual([
      'cassandra→bigquery',
      'cassandra→jdbc',
      'cassandra→search',
      'cassandra→graph',
    ]);
  });

  test.each(allowed.filter(([, sink]) => sink !== 'pubsub'))('%s → %s: the transform chain takes every event', (row, sink) => {
    const config = cellConfig(row, sink);
    const { descriptors } = events(row, config.topics);
    const out = runChain(config, descriptors, { cypher: sink === 'graph' });
    expect(out.filter((r) => r.error)).toEqual([]);
    expect(out).toHaveLength(4);
    CHECKS[sink as Exclude<SinkColumn, 'pubsub'>](out, row, config);
  });

  test('the Neo4j statement check can fail: a statement that is not Cypher is reported unparsed', () => {
    const config = cellConfig('debezium-postgres', 'graph');
    const key = Object.keys(config).find((k) => k.startsWith('neo4j.cypher.topic.'))!;
    const [insert] = runChain({ ...config, [key]: 'MERGE (n:`User` {`id`: __key.`id`}' }, events('debezium-postgres', config.topics).descriptors.slice(0, 1), {
      cypher: true,
    });
    expect(insert.cypher).toMatchObject({ parsed: false, parseError: expect.stringMatching(/./) });
  });

  test.each(allowed.filter(([, sink]) => sink === 'pubsub'))("%s → pubsub: Google's sink task publishes each event as written", (row) => {
    const config = cellConfig(row, 'pubsub');
    const stored = events(row, config.topics).stored();
    const out = runPubSub(config, stored);
    expect(out.records).toEqual(stored.map(() => ({ published: 1 })));
    const messages = out.requests.flatMap((r) => r.messages);
    expect(out.requests.map((r) => r.topic)).toEqual(stored.map(() => 'projects/acme-data/topics/app-events'));
    expect(messages.map((m) => m.data)).toEqual(stored.map((r) => r.value ?? ''));
    expect(messages.map((m) => m.attributes.key)).toEqual(stored.map((r) => Buffer.from(r.key!, 'base64').toString('utf8')));
  });
});

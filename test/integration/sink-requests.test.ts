/**
 * A sink connector's own record-to-request code, run where its target cannot run here, on change
 * events as the sources store them in Kafka, with the connector config exactly as our construct
 * synthesizes it; the test asserts on what the sink would send.
 *
 * Pub/Sub: Google's `CloudPubSubSinkTask` (com.google.cloud:pubsub-group-kafka-connector 1.3.3
 * from Maven Central) reads each record through the converters the config names and publishes
 * with the real Pub/Sub client to an in-process gRPC server, which records every
 * `google.pubsub.v1.Publisher/Publish` request (test/infra/chains/pubsub).
 *
 * Not here: the Elasticsearch/OpenSearch and Neo4j sinks. None of their jars is on Maven Central,
 * the only registry this machine reaches (docs/apply-audit-2026-12.md, #5 and #14, says which
 * coordinates were tried); their chains run in sink-chains.test.ts.
 */
import { TerraformStack } from 'cdktf';
import { PubSubOrderingKeySource, PubSubSink } from '../../constructs/connect/pubsub-sink';
import { SinkSource } from '../../constructs/connect/change-events';
import { resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';
import { MONGODB, RELATIONAL, runPubSub, serialize, StoredRecord, workerMySqlRecords } from './sink-harness';

jest.setTimeout(600_000);

const TOPICS = { pg: 'shop.public.users', mongo: 'profiles.app.users', worker: 'legacy.app.users' };

/** The Pub/Sub sink's connector config as the construct synthesizes it. */
function pubsubConfig(orderingKeySource?: PubSubOrderingKeySource): Record<string, string> {
  const json = synth((stack: TerraformStack) => {
    const connect = connectCluster(stack, kafkaCluster(stack));
    const sources: SinkSource[] = [
      { kind: 'postgres', topics: [{ topic: TOPICS.pg, keyFields: ['id'] }] },
      { kind: 'mongodb', topics: [{ topic: TOPICS.mongo, keyFields: ['_id'] }] },
      { kind: 'mysql', topics: [{ topic: TOPICS.worker, keyFields: ['id'] }] },
    ];
    new PubSubSink(stack, 'sink', {
      cluster: connect,
      name: 'pubsub-sink',
      topics: Object.values(TOPICS),
      sources,
      project: 'acme-data',
      pubsubTopic: 'app-events',
      publisherMember: 'serviceAccount:connect@acme-data.iam.gserviceaccount.com',
      orderingKeySource,
    });
  });
  const [connector] = resources(json, 'kafka-connect_connector');
  return connector.config;
}

const text = (b64: string | null) => (b64 === null ? null : Buffer.from(b64, 'base64').toString('utf8'));

describe("Pub/Sub: Google's CloudPubSubSinkTask on the events as stored, with the synthesized config", () => {
  // Debezium PostgreSQL and MongoDB events (Debezium's classes, JsonConverter with schemas), then our worker's MySQL events.
  const stored: StoredRecord[] = [...serialize([...RELATIONAL(TOPICS.pg), ...MONGODB(TOPICS.mongo)]), ...workerMySqlRecords('mysql', 'legacy')];
  const messagesOf = (out: ReturnType<typeof runPubSub>) => out.requests.flatMap((r) => r.messages.map((m) => ({ ...m, topic: r.topic })));

  test("audit #6: every record becomes one message on the stack's topic: the value's bytes as written, the key as the `key` attribute; a tombstone a message with no data", () => {
    expect(stored.map((r) => r.topic)).toEqual([...Array(4).fill(TOPICS.pg), ...Array(4).fill(TOPICS.mongo), ...Array(4).fill(TOPICS.worker)]);
    const out = runPubSub(pubsubConfig(), stored);
    expect(out.records).toEqual(stored.map(() => ({ published: 1 })));
    const messages = messagesOf(out);
    expect(messages).toHaveLength(stored.length);
    messages.forEach((m, i) => {
      expect(m.topic).toBe('projects/acme-data/topics/app-events');
      // Byte for byte what the source wrote; a tombstone carries no data.
      expect(m.data).toBe(stored[i].value ?? '');
      expect(m.attributes).toEqual({ key: text(stored[i].key) });
      expect(m.orderingKey).toBe('');
    });
    // What a subscriber reads is the change event itself, envelope and schema included.
    const insert = JSON.parse(messages[0].dataUtf8);
    expect(insert.payload).toMatchObject({ op: 'c', after: { id: 1, email: 'a@example.com' }, source: { connector: 'postgresql' } });
    expect(JSON.parse(messages[4].dataUtf8).payload.after).toBe(
      JSON.stringify({ _id: { $oid: '65f0c0ffee0000000000beef' }, email: 'a@example.com', address: { city: 'Paris' }, tags: ['x', 'y'] }),
    );
    expect(JSON.parse(messages[9].dataUtf8).payload).toMatchObject({ op: 'u', after: { id: 1, email: 'b@example.com' }, source: { connector: 'mysql' } });
    expect(JSON.parse(messages[0].attributes.key)).toEqual({ schema: expect.objectContaining({ type: 'struct' }), payload: { id: 1 } });
  });

  test('orderingKeySource key and partition: the message takes the record key, or the partition number, as ordering key', () => {
    const byKey = messagesOf(runPubSub(pubsubConfig('key'), stored.slice(0, 4)));
    expect(byKey.map((m) => m.orderingKey)).toEqual(stored.slice(0, 4).map((r) => text(r.key)));
    const byPartition = messagesOf(
      runPubSub(
        pubsubConfig('partition'),
        stored.slice(0, 2).map((r) => ({ ...r, partition: 3 })),
      ),
    );
    expect(byPartition.map((m) => m.orderingKey)).toEqual(['3', '3']);
  });

  test("audit #6: the config before the fix (the workers' JsonConverter for values) makes the task refuse every Debezium envelope: the check can fail", () => {
    const before = { ...pubsubConfig(), 'value.converter': 'org.apache.kafka.connect.json.JsonConverter', 'value.converter.schemas.enable': 'true' };
    const out = runPubSub(before, stored.slice(0, 2));
    expect(out.records).toEqual([
      { error: 'DataException: Struct type does not support nested Map or Struct types, present in field before' },
      { error: 'DataException: Struct type does not support nested Map or Struct types, present in field before' },
    ]);
    expect(out.requests).toEqual([]);
  });
});

/** The delivery rule, with a fake Kafka: a checkpoint is reported only after every record before it is acknowledged. */
const sent: { topic: string; messages: { key: string | null; value: string | null }[] }[][] = [];
const txnLog: string[] = [];
let failNext = false;
let gate: Promise<void> | null = null;

jest.mock('kafkajs', () => {
  const sendBatch = async ({ topicMessages }: { topicMessages: never[] }) => {
    if (gate) await gate;
    if (failNext) {
      failNext = false;
      throw new Error('broker down');
    }
    sent.push(topicMessages);
  };
  return {
    CompressionTypes: { None: 0, GZIP: 1 },
    logLevel: { NOTHING: 0 },
    Kafka: class {
      producer() {
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          sendBatch,
          transaction: async () => {
            txnLog.push('begin');
            return {
              sendBatch,
              commit: async () => void txnLog.push('commit'),
              abort: async () => void txnLog.push('abort'),
            };
          },
        };
      }
      admin() {
        return { connect: async () => undefined, disconnect: async () => undefined, listTopics: async () => [], createTopics: async () => true };
      }
    },
  };
});

import { KafkaSink } from '../../../lib/cdc-worker/kafka/sink';

const kafkaCfg = { brokers: ['k:1'], clientId: 'c', ssl: false, batchSize: 3, maxBatchBytes: 1000000, compression: 'none' as const };
const rec = (i: number) => ({ record: { topic: 't', key: String(i), value: `v${i}` }, bytes: 2 });

function makeSink(mode: 'at-least-once' | 'exactly-once' = 'at-least-once', maxBuffered = 100) {
  const checkpoints: bigint[] = [];
  const fatal: Error[] = [];
  const sink = new KafkaSink(
    kafkaCfg,
    maxBuffered,
    { onCheckpoint: (l) => void checkpoints.push(l), onBatch: () => undefined, onFatal: (e) => void fatal.push(e) },
    { mode, offsetsTopic: 'offsets', transactionalId: 'tx', positionKey: 'slot' },
  );
  return { sink, checkpoints, fatal };
}

beforeEach(() => {
  sent.length = 0;
  txnLog.length = 0;
  failNext = false;
  gate = null;
});

describe('KafkaSink', () => {
  test('checkpoints follow the acknowledgement of every record before them, in order', async () => {
    const { sink, checkpoints } = makeSink();
    await sink.connect();
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    for (let i = 1; i <= 4; i++) sink.push(rec(i));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    sink.push(rec(5));
    sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    await new Promise((r) => setTimeout(r, 20));
    expect(checkpoints).toEqual([]); // nothing acknowledged yet
    gate = null;
    open();
    await sink.flush();
    expect(checkpoints).toEqual([100n, 200n]);
    expect(sent.flatMap((b) => b.flatMap((t) => t.messages.map((m) => m.key)))).toEqual(['1', '2', '3', '4', '5']);
    expect(sent.map((b) => b[0].messages.length)).toEqual([3, 2]); // batchSize 3
    await sink.close();
  });

  test('a batch stays under maxBatchBytes (the broker rejects bigger record batches)', async () => {
    const checkpoints: bigint[] = [];
    const sink = new KafkaSink({ ...kafkaCfg, batchSize: 100, maxBatchBytes: 2500 }, 100, {
      onCheckpoint: (l) => void checkpoints.push(l),
      onBatch: () => undefined,
      onFatal: () => undefined,
    });
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    await sink.connect();
    for (let i = 1; i <= 5; i++) sink.push({ record: { topic: 't', key: String(i), value: 'x'.repeat(1000) }, bytes: 1001 });
    sink.push({ checkpoint: 7n, commitTimeMicros: 0 });
    gate = null;
    open();
    await sink.flush();
    expect(sent.map((b) => b[0].messages.length)).toEqual([2, 2, 1]); // 2 × 1001 bytes fit in 2500
    expect(checkpoints).toEqual([7n]);
    await sink.close();
  });

  test('a failed produce is fatal and confirms nothing past the last acknowledged batch', async () => {
    const { sink, checkpoints, fatal } = makeSink();
    await sink.connect();
    sink.push(rec(1));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    await sink.flush();
    failNext = true;
    sink.push(rec(2));
    sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    await new Promise((r) => setTimeout(r, 20));
    expect(checkpoints).toEqual([100n]);
    expect(fatal.map((e) => e.message)).toEqual(['Kafka produce failed: broker down']);
  });

  test('backpressure: no space while maxBuffered records are unacknowledged', async () => {
    const { sink } = makeSink('at-least-once', 3);
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    await sink.connect();
    for (let i = 1; i <= 3; i++) sink.push(rec(i));
    expect(sink.hasSpace()).toBe(false);
    const space = sink.waitForSpace();
    expect(space).not.toBeNull();
    gate = null;
    open();
    await space;
    expect(sink.hasSpace()).toBe(true);
    await sink.close();
  });

  test('exactly-once: each Kafka transaction holds whole source transactions plus the position', async () => {
    const { sink, checkpoints } = makeSink('exactly-once');
    await sink.connect();
    for (let i = 1; i <= 5; i++) sink.push(rec(i)); // one source transaction larger than batchSize
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toHaveLength(0); // waits for its commit
    expect(sink.hasSpace()).toBe(true);
    sink.push({ checkpoint: 500n, commitTimeMicros: 0 });
    sink.push(rec(6));
    await new Promise((r) => setTimeout(r, 20));
    expect(sent).toHaveLength(1);
    expect(sent[0].find((t) => t.topic === 't')!.messages.map((m) => m.key)).toEqual(['1', '2', '3', '4', '5']);
    expect(sent[0].find((t) => t.topic === 'offsets')!.messages).toEqual([
      expect.objectContaining({ key: 'slot', value: expect.stringContaining('"lsn":"500"') }),
    ]);
    expect(txnLog).toEqual(['begin', 'commit']);
    expect(checkpoints).toEqual([500n]);
    await sink.close(); // record 6 has no commit: dropped, never confirmed
    expect(sent).toHaveLength(1);
  });
});

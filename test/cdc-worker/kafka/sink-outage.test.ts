/**
 * KafkaSink through a Kafka outage, with a fake Kafka: a batch that fails with a transient error
 * is sent again (the same batch, before anything after it) until it goes through or the outage
 * time-out passes; other errors are fatal at once. Exactly-once: a failed commit whose outcome is
 * unknown is settled through the offsets topic (a new producer fences the old one first), so a
 * transaction that did commit is not sent twice.
 */
type Msg = { key: string | null; value: string | null };
type TopicMessages = { topic: string; messages: Msg[] }[];

/** What the fake broker has: committed batches, and per call what to do. */
const broker = {
  /** batches visible to consumers (at-least-once: every acknowledged send; exactly-once: committed transactions) */
  committed: [] as TopicMessages[],
  /** errors to throw, in order, from sendBatch (at-least-once) or from the transaction's sendBatch/commit */
  failSend: [] as Error[],
  failCommit: [] as { err: Error; butCommitted: boolean }[],
  producersConnected: 0,
  aborts: 0,
  /** offsets records the fake consumer returns instead of the real ones, once (a read that ended early) */
  staleReads: 0,
};

jest.mock('kafkajs', () => {
  const offsetsOf = () => broker.committed.flatMap((b) => b.filter((t) => t.topic === 'offsets').flatMap((t) => t.messages));
  return {
    CompressionTypes: { None: 0, GZIP: 1 },
    logLevel: { NOTHING: 0 },
    Kafka: class {
      producer() {
        return {
          connect: async () => void broker.producersConnected++,
          disconnect: async () => undefined,
          sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages }) => {
            const e = broker.failSend.shift();
            if (e) throw e;
            broker.committed.push(topicMessages);
          },
          transaction: async () => {
            let pending: TopicMessages | null = null;
            return {
              sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages }) => {
                const e = broker.failSend.shift();
                if (e) throw e;
                pending = topicMessages;
              },
              commit: async () => {
                const f = broker.failCommit.shift();
                if (f) {
                  if (f.butCommitted) broker.committed.push(pending!); // written, the reply lost
                  throw f.err;
                }
                broker.committed.push(pending!);
              },
              abort: async () => void broker.aborts++,
            };
          },
        };
      }
      admin() {
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          listTopics: async () => [],
          createTopics: async () => true,
          fetchTopicOffsets: async () => [{ partition: 0, high: String(offsetsOf().length) }],
        };
      }
      consumer() {
        return {
          connect: async () => undefined,
          disconnect: async () => undefined,
          subscribe: async () => undefined,
          run: async ({ eachBatch }: { eachBatch: (p: unknown) => Promise<void> }) => {
            let messages = offsetsOf().map((m) => ({ key: Buffer.from(m.key!), value: Buffer.from(m.value!) }));
            if (broker.staleReads > 0) {
              broker.staleReads--;
              messages = messages.slice(0, 1); // an old record only
            }
            await eachBatch({ batch: { messages, lastOffset: () => String(messages.length - 1), highWatermark: String(messages.length) } });
          },
        };
      }
    },
  };
});

import { KafkaSink } from '../../../lib/cdc-worker/kafka/sink';
import { isTransientKafkaError } from '../../../lib/cdc-worker/kafka/errors';

const real = jest.requireActual('kafkajs');
/** What kafkajs throws when it gives up on an unreachable broker. */
const unreachable = () =>
  new real.KafkaJSNonRetriableError(new real.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:29092'), {
    cause: new real.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:29092'),
  });

const kafkaCfg = { brokers: ['k:1'], clientId: 'c', ssl: false, batchSize: 3, maxBatchBytes: 1000000, compression: 'none' as const };
const rec = (i: number) => ({ record: { topic: 't', key: String(i), value: `v${i}` }, bytes: 2 });

/** `outageTimeoutMs` is the `kafka` section's (undefined: left out, the default applies). */
function makeSink(mode: 'at-least-once' | 'exactly-once', outageTimeoutMs: number | undefined = 5000) {
  const checkpoints: bigint[] = [];
  const fatal: string[] = [];
  const retries: { attempt: number; err: string }[] = [];
  const recovered: number[] = [];
  const sink = new KafkaSink(
    { ...kafkaCfg, outageTimeoutMs },
    100,
    {
      onCheckpoint: (l) => void checkpoints.push(l),
      onBatch: () => undefined,
      onFatal: (e) => void fatal.push(e.message),
      onRetry: (e, attempt) => void retries.push({ attempt, err: e.message }),
      onRecovered: (_ms, attempts) => void recovered.push(attempts),
    },
    { mode, offsetsTopic: 'offsets', transactionalId: 'tx', positionKey: 'slot', retryBackoffMs: 5 },
  );
  return { sink, checkpoints, fatal, retries, recovered };
}

const keys = (topic = 't') => broker.committed.flatMap((b) => b.filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => m.key)));
const tick = (ms = 100) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  broker.committed.length = 0;
  broker.failSend.length = 0;
  broker.failCommit.length = 0;
  broker.producersConnected = 0;
  broker.aborts = 0;
  broker.staleReads = 0;
});

describe('isTransientKafkaError', () => {
  test('an unreachable broker, also wrapped by kafkajs giving up, is transient', () => {
    expect(isTransientKafkaError(unreachable())).toBe(true);
    expect(isTransientKafkaError(new real.KafkaJSNumberOfRetriesExceeded(new real.KafkaJSConnectionError('x'), { retryCount: 5, retryTime: 1000 }))).toBe(true);
    expect(isTransientKafkaError(new real.KafkaJSRequestTimeoutError('timeout'))).toBe(true);
    expect(isTransientKafkaError(new real.KafkaJSProtocolError({ message: 'not leader', type: 'NOT_LEADER_OR_FOLLOWER', retriable: true }))).toBe(true);
  });
  test('authentication, authorization, fencing and foreign errors are not', () => {
    expect(isTransientKafkaError(new real.KafkaJSSASLAuthenticationError('SASL SCRAM SHA512 authentication failed'))).toBe(false);
    expect(isTransientKafkaError(new real.KafkaJSProtocolError({ message: 'not authorized', type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }))).toBe(
      false,
    );
    expect(isTransientKafkaError(new real.KafkaJSProtocolError({ message: 'fenced', type: 'INVALID_PRODUCER_EPOCH', retriable: false }))).toBe(false);
    expect(isTransientKafkaError(new Error('broker down'))).toBe(false);
    expect(isTransientKafkaError(undefined)).toBe(false);
  });
});

describe('KafkaSink through an outage', () => {
  test('at-least-once: the failed batch is sent again, before what follows it, and then confirmed', async () => {
    const { sink, checkpoints, fatal, retries, recovered } = makeSink('at-least-once');
    await sink.connect();
    broker.failSend.push(unreachable(), unreachable());
    sink.push(rec(1));
    sink.push(rec(2));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    await tick(20);
    sink.push(rec(3));
    sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    await sink.flush();
    expect(fatal).toEqual([]);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(retries[0].err).toContain('ECONNREFUSED');
    expect(recovered).toEqual([3]);
    expect(keys()).toEqual(['1', '2', '3']);
    expect(checkpoints).toEqual([100n, 200n]);
    await sink.close();
  });

  test('at-least-once: an outage longer than the time-out is fatal and confirms nothing of the batch', async () => {
    const { sink, checkpoints, fatal } = makeSink('at-least-once', 40);
    await sink.connect();
    sink.push(rec(1));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    await sink.flush();
    for (let i = 0; i < 50; i++) broker.failSend.push(unreachable());
    sink.push(rec(2));
    sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    await tick(300);
    expect(checkpoints).toEqual([100n]);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatch(/^Kafka produce failed \(Kafka unavailable for \d+ s, beyond kafka\.outageTimeoutMs 40\): Connection error: connect ECONNREFUSED/);
    expect(keys()).toEqual(['1']);
  });

  test('kafka.outageTimeoutMs sets the time-out; without it the sink rides through 120 s', async () => {
    const short = makeSink('at-least-once', 30);
    const long = makeSink('at-least-once', undefined);
    await short.sink.connect();
    await long.sink.connect();
    // both fail for the same 400 ms (5 ms backoff: dozens of attempts each)
    for (let i = 0; i < 2000; i++) broker.failSend.push(unreachable());
    short.sink.push(rec(1));
    short.sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    long.sink.push(rec(2));
    long.sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    await tick(400);
    expect(short.fatal).toHaveLength(1);
    expect(short.fatal[0]).toContain('beyond kafka.outageTimeoutMs 30)');
    expect(long.fatal).toEqual([]);
    expect(long.retries.length).toBeGreaterThan(5);
    broker.failSend.length = 0; // Kafka is back
    await long.sink.flush();
    expect(long.fatal).toEqual([]);
    expect(long.checkpoints).toEqual([200n]);
    expect(keys()).toEqual(['2']);
    await long.sink.close();
  });

  test('a non-transient error is fatal at once, without a retry', async () => {
    const { sink, fatal, retries } = makeSink('at-least-once');
    await sink.connect();
    broker.failSend.push(new real.KafkaJSProtocolError({ message: 'Not authorized to access topics', type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }));
    sink.push(rec(1));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    await tick(50);
    expect(retries).toEqual([]);
    expect(fatal).toEqual(['Kafka produce failed: Not authorized to access topics']);
  });

  test('exactly-once: a transaction that failed before its commit is aborted and sent again, once', async () => {
    const { sink, checkpoints, fatal, retries } = makeSink('exactly-once');
    await sink.connect();
    expect(await sink.storedPosition()).toBeNull();
    broker.failSend.push(unreachable());
    sink.push(rec(1));
    sink.push(rec(2));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    await sink.flush();
    expect(fatal).toEqual([]);
    expect(retries).toHaveLength(1);
    expect(broker.aborts).toBe(1);
    expect(broker.producersConnected).toBe(2); // a new producer fenced the old one
    expect(keys()).toEqual(['1', '2']);
    expect(checkpoints).toEqual([100n]);
    await sink.close();
  });

  test('exactly-once: a commit that went through with its reply lost is not sent twice', async () => {
    const { sink, checkpoints, fatal } = makeSink('exactly-once');
    await sink.connect();
    sink.push(rec(1));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    await sink.flush();
    broker.failCommit.push({ err: unreachable(), butCommitted: true });
    sink.push(rec(2));
    sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    sink.push(rec(3));
    sink.push({ checkpoint: 300n, commitTimeMicros: 0 });
    await sink.flush();
    expect(fatal).toEqual([]);
    expect(keys()).toEqual(['1', '2', '3']);
    expect(keys('offsets')).toEqual(['slot', 'slot']); // two transactions: [1] and [2, 3], each once
    expect(checkpoints).toEqual([100n, 200n, 300n]);
    expect(await sink.storedPosition()).toBe(300n);
    await sink.close();
  });

  test('exactly-once: a commit that failed and did not go through is sent again', async () => {
    const { sink, checkpoints, fatal } = makeSink('exactly-once');
    await sink.connect();
    sink.push(rec(1));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    await sink.flush();
    broker.failCommit.push({ err: unreachable(), butCommitted: false });
    sink.push(rec(2));
    sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    await sink.flush();
    expect(fatal).toEqual([]);
    expect(keys()).toEqual(['1', '2']);
    expect(checkpoints).toEqual([100n, 200n]);
    await sink.close();
  });

  test('exactly-once: an offsets read that shows neither transaction is read again, not taken as "not committed"', async () => {
    const { sink, checkpoints, fatal, retries } = makeSink('exactly-once');
    await sink.connect();
    sink.push(rec(1));
    sink.push({ checkpoint: 100n, commitTimeMicros: 0 });
    sink.push(rec(2));
    sink.push({ checkpoint: 200n, commitTimeMicros: 0 });
    await sink.flush(); // one transaction: records 1, 2 and both checkpoints
    sink.push(rec(3));
    sink.push({ checkpoint: 300n, commitTimeMicros: 0 });
    await sink.flush();
    broker.failCommit.push({ err: unreachable(), butCommitted: true });
    broker.staleReads = 1; // the first read after the failure ends early, on the oldest record
    sink.push(rec(4));
    sink.push({ checkpoint: 400n, commitTimeMicros: 0 });
    await sink.flush();
    expect(fatal).toEqual([]);
    expect(retries.map((r) => r.err)).toEqual([
      'Connection error: connect ECONNREFUSED 127.0.0.1:29092',
      expect.stringMatching(/^the offsets topic shows transaction .* neither the failed/),
    ]);
    expect(keys()).toEqual(['1', '2', '3', '4']); // 4 once: the second read saw its commit
    expect(checkpoints).toEqual([100n, 200n, 300n, 400n]);
    await sink.close();
  });
});

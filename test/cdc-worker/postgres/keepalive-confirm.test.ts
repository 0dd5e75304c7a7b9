/**
 * Issue 19 item 4: the slot advances while the captured tables are quiet. The stream confirms a
 * server keepalive's position once everything received before it is acknowledged by Kafka, also
 * when the keepalive arrived while records were still in flight (before, such a keepalive was
 * dropped and the slot stayed at the last captured transaction until the next idle keepalive).
 * The stream runs for real; its context is a fake with an ordered sink acknowledged by hand.
 */
import pino from 'pino';
import type { EngineContext } from '../../../lib/cdc-worker/core/worker';
import type { QueueItem } from '../../../lib/cdc-worker/core/sink';
import type { Catalog } from '../../../lib/cdc-worker/postgres/catalog';
import { PgChangeStream, PgPositions } from '../../../lib/cdc-worker/postgres/stream';
import type { ReplicationMessage } from '../../../lib/cdc-worker/postgres/protocol';
import { u8, i32, u64, relationOfT, insertIntoT } from './pgoutput-bytes';

/** An ordered sink: items wait until {@link ackAll}, which acknowledges them in order. */
class OrderedSink {
  queue: QueueItem[] = [];
  pushed: QueueItem[] = [];
  constructor(private readonly onCheckpoint: (p: bigint) => void) {}
  push(item: QueueItem): void {
    this.queue.push(item);
    this.pushed.push(item);
  }
  hasSpace(): boolean {
    return true;
  }
  onSpace(cb: () => void): void {
    cb();
  }
  get idle(): boolean {
    return this.queue.length === 0;
  }
  get checkpoints(): bigint[] {
    return this.pushed.filter((i): i is { checkpoint: bigint; commitTimeMicros: number } => 'checkpoint' in i).map((i) => i.checkpoint);
  }
  ackAll(): void {
    for (const item of this.queue.splice(0)) if ('checkpoint' in item) this.onCheckpoint(item.checkpoint);
  }
}

const catalog = {
  columns: async () => [
    { name: 'id', notNull: true, pkPosition: 1 },
    { name: 'name', notNull: false, pkPosition: undefined },
  ],
  loadTypes: async () => undefined,
  type: () => undefined,
} as unknown as Catalog;

function setup() {
  const positions: PgPositions = { acked: 0x5000n, stored: null, serverWalEnd: 0n };
  const sink = new OrderedSink((p) => {
    if (p > positions.acked) positions.acked = p; // what PostgresEngine.onCheckpoint does
  });
  const noop = { inc: () => undefined, observe: () => undefined };
  const ctx = {
    cfg: { delivery: { maxBufferedEvents: 1000 }, output: { includeTruncate: true } },
    log: pino({ level: 'silent' }),
    metrics: { events: noop, commitToReceive: noop, skipped: noop },
    phase: 'streaming',
    sink,
    record: (record: unknown) => ({ record, bytes: 1 }),
    commitSeen: () => undefined,
    fail: (e: Error) => {
      throw e;
    },
  } as unknown as EngineContext;
  const opts = {
    topicPrefix: 'p',
    database: 'db',
    schemasEnable: false,
    unknownTypes: 'fail',
    debeziumVersion: 'x',
    decimalHandlingMode: 'precise',
    provideTransactionMetadata: false,
    tombstonesOnDelete: false,
  };
  const stream = new PgChangeStream(ctx, catalog, opts as never, positions, () => undefined);
  return { positions, sink, stream };
}

// pgoutput messages reach the stream already decoded: the stream decodes `data`, so the test
// writes real pgoutput bytes.
const xlog = (lsn: bigint, data: Buffer): ReplicationMessage => ({ kind: 'xlogdata', walStart: lsn, walEnd: lsn, sendTimeMicros: Date.now() * 1000, data });
const keepalive = (walEnd: bigint): ReplicationMessage => ({ kind: 'keepalive', walEnd, sendTimeMicros: Date.now() * 1000, replyRequested: false });
const begin = (endLsn: bigint) => Buffer.concat([Buffer.from('B'), u64(endLsn - 8n), u64(0n), i32(700)]);
const commit = (endLsn: bigint) => Buffer.concat([Buffer.from('C'), u8(0), u64(endLsn - 8n), u64(endLsn), u64(0n)]);

/** The stream processes its inbox asynchronously (a Relation message looks up the catalog). */
const settle = () => new Promise((r) => setTimeout(r, 20));

function transaction(stream: PgChangeStream, id: number, endLsn: bigint, withRelation = false): void {
  stream.onReplication(xlog(endLsn - 40n, begin(endLsn)));
  if (withRelation) stream.onReplication(xlog(endLsn - 32n, relationOfT));
  stream.onReplication(xlog(endLsn - 24n, insertIntoT(id)));
  stream.onReplication(xlog(endLsn - 8n, commit(endLsn)));
}

describe('PostgreSQL stream: keepalive positions are confirmed when nothing before them is pending', () => {
  test('a keepalive with nothing pending moves the acknowledged position at once', () => {
    const { positions, stream } = setup();
    stream.onReplication(keepalive(0x9000n));
    expect(positions.acked).toBe(0x9000n);
  });

  test('a keepalive received while a transaction is in flight is confirmed once Kafka acknowledged the transaction', async () => {
    const { positions, sink, stream } = setup();
    transaction(stream, 1, 0x6000n, true);
    await settle();
    expect(sink.idle).toBe(false); // tx 1 in flight
    stream.onReplication(keepalive(0x9000n)); // the busy database's WAL moved on; nothing captured in it
    await settle();
    expect(positions.acked).toBe(0x5000n); // nothing confirmed before Kafka has tx 1
    sink.ackAll();
    expect(positions.acked).toBe(0x9000n);
    expect(sink.checkpoints).toEqual([0x6000n, 0x9000n]);
  });

  test("a keepalive between a transaction's messages is not confirmed ahead of its commit", async () => {
    const { positions, sink, stream } = setup();
    stream.onReplication(xlog(0x5f00n, relationOfT));
    stream.onReplication(xlog(0x5fc8n, begin(0x6000n)));
    stream.onReplication(xlog(0x5fd8n, insertIntoT(1)));
    stream.onReplication(keepalive(0x7000n)); // (hypothetically past the transaction's end)
    stream.onReplication(xlog(0x5ff8n, commit(0x6000n)));
    await settle();
    expect(sink.checkpoints).toEqual([0x6000n]);
    sink.ackAll();
    expect(positions.acked).toBe(0x6000n);
  });

  test('a flood of keepalives while Kafka is slow keeps one keepalive checkpoint in the sink at a time', async () => {
    const { positions, sink, stream } = setup();
    transaction(stream, 1, 0x6000n, true);
    await settle();
    for (let i = 1; i <= 1000; i++) {
      stream.onReplication(keepalive(0x6000n + BigInt(i) * 0x100n));
      if (i % 100 === 0) await settle();
    }
    await settle();
    // the first keepalive became a checkpoint at once; the 999 after it found it still in the sink
    expect(sink.checkpoints).toEqual([0x6000n, 0x6100n]);
    sink.ackAll();
    expect(positions.acked).toBe(0x6100n);
    // the next keepalive finds nothing pending and is confirmed at once
    stream.onReplication(keepalive(0x6000n + 1001n * 0x100n));
    expect(positions.acked).toBe(0x6000n + 1001n * 0x100n);
  });
});

/**
 * The PostgreSQL worker with a fake server (`pg`: catalog, replication and snapshot connections)
 * and a fake Kafka: the worker itself runs (start, slot and publication, snapshot, streaming,
 * standby status, stop), only the wire is fake. As the MySQL/MariaDB worker's faults test:
 * - positions: the slot is confirmed at a transaction's end LSN only once Kafka acknowledged it
 *   (and at a keepalive's position when nothing is pending); exactly-once resumes from Kafka;
 * - lifecycle: initial snapshot, graceful stop (drain, final status, exit 0), fatal errors
 *   (exit 1, nothing unacknowledged confirmed), a start while the server is down.
 */
import { EventEmitter } from 'events';
import { Writable } from 'stream';
import pino from 'pino';

type Msg = { key: string | null; value: string | null };
type TopicMessages = { topic: string; messages: Msg[] }[];

const kafka = {
  /** acknowledged batches (exactly-once: committed transactions) */
  batches: [] as TopicMessages[],
  /** errors the next sends throw, in order */
  failSend: [] as Error[],
  /** while set, sends wait for it; its rejection is the send's error */
  hold: null as Promise<void> | null,
  held: 0,
  /** exactly-once: offsets records already in the offsets topic */
  offsets: [] as Msg[],
};

/** The fake PostgreSQL server. */
const server = {
  down: false,
  /** the slot as pg_replication_slots shows it (null: none) */
  slot: null as { lsn: string; active: boolean } | null,
  /** the publication's comment (the worker marks a snapshot in progress there) */
  publicationComment: null as string | null,
  slotDropped: false,
  /** rows of public.t (id int4 primary key, name text) in the exported snapshot */
  snapshotRows: [] as [string, string][],
  clients: [] as FakeClient[],
  /** the walsender connection of the current worker */
  repl: null as FakeClient | null,
  /** standby status updates received: the LSN each reports */
  statusLsns: [] as bigint[],
  /** audit #25: advisory locks held, by key, and how many more tries find the lock held by another session */
  lockTries: [] as unknown[],
  lockBusyFor: 0,
};

const connectionTerminated = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

class FakeClient extends EventEmitter {
  readonly replication: boolean;
  ended = false;
  private endStream: ((e?: Error) => void) | null = null;
  readonly connection = Object.assign(new EventEmitter(), {
    sendCopyFromChunk: (b: Buffer) => void server.statusLsns.push(b.readBigUInt64BE(1)),
    stream: { pause: () => undefined, resume: () => undefined },
  });

  constructor(cfg: { replication?: string }) {
    super();
    this.replication = cfg.replication === 'database';
    server.clients.push(this);
    if (this.replication) server.repl = this;
  }

  async connect(): Promise<void> {
    if (server.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  }

  async end(): Promise<void> {
    this.ended = true;
    this.endStream?.();
  }

  query(q: string | { text: string }, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number }> {
    const sql = typeof q === 'string' ? q : q.text;
    if (sql.includes('pg_try_advisory_lock')) {
      server.lockTries.push(params?.[0]);
      const held = server.lockBusyFor-- <= 0;
      return Promise.resolve({ rows: [{ held: held ? 't' : 'f' }], rowCount: 1 });
    }
    if (sql.startsWith('START_REPLICATION')) {
      server.slot = { lsn: server.slot?.lsn ?? '0/0', active: true };
      return new Promise((resolve, reject) => (this.endStream = (e) => (e ? reject(e) : resolve({ rows: [], rowCount: 0 }))));
    }
    const rows = answer(sql);
    return Promise.resolve({ rows, rowCount: rows.length });
  }

  /** The server sends a CopyData message on the replication stream. */
  copyData(chunk: Buffer): void {
    this.connection.emit('copyData', { chunk });
  }

  /** The server ends the replication stream with an error (a restart). */
  endStreamWith(e: Error): void {
    this.endStream?.(e);
  }
}

let fetched = false;
function answer(sql: string): unknown[] {
  if (sql.includes("obj_description(oid, 'pg_publication')")) return [{ c: server.publicationComment }];
  if (sql.includes('FROM pg_publication WHERE pubname')) return [{ puballtables: true }];
  if (sql.startsWith('COMMENT ON PUBLICATION')) {
    const m = /IS '(.*)'$/.exec(sql);
    server.publicationComment = m ? m[1] : null;
    return [];
  }
  if (sql.startsWith('SELECT pg_drop_replication_slot')) {
    server.slot = null;
    server.slotDropped = true;
    return [];
  }
  if (sql.includes('FROM pg_replication_slots WHERE slot_name')) return server.slot ? [{ lsn: server.slot.lsn, active: server.slot.active }] : [];
  if (sql.startsWith('CREATE_REPLICATION_SLOT')) {
    server.slot = { lsn: '0/1000', active: false };
    return [{ consistent_point: '0/1000', snapshot_name: '00000003-00000002-1' }];
  }
  if (sql.includes('FROM pg_attribute a')) {
    return [
      { attname: 'id', typeoid: 23, atttypmod: -1, attnotnull: true, pkpos: 1 },
      { attname: 'name', typeoid: 25, atttypmod: -1, attnotnull: false, pkpos: null },
    ];
  }
  if (sql.startsWith('SELECT count(*)')) return [{ n: String(server.snapshotRows.length) }];
  if (sql.startsWith('DECLARE')) fetched = false;
  if (sql.startsWith('FETCH')) {
    if (fetched) return [];
    fetched = true;
    return server.snapshotRows;
  }
  return [];
}

jest.mock('pg', () => ({ Client: FakeClient }));

jest.mock('kafkajs', () => {
  const actual = jest.requireActual('kafkajs');
  const send = async (topicMessages: TopicMessages) => {
    if (kafka.hold) {
      kafka.held++;
      await kafka.hold;
    }
    const e = kafka.failSend.shift();
    if (e) throw e;
    kafka.batches.push(topicMessages);
  };
  class FakeKafka {
    producer() {
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages }) => send(topicMessages),
        transaction: async () => {
          let pending: TopicMessages = [];
          return {
            sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages }) => void (pending = topicMessages),
            commit: async () => send(pending),
            abort: async () => undefined,
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
        fetchTopicOffsets: async () => [{ partition: 0, high: String(kafka.offsets.length), low: '0' }],
      };
    }
    consumer() {
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        subscribe: async () => undefined,
        run: async ({ eachBatch }: { eachBatch: (p: unknown) => Promise<void> }) => {
          const messages = kafka.offsets.map((m) => ({ key: Buffer.from(m.key!), value: Buffer.from(m.value!) }));
          await eachBatch({ batch: { messages, lastOffset: () => String(messages.length - 1), highWatermark: String(messages.length) } });
        },
      };
    }
  }
  return { ...actual, Kafka: FakeKafka };
});

import { validateConfig } from '../../../lib/cdc-worker/config';
import { PostgresCdcWorker } from '../../../lib/cdc-worker/postgres/worker';
import { PG_EPOCH_OFFSET_MICROS, formatLsn, parseLsn } from '../../../lib/cdc-worker/postgres/protocol';
import { u8, i32, u64, relationOfT, insertIntoT } from './pgoutput-bytes';

const real = jest.requireActual('kafkajs');
const unreachable = () => {
  const cause = new real.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  return new real.KafkaJSNonRetriableError(cause, { cause });
};

// ----- pgoutput on the wire -----
const pgNow = () => u64(BigInt(Date.now()) * 1000n - PG_EPOCH_OFFSET_MICROS);
const xlog = (lsn: bigint, data: Buffer) => Buffer.concat([Buffer.from('w'), u64(lsn), u64(lsn), pgNow(), data]);
const keepalive = (walEnd: bigint, reply = false) => Buffer.concat([Buffer.from('k'), u64(walEnd), pgNow(), u8(reply ? 1 : 0)]);

let xid = 700;
/** One committed transaction inserting `id` into public.t, ending at `endLsn`. */
function walTx(id: number, endLsn: bigint, withRelation = false): void {
  const repl = server.repl!;
  const begin = Buffer.concat([Buffer.from('B'), u64(endLsn - 8n), pgNow(), i32(xid++)]);
  repl.copyData(xlog(endLsn - 40n, begin));
  if (withRelation) repl.copyData(xlog(endLsn - 32n, relationOfT));
  repl.copyData(xlog(endLsn - 24n, insertIntoT(id)));
  repl.copyData(xlog(endLsn - 8n, Buffer.concat([Buffer.from('C'), u8(0), u64(endLsn - 8n), u64(endLsn), pgNow()])));
}

type LogLine = { level: string; msg: string; [k: string]: unknown };
const started: PostgresCdcWorker[] = [];
afterEach(async () => {
  for (const w of started.splice(0)) await w.stop().catch(() => undefined);
});

function startWorker(overrides: { snapshotMode?: 'initial' | 'never'; mode?: 'at-least-once' | 'exactly-once' } = {}) {
  const cfg = validateConfig({
    source: { host: 'db', database: 'inventory', user: 'cdc', tables: ['public.t'], slotName: 's1', snapshotMode: overrides.snapshotMode ?? 'never' },
    kafka: { brokers: ['k:9092'] },
    output: { topicPrefix: 'p' },
    delivery: { statusIntervalMs: 100, mode: overrides.mode ?? 'at-least-once' },
    http: { port: 0, host: '127.0.0.1' },
  });
  const lines: LogLine[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  const worker = new PostgresCdcWorker(cfg, pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, out));
  started.push(worker);
  return { worker, lines };
}

const ids = () =>
  kafka.batches.flatMap((b) =>
    b.filter((t) => t.topic === 'p.public.t').flatMap((t) => t.messages.map((m) => (m.value ? JSON.parse(m.value).payload.after?.id : null))),
  );
const msgs = (lines: LogLine[], msg: string) => lines.filter((l) => l.msg === msg);
const lastStatus = () => server.statusLsns[server.statusLsns.length - 1];

async function until(what: string, cond: () => boolean, lines: LogLine[], ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(() => {
  kafka.batches.length = 0;
  kafka.failSend.length = 0;
  kafka.offsets.length = 0;
  kafka.hold = null;
  kafka.held = 0;
  Object.assign(server, {
    down: false,
    slot: { lsn: '0/5000', active: false },
    publicationComment: null,
    slotDropped: false,
    snapshotRows: [],
    clients: [],
    repl: null,
    statusLsns: [],
    lockTries: [],
    lockBusyFor: 0,
  });
});

const FATAL = 'fatal error; stopping without acknowledging undelivered changes';

describe('PostgreSQL worker: positions', () => {
  test('reuses the slot from its confirmed position; a transaction is confirmed at its end LSN only after Kafka acknowledged it', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    expect(msgs(lines, 'reusing replication slot')).toEqual([expect.objectContaining({ slot: 's1', confirmedFlushLsn: '0/5000' })]);
    expect(msgs(lines, 'streaming started')).toEqual([expect.objectContaining({ from: '0/5000' })]);
    let release!: () => void;
    kafka.hold = new Promise<void>((r) => (release = r));
    walTx(1, 0x6000n, true);
    await until('tx 1 in flight', () => kafka.held === 1, lines);
    await new Promise((r) => setTimeout(r, 250)); // a few status intervals
    expect(server.statusLsns.every((l) => l < 0x6000n)).toBe(true);
    expect(worker.status()).toMatchObject({ phase: 'streaming', confirmedLsn: '0/5000' });
    release();
    await until('tx 1 confirmed', () => lastStatus() === 0x6000n, lines);
    expect(ids()).toEqual([1]);
    expect(worker.status()).toMatchObject({ confirmedLsn: '0/6000', bufferedRecords: 0 });
    await worker.stop();
    expect(await worker.finished).toBe(0);
  });

  test('a keepalive with nothing pending confirms its position; one asking for a reply is answered at once', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    const before = server.statusLsns.length;
    server.repl!.copyData(keepalive(0x9000n, true));
    await until('reply', () => server.statusLsns.length > before, lines);
    expect(lastStatus()).toBe(0x9000n);
    expect(worker.metrics.registry.getSingleMetric('cdc_confirmed_lsn')).toBeDefined();
    await worker.stop();
  });

  test('a missing slot is created at its consistent point (snapshotMode never: no snapshot); the publication mark is cleared', async () => {
    server.slot = null;
    const { worker, lines } = startWorker();
    await worker.start();
    expect(msgs(lines, 'replication slot created')).toEqual([expect.objectContaining({ slot: 's1', consistentPoint: '0/1000' })]);
    expect(msgs(lines, 'initial snapshot started')).toEqual([]);
    expect(server.publicationComment).toBeNull();
    walTx(1, 0x2000n, true);
    await until('tx 1 confirmed', () => lastStatus() === 0x2000n, lines);
    await worker.stop();
  });

  test('exactly-once: transactions ending before the position stored in Kafka are skipped, the others delivered', async () => {
    kafka.offsets.push({ key: 's1', value: JSON.stringify({ lsn: String(0x7000n), ts_ms: 1, txn: 'x-1' }) });
    const { worker, lines } = startWorker({ mode: 'exactly-once' });
    await worker.start();
    expect(msgs(lines, 'exactly-once: resuming from the position stored in Kafka')).toEqual([expect.objectContaining({ stored: '0/7000', slot: '0/5000' })]);
    walTx(1, 0x6000n, true); // sent again by the slot: Kafka has it
    walTx(2, 0x8000n);
    await until('tx 2 delivered', () => ids().includes(2), lines);
    expect(ids()).toEqual([2]);
    const offsets = kafka.batches.flatMap((b) => b.filter((t) => t.topic === 'p.cdc-worker.offsets').flatMap((t) => t.messages));
    expect(offsets.map((m) => [m.key, JSON.parse(m.value!).lsn])).toEqual([['s1', String(0x8000n)]]);
    await worker.stop();
  });
});

describe('PostgreSQL worker: lifecycle', () => {
  test('initial snapshot: the rows as op r with their markers at the consistent point, then streaming; the slot is confirmed there', async () => {
    server.slot = null;
    server.snapshotRows = [
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'c'],
    ];
    const { worker, lines } = startWorker({ snapshotMode: 'initial' });
    await worker.start();
    const events = kafka.batches.flatMap((b) => b.filter((t) => t.topic === 'p.public.t').flatMap((t) => t.messages.map((m) => JSON.parse(m.value!).payload)));
    expect(events.map((e) => [e.op, e.after.id, e.source.snapshot, e.source.lsn])).toEqual([
      ['r', 1, 'first', 0x1000],
      ['r', 2, 'true', 0x1000],
      ['r', 3, 'last', 0x1000],
    ]);
    expect(msgs(lines, 'initial snapshot read; waiting for Kafka')).toEqual([expect.objectContaining({ rows: 3 })]);
    expect(server.publicationComment).toBeNull(); // the mark of a snapshot in progress is cleared
    expect(worker.ready()).toBe(true);
    await until('consistent point confirmed', () => lastStatus() === 0x1000n, lines);
    await worker.stop();
  });

  test('a slot left by an unfinished snapshot is dropped and the snapshot starts over', async () => {
    server.publicationComment = 'cdc-worker: snapshot pending for slot s1';
    server.snapshotRows = [['1', 'a']];
    const { worker, lines } = startWorker({ snapshotMode: 'initial' });
    await worker.start();
    expect(msgs(lines, 'previous initial snapshot did not finish: dropping the slot and starting over')).toHaveLength(1);
    expect(server.slotDropped).toBe(true);
    expect(ids()).toEqual([1]);
    await worker.stop();
  });

  test('graceful stop: what was read is delivered and confirmed in a final status, exit 0; errors while stopping are only logged', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    walTx(1, 0x6000n, true);
    walTx(2, 0x7000n);
    const stopping = worker.stop();
    worker.fail(new Error('late'), 'postgres');
    await stopping;
    expect(await worker.finished).toBe(0);
    expect(ids()).toEqual([1, 2]);
    expect(lastStatus()).toBe(0x7000n);
    expect(msgs(lines, 'stopping: flushing and acknowledging')).toHaveLength(1);
    expect(msgs(lines, 'error while stopping')).toEqual([expect.objectContaining({ level: 'debug', err: 'late', kind: 'postgres' })]);
    expect(msgs(lines, 'stopped')).toEqual([expect.objectContaining({ confirmedLsn: '0/7000', code: 0 })]);
    expect(server.repl!.ended).toBe(true);
    expect(worker.healthy()).toBe(true);
  });

  test('a Kafka batch refused for a moment is sent again with the shared log lines, and the worker goes on', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    kafka.failSend.push(unreachable());
    walTx(1, 0x6000n, true);
    await until('recovered', () => msgs(lines, 'Kafka available again; batch delivered').length > 0, lines);
    expect(msgs(lines, 'Kafka unavailable; sending the batch again')).toEqual([expect.objectContaining({ level: 'warn', attempt: 1, giveUpAfterMs: 120000 })]);
    await until('tx 1 confirmed', () => lastStatus() === 0x6000n, lines);
    await worker.stop();
    expect(await worker.finished).toBe(0);
  });
});

describe('PostgreSQL worker: fatal errors', () => {
  test.each([
    ['acknowledged is confirmed in the final status', null, false, 0x7000n, [1, 2]],
    ['refused is not confirmed (nor when the replication stream goes too)', 'Not authorized to access topics', true, 0x6000n, [1]],
  ] as const)(
    'idle catalog connection closed by the server: exit 1, kind postgres; a batch in flight that Kafka then %s',
    async (_what, refusal, streamEnds, confirmed, delivered) => {
      const { worker, lines } = startWorker();
      await worker.start();
      walTx(1, 0x6000n, true);
      await until('tx 1 confirmed', () => lastStatus() === 0x6000n, lines);
      let release!: (e?: Error) => void;
      kafka.hold = new Promise<void>((res, rej) => (release = (e) => (e ? rej(e) : res())));
      walTx(2, 0x7000n);
      await until('tx 2 in flight', () => kafka.held === 1, lines);
      const catalog = server.clients.find((c) => !c.replication)!;
      catalog.emit('error', connectionTerminated());
      await until('fatal line', () => msgs(lines, FATAL).length > 0, lines);
      // the replication stream goes too (a server shutdown): no second fatal line
      if (streamEnds) server.repl!.endStreamWith(connectionTerminated());
      release(refusal ? new real.KafkaJSProtocolError({ message: refusal, type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }) : undefined);
      expect(await worker.finished).toBe(1);
      expect(msgs(lines, FATAL)).toEqual([
        expect.objectContaining({ level: 'error', kind: 'postgres', err: 'terminating connection due to administrator command', confirmedLsn: '0/6000' }),
      ]);
      expect(lastStatus()).toBe(confirmed);
      expect(ids()).toEqual(delivered);
      expect(worker.healthy()).toBe(false);
      expect(worker.status()).toMatchObject({ phase: 'failed', error: 'terminating connection due to administrator command' });
      expect(msgs(lines, 'stopped')).toEqual([expect.objectContaining({ code: 1, confirmedLsn: formatLsn(confirmed) })]);
    },
  );

  test('replication stream ended by the server: exit 1, kind postgres', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    server.repl!.endStreamWith(connectionTerminated());
    expect(await worker.finished).toBe(1);
    expect(msgs(lines, FATAL)).toEqual([expect.objectContaining({ kind: 'postgres', err: 'terminating connection due to administrator command' })]);
  });

  test('a change for a relation never described is a decode error: exit 1, kind decode, nothing confirmed past it', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    walTx(1, 0x6000n); // no Relation message first
    expect(await worker.finished).toBe(1);
    expect(msgs(lines, FATAL)).toEqual([expect.objectContaining({ kind: 'decode', err: 'change for relation 16384 before its Relation message' })]);
    expect(server.statusLsns.every((l) => l <= parseLsn('0/5000'))).toBe(true);
  });

  test('started while the server is down: start() fails with the connect error (main makes that kind startup), nothing else', async () => {
    server.down = true;
    const { worker, lines } = startWorker();
    await expect(worker.start()).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:5432');
    expect(msgs(lines, FATAL)).toEqual([]);
    worker.fail(new Error('connect ECONNREFUSED 127.0.0.1:5432'), 'startup'); // as main.ts does
    expect(await worker.finished).toBe(1);
    expect(msgs(lines, FATAL)).toEqual([expect.objectContaining({ kind: 'startup' })]);
  });
});

describe('PostgreSQL worker: one reader per slot', () => {
  test("audit #25: a second worker waits on the slot's advisory lock (held by the first worker's session), touching nothing, then streams from the slot's position", async () => {
    server.lockBusyFor = 1; // the first worker's session still holds the lock at the first try
    const { worker, lines } = startWorker();
    const starting = worker.start();
    await until('waiting line', () => msgs(lines, 'waiting for the source lease: another worker holds it').length > 0, lines);
    expect(msgs(lines, 'waiting for the source lease: another worker holds it')).toEqual([
      expect.objectContaining({ level: 'warn', lease: 'PostgreSQL advisory lock on slot s1 (key "cdc-worker slot s1")' }),
    ]);
    // nothing read or created while waiting: no slot look-up, no replication connection
    expect(server.repl).toBeNull();
    expect(msgs(lines, 'publication ready')).toEqual([]);
    await starting; // the first worker's session ended: the lock is free at the next try
    expect(server.lockTries).toEqual(['cdc-worker slot s1', 'cdc-worker slot s1']);
    expect(msgs(lines, 'source lease acquired')).toEqual([
      expect.objectContaining({ lease: 'PostgreSQL advisory lock on slot s1 (key "cdc-worker slot s1")' }),
    ]);
    expect(msgs(lines, 'streaming started')).toEqual([expect.objectContaining({ from: '0/5000' })]);
    walTx(1, 0x6000n, true);
    await until('tx 1 confirmed', () => lastStatus() === 0x6000n, lines);
    await worker.stop();
    expect(await worker.finished).toBe(0);
  });
});

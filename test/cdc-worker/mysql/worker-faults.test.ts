/**
 * The MySQL/MariaDB worker through faults, with a fake server (mysql2 and zongji) and a fake
 * Kafka: the worker itself runs (start, streaming, offsets, stop), only the wire is fake.
 * - Kafka outage: the sink's resend is logged with the same lines as the PostgreSQL worker's; a
 *   failed write of the offset is retried at the next status interval up to kafka.outageTimeoutMs.
 * - Database restart: a connection the server closes (idle control connection, binlog, snapshot)
 *   stops the worker with exit 1 and kind `mariadb`, never an uncaught 'error' event, and the
 *   stored offset is what Kafka acknowledged, nothing beyond.
 */
import { EventEmitter } from 'events';
import { Writable } from 'stream';
import pino from 'pino';

type Msg = { key: string | null; value: string | null };
type TopicMessages = { topic: string; messages: Msg[] }[];

/** What the fake Kafka has, and what it is told to do. */
const kafka = {
  /** every acknowledged produce request (the sink's batches) */
  batches: [] as TopicMessages[],
  /** offsets records stored by the offset store, in order */
  offsets: [] as Msg[],
  /** errors the sink's next sendBatch calls throw, in order */
  failSend: [] as Error[],
  /** errors the offset store's next send calls throw, in order */
  failOffsetSend: [] as Error[],
  /** while set, sendBatch waits for it (a batch in flight); its rejection is the send's error */
  hold: null as Promise<void> | null,
  /** sendBatch calls waiting on `hold` */
  held: 0,
};

/** The fake server's connections: the worker's own (control, snapshot) and the binlog reader. */
const server = {
  /** refuses connections (down for a restart) */
  down: false,
  conns: [] as FakeConnection[],
  zongji: null as (EventEmitter & { started: boolean }) | null,
  /** audit #25: GET_LOCK calls (the lock name), and how many more find the lock held by another session */
  lockTries: [] as unknown[],
  lockBusyFor: 0,
};

/** mysql2's error when the server closes a connection. */
const connectionLost = () => Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });

class FakeConnection extends EventEmitter {
  ended = false;
  /** the server closed it: like mysql2, a later command (end() included) is an 'error' event */
  lost = false;
  constructor() {
    super();
    server.conns.push(this);
  }
  connect(cb: (e: Error | null) => void): void {
    if (!server.down) return void setImmediate(() => cb(null));
    // what mysql2 does when the server is down: the callback and an 'error' event
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED', fatal: true });
    setImmediate(() => {
      cb(refused);
      this.emit('error', refused);
    });
  }
  query(sql: string, params?: unknown, cb?: (e: Error | null, rows?: unknown) => void): EventEmitter | void {
    const done = (typeof params === 'function' ? params : cb) as ((e: Error | null, rows?: unknown) => void) | undefined;
    if (!done) {
      // a streamed query (the snapshot's SELECT): a few rows, then it waits (a big table)
      const q = new EventEmitter();
      setImmediate(() => [1, 2, 3].forEach((id) => q.emit('result', { id })));
      return q;
    }
    if (/^SELECT GET_LOCK/.test(sql)) {
      server.lockTries.push((params as unknown[])[0]);
      const held = server.lockBusyFor-- <= 0;
      return void setImmediate(() => done(null, [{ held: held ? 1 : 0 }]));
    }
    setImmediate(() => (this.lost ? done(connectionLost()) : done(null, answer(sql))));
  }
  /** The server goes away: what mysql2 does with an idle connection. */
  loseConnection(): void {
    this.lost = true;
    this.emit('error', connectionLost());
  }
  end(): void {
    this.ended = true;
    if (this.lost) this.emit('error', Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true }));
  }
  pause(): void {}
  resume(): void {}
}

/** The server's answers to what the worker asks (a MariaDB 10.11 with one table, inventory.t (id int primary key)). */
function answer(sql: string): unknown[] {
  if (/^SELECT VERSION\(\)/.test(sql)) return [{ version: '10.11.6-MariaDB-log' }];
  if (/^SHOW GLOBAL VARIABLES/.test(sql)) {
    const vars = { log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL', server_id: '1', log_bin_compress: 'OFF' };
    return Object.entries(vars).map(([Variable_name, Value]) => ({ Variable_name, Value }));
  }
  if (/gtid_binlog_pos/.test(sql)) return [{ g: '0-1-100' }];
  if (/^SHOW MASTER STATUS/.test(sql)) return [{ File: 'mariadb-bin.000001', Position: 1000 }];
  if (/information_schema\.COLUMNS/.test(sql)) {
    return [
      {
        name: 'id',
        dataType: 'int',
        columnType: 'int(11)',
        nullable: 'NO',
        numericPrecision: 10,
        numericScale: 0,
        datetimePrecision: null,
        characterMaximumLength: null,
        columnDefault: null,
        extra: '',
        characterSetName: null,
        collationName: null,
      },
    ];
  }
  if (/information_schema\.STATISTICS/.test(sql)) return [{ name: 'id', seq: 1 }];
  if (/^SHOW STATUS LIKE 'binlog_snapshot_%'/.test(sql)) {
    return [
      { Variable_name: 'binlog_snapshot_file', Value: 'mariadb-bin.000001' },
      { Variable_name: 'binlog_snapshot_position', Value: '1000' },
    ];
  }
  if (/^SELECT BINLOG_GTID_POS/.test(sql)) return [{ g: '0-1-100' }];
  if (/^SHOW CREATE TABLE/.test(sql)) return [{ 'Create Table': 'CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n)' }];
  return [];
}

jest.mock('mysql2', () => ({ createConnection: () => new FakeConnection() }));

jest.mock('@vlasky/zongji', () => {
  class FakeZongJi extends EventEmitter {
    started = false;
    connection = { pause: () => undefined, resume: () => undefined };
    tableMap: Record<number, unknown> = {};
    constructor() {
      super();
      server.zongji = this;
    }
    _fetchTableInfo(): void {}
    start(): void {
      this.started = true;
      setImmediate(() => this.emit('ready'));
    }
    stop(): void {
      setImmediate(() => this.emit('stopped'));
    }
  }
  return { __esModule: true, default: FakeZongJi };
});

jest.mock('kafkajs', () => {
  const actual = jest.requireActual('kafkajs');
  class FakeKafka {
    producer() {
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages }) => {
          if (kafka.hold) {
            kafka.held++;
            await kafka.hold;
          }
          const e = kafka.failSend.shift();
          if (e) throw e;
          kafka.batches.push(topicMessages);
        },
        send: async ({ messages }: { topic: string; messages: Msg[] }) => {
          const e = kafka.failOffsetSend.shift();
          if (e) throw e;
          kafka.offsets.push(...messages);
        },
      };
    }
    admin() {
      return {
        connect: async () => undefined,
        disconnect: async () => undefined,
        listTopics: async () => [],
        createTopics: async () => true,
        fetchTopicOffsets: async () => [{ partition: 0, high: '0', low: '0' }],
      };
    }
  }
  return { ...actual, Kafka: FakeKafka };
});

import { validateConfig } from '../../../lib/cdc-worker/config';
import { MySqlCdcWorker } from '../../../lib/cdc-worker/mysql/worker';
import { isConnectionLost } from '../../../lib/cdc-worker/mysql/connection';

const real = jest.requireActual('kafkajs');
/** What kafkajs throws when it gives up on an unreachable broker. */
const unreachable = () => {
  const cause = new real.KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  return new real.KafkaJSNonRetriableError(cause, { cause });
};

type LogLine = { level: string; msg: string; [k: string]: unknown };

/** Workers of the current test, stopped after it whatever happened (an open HTTP server would keep jest running). */
const started: MySqlCdcWorker[] = [];
afterEach(async () => {
  for (const w of started.splice(0)) await w.stop().catch(() => undefined);
});

/** `outageTimeoutMs` is set after validation (which wants at least 30 s), to test the time-out quickly. */
function startWorker(outageTimeoutMs?: number, snapshotMode: 'initial' | 'never' = 'never') {
  const cfg = validateConfig({
    source: { engine: 'mariadb', host: 'db', database: 'inventory', user: 'cdc', tables: ['inventory.t'], snapshotMode },
    kafka: { brokers: ['k:9092'] },
    output: { topicPrefix: 'p' },
    delivery: { statusIntervalMs: 100 },
    http: { port: 0, host: '127.0.0.1' },
  });
  if (outageTimeoutMs !== undefined) (cfg.kafka as { outageTimeoutMs: number }).outageTimeoutMs = outageTimeoutMs;
  const lines: LogLine[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  const log = pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, out);
  const worker = new MySqlCdcWorker(cfg, log);
  started.push(worker);
  return { worker, lines };
}

let pos = 1000;
/** One committed transaction in the binlog: an insert of `id` into inventory.t. */
function binlogTx(id: number): void {
  const ev = (name: string, props: Record<string, unknown>) => ({
    getEventName: () => name,
    timestamp: Date.now(),
    size: 100,
    nextPosition: (pos += 100),
    ...props,
  });
  const z = server.zongji!;
  z.emit('binlog', ev('mariadbgtid', { gtid: `0-1-${100 + id}`, standalone: false }));
  z.emit('binlog', ev('writerows', { tableId: 7, tableMap: { 7: { parentSchema: 'inventory', tableName: 't' } }, rows: [{ id }] }));
  z.emit('binlog', ev('xid', {}));
}

const ids = () =>
  kafka.batches.flatMap((b) =>
    b.filter((t) => t.topic === 'p.inventory.t').flatMap((t) => t.messages.map((m) => (m.value ? JSON.parse(m.value).payload.after?.id : null))),
  );
const msgs = (lines: LogLine[], msg: string) => lines.filter((l) => l.msg === msg);
/** The offset record stored last (the MySQL worker's resume position). */
const lastOffset = (): { gtid: string; pos: number } | null => {
  const m = kafka.offsets[kafka.offsets.length - 1];
  return m?.value ? JSON.parse(m.value) : null;
};

async function until(what: string, cond: () => boolean, lines: LogLine[], ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(() => {
  kafka.batches.length = 0;
  kafka.offsets.length = 0;
  kafka.failSend.length = 0;
  kafka.failOffsetSend.length = 0;
  kafka.hold = null;
  kafka.held = 0;
  server.conns.length = 0;
  server.down = false;
  server.zongji = null;
  server.lockTries.length = 0;
  server.lockBusyFor = 0;
});

describe('MySQL/MariaDB worker through a Kafka outage', () => {
  test('a batch Kafka refused is sent again, with the same log lines as the PostgreSQL worker, and the worker goes on', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    binlogTx(1);
    await until('first event delivered', () => ids().includes(1), lines);
    kafka.failSend.push(unreachable());
    binlogTx(2);
    await until('recovered', () => msgs(lines, 'Kafka available again; batch delivered').length > 0, lines);
    const retry = msgs(lines, 'Kafka unavailable; sending the batch again');
    expect(retry).toEqual([expect.objectContaining({ level: 'warn', attempt: 1, giveUpAfterMs: 120000, err: expect.stringContaining('ECONNREFUSED') })]);
    expect(msgs(lines, 'Kafka available again; batch delivered')).toEqual([expect.objectContaining({ level: 'info', attempts: 2 })]);
    expect(ids()).toEqual([1, 2]);
    await worker.stop();
    expect(await worker.finished).toBe(0);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  test('a write of the offset Kafka refused is made again at the next status interval; the worker goes on', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    binlogTx(1);
    await until('offset of tx 1 stored', () => lastOffset()?.gtid === '0-1-101', lines);
    kafka.failOffsetSend.push(unreachable(), unreachable());
    binlogTx(2);
    await until('offset stored again', () => msgs(lines, 'Kafka available again; offset stored').length > 0, lines);
    expect(msgs(lines, 'Kafka unavailable; storing the offset again')).toEqual([
      expect.objectContaining({ level: 'warn', attempt: 1, giveUpAfterMs: 120000, err: expect.stringContaining('ECONNREFUSED') }),
      expect.objectContaining({ level: 'warn', attempt: 2 }),
    ]);
    expect(msgs(lines, 'Kafka available again; offset stored')).toEqual([expect.objectContaining({ level: 'info', attempts: 3 })]);
    expect(lastOffset()?.gtid).toBe('0-1-102');
    binlogTx(3);
    await until('offset of tx 3 stored', () => lastOffset()?.gtid === '0-1-103', lines);
    expect(ids()).toEqual([1, 2, 3]);
    await worker.stop();
    expect(await worker.finished).toBe(0);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  test('writes of the offset failing for longer than kafka.outageTimeoutMs are fatal (exit 1)', async () => {
    const { worker, lines } = startWorker(300);
    await worker.start();
    for (let i = 0; i < 1000; i++) kafka.failOffsetSend.push(unreachable());
    binlogTx(1);
    expect(await worker.finished).toBe(1);
    const fatal = msgs(lines, 'fatal error; stopping without storing undelivered changes');
    expect(fatal).toEqual([
      expect.objectContaining({
        kind: 'kafka',
        err: expect.stringMatching(
          /^storing the offset in p\.cdc-worker\.offsets failed \(Kafka unavailable for \d+ s, beyond kafka\.outageTimeoutMs 300\): .*ECONNREFUSED/,
        ),
      }),
    ]);
    expect(msgs(lines, 'Kafka unavailable; storing the offset again').length).toBeGreaterThan(0);
  });

  test('an authorization error storing the offset is fatal at once', async () => {
    const { worker, lines } = startWorker();
    await worker.start();
    kafka.failOffsetSend.push(
      new real.KafkaJSProtocolError({ message: 'Not authorized to access topics', type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }),
    );
    binlogTx(1);
    expect(await worker.finished).toBe(1);
    expect(msgs(lines, 'Kafka unavailable; storing the offset again')).toEqual([]);
    expect(msgs(lines, 'fatal error; stopping without storing undelivered changes')).toEqual([
      expect.objectContaining({ kind: 'kafka', err: 'storing the offset in p.cdc-worker.offsets failed: Not authorized to access topics' }),
    ]);
  });
});

describe('MySQL/MariaDB worker when the server restarts', () => {
  const FATAL = 'fatal error; stopping without storing undelivered changes';

  test.each([
    ['acknowledged', 'is stored', null, '0-1-102', [1, 2]],
    ['refused', 'is not stored', 'Not authorized to access topics', '0-1-101', [1]],
  ] as const)(
    'idle control connection closed by the server: exit 1, kind mariadb; a batch in flight that Kafka then %s %s',
    async (_what, _stored, refusal, offset, delivered) => {
      const { worker, lines } = startWorker();
      await worker.start();
      binlogTx(1);
      await until('offset of tx 1 stored', () => lastOffset()?.gtid === '0-1-101', lines);
      let release!: (e?: Error) => void;
      kafka.hold = new Promise<void>((res, rej) => (release = (e) => (e ? rej(e) : res())));
      binlogTx(2);
      await until('tx 2 in flight', () => kafka.held === 1, lines);
      // the server shuts down: the idle control connection is told first
      const control = server.conns[0];
      control.loseConnection();
      await until('fatal line', () => msgs(lines, FATAL).length > 0, lines);
      // the binlog connection goes too: no second fatal line, no crash
      server.zongji!.emit('error', Object.assign(new Error('Server shutdown in progress'), { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }));
      release(refusal ? new real.KafkaJSProtocolError({ message: refusal, type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false }) : undefined);
      expect(await worker.finished).toBe(1);
      expect(msgs(lines, FATAL)).toEqual([
        expect.objectContaining({
          level: 'error',
          kind: 'mariadb',
          err: 'mariadb control connection lost: Connection lost: The server closed the connection.',
        }),
      ]);
      expect(lastOffset()?.gtid).toBe(offset);
      expect(ids()).toEqual(delivered);
      expect(control.ended).toBe(true); // ended at shutdown, its 'error' about that ignored
      expect(msgs(lines, 'stopped')).toEqual([expect.objectContaining({ code: 1, confirmedGtid: offset })]);
    },
  );

  test('binlog connection closed by the server: exit 1, kind mariadb; a binlog problem keeps kind binlog', async () => {
    const a = startWorker();
    await a.worker.start();
    server.zongji!.emit('error', Object.assign(new Error('Server shutdown in progress'), { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }));
    expect(await a.worker.finished).toBe(1);
    expect(msgs(a.lines, FATAL)).toEqual([expect.objectContaining({ kind: 'mariadb', err: 'mariadb binlog connection lost: Server shutdown in progress' })]);

    const b = startWorker();
    await b.worker.start();
    server.zongji!.emit('error', new Error('table map of inventory.t has 2 columns, the schema history 1'));
    expect(await b.worker.finished).toBe(1);
    expect(msgs(b.lines, FATAL)).toEqual([expect.objectContaining({ kind: 'binlog', err: 'table map of inventory.t has 2 columns, the schema history 1' })]);
  });

  test('started while the server is down: start() fails with the connect error (main makes that kind startup), nothing else', async () => {
    server.down = true;
    const { worker, lines } = startWorker();
    await expect(worker.start()).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:3306');
    await new Promise((r) => setTimeout(r, 20));
    expect(msgs(lines, FATAL)).toEqual([]);
    worker.fail(new Error('connect ECONNREFUSED 127.0.0.1:3306'), 'startup'); // as main.ts does
    expect(await worker.finished).toBe(1);
    expect(msgs(lines, FATAL)).toEqual([expect.objectContaining({ kind: 'startup' })]);
  });

  test('snapshot connection closed by the server in the middle of a table: start() fails, exit 1, kind mariadb', async () => {
    const { worker, lines } = startWorker(undefined, 'initial');
    const starting = worker.start();
    await until('snapshot reading rows', () => lines.some((l) => l.msg === 'initial snapshot started') && server.conns.length === 2, lines);
    await new Promise((r) => setTimeout(r, 20));
    server.conns[1].loseConnection();
    await expect(starting).rejects.toThrow('Connection lost: The server closed the connection.');
    expect(await worker.finished).toBe(1);
    expect(msgs(lines, FATAL)).toEqual([
      expect.objectContaining({ kind: 'mariadb', err: 'mariadb snapshot connection lost: Connection lost: The server closed the connection.' }),
    ]);
  });
});

describe('isConnectionLost', () => {
  test('the server going away or ending the session', () => {
    expect(isConnectionLost(connectionLost())).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('Server shutdown in progress'), { code: 'ER_SERVER_SHUTDOWN', errno: 1053 }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('Connection was killed'), { errno: 1927 }))).toBe(true); // MariaDB, no mysql2 code
    expect(isConnectionLost(Object.assign(new Error('closed'), { fatal: true }))).toBe(true);
  });
  test('not a problem of the binlog, the data or the privileges', () => {
    expect(isConnectionLost(Object.assign(new Error('Access denied'), { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, fatal: false }))).toBe(false);
    expect(isConnectionLost(new Error('the binlog position to resume from is not on the server'))).toBe(false);
    expect(isConnectionLost(undefined)).toBe(false);
  });
});

describe('MySQL/MariaDB worker: one reader per binlog source', () => {
  test("audit #25: a second worker waits on GET_LOCK (held by the first worker's session), reading nothing, then streams from the stored offset", async () => {
    server.lockBusyFor = 1;
    const { worker, lines } = startWorker();
    const starting = worker.start();
    await until('waiting line', () => msgs(lines, 'waiting for the source lease: another worker holds it').length > 0, lines);
    expect(msgs(lines, 'waiting for the source lease: another worker holds it')).toEqual([
      expect.objectContaining({ level: 'warn', lease: 'MariaDB lock cdc-worker:p (GET_LOCK)' }),
    ]);
    expect(server.zongji).toBeNull(); // no binlog connection while waiting
    await starting;
    expect(server.lockTries).toEqual(['cdc-worker:p', 'cdc-worker:p']);
    expect(msgs(lines, 'source lease acquired')).toHaveLength(1);
    binlogTx(1);
    await until('tx 1 delivered', () => ids().includes(1), lines);
    await worker.stop();
    expect(await worker.finished).toBe(0);
  });
});

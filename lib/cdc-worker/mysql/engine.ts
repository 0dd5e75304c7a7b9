/**
 * The CDC worker's MySQL / MariaDB source: binlog (zongji) → Debezium MySQL-format events → Kafka,
 * at least once. Chosen with `source.engine: "mysql" | "mariadb"`; tables are `database.table`.
 *
 * 1. Checks the server (binlog_format=ROW, binlog_row_image=FULL, no compressed or partial events).
 * 2. Without a stored offset: a consistent snapshot (MariaDB: START TRANSACTION WITH CONSISTENT
 *    SNAPSHOT and its binlog_snapshot_file/position, no locks; MySQL: the same under a brief
 *    FLUSH TABLES WITH READ LOCK), events with op `r`, then streaming from the snapshot's GTID
 *    position (or file/position when the server has no GTIDs).
 * 3. With a stored offset: streaming from it, decoding with the table definitions stored with it.
 *
 * Delivery rule: the offset (GTID position, file/position, table definitions) is written to the
 * compacted offsets topic only after Kafka acknowledged every record of the transactions before it
 * (the sink's checkpoints). A crash therefore repeats at most the transactions after the last
 * stored offset; nothing is lost. DDL on a captured table re-reads its definition from
 * information_schema when the DDL event is processed, so later events use the new columns.
 */
import type { Connection } from 'mysql2';
import { Logger } from 'pino';
import { Server } from 'http';
import { ResolvedCdcWorkerConfig } from '../core/config';
import { heartbeatRecord } from '../core/envelope';
import type { OutRecord } from '../core/records';
import { KafkaSink } from '../kafka/sink';
import { isTransientKafkaError } from '../kafka/errors';
import { withDetection } from '../kafka/screened-sink';
import { kafkaOutageLog } from '../kafka/outage-log';
import { KafkaOffsetStore } from '../kafka/offset-store';
import type { CdcSink } from '../core/sink';
import { WorkerMetrics } from '../core/metrics';
import { startHttpServer } from '../core/http';
import { MySqlColumnDef, MySqlEngine, MySqlEnvelopeOptions, MySqlRow, MySqlSourcePosition, MySqlTableModel, buildMySqlTableModel, mysqlChangeRecords } from './envelope';
import { MariaDbGtidPosition, MySqlGtidSet } from './gtid';
import { MySqlOffset, mysqlPositionKey } from './offsets';
import { checkServer, connect, endQuietly, isConnectionLost, query } from './connection';
import { readColumns, replayAlter, showCreateTable } from './schema';
import { openSnapshot, streamTable } from './snapshot-query';
import { BinlogEvent, BinlogStartPosition, BinlogStream } from './binlog';

type SnapshotMarker = MySqlSourcePosition['snapshot'];

interface Tx {
  gtid: string | null;
  startPos: number;
  tsMs: number;
  thread: number | null;
  /** Inside BEGIN … COMMIT (MariaDB: a GTID event that is not standalone): statements before the end do not end it. */
  open: boolean;
}

/** Tables a DDL statement names, as `db.table` (unqualified names resolved against `defaultDb`). */
export function ddlTables(sql: string, defaultDb: string): string[] {
  const out: string[] = [];
  const stripped = sql.replace(/\/\*[\s\S]*?\*\//g, ' ');
  const name = '(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))';
  const re = new RegExp(`(?:\\b(?:TABLE|TABLES|INTO|TO|ON)\\s+(?:IF\\s+(?:NOT\\s+)?EXISTS\\s+)?|,\\s*)${name}(?:\\s*\\.\\s*${name})?`, 'gi');
  let m: RegExpExecArray | null;
  while ((m = re.exec(stripped))) {
    const a = (m[1] ?? m[2]).replace(/``/g, '`');
    const b = m[3] !== undefined || m[4] !== undefined ? (m[3] ?? m[4]).replace(/``/g, '`') : undefined;
    out.push(b === undefined ? `${defaultDb}.${a}` : `${a}.${b}`);
  }
  return out;
}

export function isDdl(sql: string): boolean {
  return /^\s*(?:\/\*[\s\S]*?\*\/\s*)*(ALTER|CREATE|DROP|RENAME|TRUNCATE)\b/i.test(sql);
}

export class MySqlCdcWorker {
  private readonly opts: MySqlEnvelopeOptions;
  private readonly metrics = new WorkerMetrics();
  private readonly engine: MySqlEngine;
  private conn: Connection | null = null;
  private sink!: CdcSink;
  private offsets!: KafkaOffsetStore<MySqlOffset>;
  private stream: BinlogStream | null = null;
  private http: Server | null = null;
  private serverId = 0;
  /** Table definitions as of the event being processed; replaced (not mutated) on DDL. */
  private schemas: Record<string, MySqlColumnDef[]> = {};
  /** `SHOW CREATE TABLE` of each captured table as of the event being processed (replaced on DDL). */
  private creates: Record<string, string> = {};
  private readonly models = new Map<string, MySqlTableModel>();
  private gtidPos: MariaDbGtidPosition | MySqlGtidSet | null = null;
  private file = '';
  private tx: Tx | null = null;
  /** End of the previous event: where the current one starts (Debezium's `pos` of a rows event). */
  private lastEnd = 0;
  private readonly inbox: BinlogEvent[] = [];
  private inboxHead = 0;
  private pumping = false;
  private paused = false;
  private inboxFull = false;
  private seq = 0n;
  private readonly pendingOffsets = new Map<bigint, MySqlOffset>();
  private acked: MySqlOffset | null = null;
  private savedOffset: MySqlOffset | null = null;
  private saving: Promise<void> = Promise.resolve();
  /** A write of the offset is queued behind the running one (it writes what is acknowledged when it runs). */
  private saveQueued = false;
  /** Storing the offset fails because Kafka is unreachable: since when (the failed write's start), and how often. */
  private offsetOutage: { since: number; attempts: number } | null = null;
  private oldestUnackedCommit: number | null = null;
  private timers: NodeJS.Timeout[] = [];
  private phase: 'starting' | 'snapshot' | 'streaming' | 'stopping' | 'failed' | 'stopped' = 'starting';
  private fatalError: Error | null = null;
  private stopping: Promise<void> | null = null;
  private done!: (code: number) => void;
  /** Resolves with the exit code when the worker has stopped. */
  readonly finished: Promise<number>;

  constructor(
    private readonly cfg: ResolvedCdcWorkerConfig,
    private readonly log: Logger,
  ) {
    this.engine = cfg.source.engine === 'mariadb' ? 'mariadb' : 'mysql';
    this.opts = {
      engine: this.engine,
      topicPrefix: cfg.output.topicPrefix,
      schemasEnable: cfg.output.schemasEnable,
      debeziumVersion: cfg.output.debeziumVersion,
      decimalHandlingMode: cfg.output.decimalHandlingMode,
      tombstonesOnDelete: cfg.output.tombstonesOnDelete,
      unknownTypes: cfg.output.unknownTypes,
    };
    this.finished = new Promise((r) => (this.done = r));
  }

  async start(): Promise<void> {
    const { source, output, delivery } = this.cfg;
    this.http = await startHttpServer(this.cfg.http.host, this.cfg.http.port, this.metrics, this, this.log);
    this.metrics.sources = {
      lagSeconds: () => (this.oldestUnackedCommit === null ? 0 : Math.max(0, Date.now() / 1000 - this.oldestUnackedCommit / 1e6)),
      lagBytes: () => 0,
      buffered: () => (this.sink ? this.sink.pendingRecords : 0),
    };
    if (delivery.mode === 'exactly-once') {
      throw new Error(`delivery.mode exactly-once is not supported with source.engine ${source.engine}; use at-least-once`);
    }
    if (output.provideTransactionMetadata) {
      this.log.warn('output.provideTransactionMetadata is not supported by the MySQL/MariaDB source yet; ignored');
    }
    // idle while streaming (DDL replay only): the server going away reaches it as an 'error' event
    this.conn = await connect(source, (e) => this.sourceLost('control', e));
    const info = await checkServer(this.conn, this.engine);
    this.serverId = info.serverId;
    this.log.info({ engine: info.engine, version: info.version, serverId: info.serverId, gtids: info.gtidMode }, 'source server ready');

    this.sink = withDetection(new KafkaSink(
      this.cfg.kafka,
      delivery.maxBufferedEvents,
      {
        onCheckpoint: (seq, commitTimeMicros) => this.onCheckpoint(seq, commitTimeMicros),
        onBatch: (n, bytes, ms) => {
          this.metrics.acked.inc(n);
          this.metrics.ackedBytes.inc(bytes);
          this.metrics.batchSeconds.observe(ms / 1000);
        },
        onFatal: (e) => this.fail(e, 'kafka'),
        // a Kafka outage: the sink sends the batch again (up to kafka.outageTimeoutMs); reading pauses meanwhile
        ...kafkaOutageLog(this.log, this.cfg.kafka.outageTimeoutMs),
      },
      { ...delivery, positionKey: mysqlPositionKey(output.topicPrefix) },
    ), this.cfg.detection, delivery.maxBufferedEvents, this.metrics, (e) => this.fail(e, 'detect'));
    await this.sink.connect();
    try {
      const topics = source.tables.map((t) => `${output.topicPrefix}.${t}`);
      if (output.heartbeatIntervalMs > 0) topics.push(`${output.heartbeatTopicsPrefix}.${output.topicPrefix}`);
      await this.sink.ensureTopics(topics);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'could not create topics; they must exist already');
    }
    this.offsets = new KafkaOffsetStore<MySqlOffset>(this.cfg.kafka, delivery.offsetsTopic, mysqlPositionKey(output.topicPrefix));
    await this.offsets.ensureTopic();
    const stored = await this.offsets.load();

    let from: BinlogStartPosition;
    if (stored?.snapshotCompleted) {
      this.acked = stored;
      this.savedOffset = stored;
      this.schemas = { ...stored.tables };
      this.creates = { ...(stored.creates ?? {}) };
      for (const t of source.tables) {
        if (!this.schemas[t]) {
          this.log.warn({ table: t }, 'table not in the stored offset: captured from now on, without a snapshot');
          this.schemas[t] = await readColumns(this.conn, ...split(t), this.engine);
          this.creates[t] = await showCreateTable(this.conn, ...split(t));
        }
      }
      from = { gtid: stored.gtid, file: stored.file, pos: stored.pos };
      this.log.info({ gtid: stored.gtid, file: stored.file, pos: stored.pos }, 'resuming from the stored offset');
    } else if (source.snapshotMode === 'initial') {
      if (stored) this.log.warn('previous initial snapshot did not finish: starting over');
      this.phase = 'snapshot';
      from = await this.snapshot();
    } else {
      from = await this.currentPosition();
      for (const t of source.tables) {
        this.schemas[t] = await readColumns(this.conn, ...split(t), this.engine);
        this.creates[t] = await showCreateTable(this.conn, ...split(t));
      }
      this.commitOffset({ gtid: from.gtid ?? '', file: from.file ?? '', pos: from.pos ?? 4 }, Date.now());
    }
    for (const [t, cols] of Object.entries(this.schemas)) this.models.set(t, buildMySqlTableModel(...split(t), cols, this.opts));
    this.gtidPos = from.gtid ? (this.engine === 'mariadb' ? MariaDbGtidPosition.parse(from.gtid) : MySqlGtidSet.parse(from.gtid)) : null;
    this.file = from.file ?? '';

    this.stream = new BinlogStream({ ...source, serverId: source.serverId }, source.tables);
    await this.stream.start(
      from,
      (e) => this.onEvent(e),
      (e) => (isConnectionLost(e) ? this.sourceLost('binlog', e) : this.fail(e, 'binlog')),
      async (database, table) => {
        // the events before this table map (a DDL among them) are applied first
        await this.drained();
        return this.schemas[`${database}.${table}`];
      },
    );
    if ((this.phase as string) === 'failed') return;
    this.phase = 'streaming';
    this.log.info({ from }, 'streaming started');
    this.timers.push(setInterval(() => this.saveOffset(), delivery.statusIntervalMs));
    if (output.heartbeatIntervalMs > 0) {
      // Debezium's heartbeat record (the offset itself moves with every transaction in the binlog, captured or not)
      const hbOpts = { topicPrefix: output.topicPrefix, schemasEnable: output.schemasEnable };
      this.timers.push(setInterval(() => this.sink.push(this.recordItem(heartbeatRecord(output.heartbeatTopicsPrefix, hbOpts, Date.now()))), output.heartbeatIntervalMs));
    }
  }

  // ----- probes -----
  healthy(): boolean {
    return this.phase !== 'failed';
  }

  ready(): boolean {
    return this.phase === 'streaming';
  }

  status(): Record<string, unknown> {
    return {
      phase: this.phase,
      engine: this.engine,
      confirmedGtid: this.acked?.gtid,
      confirmedFile: this.acked?.file,
      confirmedPos: this.acked?.pos,
      bufferedRecords: this.sink?.pendingRecords ?? 0,
      error: this.fatalError?.message,
    };
  }

  // ----- positions -----

  private async currentPosition(): Promise<BinlogStartPosition> {
    const conn = this.conn!;
    if (this.engine === 'mariadb') {
      const [{ g }] = await query<{ g: string }>(conn, 'SELECT @@GLOBAL.gtid_binlog_pos AS g');
      const st = await query<Record<string, unknown>>(conn, 'SHOW MASTER STATUS');
      return { gtid: g ?? '', file: String(st[0]?.File ?? ''), pos: Number(st[0]?.Position ?? 4) };
    }
    const st = await query<Record<string, unknown>>(conn, 'SHOW MASTER STATUS').catch(() => query<Record<string, unknown>>(conn, 'SHOW BINARY LOG STATUS'));
    const [{ g }] = await query<{ g: string }>(conn, 'SELECT @@GLOBAL.gtid_executed AS g');
    return { gtid: String(g ?? '').replace(/\s+/g, ''), file: String(st[0]?.File ?? ''), pos: Number(st[0]?.Position ?? 4) };
  }

  /** Queues a checkpoint; its offset is stored once Kafka has everything before it. */
  private commitOffset(at: { gtid: string; file: string; pos: number }, tsMs: number, snapshotCompleted = true): void {
    this.seq++;
    this.pendingOffsets.set(this.seq, { gtid: at.gtid, file: at.file, pos: at.pos, snapshotCompleted, tables: this.schemas, creates: this.creates, ts_ms: Date.now() });
    this.sink.push({ checkpoint: this.seq, commitTimeMicros: tsMs * 1000 });
  }

  private onCheckpoint(seq: bigint, commitTimeMicros: number): void {
    for (const [s, off] of this.pendingOffsets) {
      if (s > seq) break;
      this.acked = off;
      this.pendingOffsets.delete(s);
    }
    this.metrics.commitToAck.observe(Math.max(0, Date.now() * 1000 - commitTimeMicros) / 1e6);
    this.oldestUnackedCommit = this.sink.idle ? null : commitTimeMicros;
  }

  /**
   * Writes the acknowledged offset if it moved (one write at a time, at most one queued behind it).
   * Through a Kafka outage a failed write is left to the next status interval, which writes what
   * is acknowledged by then, until `kafka.outageTimeoutMs` has passed since the first failed write
   * (as the sink resends a batch); other errors, and an outage beyond that, are fatal.
   */
  private saveOffset(): Promise<void> {
    if (!this.acked || this.acked === this.savedOffset || this.saveQueued) return this.saving;
    this.saveQueued = true;
    this.saving = this.saving.then(async () => {
      this.saveQueued = false;
      const off = this.acked;
      if (!off || off === this.savedOffset) return;
      const t0 = Date.now();
      try {
        await this.offsets.save(off);
        this.savedOffset = off;
        this.log.debug({ gtid: off.gtid, file: off.file, pos: off.pos }, 'offset stored');
        if (this.offsetOutage) {
          this.log.info({ outageMs: Date.now() - this.offsetOutage.since, attempts: this.offsetOutage.attempts + 1 }, 'Kafka available again; offset stored');
          this.offsetOutage = null;
        }
      } catch (e) {
        const outage = (this.offsetOutage ??= { since: t0, attempts: 0 });
        outage.attempts++;
        const outageMs = Date.now() - outage.since;
        const giveUpAfterMs = this.cfg.kafka.outageTimeoutMs;
        const transient = isTransientKafkaError(e);
        if (transient && outageMs < giveUpAfterMs && this.reading()) {
          this.log.warn({ err: (e as Error).message, attempt: outage.attempts, outageMs, giveUpAfterMs }, 'Kafka unavailable; storing the offset again');
          // the next write starts with a new producer (one whose connect failed would not send)
          await this.offsets.close();
          return;
        }
        const why = transient ? ` (Kafka unavailable for ${Math.round(outageMs / 1000)} s, beyond kafka.outageTimeoutMs ${giveUpAfterMs})` : '';
        this.fail(new Error(`storing the offset in ${this.offsets.topic} failed${why}: ${(e as Error).message}`), 'kafka');
      }
    });
    return this.saving;
  }

  // ----- snapshot -----

  private async snapshot(): Promise<BinlogStartPosition> {
    const { source } = this.cfg;
    const conn = await connect(source, (e) => this.sourceLost('snapshot', e));
    try {
      const at = await openSnapshot(conn, this.engine);
      this.log.info({ ...at, tables: source.tables }, 'initial snapshot started');
      for (const t of source.tables) {
        this.schemas[t] = await readColumns(conn, ...split(t), this.engine);
        this.creates[t] = await showCreateTable(conn, ...split(t));
      }
      const models = source.tables.map((t) => buildMySqlTableModel(...split(t), this.schemas[t], this.opts));
      let total = 0;
      let prev: { model: MySqlTableModel; row: MySqlRow; firstInTable: boolean } | null = null;
      let first = true;
      const emit = (p: NonNullable<typeof prev>, lastInTable: boolean, lastOverall: boolean) => {
        const marker: SnapshotMarker = lastOverall ? 'last' : first ? 'first' : p.firstInTable ? 'first_in_data_collection' : lastInTable ? 'last_in_data_collection' : 'true';
        first = false;
        const now = Date.now();
        const pos: MySqlSourcePosition = { tsMs: now, snapshot: marker, serverId: 0, gtid: null, file: at.file, pos: at.pos, row: 0, thread: null, query: null };
        for (const r of mysqlChangeRecords(p.model, 'r', null, p.row, pos, this.opts, now)) this.sink.push(this.recordItem(r));
        this.metrics.events.inc({ table: `${p.model.database}.${p.model.table}`, op: 'r' });
        this.metrics.snapshotRows.inc({ table: `${p.model.database}.${p.model.table}` });
        total++;
        if (total % this.cfg.kafka.batchSize === 0) this.commitOffset(at, now, false);
      };
      for (const model of models) {
        let firstInTable = true;
        const n = await streamTable(conn, model.database, model.table, model.columns.map((c) => c.name), (row) => {
          if (prev) emit(prev, prev.model !== model, false);
          prev = { model, row, firstInTable };
          firstInTable = false;
          if (this.fatalError) throw this.fatalError;
          return this.sink.waitForSpace() ?? undefined;
        });
        this.log.info({ table: `${model.database}.${model.table}`, rows: n }, 'table snapshotted');
      }
      if (prev) emit(prev, true, true);
      await query(conn, 'COMMIT');
      this.commitOffset(at, Date.now(), true);
      this.log.info({ rows: total }, 'initial snapshot read; waiting for Kafka');
      await this.sink.flush();
      if (this.fatalError) throw this.fatalError;
      await this.saveOffset();
      return at;
    } finally {
      endQuietly(conn);
    }
  }

  // ----- streaming -----

  private recordItem(record: OutRecord) {
    const bytes = (record.value ? Buffer.byteLength(record.value) : 0) + (record.key ? Buffer.byteLength(record.key) : 0);
    if (bytes > this.cfg.output.maxEventBytes) {
      throw new Error(`event for ${record.topic} is ${bytes} bytes, above output.maxEventBytes (${this.cfg.output.maxEventBytes})`);
    }
    return { record, bytes };
  }

  /** Still reading the binlog (streaming, or about to be: events can come before start() has returned). */
  private reading(): boolean {
    return this.phase === 'streaming' || this.phase === 'starting' || this.phase === 'snapshot';
  }

  private onEvent(e: BinlogEvent): void {
    if (this.phase === 'failed' || this.phase === 'stopped') return;
    this.inbox.push(e);
    // events pile up while a DDL is replayed: stop reading until they are processed
    if (!this.inboxFull && this.inbox.length - this.inboxHead >= this.cfg.delivery.maxBufferedEvents) {
      this.inboxFull = true;
      this.stream?.pause();
    }
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.inboxHead < this.inbox.length) {
        const e = this.inbox[this.inboxHead];
        const p = this.handle(e);
        if (p) await p;
        if (e.nextPosition > 0) this.lastEnd = e.nextPosition;
        this.inboxHead++;
        if ((this.phase as string) === 'failed') return;
        if (!this.sink.hasSpace() && !this.paused && this.stream) {
          this.paused = true;
          this.stream.pause();
          this.sink.onSpace(() => {
            this.paused = false;
            if (this.reading() && !this.inboxFull) this.stream?.resume();
          });
        }
      }
      this.inbox.length = 0;
      this.inboxHead = 0;
      if (this.inboxFull) {
        this.inboxFull = false;
        if (!this.paused && this.reading()) this.stream?.resume();
      }
    } catch (err) {
      this.fail(err as Error, 'decode');
    } finally {
      this.pumping = false;
    }
  }

  /** Resolves when every event received so far is processed. */
  private async drained(): Promise<void> {
    while (this.pumping || this.inboxHead < this.inbox.length) await sleep(2);
  }

  private beginTx(e: BinlogEvent, gtid: string | null): void {
    this.tx = { gtid, startPos: e.nextPosition > 0 ? e.nextPosition - e.size : 0, tsMs: e.timestamp, thread: null, open: false };
  }

  private commitTx(e: BinlogEvent): void {
    const tx = this.tx;
    if (tx?.gtid && this.gtidPos) {
      if (this.gtidPos instanceof MariaDbGtidPosition) this.gtidPos.advance(tx.gtid);
      else this.gtidPos.add(tx.gtid);
    }
    this.commitOffset({ gtid: this.gtidPos ? this.gtidPos.toString() : '', file: this.file, pos: e.nextPosition }, tx?.tsMs ?? e.timestamp);
    this.tx = null;
  }

  private handle(e: BinlogEvent): Promise<void> | void {
    const name = e.getEventName();
    switch (name) {
      case 'rotate':
        this.file = String(e.binlogName);
        this.lastEnd = Number(e.position);
        e.nextPosition = 0;
        return;
      case 'mariadbgtid':
      case 'gtid':
        this.beginTx(e, (e.gtid as string) ?? null);
        this.metrics.commitToReceive.observe(Math.max(0, Date.now() - e.timestamp) / 1000);
        // MariaDB's GTID event stands for BEGIN unless the group is a single standalone statement
        if (name === 'mariadbgtid' && e.standalone === false) this.tx!.open = true;
        return;
      case 'query': {
        const sql = String(e.query ?? '');
        if (/^\s*BEGIN\b/i.test(sql) || /^\s*XA\s+START\b/i.test(sql)) {
          if (!this.tx) this.beginTx(e, null);
          this.tx!.thread = Number(e.slaveProxyId);
          this.tx!.open = true;
          return;
        }
        if (/^\s*(COMMIT|ROLLBACK|XA\s+COMMIT|XA\s+ROLLBACK)\s*$/i.test(sql.replace(/\/\*[\s\S]*?\*\//g, ''))) {
          // the end of the group (a ROLLBACK is logged after changes to non-transactional tables, which stay)
          this.commitTx(e);
          return;
        }
        // statements inside an open transaction (SAVEPOINT, XA END/PREPARE, …) do not end it
        if (this.tx?.open && !isDdl(sql)) return;
        if (!this.tx) this.beginTx(e, null);
        // a DDL statement (or other statement-logged event) is a transaction of its own
        if (isDdl(sql)) {
          const touched = [...new Set(ddlTables(sql, String(e.schema ?? '')))].filter((t) => this.cfg.source.tables.includes(t));
          if (touched.length) return this.applyDdl(touched, sql, e);
        }
        this.commitTx(e);
        return;
      }
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        this.onRows(e, name);
        return;
      case 'xid':
        this.commitTx(e);
        return;
      default:
        return;
    }
  }

  /**
   * Schema history: an ALTER TABLE is replayed on the table's definition as of this point of the
   * binlog (see replayAlter), so a worker that is behind gets the columns its next events were
   * written with. Other DDL (CREATE, RENAME, …) and an ALTER the replay cannot run read today's
   * definition from information_schema.
   */
  private async applyDdl(tables: string[], sql: string, e: BinlogEvent): Promise<void> {
    const schemas = { ...this.schemas };
    const creates = { ...this.creates };
    for (const t of tables) {
      const [database, table] = split(t);
      let how = 'replayed';
      try {
        const replayed = creates[t] ? await replayAlter(this.conn!, creates[t], sql, database, table).catch((err: Error) => {
          this.log.warn({ table: t, err: err.message }, 'could not replay the DDL on the previous definition; reading the current one');
          return null;
        }) : null;
        if (replayed) {
          schemas[t] = replayed.columns;
          creates[t] = replayed.createSql;
        } else {
          how = 'read from information_schema';
          schemas[t] = await readColumns(this.conn!, database, table, this.engine);
          creates[t] = await showCreateTable(this.conn!, database, table);
        }
        this.models.set(t, buildMySqlTableModel(database, table, schemas[t], this.opts));
        this.log.info({ table: t, ddl: sql.slice(0, 200), how, columns: schemas[t].map((c) => c.name) }, 'schema change applied');
      } catch (err) {
        this.log.warn({ table: t, err: (err as Error).message }, 'table definition unavailable after DDL; keeping the previous one');
      }
    }
    this.schemas = schemas;
    this.creates = creates;
    this.commitTx(e);
  }

  private onRows(e: BinlogEvent, name: string): void {
    const tm = (e.tableMap as Record<number, { parentSchema: string; tableName: string }>)[e.tableId as number];
    if (!tm) return;
    const key = `${tm.parentSchema}.${tm.tableName}`;
    const model = this.models.get(key);
    if (!model) return;
    if (!this.tx) this.beginTx(e, (e.gtid as string) ?? null);
    const tx = this.tx!;
    const rows = e.rows as MySqlRow[] | { before: MySqlRow; after: MySqlRow }[];
    const op = name === 'writerows' ? 'c' : name === 'updaterows' ? 'u' : 'd';
    const now = Date.now();
    for (let i = 0; i < rows.length; i++) {
      const pos: MySqlSourcePosition = {
        tsMs: e.timestamp,
        snapshot: 'false',
        serverId: this.serverId,
        gtid: tx.gtid,
        file: this.file,
        pos: this.lastEnd,
        row: i,
        thread: tx.thread,
        query: null,
      };
      const r = rows[i] as MySqlRow & { before?: MySqlRow; after?: MySqlRow };
      const before = op === 'c' ? null : op === 'u' ? r.before! : r;
      const after = op === 'd' ? null : op === 'u' ? r.after! : r;
      for (const rec of mysqlChangeRecords(model, op, before, after, pos, this.opts, now)) this.sink.push(this.recordItem(rec));
      this.metrics.events.inc({ table: key, op });
    }
  }

  // ----- stopping -----

  /**
   * A connection to the server was lost (a restart, a failover, a killed session): fatal, kind
   * `mysql` / `mariadb`. The worker stops without storing anything Kafka has not acknowledged and
   * exits 1; started again (Cloud Run restarts the container) it resumes from the stored offset.
   * Not reconnected in place: the open transaction, the table maps and the decoded inbox belong to
   * the binlog session, and a restart rebuilds exactly that.
   */
  private sourceLost(connection: 'control' | 'snapshot' | 'binlog', e: Error): void {
    this.fail(new Error(`${this.engine} ${connection} connection lost: ${e.message}`), this.engine);
  }

  /** A fatal error: stop reading, store nothing past what Kafka has, exit non-zero. */
  fail(err: Error, kind: string): void {
    if (this.phase === 'failed' || this.phase === 'stopped' || this.phase === 'stopping') {
      this.log.debug({ err: err.message, kind }, 'error while stopping');
      return;
    }
    this.metrics.errors.inc({ kind });
    this.fatalError = err;
    this.log.error({ err: err.message, kind, confirmedGtid: this.acked?.gtid }, 'fatal error; stopping without storing undelivered changes');
    this.phase = 'failed';
    void this.shutdown(1);
  }

  /** Graceful stop (SIGTERM): stop reading, deliver what was read, store the offset, exit 0. */
  stop(): Promise<void> {
    if (this.phase === 'failed') return this.stopping ?? Promise.resolve();
    this.log.info('stopping: flushing and storing the offset');
    this.phase = 'stopping';
    return this.shutdown(0);
  }

  private shutdown(code: number): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.timers.forEach((t) => clearInterval(t));
      this.stream?.pause();
      if (code === 0) {
        while (this.pumping) await sleep(10);
      }
      await this.stream?.close().catch(() => undefined);
      try {
        if (this.sink) await withTimeout(this.sink.close(), 20000);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'kafka close');
      }
      if (this.offsets) {
        await this.saveOffset().catch(() => undefined);
        await this.offsets.close();
      }
      if (this.conn) endQuietly(this.conn);
      await new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r()));
      this.log.info({ confirmedGtid: this.acked?.gtid, file: this.acked?.file, pos: this.acked?.pos, code }, 'stopped');
      if ((this.phase as string) !== 'failed') this.phase = 'stopped';
      this.done(code);
    })();
    return this.stopping;
  }
}

function split(t: string): [string, string] {
  const i = t.indexOf('.');
  return [t.slice(0, i), t.slice(i + 1)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

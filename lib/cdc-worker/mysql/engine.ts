/**
 * The MySQL / MariaDB engine: binlog (zongji) → Debezium MySQL-format events → Kafka,
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
 * stored offset; nothing is lost. DDL on a captured table replaces its definition in the schema
 * history when the DDL event is processed (binlog-events.ts), so later events use the new columns.
 */
import type { Connection } from 'mysql2';
import type { EngineContext, SourceEngine } from '../core/worker';
import { sleep } from '../core/time';
import { KafkaOffsetStore } from '../kafka/offset-store';
import { OffsetWriter } from '../kafka/offset-writer';
import { BinlogStartPosition, BinlogStream } from './binlog';
import { BinlogOffset, BinlogReader, SchemaHistory } from './binlog-events';
import { checkServer, connect, endQuietly, isConnectionLost, query } from './connection';
import { MySqlEngine as MySqlEngineName, MySqlEnvelopeOptions, buildMySqlTableModel } from './envelope';
import { MariaDbGtidPosition, MySqlGtidSet } from './gtid';
import { MySqlIncrementalSnapshots } from './incremental';
import { MySqlOffset, mysqlPositionKey } from './offsets';
import { checkStoredPosition } from './position-check';
import { readColumns, showCreateTable } from './schema';
import { readMySqlSnapshot } from './snapshot';
import { binlogLease } from './lease';

export { ddlTables, isDdl } from './binlog-events';

export class MySqlEngine implements SourceEngine {
  readonly positionKey: string;
  readonly lines = { fatal: 'fatal error; stopping without storing undelivered changes', stopping: 'stopping: flushing and storing the offset' };
  readonly opts: MySqlEnvelopeOptions;
  /** Table definitions as of the event being processed; replaced (not mutated) on DDL. */
  readonly history: SchemaHistory = { tables: {}, creates: {} };
  readonly reader: BinlogReader;
  private conn: Connection | null = null;
  private offsets!: KafkaOffsetStore<MySqlOffset>;
  private writer!: OffsetWriter<MySqlOffset>;
  private seq = 0n;
  /** Signals and incremental snapshots (`signal` configured). */
  private incremental: MySqlIncrementalSnapshots | null = null;
  private readonly pendingOffsets = new Map<bigint, MySqlOffset>();

  constructor(private readonly ctx: EngineContext) {
    const { cfg } = ctx;
    const engine: MySqlEngineName = cfg.source.engine === 'mariadb' ? 'mariadb' : 'mysql';
    this.positionKey = mysqlPositionKey(cfg.output.topicPrefix);
    this.opts = {
      engine,
      topicPrefix: cfg.output.topicPrefix,
      schemasEnable: cfg.output.schemasEnable,
      debeziumVersion: cfg.output.debeziumVersion,
      decimalHandlingMode: cfg.output.decimalHandlingMode,
      tombstonesOnDelete: cfg.output.tombstonesOnDelete,
      unknownTypes: cfg.output.unknownTypes,
    };
    this.reader = new BinlogReader(
      ctx,
      this.opts,
      this.history,
      () => this.conn!,
      (at, tsMs) => this.commitOffset(at, tsMs),
    );
    this.useStore(new KafkaOffsetStore<MySqlOffset>(cfg.kafka, cfg.delivery.offsetsTopic, this.positionKey));
  }

  private useStore(store: KafkaOffsetStore<MySqlOffset>): void {
    this.offsets = store;
    this.writer = new OffsetWriter(store, {
      log: this.ctx.log,
      outageTimeoutMs: this.ctx.cfg.kafka.outageTimeoutMs,
      reading: () => this.reader.reading(),
      fail: (e, kind) => this.ctx.fail(e, kind),
      describe: (off) => ({ gtid: off.gtid, file: off.file, pos: off.pos }),
    });
  }

  /** The offset Kafka has acknowledged everything before. */
  get acked(): MySqlOffset | null {
    return this.writer.acked;
  }

  async start(): Promise<Record<string, unknown>> {
    const { ctx } = this;
    const { source, output, delivery } = ctx.cfg;
    if (delivery.mode === 'exactly-once') {
      throw new Error(`delivery.mode exactly-once is not supported with source.engine ${source.engine}; use at-least-once`);
    }
    if (output.provideTransactionMetadata) {
      ctx.log.warn('output.provideTransactionMetadata is not supported by the MySQL/MariaDB source yet; ignored');
    }
    // idle while streaming (DDL replay only): the server going away reaches it as an 'error' event
    this.conn = await connect(source, (e) => this.sourceLost('control', e));
    // one reader per source: a second worker (a rollout overlap) waits here until the first one's session ends
    await ctx.acquireLease(binlogLease(this.conn, this.opts.engine, output.topicPrefix));
    const info = await checkServer(this.conn, this.opts.engine);
    this.reader.serverId = info.serverId;
    ctx.log.info({ engine: info.engine, version: info.version, serverId: info.serverId, gtids: info.gtidMode }, 'source server ready');
    await ctx.openSink();
    await this.offsets.ensureTopic();
    if (ctx.cfg.signal) {
      this.incremental = new MySqlIncrementalSnapshots(ctx, this.opts, this.positionKey, ctx.cfg.signal.table, () => this.seq + 1n);
      await this.incremental.connect(); // creates the signal table if missing
    }
    const from = await this.startPosition(await this.offsets.load());
    const { tables } = this.history;
    for (const [t, cols] of Object.entries(tables)) this.reader.models.set(t, buildMySqlTableModel(...split(t), cols, this.opts));
    this.reader.gtidPos = from.gtid ? (this.opts.engine === 'mariadb' ? MariaDbGtidPosition.parse(from.gtid) : MySqlGtidSet.parse(from.gtid)) : null;
    this.reader.file = from.file ?? '';

    const signalTable = this.incremental ? [this.incremental.signalTable] : [];
    const stream = new BinlogStream({ ...source, serverId: source.serverId }, [...source.tables, ...signalTable]);
    this.reader.stream = stream;
    await this.incremental?.start();
    this.reader.signals = this.incremental;
    await stream.start(
      from,
      (e) => this.reader.onEvent(e),
      (e) => (isConnectionLost(e) ? this.sourceLost('binlog', e) : ctx.fail(e, 'binlog')),
      async (database, table) => {
        // the events before this table map (a DDL among them) are applied first
        await this.reader.drained();
        return this.history.tables[`${database}.${table}`];
      },
    );
    return { from };
  }

  /** Where streaming starts: the stored offset, or after the initial snapshot, or (snapshotMode never) the server's current position. */
  private async startPosition(stored: MySqlOffset | null): Promise<BinlogStartPosition> {
    const { ctx, history } = this;
    const { source } = ctx.cfg;
    if (stored?.snapshotCompleted) {
      // binlogs purged after the stored offset: stop (BinlogPositionGoneError), never jump over them
      const where = {
        positionKey: this.positionKey,
        offsetsTopic: ctx.cfg.delivery.offsetsTopic,
        warn: (f: Record<string, unknown>, m: string) => ctx.log.warn(f, m),
      };
      await checkStoredPosition(this.conn!, this.opts.engine, stored, where);
      this.writer.resumeFrom(stored);
      history.tables = { ...stored.tables };
      history.creates = { ...(stored.creates ?? {}) };
      for (const t of source.tables) {
        if (!history.tables[t]) {
          ctx.log.warn({ table: t }, 'table not in the stored offset: captured from now on, without a snapshot');
          await this.readDefinition(t);
        }
      }
      ctx.log.info({ gtid: stored.gtid, file: stored.file, pos: stored.pos }, 'resuming from the stored offset');
      return { gtid: stored.gtid, file: stored.file, pos: stored.pos };
    }
    if (source.snapshotMode === 'initial') {
      if (stored) ctx.log.warn('previous initial snapshot did not finish: starting over');
      ctx.enterSnapshot();
      return readMySqlSnapshot({
        ctx,
        opts: this.opts,
        history,
        commitOffset: (at, tsMs, completed) => this.commitOffset(at, tsMs, completed),
        saveOffset: () => this.writer.save(),
        sourceLost: (c, e) => this.sourceLost(c, e),
      });
    }
    const from = await this.currentPosition();
    for (const t of source.tables) await this.readDefinition(t);
    this.commitOffset({ gtid: from.gtid ?? '', file: from.file ?? '', pos: from.pos ?? 4 }, Date.now());
    // stored before streaming: a crash before the first periodic save would otherwise restart from a later "now"
    await ctx.sink.flush();
    await this.writer.save();
    return from;
  }

  /** Today's definition of a captured table, into the schema history. */
  private async readDefinition(t: string): Promise<void> {
    this.history.tables[t] = await readColumns(this.conn!, ...split(t), this.opts.engine);
    this.history.creates[t] = await showCreateTable(this.conn!, ...split(t));
  }

  private async currentPosition(): Promise<BinlogStartPosition> {
    const conn = this.conn!;
    if (this.opts.engine === 'mariadb') {
      const [{ g }] = await query<{ g: string }>(conn, 'SELECT @@GLOBAL.gtid_binlog_pos AS g');
      const st = await query<Record<string, unknown>>(conn, 'SHOW MASTER STATUS');
      return { gtid: g ?? '', file: String(st[0]?.File ?? ''), pos: Number(st[0]?.Position ?? 4) };
    }
    const st = await query<Record<string, unknown>>(conn, 'SHOW MASTER STATUS').catch(() => query<Record<string, unknown>>(conn, 'SHOW BINARY LOG STATUS'));
    const [{ g }] = await query<{ g: string }>(conn, 'SELECT @@GLOBAL.gtid_executed AS g');
    return { gtid: String(g ?? '').replace(/\s+/g, ''), file: String(st[0]?.File ?? ''), pos: Number(st[0]?.Position ?? 4) };
  }

  /** Queues a checkpoint; its offset is stored once Kafka has everything before it. */
  private commitOffset(at: BinlogOffset, tsMs: number, snapshotCompleted = true): void {
    this.seq++;
    const { tables, creates } = this.history;
    this.pendingOffsets.set(this.seq, { gtid: at.gtid, file: at.file, pos: at.pos, snapshotCompleted, tables, creates, ts_ms: Date.now() });
    this.ctx.sink.push({ checkpoint: this.seq, commitTimeMicros: tsMs * 1000 });
  }

  onCheckpoint(seq: bigint): void {
    for (const [s, off] of this.pendingOffsets) {
      if (s > seq) break;
      this.writer.acked = off;
      this.pendingOffsets.delete(s);
    }
    this.incremental?.onCheckpoint(seq);
  }

  /** Stores the acknowledged offset (the offset itself moves with every transaction in the binlog, captured or not). */
  confirmPosition(): void {
    void this.writer.save();
  }

  lagBytes(): number {
    return 0;
  }

  /**
   * A connection to the server was lost (a restart, a failover, a killed session): fatal, kind
   * `mysql` / `mariadb`. The worker stops without storing anything Kafka has not acknowledged and
   * exits 1; started again (Cloud Run restarts the container) it resumes from the stored offset.
   * Not reconnected in place: the open transaction, the table maps and the decoded inbox belong to
   * the binlog session, and a restart rebuilds exactly that.
   */
  private sourceLost(connection: 'control' | 'snapshot' | 'binlog', e: Error): void {
    this.ctx.fail(new Error(`${this.opts.engine} ${connection} connection lost: ${e.message}`), this.opts.engine);
  }

  pauseSource(): void {
    this.incremental?.stop();
    this.reader.stream?.pause();
  }

  async drain(): Promise<void> {
    while (this.reader.busy) await sleep(10);
  }

  async beforeSinkClose(): Promise<void> {
    await this.reader.stream?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.offsets) {
      await this.writer.save().catch(() => undefined);
      await this.offsets.close();
    }
    await this.incremental?.close();
    if (this.conn) endQuietly(this.conn);
  }

  status(): Record<string, unknown> {
    const acked = this.writer.acked;
    return { engine: this.opts.engine, confirmedGtid: acked?.gtid, confirmedFile: acked?.file, confirmedPos: acked?.pos };
  }

  positionFields(line: 'fatal' | 'stopped'): Record<string, unknown> {
    const acked = this.writer.acked;
    return line === 'fatal' ? { confirmedGtid: acked?.gtid } : { confirmedGtid: acked?.gtid, file: acked?.file, pos: acked?.pos };
  }
}

function split(t: string): [string, string] {
  const i = t.indexOf('.');
  return [t.slice(0, i), t.slice(i + 1)];
}

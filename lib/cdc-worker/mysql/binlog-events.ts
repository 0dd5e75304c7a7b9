/**
 * The binlog turned into records: events are queued as zongji delivers them and processed in
 * order. GTID / BEGIN / XID / COMMIT frame transactions, rows events become Debezium events with
 * their gtid/file/pos/row, and the end of each transaction (captured or not) queues a checkpoint
 * holding the binlog offset after it (the engine stores it once Kafka has everything before it).
 * DDL on a captured table replaces its definition in the schema history (see applyDdl).
 */
import type { Connection } from 'mysql2';
import type { EngineContext } from '../core/worker';
import { sleep } from '../core/time';
import type { BinlogEvent, BinlogStream } from './binlog';
import { MySqlColumnDef, MySqlEnvelopeOptions, MySqlRow, MySqlSourcePosition, MySqlTableModel, buildMySqlTableModel, mysqlChangeRecords } from './envelope';
import { MariaDbGtidPosition, MySqlGtidSet } from './gtid';
import { readColumns, replayAlter, showCreateTable } from './schema';
import type { MySqlIncrementalSnapshots } from './incremental';

/** The table definitions as of the event being processed (the schema history); replaced, not mutated, on DDL. */
export interface SchemaHistory {
  tables: Record<string, MySqlColumnDef[]>;
  /** `SHOW CREATE TABLE` of each captured table (later DDL is replayed on it). */
  creates: Record<string, string>;
}

/** A binlog offset: where the next transaction starts. */
export interface BinlogOffset {
  gtid: string;
  file: string;
  pos: number;
}

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

export class BinlogReader {
  readonly models = new Map<string, MySqlTableModel>();
  gtidPos: MariaDbGtidPosition | MySqlGtidSet | null = null;
  file = '';
  serverId = 0;
  stream: BinlogStream | null = null;
  /** Signals and incremental snapshots (`signal` configured): the signal table's rows go there. */
  signals: MySqlIncrementalSnapshots | null = null;
  private tx: Tx | null = null;
  /** End of the previous event: where the current one starts (Debezium's `pos` of a rows event). */
  private lastEnd = 0;
  private readonly inbox: BinlogEvent[] = [];
  private inboxHead = 0;
  private pumping = false;
  private paused = false;
  private inboxFull = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: MySqlEnvelopeOptions,
    private readonly history: SchemaHistory,
    /** The control connection (DDL replay, information_schema). */
    private readonly conn: () => Connection,
    /** Queues a checkpoint for the offset after a transaction. */
    private readonly commitOffset: (at: BinlogOffset, tsMs: number) => void,
  ) {}

  /** Still turning received events into records. */
  get busy(): boolean {
    return this.pumping;
  }

  /** Still reading the binlog (streaming, or about to be: events can come before start() has returned). */
  reading(): boolean {
    return this.ctx.phase === 'streaming' || this.ctx.phase === 'starting' || this.ctx.phase === 'snapshot';
  }

  onEvent(e: BinlogEvent): void {
    if (this.ctx.phase === 'failed' || this.ctx.phase === 'stopped') return;
    this.inbox.push(e);
    // events pile up while a DDL is replayed: stop reading until they are processed
    if (!this.inboxFull && this.inbox.length - this.inboxHead >= this.ctx.cfg.delivery.maxBufferedEvents) {
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
        if ((this.ctx.phase as string) === 'failed') return;
        if (!this.ctx.sink.hasSpace() && !this.paused && this.stream) {
          this.paused = true;
          this.stream.pause();
          this.ctx.sink.onSpace(() => {
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
      this.ctx.fail(err as Error, 'decode');
    } finally {
      this.pumping = false;
    }
  }

  /** Resolves when every event received so far is processed. */
  async drained(): Promise<void> {
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
        this.ctx.metrics.commitToReceive.observe(Math.max(0, Date.now() - e.timestamp) / 1000);
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
          const touched = [...new Set(ddlTables(sql, String(e.schema ?? '')))].filter((t) => this.ctx.cfg.source.tables.includes(t));
          if (touched.length) return this.applyDdl(touched, sql, e);
        }
        this.commitTx(e);
        return;
      }
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        return this.onRows(e, name); // a signal row: a promise, stored before anything after it
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
    const schemas = { ...this.history.tables };
    const creates = { ...this.history.creates };
    for (const t of tables) {
      const [database, table] = split(t);
      let how = 'replayed';
      try {
        const replayed = creates[t]
          ? await replayAlter(this.conn(), creates[t], sql, database, table).catch((err: Error) => {
              this.ctx.log.warn({ table: t, err: err.message }, 'could not replay the DDL on the previous definition; reading the current one');
              return null;
            })
          : null;
        if (replayed) {
          schemas[t] = replayed.columns;
          creates[t] = replayed.createSql;
        } else {
          how = 'read from information_schema';
          schemas[t] = await readColumns(this.conn(), database, table, this.opts.engine);
          creates[t] = await showCreateTable(this.conn(), database, table);
        }
        this.models.set(t, buildMySqlTableModel(database, table, schemas[t], this.opts));
        this.ctx.log.info({ table: t, ddl: sql.slice(0, 200), how, columns: schemas[t].map((c) => c.name) }, 'schema change applied');
      } catch (err) {
        this.ctx.log.warn({ table: t, err: (err as Error).message }, 'table definition unavailable after DDL; keeping the previous one');
      }
    }
    this.history.tables = schemas;
    this.history.creates = creates;
    this.commitTx(e);
  }

  /** The `source` position of row `row` of a rows event of the current transaction. */
  private rowPosition(e: BinlogEvent, row: number): MySqlSourcePosition {
    const tx = this.tx!;
    return {
      tsMs: e.timestamp,
      snapshot: 'false',
      serverId: this.serverId,
      gtid: tx.gtid,
      file: this.file,
      pos: this.lastEnd,
      row,
      thread: tx.thread,
      query: null,
    };
  }

  private onRows(e: BinlogEvent, name: string): Promise<void> | void {
    const tm = (e.tableMap as Record<number, { parentSchema: string; tableName: string }>)[e.tableId as number];
    if (!tm) return;
    const key = `${tm.parentSchema}.${tm.tableName}`;
    const model = this.models.get(key);
    const signals = this.signals;
    if (!model && !signals?.isSignalTable(key)) return;
    if (!this.tx) this.beginTx(e, (e.gtid as string) ?? null);
    const rows = e.rows as MySqlRow[] | { before: MySqlRow; after: MySqlRow }[];
    const op = name === 'writerows' ? 'c' : name === 'updaterows' ? 'u' : 'd';
    if (!model) return signals!.onSignalRows(op, rows as MySqlRow[], (i) => this.rowPosition(e, i));
    const now = Date.now();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as MySqlRow & { before?: MySqlRow; after?: MySqlRow };
      const before = op === 'c' ? null : op === 'u' ? r.before! : r;
      const after = op === 'd' ? null : op === 'u' ? r.after! : r;
      for (const rec of mysqlChangeRecords(model, op, before, after, this.rowPosition(e, i), this.opts, now)) this.ctx.sink.push(this.ctx.record(rec));
      this.ctx.metrics.events.inc({ table: key, op });
      signals?.touched(key, model, before, after);
    }
  }
}

function split(t: string): [string, string] {
  const i = t.indexOf('.');
  return [t.slice(0, i), t.slice(i + 1)];
}

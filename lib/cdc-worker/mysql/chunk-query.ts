/**
 * The MySQL/MariaDB side of incremental snapshots (core/incremental-snapshot.ts): chunks read by
 * primary key (keyset: `WHERE key > last AND key <= max [AND (filter)] ORDER BY key LIMIT n`, one
 * plain SELECT on a connection of its own, READ COMMITTED, no lock), and the watermarks written as
 * inserts into the signal table, which the binlog carries into the stream in commit order.
 *
 * Keys travel as text, one string per key column (the core keeps them in the stored progress and
 * compares them with the keys of streamed changes): {@link keyText} gives the same text for a
 * chunk row (mysql2) and a binlog row (zongji) of the same key, and {@link keyParam} turns it back
 * into a query parameter.
 */
import type { Connection } from 'mysql2';
import { ChunkSource, SnapshotTableError } from '../core/incremental-snapshot';
import type { SnapshotCollection } from '../core/signals';
import { WATERMARK_CLOSE, WATERMARK_OPEN } from '../core/signals';
import type { EngineContext } from '../core/worker';
import { connect, endQuietly, query, quoteName } from './connection';
import { MySqlEnvelopeOptions, MySqlRow, MySqlTableModel, buildMySqlTableModel } from './envelope';
import { readColumns } from './schema';

/** A chunk row: the table's model (for its events) and the row as mysql2 gives it. */
export interface MySqlChunkRow {
  readonly model: MySqlTableModel;
  readonly row: MySqlRow;
}

type KeyColumn = Pick<MySqlTableModel['columns'][number], 'name' | 'dataType' | 'numericPrecision' | 'numericScale'>;

const BINARY_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit']);
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const TEMPORAL_TYPES = new Set(['datetime', 'timestamp', 'time']);

/** A decimal's text without a sign on zero, leading zeros or trailing fractional zeros (`007.50` → `7.5`). */
function plainDecimal(t: string): string {
  const m = /^([+-]?)0*(\d*)(?:\.(\d*?)0*)?$/.exec(t.trim());
  if (!m) return t;
  const whole = m[2] || '0';
  const text = m[3] ? `${whole}.${m[3]}` : whole;
  return m[1] === '-' && text !== '0' ? `-${text}` : text;
}

/** The text of one key value, the same from mysql2 and zongji: integers in decimal, binary as hex, no trailing fractional zeros. */
export function keyValueText(c: KeyColumn, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (BINARY_TYPES.has(c.dataType)) return Buffer.from(String(v), 'binary').toString('hex');
  if (INTEGER_TYPES.has(c.dataType)) return typeof v === 'number' ? BigInt(Math.trunc(v)).toString() : BigInt(String(v)).toString();
  if (c.dataType === 'decimal' || c.dataType === 'numeric') return plainDecimal(String(v));
  if (TEMPORAL_TYPES.has(c.dataType))
    return String(v)
      .replace(/(\.\d*?)0+$/, '$1')
      .replace(/\.$/, '');
  return String(v);
}

/** The key of a row (chunk or binlog) as the core keeps it: one text per key column, in key order. */
export function keyText(model: MySqlTableModel, row: MySqlRow): string[] {
  return model.keyColumns.map((k) =>
    keyValueText(
      model.columns.find((c) => c.name === k)!,
      row[k],
    ),
  );
}

/** A key text back as a query parameter, with its placeholder (decimals are cast, or MySQL compares them as doubles). */
export function keyParam(c: KeyColumn, text: string): { sql: string; value: unknown } {
  if (BINARY_TYPES.has(c.dataType)) return { sql: '?', value: Buffer.from(text, 'hex') };
  if (c.dataType === 'decimal' || c.dataType === 'numeric')
    return { sql: `CAST(? AS DECIMAL(${c.numericPrecision ?? 65}, ${c.numericScale ?? 0}))`, value: text };
  return { sql: '?', value: text };
}

/**
 * `key > after` (or `>=` / `<=`) for a key of one or more columns, as conditions the range
 * optimizer uses: `(k1 > a) OR (k1 = a AND k2 > b) …`, behind `k1 >= a` for a composite key.
 */
export function keyCondition(cols: KeyColumn[], op: '>' | '<=', key: string[]): { sql: string; values: unknown[] } {
  const params = cols.map((c, i) => keyParam(c, key[i]));
  const name = (i: number) => quoteName(cols[i].name);
  if (cols.length === 1) return { sql: `${name(0)} ${op} ${params[0].sql}`, values: [params[0].value] };
  const strict = op === '>' ? '>' : '<';
  const ors: string[] = [];
  const values: unknown[] = [];
  for (let i = 0; i < cols.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      parts.push(`${name(j)} = ${params[j].sql}`);
      values.push(params[j].value);
    }
    const last = i === cols.length - 1 && op === '<=' ? '<=' : strict;
    parts.push(`${name(i)} ${last} ${params[i].sql}`);
    values.push(params[i].value);
    ors.push(`(${parts.join(' AND ')})`);
  }
  const lead = op === '>' ? '>=' : '<=';
  return { sql: `(${name(0)} ${lead} ${params[0].sql} AND (${ors.join(' OR ')}))`, values: [params[0].value, ...values] };
}

/** Debezium's signal table: `id` (the primary key), `type`, `data`, in that order. */
export function mysqlSignalTableDdl(table: string): string {
  const [db, name] = split(table);
  return `CREATE TABLE IF NOT EXISTS ${quoteName(db)}.${quoteName(name)} (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)`;
}

/** A SQL error caused by the table or the signal's filter (syntax, unknown table or column, permissions): SQLSTATE 42… or 22…. */
function tableFault(e: unknown): boolean {
  const state = String((e as { sqlState?: unknown })?.sqlState ?? '');
  return state.startsWith('42') || state.startsWith('22');
}

export class MySqlChunkSource implements ChunkSource<MySqlChunkRow> {
  private conn: Connection | null = null;
  private readonly models = new Map<string, MySqlTableModel>();
  /** Writes to the signal table one at a time (the Kafka channel's and the chunk loop's share the connection). */
  private writing: Promise<unknown> = Promise.resolve();
  /** The signal table's column names (id, type, data). */
  signalColumns: string[] = ['id', 'type', 'data'];

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: MySqlEnvelopeOptions,
    readonly signalTable: string,
  ) {}

  /** Connects; creates the signal table if it is missing (when the user may), and learns its column names. */
  async connect(): Promise<void> {
    const { ctx } = this;
    this.conn = await connect(ctx.cfg.source, (e) =>
      ctx.fail(new Error(`${this.opts.engine} incremental snapshot connection lost: ${e.message}`), this.opts.engine),
    );
    await query(this.conn, 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    const [db, name] = split(this.signalTable);
    const exists = await query(this.conn, 'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [db, name]);
    if (!exists.length) {
      try {
        await query(this.conn, mysqlSignalTableDdl(this.signalTable));
        ctx.log.info({ table: this.signalTable }, 'signal table created');
      } catch (e) {
        throw new Error(
          `signal table ${this.signalTable} does not exist and cannot be created (${(e as Error).message}); create it: ${mysqlSignalTableDdl(this.signalTable)}`,
        );
      }
    }
    const cols = await readColumns(this.conn, db, name, this.opts.engine);
    if (cols.length < 3)
      throw new Error(`signal table ${this.signalTable} must have the columns id, type, data (in that order); it has ${cols.map((c) => c.name).join(', ')}`);
    this.signalColumns = cols.slice(0, 3).map((c) => c.name);
  }

  async close(): Promise<void> {
    if (this.conn) endQuietly(this.conn);
    this.conn = null;
  }

  private get db(): Connection {
    if (!this.conn) throw new Error('incremental snapshot connection is not open');
    return this.conn;
  }

  async tables(): Promise<string[]> {
    return this.ctx.cfg.source.tables.filter((t) => t !== this.signalTable);
  }

  /** The table's model from today's definition (read at the start of its snapshot). */
  private async model(table: string, fresh: boolean): Promise<MySqlTableModel> {
    const have = this.models.get(table);
    if (have && !fresh) return have;
    let model: MySqlTableModel;
    try {
      model = buildMySqlTableModel(...split(table), await readColumns(this.db, ...split(table), this.opts.engine), this.opts);
    } catch (e) {
      throw new SnapshotTableError(`${table}: ${(e as Error).message}`);
    }
    if (!model.keyColumns.length) throw new SnapshotTableError(`table ${table} has no primary key: an incremental snapshot reads chunks by primary key`);
    this.models.set(table, model);
    return model;
  }

  private keyColumns(model: MySqlTableModel): MySqlTableModel['columns'] {
    return model.keyColumns.map((k) => model.columns.find((c) => c.name === k)!);
  }

  async prepare(c: SnapshotCollection): Promise<{ maxKey: string[] | null; estimate: number }> {
    const model = await this.model(c.table, true);
    const rel = `${quoteName(model.database)}.${quoteName(model.table)}`;
    const keys = model.keyColumns.map(quoteName);
    const where = c.filter ? `WHERE (${c.filter})` : '';
    try {
      const max = await query<MySqlRow>(this.db, `SELECT ${keys.join(', ')} FROM ${rel} ${where} ORDER BY ${keys.map((k) => `${k} DESC`).join(', ')} LIMIT 1`);
      const est = await query<{ n: unknown }>(this.db, 'SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [
        model.database,
        model.table,
      ]);
      return { maxKey: max.length ? keyText(model, max[0]) : null, estimate: Number(est[0]?.n ?? 0) };
    } catch (e) {
      if (tableFault(e)) throw new SnapshotTableError(`${c.table}${c.filter ? ` with filter ${JSON.stringify(c.filter)}` : ''}: ${(e as Error).message}`);
      throw e;
    }
  }

  async readChunk(c: SnapshotCollection, after: string[] | null, maxKey: string[], limit: number): Promise<{ key: string[]; row: MySqlChunkRow }[]> {
    const model = await this.model(c.table, false);
    const cols = this.keyColumns(model);
    const upTo = keyCondition(cols, '<=', maxKey);
    const from = after ? keyCondition(cols, '>', after) : null;
    const conds = [...(from ? [from.sql] : []), upTo.sql, ...(c.filter ? [`(${c.filter})`] : [])];
    const select = model.columns.map((col) => quoteName(col.name)).join(', ');
    const order = model.keyColumns.map(quoteName).join(', ');
    const sql = `SELECT ${select} FROM ${quoteName(model.database)}.${quoteName(model.table)} WHERE ${conds.join(' AND ')} ORDER BY ${order} LIMIT ${limit}`;
    try {
      const rows = await query<MySqlRow>(this.db, sql, [...(from?.values ?? []), ...upTo.values]);
      return rows.map((row) => ({ key: keyText(model, row), row: { model, row } }));
    } catch (e) {
      if (tableFault(e)) throw new SnapshotTableError(`${c.table}: ${(e as Error).message}`);
      throw e;
    }
  }

  /** One transaction: removes the previous watermark row and inserts this one. */
  async writeWatermark(id: string, kind: 'open' | 'close', previous: string | null): Promise<void> {
    const [idCol, typeCol, dataCol] = this.signalColumns.map(quoteName);
    const rel = this.signalRel();
    const type = kind === 'open' ? WATERMARK_OPEN : WATERMARK_CLOSE;
    await this.exclusive(async () => {
      await query(this.db, 'START TRANSACTION');
      try {
        if (previous) await query(this.db, `DELETE FROM ${rel} WHERE ${idCol} = ?`, [previous]);
        await query(this.db, `INSERT INTO ${rel} (${idCol}, ${typeCol}, ${dataCol}) VALUES (?, ?, NULL)`, [id, type]);
        await query(this.db, 'COMMIT');
      } catch (e) {
        await query(this.db, 'ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn, fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Writes a signal row (the Kafka signal channel): a row with the same id is not written twice (a message read again). */
  async writeSignal(id: string, type: string, data: string | null): Promise<void> {
    const [idCol, typeCol, dataCol] = this.signalColumns.map(quoteName);
    const sql = `INSERT INTO ${this.signalRel()} (${idCol}, ${typeCol}, ${dataCol}) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE ${idCol} = ${idCol}`;
    const res = (await this.exclusive(() => query(this.db, sql, [id, type, data]))) as unknown as { affectedRows?: number };
    if (res.affectedRows === 0) this.ctx.log.warn({ id, table: this.signalTable }, 'a signal row with this id exists already; not written again');
  }

  private signalRel(): string {
    const [db, name] = split(this.signalTable);
    return `${quoteName(db)}.${quoteName(name)}`;
  }
}

function split(t: string): [string, string] {
  const i = t.indexOf('.');
  return [t.slice(0, i), t.slice(i + 1)];
}

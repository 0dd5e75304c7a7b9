/**
 * The PostgreSQL side of incremental snapshots (core/incremental-snapshot.ts): chunks read by
 * primary key (keyset: `WHERE (pk) > (last) AND (pk) <= (max) [AND (filter)] ORDER BY pk LIMIT n`,
 * READ COMMITTED, no lock beyond a plain SELECT), and the watermarks written as inserts into the
 * signal table, which the publication carries into the stream.
 */
import { Client, DatabaseError } from 'pg';
import type { ResolvedCdcWorkerConfig } from '../core/config';
import { ChunkSource, SnapshotTableError } from '../core/incremental-snapshot';
import type { SnapshotCollection } from '../core/signals';
import { WATERMARK_CLOSE, WATERMARK_OPEN } from '../core/signals';
import type { EngineContext } from '../core/worker';
import { Catalog, clientConfig, quoteIdent, splitTable } from './catalog';
import { EnvelopeOptions, RawRow, TableModel, buildTableModel } from './envelope';

/** A chunk row: the table's model (for its events) and the row's text values in attribute order. */
export interface PgChunkRow {
  readonly model: TableModel;
  readonly row: RawRow;
}

interface TableQuery {
  model: TableModel;
  rel: string;
  select: string;
  /** `(k1, k2)` */
  keyList: string;
  /** Positions of the key columns in the row, in key order. */
  keyIndexes: number[];
  /** `($1::type, $2::type)` from an offset. */
  keyParams: (from: number) => string;
  order: string;
}

const qualified = (t: string) => splitTable(t).map(quoteIdent).join('.');

/** Debezium's signal table: `id` (the primary key), `type`, `data`, in that order. */
export function signalTableDdl(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${qualified(table)} (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048) NULL)`;
}

/**
 * The transactions running at a snapshot (`xmin:xmax:xip,…` of pg_current_snapshot, 64-bit), as
 * pgoutput names them (32-bit xids). A transaction can be running there with its commit record
 * already in the WAL, before the low watermark: the stream must treat its changes as the window's.
 */
export function runningXids(snapshot: string): string[] {
  const xip = snapshot.split(':')[2] ?? '';
  return xip === '' ? [] : xip.split(',').map((x) => String(BigInt(x) & 0xffffffffn));
}

/** A SQL error caused by the table or the signal's filter (syntax, unknown column, permissions). */
function tableFault(e: unknown): boolean {
  const code = (e as DatabaseError)?.code ?? '';
  return code.startsWith('42') || code.startsWith('22');
}

export class PgChunkSource implements ChunkSource<PgChunkRow> {
  private readonly client: Client;
  private readonly catalog: Catalog;
  private readonly queries = new Map<string, TableQuery>();
  private signalColumns: string[] = ['id', 'type', 'data'];
  private invisible: string[] = [];

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: EnvelopeOptions,
    private readonly signalTable: string,
  ) {
    this.client = new Client(clientConfig(ctx.cfg.source as ResolvedCdcWorkerConfig['source']));
    this.client.on('error', (e) => ctx.fail(e, 'postgres'));
    this.catalog = new Catalog(this.client);
  }

  /** Connects; creates the signal table if it is missing (when the user may), and learns its column names. */
  async connect(): Promise<void> {
    await this.client.connect();
    // the stream sees a watermark only once its commit is flushed: never wait for the WAL writer (synchronous_commit off)
    await this.client.query("SET application_name = 'cdc-worker incremental snapshot'; SET synchronous_commit = on");
    const [schema, table] = splitTable(this.signalTable);
    const exists = await this.client.query('SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2', [
      schema,
      table,
    ]);
    if (exists.rowCount === 0) {
      try {
        await this.client.query(signalTableDdl(this.signalTable));
        this.ctx.log.info({ table: this.signalTable }, 'signal table created');
      } catch (e) {
        throw new Error(
          `signal table ${this.signalTable} does not exist and cannot be created (${(e as Error).message}); create it: ${signalTableDdl(this.signalTable)}`,
        );
      }
    }
    const cols = await this.catalog.columns(schema, table);
    if (cols.length < 3)
      throw new Error(`signal table ${this.signalTable} must have the columns id, type, data (in that order); it has ${cols.map((c) => c.name).join(', ')}`);
    this.signalColumns = cols.slice(0, 3).map((c) => c.name);
    // watermark rows a crash left behind (each watermark removes the one before it while running)
    const [idCol, typeCol] = this.signalColumns.map(quoteIdent);
    await this.client
      .query(`DELETE FROM ${qualified(this.signalTable)} WHERE ${typeCol} IN ($1, $2) AND ${idCol} IS NOT NULL`, [WATERMARK_OPEN, WATERMARK_CLOSE])
      .catch((e: Error) => {
        this.ctx.log.warn({ table: this.signalTable, err: e.message }, 'cannot remove old watermark rows from the signal table (grant DELETE on it)');
      });
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  async tables(): Promise<string[]> {
    const res = await this.client.query('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [this.ctx.cfg.source.publicationName]);
    const inPublication = res.rows.map((r) => `${r.schemaname}.${r.tablename}`);
    return [...new Set([...this.ctx.cfg.source.tables, ...inPublication])].filter((t) => t !== this.signalTable);
  }

  private async query(table: string): Promise<TableQuery> {
    const have = this.queries.get(table);
    if (have) return have;
    const [schema, name] = splitTable(table);
    let cols;
    try {
      cols = await this.catalog.columns(schema, name);
    } catch (e) {
      throw new SnapshotTableError((e as Error).message);
    }
    const model = buildTableModel(schema, name, cols, this.opts, (o) => this.catalog.type(o));
    if (!model.keyColumns.length) {
      throw new SnapshotTableError(`table ${table} has no primary key: an incremental snapshot reads chunks by primary key`);
    }
    const types = await this.client.query(
      `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS t FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      [qualified(table)],
    );
    const typeOf = new Map(types.rows.map((r) => [r.attname as string, r.t as string]));
    const keys = model.keyColumns.map((k) => k.name);
    const q: TableQuery = {
      model,
      rel: qualified(table),
      select: model.columns.map((c) => quoteIdent(c.name)).join(', '),
      keyList: `(${keys.map(quoteIdent).join(', ')})`,
      keyIndexes: model.keyColumns.map((k) => model.columns.indexOf(k)),
      keyParams: (from) => `(${keys.map((k, i) => `$${from + i}::${typeOf.get(k)}`).join(', ')})`,
      order: keys.map(quoteIdent).join(', '),
    };
    this.queries.set(table, q);
    try {
      await this.ctx.sink.ensureTopics([model.topic]);
    } catch (e) {
      this.ctx.log.warn({ err: (e as Error).message, topic: model.topic }, 'could not create the topic; it must exist already');
    }
    return q;
  }

  async prepare(c: SnapshotCollection): Promise<{ maxKey: string[] | null; estimate: number }> {
    const q = await this.query(c.table);
    const where = c.filter ? `WHERE (${c.filter})` : '';
    const desc = q.model.keyColumns.map((k) => `${quoteIdent(k.name)} DESC`).join(', ');
    try {
      const max = await this.client.query({ text: `SELECT ${q.select} FROM ${q.rel} ${where} ORDER BY ${desc} LIMIT 1`, rowMode: 'array' });
      const est = await this.client.query('SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = $1::regclass', [q.rel]);
      const row = max.rows[0] as RawRow | undefined;
      return { maxKey: row ? q.keyIndexes.map((i) => row[i] as string) : null, estimate: Number(est.rows[0]?.n ?? 0) };
    } catch (e) {
      if (tableFault(e)) throw new SnapshotTableError(`${c.table}${c.filter ? ` with filter ${JSON.stringify(c.filter)}` : ''}: ${(e as Error).message}`);
      throw e;
    }
  }

  async readChunk(c: SnapshotCollection, after: string[] | null, maxKey: string[], limit: number): Promise<{ key: string[]; row: PgChunkRow }[]> {
    const q = await this.query(c.table);
    const n = maxKey.length;
    const conds = [`${q.keyList} <= ${q.keyParams(1)}`];
    if (after) conds.push(`${q.keyList} > ${q.keyParams(n + 1)}`);
    if (c.filter) conds.push(`(${c.filter})`);
    const text = `SELECT ${q.select} FROM ${q.rel} WHERE ${conds.join(' AND ')} ORDER BY ${q.order} LIMIT ${limit}`;
    try {
      // one snapshot for both statements: the transactions it cannot see are the chunk's `invisible` ones
      await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const snap = await this.client.query('SELECT pg_current_snapshot()::text AS s');
      this.invisible = runningXids(snap.rows[0].s as string);
      const res = await this.client.query({ text, values: after ? [...maxKey, ...after] : maxKey, rowMode: 'array' });
      await this.client.query('COMMIT');
      return (res.rows as RawRow[]).map((row) => ({ key: q.keyIndexes.map((i) => row[i] as string), row: { model: q.model, row } }));
    } catch (e) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      if (tableFault(e)) throw new SnapshotTableError(`${c.table}: ${(e as Error).message}`);
      throw e;
    }
  }

  invisibleAtRead(): string[] {
    return this.invisible;
  }

  /** One statement, its own transaction: removes the previous watermark row and inserts this one. */
  async writeWatermark(id: string, kind: 'open' | 'close', previous: string | null): Promise<void> {
    const [idCol, typeCol, dataCol] = this.signalColumns.map(quoteIdent);
    const rel = qualified(this.signalTable);
    const insert = `INSERT INTO ${rel} (${idCol}, ${typeCol}, ${dataCol}) VALUES ($1, $2, NULL)`;
    const type = kind === 'open' ? WATERMARK_OPEN : WATERMARK_CLOSE;
    if (previous) await this.client.query(`WITH gone AS (DELETE FROM ${rel} WHERE ${idCol} = $3) ${insert}`, [id, type, previous]);
    else await this.client.query(insert, [id, type]);
  }

  /** Writes a signal row (the Kafka signal channel, and tables added at start): a row with the same id is not written twice. */
  async writeSignal(id: string, type: string, data: string | null): Promise<void> {
    const [idCol, typeCol, dataCol] = this.signalColumns.map(quoteIdent);
    await this.client.query(`INSERT INTO ${qualified(this.signalTable)} (${idCol}, ${typeCol}, ${dataCol}) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      id,
      type,
      data,
    ]);
  }
}

/**
 * PostgreSQL side: catalog look-ups, publication and slot set-up, the exported-snapshot read and
 * the logical replication stream, spoken directly over `pg`'s CopyBoth stream. Nothing is ever
 * acknowledged here on its own: the caller sends standby status updates with {@link ReplicationConnection.sendStatus}.
 */
import { Client, ClientConfig } from 'pg';
import { ColumnDef } from './envelope';
import { decodeReplicationMessage, formatLsn, parseLsn, ReplicationMessage } from './pgoutput';
import { PgTypeInfo } from './types';
import { ResolvedCdcWorkerConfig } from './config';

/** Every value as text, exactly as pgoutput sends it. */
const textTypes = { getTypeParser: () => (v: string) => v } as unknown as ClientConfig['types'];

export function clientConfig(cfg: ResolvedCdcWorkerConfig['source'], extra: Partial<ClientConfig> = {}): ClientConfig {
  return {
    host: cfg.host,
    port: cfg.port,
    database: cfg.database,
    user: cfg.user,
    password: cfg.password,
    ssl: cfg.ssl ? { rejectUnauthorized: true } : undefined,
    application_name: 'cdc-worker',
    types: textTypes,
    ...extra,
  };
}

export function quoteIdent(s: string): string {
  return '"' + s.replace(/"/g, '""') + '"';
}

export function splitTable(qualified: string): [string, string] {
  const i = qualified.indexOf('.');
  return [qualified.slice(0, i), qualified.slice(i + 1)];
}

/** Reads table and type definitions from the catalog over an ordinary connection. */
export class Catalog {
  private readonly types = new Map<number, PgTypeInfo>();
  constructor(private readonly client: Client) {}

  async columns(schema: string, table: string): Promise<ColumnDef[]> {
    const res = await this.client.query(
      `SELECT a.attname, a.atttypid::int AS typeoid, a.atttypmod, a.attnotnull,
              array_position(i.indkey::int2[], a.attnum) AS pkpos
         FROM pg_attribute a
         JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
        ORDER BY a.attnum`,
      [schema, table],
    );
    if (res.rowCount === 0) throw new Error(`table ${schema}.${table} does not exist or has no columns`);
    const cols = res.rows.map((r) => ({
      name: r.attname as string,
      typeOid: Number(r.typeoid),
      typmod: Number(r.atttypmod),
      notNull: r.attnotnull === 't' || r.attnotnull === true,
      pkPosition: r.pkpos === null ? undefined : Number(r.pkpos),
    }));
    await this.loadTypes(cols.map((c) => c.typeOid));
    return cols;
  }

  /** Loads catalog entries of non-built-in types (and their element/base types). */
  async loadTypes(oids: number[]): Promise<void> {
    let pending = [...new Set(oids.filter((o) => !this.types.has(o)))];
    while (pending.length) {
      const res = await this.client.query(
        `SELECT t.oid::int AS oid, t.typname, t.typtype, t.typelem::int AS typelem, t.typbasetype::int AS typbasetype, t.typtypmod,
                (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels
           FROM pg_type t WHERE t.oid = ANY($1::oid[])`,
        [`{${pending.join(',')}}`],
      );
      const next: number[] = [];
      for (const r of res.rows) {
        const info: PgTypeInfo = {
          oid: Number(r.oid),
          name: r.typname,
          kind: r.typtype,
          elemOid: Number(r.typelem),
          baseOid: Number(r.typbasetype) || undefined,
          baseTypmod: Number(r.typtypmod),
          enumLabels: r.labels ? parseTextArray(r.labels) : undefined,
        };
        this.types.set(info.oid, info);
        for (const o of [info.elemOid, info.baseOid ?? 0]) if (o >= 10000 && !this.types.has(o)) next.push(o);
      }
      pending = [...new Set(next)];
    }
  }

  type(oid: number): PgTypeInfo | undefined {
    return this.types.get(oid);
  }

  /** Creates the publication if missing, or adds tables missing from it. */
  async ensurePublication(name: string, tables: string[]): Promise<{ created: boolean; added: string[] }> {
    const exists = await this.client.query('SELECT puballtables FROM pg_publication WHERE pubname = $1', [name]);
    const list = tables.map((t) => splitTable(t).map(quoteIdent).join('.')).join(', ');
    if (exists.rowCount === 0) {
      await this.client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${list}`);
      return { created: true, added: tables };
    }
    if (exists.rows[0].puballtables === 't' || exists.rows[0].puballtables === true) return { created: false, added: [] };
    const have = await this.client.query('SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1', [name]);
    const present = new Set(have.rows.map((r) => `${r.schemaname}.${r.tablename}`));
    const missing = tables.filter((t) => !present.has(t));
    if (missing.length) {
      await this.client.query(`ALTER PUBLICATION ${quoteIdent(name)} ADD TABLE ${missing.map((t) => splitTable(t).map(quoteIdent).join('.')).join(', ')}`);
    }
    return { created: false, added: missing };
  }

  async slot(name: string): Promise<{ confirmedFlushLsn: bigint | null; active: boolean } | null> {
    const res = await this.client.query('SELECT confirmed_flush_lsn::text AS lsn, active FROM pg_replication_slots WHERE slot_name = $1', [name]);
    if (res.rowCount === 0) return null;
    return { confirmedFlushLsn: res.rows[0].lsn ? parseLsn(res.rows[0].lsn) : null, active: res.rows[0].active === 't' || res.rows[0].active === true };
  }

  async dropSlot(name: string): Promise<void> {
    await this.client.query('SELECT pg_drop_replication_slot($1) WHERE EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)', [name]);
  }

  async currentWalLsn(): Promise<bigint> {
    const res = await this.client.query('SELECT pg_current_wal_lsn()::text AS lsn');
    return parseLsn(res.rows[0].lsn);
  }
}

function parseTextArray(v: string | string[]): string[] {
  if (Array.isArray(v)) return v;
  return v
    .slice(1, -1)
    .split(',')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith('"') ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s));
}

/**
 * A walsender connection (`replication=database`). Creates the slot (exporting a snapshot),
 * then streams; CopyData payloads are handed to `onMessage` in order.
 */
export class ReplicationConnection {
  readonly client: Client;
  private streaming = false;
  private ended: Promise<void> | null = null;

  private onError: ((e: Error) => void) | null = null;

  constructor(cfg: ResolvedCdcWorkerConfig['source']) {
    this.client = new Client(clientConfig(cfg, { replication: 'database' } as Partial<ClientConfig>));
    // An error while no query runs (the server shutting down during the snapshot, when this
    // connection only holds the exported snapshot) is an 'error' event, which would crash the
    // process without a listener. Before start() the next command on the connection fails anyway.
    this.client.on('error', (e) => this.onError?.(e));
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** CREATE_REPLICATION_SLOT … EXPORT_SNAPSHOT; the snapshot lives until the next command on this connection. */
  async createSlot(name: string): Promise<{ consistentPoint: bigint; snapshotName: string }> {
    const res = await this.client.query(`CREATE_REPLICATION_SLOT ${quoteIdent(name)} LOGICAL pgoutput EXPORT_SNAPSHOT`);
    const row = res.rows[0];
    return { consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name };
  }

  /** Starts streaming from the slot's confirmed position. Resolves when the stream ends. */
  start(slot: string, publication: string, onMessage: (m: ReplicationMessage) => void, onError: (e: Error) => void): void {
    const con = (this.client as unknown as { connection: { on: (e: string, f: (m: { chunk: Buffer }) => void) => void } }).connection;
    con.on('copyData', (msg) => {
      try {
        onMessage(decodeReplicationMessage(msg.chunk));
      } catch (e) {
        onError(e as Error);
      }
    });
    this.streaming = true;
    const sql = `START_REPLICATION SLOT ${quoteIdent(slot)} LOGICAL 0/0 (proto_version '1', publication_names ${quoteLiteral(quoteIdent(publication))})`;
    this.ended = this.client.query(sql).then(
      () => {
        this.streaming = false;
      },
      (e: Error) => {
        this.streaming = false;
        onError(e);
      },
    );
    this.onError = onError;
  }

  /** Reports `lsn` as written, flushed and applied: the slot may then release WAL before it. */
  sendStatus(lsn: bigint, replyRequested = false): void {
    if (!this.streaming) return;
    const con = (this.client as unknown as { connection: { sendCopyFromChunk: (b: Buffer) => void } }).connection;
    con.sendCopyFromChunk(encodeStatus(lsn, Date.now() * 1000, replyRequested));
  }

  pause(): void {
    (this.client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.pause();
  }

  resume(): void {
    (this.client as unknown as { connection: { stream: NodeJS.ReadableStream } }).connection.stream.resume();
  }

  async close(): Promise<void> {
    try {
      await this.client.end();
    } catch {
      /* already closed */
    }
  }

  get ending(): Promise<void> | null {
    return this.ended;
  }
}

import { encodeStandbyStatus as encodeStatus } from './pgoutput';

function quoteLiteral(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

export { formatLsn };

/**
 * Reads every captured table inside the exported snapshot, `fetchSize` rows at a time, calling
 * `onRow` with text values in attribute order. Awaits `onRow`'s promise (backpressure).
 */
export async function readSnapshot(
  cfg: ResolvedCdcWorkerConfig['source'],
  snapshotName: string,
  tables: { schema: string; table: string; columns: string[] }[],
  onTable: (schema: string, table: string, rowCount: number) => void,
  onRow: (schema: string, table: string, row: (string | null)[], last: boolean) => Promise<void> | void,
): Promise<void> {
  const client = new Client(clientConfig(cfg));
  // idle while onRow waits for Kafka: a lost connection surfaces as the next FETCH's error
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`);
    for (const t of tables) {
      const rel = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
      const count = await client.query(`SELECT count(*) AS n FROM ${rel}`);
      const total = Number(count.rows[0].n);
      onTable(t.schema, t.table, total);
      await client.query(`DECLARE cdc_snap NO SCROLL CURSOR FOR SELECT ${t.columns.map(quoteIdent).join(', ')} FROM ${rel}`);
      let seen = 0;
      for (;;) {
        const res = await client.query({ text: `FETCH ${cfg.snapshotFetchSize} FROM cdc_snap`, rowMode: 'array' });
        if (res.rows.length === 0) break;
        for (const row of res.rows as (string | null)[][]) {
          seen++;
          const p = onRow(t.schema, t.table, row, seen === total);
          if (p) await p;
        }
      }
      await client.query('CLOSE cdc_snap');
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

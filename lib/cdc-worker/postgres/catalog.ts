/**
 * PostgreSQL connections and catalog look-ups: table and type definitions, publication and slot
 * set-up over an ordinary connection.
 */
import { Client, ClientConfig } from 'pg';
import { ColumnDef } from './envelope';
import { parseLsn } from './protocol';
import { PgTypeInfo } from './type-mapping';
import { ResolvedCdcWorkerConfig } from '../core/config';

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

export function quoteLiteral(s: string): string {
  return "'" + s.replace(/'/g, "''") + "'";
}

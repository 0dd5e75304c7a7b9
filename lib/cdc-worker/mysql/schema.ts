/**
 * Table definitions: columns from `information_schema`, `SHOW CREATE TABLE`, and the schema
 * history's replay of an ALTER TABLE on the definition valid at that point of the binlog.
 */
import type { Connection } from 'mysql2';
import { MySqlColumnDef, MySqlEngine } from './type-mapping';
import { query, quoteName } from './connection';

/** Columns of a table in ordinal order, with primary-key positions. */
export async function readColumns(conn: Connection, database: string, table: string, engine: MySqlEngine = 'mariadb'): Promise<MySqlColumnDef[]> {
  const cols = await query<Record<string, unknown>>(
    conn,
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            NUMERIC_PRECISION AS numericPrecision, NUMERIC_SCALE AS numericScale, DATETIME_PRECISION AS datetimePrecision,
            CHARACTER_MAXIMUM_LENGTH AS characterMaximumLength, COLUMN_DEFAULT AS columnDefault, EXTRA AS extra,
            CHARACTER_SET_NAME AS characterSetName, COLLATION_NAME AS collationName
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  if (cols.length === 0) throw new Error(`table ${database}.${table} does not exist or has no columns`);
  const pk = await query<{ name: string; seq: number }>(
    conn,
    `SELECT COLUMN_NAME AS name, SEQ_IN_INDEX AS seq FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX`,
    [database, table],
  );
  const pkPos = new Map(pk.map((p) => [p.name, Number(p.seq)]));
  const num = (x: unknown) => (x === null || x === undefined ? null : Number(x));
  return cols.map((c) => ({
    name: String(c.name),
    dataType: String(c.dataType).toLowerCase(),
    columnType: String(c.columnType).toLowerCase(),
    nullable: c.nullable === 'YES',
    pkPosition: pkPos.get(String(c.name)),
    numericPrecision: num(c.numericPrecision),
    numericScale: num(c.numericScale),
    datetimePrecision: num(c.datetimePrecision),
    characterMaximumLength: num(c.characterMaximumLength),
    characterSetName: c.characterSetName === null || c.characterSetName === undefined ? null : String(c.characterSetName),
    collationName: c.collationName === null || c.collationName === undefined ? null : String(c.collationName),
    defaultText: literalDefault(c.columnDefault, String(c.extra ?? ''), String(c.dataType).toLowerCase(), engine),
  }));
}

/**
 * The literal default of a column from information_schema.COLUMNS.COLUMN_DEFAULT: MariaDB (10.2.7+)
 * quotes string literals and writes NULL or an expression bare; MySQL writes the literal bare and
 * marks expressions with DEFAULT_GENERATED in EXTRA. Expressions (CURRENT_TIMESTAMP, …) give undefined.
 */
export function literalDefault(raw: unknown, extra: string, dataType: string, engine: MySqlEngine): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const t = String(raw);
  if (/DEFAULT_GENERATED/i.test(extra)) return undefined;
  if (engine === 'mysql') return t;
  if (t === 'NULL') return undefined;
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return t;
  if (dataType === 'bit' && /^b'[01]*'$/i.test(t)) return BigInt('0b' + (t.slice(2, -1) || '0')).toString();
  return undefined; // an expression: current_timestamp(), uuid(), …
}

/** `SHOW CREATE TABLE` text: the schema history keeps it to replay later DDL on. */
export async function showCreateTable(conn: Connection, database: string, table: string): Promise<string> {
  const rows = await query<Record<string, string>>(conn, `SHOW CREATE TABLE ${quoteName(database)}.${quoteName(table)}`);
  return rows[0]['Create Table'];
}

const IDENT = '(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)';
const HIST_TABLE = '__cdc_worker_schema_history';

/** The ALTER TABLE statement aimed at another table name (null if `sql` is not an ALTER TABLE). */
export function retargetAlter(sql: string, database: string, table: string): string | null {
  const re = new RegExp(
    `^(\\s*(?:/\\*[\\s\\S]*?\\*/\\s*)*ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?)(${IDENT}(?:\\s*\\.\\s*${IDENT})?)`,
    'i',
  );
  const m = re.exec(sql);
  if (!m) return null;
  return m[1] + `${quoteName(database)}.${quoteName(table)}` + sql.slice(m[0].length);
}

/** A CREATE TABLE text for a TEMPORARY table of another name; foreign keys are left out (temporary tables cannot have them). */
export function temporaryCreate(createSql: string, database: string, table: string): string {
  const body = createSql.replace(
    new RegExp(`^\\s*CREATE\\s+TABLE\\s+${IDENT}(?:\\s*\\.\\s*${IDENT})?`, 'i'),
    `CREATE TEMPORARY TABLE ${quoteName(database)}.${quoteName(table)}`,
  );
  const lines = body.split('\n').filter((l) => !/^\s*CONSTRAINT\s+\S+\s+FOREIGN\s+KEY\b/i.test(l) && !/^\s*FOREIGN\s+KEY\b/i.test(l));
  // the line before a dropped one may now end the column list with a comma
  for (let i = 0; i < lines.length - 1; i++) if (/^\s*\)/.test(lines[i + 1])) lines[i] = lines[i].replace(/,\s*$/, '');
  return lines.join('\n');
}

/**
 * The schema history's way to follow an ALTER TABLE: the table as it was (its CREATE TABLE text) is
 * made again as a session TEMPORARY table (not written to a row-based binlog), the ALTER runs on
 * it, and the result is read back. The server's own DDL semantics, for the definition valid at that
 * point of the binlog, whatever has happened to the table since. Returns null for statements other
 * than ALTER TABLE.
 */
export async function replayAlter(
  conn: Connection,
  createSql: string,
  sql: string,
  database: string,
  table: string,
): Promise<{ columns: MySqlColumnDef[]; createSql: string } | null> {
  const altered = retargetAlter(sql, database, HIST_TABLE);
  if (!altered) return null;
  const tmp = `${quoteName(database)}.${quoteName(HIST_TABLE)}`;
  await query(conn, `DROP TEMPORARY TABLE IF EXISTS ${tmp}`);
  try {
    await query(conn, temporaryCreate(createSql, database, HIST_TABLE));
    await query(conn, altered);
    const cols = await query<Record<string, string | null>>(conn, `SHOW FULL COLUMNS FROM ${tmp}`);
    const pk = await query<Record<string, string | number>>(conn, `SHOW INDEX FROM ${tmp} WHERE Key_name = 'PRIMARY'`);
    const pkPos = new Map(pk.map((r) => [String(r.Column_name), Number(r.Seq_in_index)]));
    const created = await showCreateTable(conn, database, HIST_TABLE);
    return {
      columns: cols.map((c) => showColumnDef(c, pkPos)),
      createSql: created.replace(/^CREATE\s+(?:TEMPORARY\s+)?TABLE\s+`(?:[^`]|``)+`/i, `CREATE TABLE ${quoteName(table)}`),
    };
  } finally {
    await query(conn, `DROP TEMPORARY TABLE IF EXISTS ${tmp}`).catch(() => undefined);
  }
}

/** A column from a `SHOW FULL COLUMNS` row, in the form readColumns gives. */
export function showColumnDef(c: Record<string, string | null>, pkPos: Map<string, number>): MySqlColumnDef {
  const columnType = String(c.Type).toLowerCase();
  const dataType = /^[a-z]+/.exec(columnType)![0];
  const args = /^[a-z]+\((\d+)(?:,(\d+))?\)/.exec(columnType);
  const temporal = ['datetime', 'timestamp', 'time'].includes(dataType);
  const fixed = ['decimal', 'numeric', 'bit'].includes(dataType);
  const collation = c.Collation ?? null;
  const dflt = c.Default;
  const expression =
    dflt === null ||
    dflt === undefined ||
    /DEFAULT_GENERATED/i.test(String(c.Extra ?? '')) ||
    /^[a-z_]+\(.*\)$/i.test(dflt) ||
    /^current_timestamp/i.test(dflt);
  return {
    name: String(c.Field),
    dataType,
    columnType,
    nullable: c.Null === 'YES',
    pkPosition: pkPos.get(String(c.Field)),
    numericPrecision: fixed && args ? Number(args[1]) : null,
    numericScale: fixed && args ? Number(args[2] ?? 0) : null,
    datetimePrecision: temporal ? Number(args?.[1] ?? 0) : null,
    characterMaximumLength: null,
    characterSetName: collation ? collation.split('_')[0] : null,
    collationName: collation,
    defaultText: expression ? undefined : dataType === 'bit' && /^b'[01]*'$/i.test(dflt!) ? BigInt('0b' + (dflt!.slice(2, -1) || '0')).toString() : dflt!,
  };
}

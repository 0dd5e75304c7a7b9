/**
 * MySQL / MariaDB side: server checks (row-based binlog with full row images, no compressed or
 * partial events), table definitions from `information_schema`, the consistent snapshot with its
 * binlog position, and the binlog stream (zongji) started from a GTID position or a file/position.
 */
import type { Connection, ConnectionOptions } from 'mysql2';
import type ZongJiType from '@vlasky/zongji';
import type { ZongJiOptions } from '@vlasky/zongji';
import { ResolvedCdcWorkerConfig } from './config';
import { MySqlColumnDef, MySqlEngine, MySqlRow } from './mysql-envelope';

/**
 * Value forms shared by snapshot rows (mysql2) and binlog rows (zongji): see mysql-envelope.ts.
 * TIMESTAMP values are rendered in UTC on both paths.
 */
export function mysqlConnectionOptions(cfg: ResolvedCdcWorkerConfig['source']): ConnectionOptions {
  return {
    host: cfg.host,
    port: cfg.port,
    user: cfg.user,
    password: cfg.password,
    ssl: cfg.ssl ? { rejectUnauthorized: true } : undefined,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    charset: 'utf8mb4',
  } as ConnectionOptions;
}

/** A server setting that rules out binlog capture, with the change that fixes it. */
export class MySqlSetupError extends Error {
  constructor(public readonly problems: string[]) {
    super(`the ${problems.length > 1 ? 'server settings do' : 'server setting does'} not allow binlog capture:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MySqlSetupError';
  }
}

export function query<T = Record<string, unknown>>(conn: Connection, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => conn.query(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
}

/**
 * Opens a connection. `onError` receives what the connection reports while no query of it runs:
 * above all the server going away (a restart, a failover, a killed session) while it is idle.
 * mysql2 emits that as an 'error' event, which without a listener would crash the process with a
 * raw stack trace. A query's own errors go to the query.
 */
export async function connect(cfg: ResolvedCdcWorkerConfig['source'], onError: (e: Error) => void): Promise<Connection> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2') as typeof import('mysql2');
  const conn = mysql.createConnection(mysqlConnectionOptions(cfg));
  // a failure to connect (server down: ECONNREFUSED) is this function's error, not onError's
  let open = false;
  conn.on('error', (e: Error) => (open ? onError(e) : undefined));
  await new Promise<void>((resolve, reject) => conn.connect((e) => (e ? reject(e) : resolve())));
  open = true;
  await query(conn, "SET time_zone = '+00:00'");
  return conn;
}

/** Ends a connection that is no longer needed; what it reports afterwards (its server going away) is ignored. */
export function endQuietly(conn: Connection): void {
  conn.removeAllListeners('error');
  conn.on('error', () => undefined);
  conn.end();
}

/** Network errors and server errors (MySQL/MariaDB error numbers) that end a session. */
const CONNECTION_LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const CONNECTION_LOST_ERRNOS = new Set([
  1053, // ER_SERVER_SHUTDOWN: "Server shutdown in progress"
  1927, // MariaDB ER_CONNECTION_KILLED: "Connection was killed"
  4031, // MySQL ER_CLIENT_INTERACTION_TIMEOUT: the server closed an idle session
]);

/**
 * True when `e` means the server went away or ended the session (a restart, a failover, a killed
 * connection), as opposed to a problem with the binlog or the data: the worker then stops with
 * the engine as the error kind, and its next start resumes from the stored offset.
 */
export function isConnectionLost(e: unknown): boolean {
  const err = e as { code?: unknown; errno?: unknown; fatal?: unknown } | null | undefined;
  if (!err) return false;
  if (typeof err.code === 'string' && CONNECTION_LOST_CODES.has(err.code)) return true;
  if (typeof err.errno === 'number' && CONNECTION_LOST_ERRNOS.has(err.errno)) return true;
  // mysql2 marks the errors after which the connection cannot be used any more
  return err.fatal === true;
}

export interface ServerInfo {
  engine: MySqlEngine;
  version: string;
  serverId: number;
  gtidMode: boolean;
}

/**
 * Reads the server's binlog settings; every one that stops capture is reported at once, naming
 * the setting and the value it needs.
 */
export function binlogSettingProblems(engine: MySqlEngine, vars: Record<string, string | number | null | undefined>): string[] {
  const v = (k: string) => (vars[k] === undefined || vars[k] === null ? undefined : String(vars[k]).toUpperCase());
  const problems: string[] = [];
  if (v('log_bin') !== undefined && v('log_bin') !== '1' && v('log_bin') !== 'ON') problems.push(`log_bin is ${vars.log_bin}: enable the binary log (log_bin / log-bin in the server config)`);
  if (v('binlog_format') !== 'ROW') problems.push(`binlog_format is ${vars.binlog_format}: set binlog_format=ROW`);
  if (v('binlog_row_image') !== 'FULL') problems.push(`binlog_row_image is ${vars.binlog_row_image}: set binlog_row_image=FULL (before images and unchanged columns are needed)`);
  if (engine === 'mariadb') {
    if (v('log_bin_compress') === '1' || v('log_bin_compress') === 'ON') problems.push('log_bin_compress is ON: compressed binlog events are not supported; set log_bin_compress=OFF');
  } else {
    if (v('binlog_transaction_compression') === '1' || v('binlog_transaction_compression') === 'ON') {
      problems.push('binlog_transaction_compression is ON: compressed transaction payloads are not supported; set binlog_transaction_compression=OFF');
    }
    if ((v('binlog_row_value_options') ?? '').includes('PARTIAL_JSON')) {
      problems.push('binlog_row_value_options is PARTIAL_JSON: partial JSON updates are not supported; set binlog_row_value_options=\'\'');
    }
  }
  return problems;
}

export async function checkServer(conn: Connection, expected: MySqlEngine): Promise<ServerInfo> {
  const [{ version }] = await query<{ version: string }>(conn, 'SELECT VERSION() AS version');
  const engine: MySqlEngine = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const names = ['log_bin', 'binlog_format', 'binlog_row_image', 'server_id', ...(engine === 'mariadb' ? ['log_bin_compress'] : ['binlog_transaction_compression', 'binlog_row_value_options', 'gtid_mode'])];
  const rows = await query<{ Variable_name: string; Value: string }>(conn, `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(',')})`, names);
  const vars: Record<string, string> = {};
  for (const r of rows) vars[r.Variable_name.toLowerCase()] = r.Value;
  const problems = binlogSettingProblems(engine, vars);
  if (expected !== engine) problems.push(`source.engine is ${expected} but the server is ${engine} (${version}): set source.engine to ${engine}`);
  if (problems.length) throw new MySqlSetupError(problems);
  return { engine, version, serverId: Number(vars.server_id), gtidMode: engine === 'mariadb' || (vars.gtid_mode ?? '').toUpperCase() === 'ON' };
}

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
  const re = new RegExp(`^(\\s*(?:/\\*[\\s\\S]*?\\*/\\s*)*ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?)(${IDENT}(?:\\s*\\.\\s*${IDENT})?)`, 'i');
  const m = re.exec(sql);
  if (!m) return null;
  return m[1] + `${quoteName(database)}.${quoteName(table)}` + sql.slice(m[0].length);
}

/** A CREATE TABLE text for a TEMPORARY table of another name; foreign keys are left out (temporary tables cannot have them). */
export function temporaryCreate(createSql: string, database: string, table: string): string {
  const body = createSql.replace(new RegExp(`^\\s*CREATE\\s+TABLE\\s+${IDENT}(?:\\s*\\.\\s*${IDENT})?`, 'i'), `CREATE TEMPORARY TABLE ${quoteName(database)}.${quoteName(table)}`);
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
export async function replayAlter(conn: Connection, createSql: string, sql: string, database: string, table: string): Promise<{ columns: MySqlColumnDef[]; createSql: string } | null> {
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
  const expression = dflt === null || dflt === undefined || /DEFAULT_GENERATED/i.test(String(c.Extra ?? '')) || /^[a-z_]+\(.*\)$/i.test(dflt) || /^current_timestamp/i.test(dflt);
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

export function quoteName(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

export interface SnapshotPosition {
  /** GTID position (MariaDB `d-s-n,…`, MySQL GTID set); '' when the server has none. */
  gtid: string;
  file: string;
  pos: number;
}

/**
 * Opens a consistent snapshot and returns the binlog position it corresponds to. MariaDB: without
 * locks (`binlog_snapshot_file/position` of the snapshot transaction). MySQL: under a brief
 * `FLUSH TABLES WITH READ LOCK` while the snapshot transaction starts.
 */
export async function openSnapshot(conn: Connection, engine: MySqlEngine): Promise<SnapshotPosition> {
  await query(conn, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  if (engine === 'mariadb') {
    await query(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const st = await query<{ Variable_name: string; Value: string }>(conn, "SHOW STATUS LIKE 'binlog_snapshot_%'");
    const m = new Map(st.map((r) => [r.Variable_name.toLowerCase(), r.Value]));
    const file = m.get('binlog_snapshot_file') ?? '';
    const pos = Number(m.get('binlog_snapshot_position') ?? 0);
    const [{ g }] = await query<{ g: string | null }>(conn, 'SELECT BINLOG_GTID_POS(?, ?) AS g', [file, pos]);
    return { gtid: g ?? '', file, pos };
  }
  await query(conn, 'FLUSH TABLES WITH READ LOCK');
  try {
    await query(conn, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const status = await query<Record<string, unknown>>(conn, 'SHOW MASTER STATUS').catch(() => query<Record<string, unknown>>(conn, 'SHOW BINARY LOG STATUS'));
    const [{ g }] = await query<{ g: string }>(conn, 'SELECT @@GLOBAL.gtid_executed AS g');
    return { gtid: String(g ?? '').replace(/\s+/g, ''), file: String(status[0]?.File ?? ''), pos: Number(status[0]?.Position ?? 0) };
  } finally {
    await query(conn, 'UNLOCK TABLES');
  }
}

/** Streams a table's rows inside the open snapshot; awaits `onRow` (backpressure). Returns the row count. */
export function streamTable(conn: Connection, database: string, table: string, columns: string[], onRow: (row: MySqlRow) => Promise<void> | void): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let n = 0;
    let failed = false;
    const q = conn.query(`SELECT ${columns.map(quoteName).join(', ')} FROM ${quoteName(database)}.${quoteName(table)}`);
    const onError = (e: Error) => {
      conn.removeListener('error', onError);
      if (failed) return;
      failed = true;
      reject(e);
    };
    q.on('error', onError);
    // a query without a callback does not hear of a lost connection: mysql2 tells the connection
    conn.on('error', onError);
    q.on('end', () => conn.removeListener('error', onError));
    q.on('result', (row: unknown) => {
      if (failed) return;
      n++;
      let p: Promise<void> | void;
      try {
        p = onRow(row as MySqlRow);
      } catch (e) {
        failed = true;
        reject(e);
        return;
      }
      if (p) {
        conn.pause();
        p.then(
          () => conn.resume(),
          (e) => {
            failed = true;
            reject(e);
          },
        );
      }
    });
    q.on('end', () => {
      if (!failed) resolve(n);
    });
  });
}

export type BinlogEvent = Record<string, unknown> & { getEventName(): string; timestamp: number; nextPosition: number; size: number; gtid?: string };

export interface BinlogStartPosition {
  gtid?: string;
  file?: string;
  pos?: number;
}

/**
 * zongji is an ES module: Node 20.19+ (and 22.12+) load it with require(); older Node 20 releases
 * need a real dynamic import, which TypeScript's CommonJS output would turn into require().
 */
async function loadZongJi(): Promise<typeof ZongJiType> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('@vlasky/zongji') as { default: typeof ZongJiType }).default;
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw e;
    const dynamicImport = new Function('s', 'return import(s)') as (s: string) => Promise<{ default: typeof ZongJiType }>;
    return (await dynamicImport('@vlasky/zongji')).default;
  }
}

/** The binlog connection (zongji). Events are handed over in order; nothing is acknowledged to the server. */
export class BinlogStream {
  private zongji: ZongJiType | null = null;

  constructor(
    private readonly cfg: ResolvedCdcWorkerConfig['source'] & { serverId: number },
    private readonly tables: string[],
  ) {}

  /**
   * @param columnsAt the schema history: the columns of a captured table as of the table map being
   *   decoded (zongji would otherwise read today's definition from information_schema, which is wrong
   *   for events written before a later DDL).
   */
  async start(
    from: BinlogStartPosition,
    onEvent: (e: BinlogEvent) => void,
    onError: (e: Error) => void,
    columnsAt?: (database: string, table: string) => Promise<MySqlColumnDef[] | undefined>,
  ): Promise<void> {
    const ZongJi = await loadZongJi();
    const z = new ZongJi(mysqlConnectionOptions(this.cfg) as ConstructorParameters<typeof ZongJiType>[0]);
    this.zongji = z;
    const includeSchema: Record<string, string[]> = {};
    for (const t of this.tables) {
      const [db, table] = [t.slice(0, t.indexOf('.')), t.slice(t.indexOf('.') + 1)];
      (includeSchema[db] ??= []).push(table);
    }
    if (columnsAt) {
      const zi = z as unknown as {
        _fetchTableInfo(ev: TableMapLike, next: () => void): void;
        tableMap: Record<number, unknown>;
      };
      const fromServer = zi._fetchTableInfo.bind(z);
      zi._fetchTableInfo = (ev, next) => {
        columnsAt(ev.schemaName, ev.tableName).then(
          (cols) => {
            if (!cols) return fromServer(ev, next);
            const problem = tableMapMismatch(ev, cols);
            if (problem) return onError(new Error(problem));
            zi.tableMap[ev.tableId] = {
              columnSchemas: cols.map((c) => ({
                COLUMN_NAME: c.name,
                COLLATION_NAME: c.collationName ?? null,
                CHARACTER_SET_NAME: c.characterSetName ?? null,
                COLUMN_COMMENT: '',
                COLUMN_TYPE: c.columnType,
              })),
              parentSchema: ev.schemaName,
              tableName: ev.tableName,
            };
            next();
          },
          (e: Error) => onError(e),
        );
      };
    }
    z.on('error', (e: Error) => onError(explainBinlogError(e)));
    z.on('binlog', (e: unknown) => onEvent(e as BinlogEvent));
    // an error before 'ready' (bad position, purged binlog, no privilege) fails start() itself
    const ready = new Promise<void>((resolve, reject) => {
      z.once('ready', () => resolve());
      z.once('error', (e: Error) => reject(explainBinlogError(e)));
    });
    const opts: ZongJiOptions = {
      serverId: this.cfg.serverId,
      includeEvents: ['rotate', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'query', 'xid', 'gtid', 'mariadbgtid'],
      includeSchema,
    };
    if (from.gtid !== undefined && from.gtid !== '') opts.gtidSet = from.gtid;
    else if (from.file) {
      opts.filename = from.file;
      opts.position = from.pos ?? 4;
    } else opts.startAtEnd = true;
    z.start(opts);
    return ready;
  }

  pause(): void {
    (this.zongji as unknown as { connection?: { pause(): void } } | null)?.connection?.pause();
  }

  resume(): void {
    (this.zongji as unknown as { connection?: { resume(): void } } | null)?.connection?.resume();
  }

  async close(): Promise<void> {
    const z = this.zongji;
    this.zongji = null;
    if (!z) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      z.once('stopped', () => {
        clearTimeout(t);
        resolve();
      });
      try {
        z.stop();
      } catch {
        clearTimeout(t);
        resolve();
      }
    });
  }
}

interface TableMapLike {
  tableId: number;
  schemaName: string;
  tableName: string;
  columnCount: number;
  columnTypes: number[];
}

/** Binlog column type codes each information_schema DATA_TYPE may be written with. */
const BINLOG_TYPES: Record<string, number[]> = {
  tinyint: [1], bool: [1], boolean: [1], smallint: [2], mediumint: [9], int: [3], integer: [3], bigint: [8],
  float: [4], double: [5], real: [5], decimal: [246, 0], numeric: [246, 0], bit: [16], year: [13],
  date: [10, 14], time: [11, 19], datetime: [12, 18], timestamp: [7, 17],
  char: [254, 15], binary: [254, 15], varchar: [15, 141], varbinary: [15, 141], enum: [254, 247], set: [254, 248],
  tinytext: [252, 140], text: [252, 140], mediumtext: [252, 140], longtext: [252, 140],
  tinyblob: [252, 140], blob: [252, 140], mediumblob: [252, 140], longblob: [252, 140], json: [245, 252],
  geometry: [255], point: [255], linestring: [255], polygon: [255],
};

/**
 * Checks a table map against the schema history: the number of columns and each column's binlog
 * type must fit. A mismatch means the history is out of step with the binlog (it would decode the
 * row wrongly), so the worker stops instead.
 */
export function tableMapMismatch(ev: Pick<TableMapLike, 'schemaName' | 'tableName' | 'columnCount' | 'columnTypes'>, cols: MySqlColumnDef[]): string | null {
  const where = `${ev.schemaName}.${ev.tableName}`;
  const advice = 'the schema history is out of step with the binlog (a DDL the worker could not follow); delete the stored offset to take a new snapshot';
  if (ev.columnCount !== cols.length) return `table map of ${where} has ${ev.columnCount} columns, the schema history ${cols.length}: ${advice}`;
  for (let i = 0; i < cols.length; i++) {
    const allowed = BINLOG_TYPES[cols[i].dataType];
    if (allowed && !allowed.includes(ev.columnTypes[i])) {
      return `table map of ${where}: column ${i + 1} (${cols[i].name} ${cols[i].columnType}) has binlog type ${ev.columnTypes[i]}: ${advice}`;
    }
  }
  return null;
}

/** Turns zongji's and the server's messages about unsupported binlog features into ones naming the setting. */
export function explainBinlogError(e: Error): Error {
  const m = e.message ?? '';
  if (/TRANSACTION_PAYLOAD/.test(m)) return new Error('compressed transaction payload in the binlog: not supported; set binlog_transaction_compression=OFF on the server');
  if (/PARTIAL_UPDATE_ROWS|PARTIAL_JSON/.test(m)) return new Error("partial JSON update in the binlog: not supported; set binlog_row_value_options='' on the server");
  if (/Could not find GTID state|GTID.*(purged|not found)|has been purged|Could not find first log file|not in the master's binlog/i.test(m)) {
    return new Error(
      `the binlog position to resume from is not on the server (${m.replace(/^Error: /, '')}): its binlogs were purged (raise binlog_expire_logs_seconds / expire_logs_days) or the offset belongs to another server; delete the stored offset to take a new snapshot`,
    );
  }
  return e;
}

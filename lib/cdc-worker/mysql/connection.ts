/**
 * MySQL / MariaDB connections: options (the value forms snapshot and binlog rows share), queries,
 * lost-connection detection, and the server checks (row-based binlog with full row images, no
 * compressed or partial events).
 */
import type { Connection, ConnectionOptions } from 'mysql2';
import { ResolvedCdcWorkerConfig } from '../core/config';
import { MySqlEngine } from './type-mapping';

/**
 * Value forms shared by snapshot rows (mysql2) and binlog rows (zongji): see type-mapping.ts.
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
  if (v('log_bin') !== undefined && v('log_bin') !== '1' && v('log_bin') !== 'ON')
    problems.push(`log_bin is ${vars.log_bin}: enable the binary log (log_bin / log-bin in the server config)`);
  if (v('binlog_format') !== 'ROW') problems.push(`binlog_format is ${vars.binlog_format}: set binlog_format=ROW`);
  if (v('binlog_row_image') !== 'FULL')
    problems.push(`binlog_row_image is ${vars.binlog_row_image}: set binlog_row_image=FULL (before images and unchanged columns are needed)`);
  if (engine === 'mariadb') {
    if (v('log_bin_compress') === '1' || v('log_bin_compress') === 'ON')
      problems.push('log_bin_compress is ON: compressed binlog events are not supported; set log_bin_compress=OFF');
  } else {
    if (v('binlog_transaction_compression') === '1' || v('binlog_transaction_compression') === 'ON') {
      problems.push('binlog_transaction_compression is ON: compressed transaction payloads are not supported; set binlog_transaction_compression=OFF');
    }
    if ((v('binlog_row_value_options') ?? '').includes('PARTIAL_JSON')) {
      problems.push("binlog_row_value_options is PARTIAL_JSON: partial JSON updates are not supported; set binlog_row_value_options=''");
    }
  }
  return problems;
}

export async function checkServer(conn: Connection, expected: MySqlEngine): Promise<ServerInfo> {
  const [{ version }] = await query<{ version: string }>(conn, 'SELECT VERSION() AS version');
  const engine: MySqlEngine = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
  const names = [
    'log_bin',
    'binlog_format',
    'binlog_row_image',
    'server_id',
    ...(engine === 'mariadb' ? ['log_bin_compress'] : ['binlog_transaction_compression', 'binlog_row_value_options', 'gtid_mode']),
  ];
  const rows = await query<{ Variable_name: string; Value: string }>(
    conn,
    `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(',')})`,
    names,
  );
  const vars: Record<string, string> = {};
  for (const r of rows) vars[r.Variable_name.toLowerCase()] = r.Value;
  const problems = binlogSettingProblems(engine, vars);
  if (expected !== engine) problems.push(`source.engine is ${expected} but the server is ${engine} (${version}): set source.engine to ${engine}`);
  if (problems.length) throw new MySqlSetupError(problems);
  return { engine, version, serverId: Number(vars.server_id), gtidMode: engine === 'mariadb' || (vars.gtid_mode ?? '').toUpperCase() === 'ON' };
}

export function quoteName(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

/**
 * Before streaming from a stored offset (issue 19 item 4): are the binlogs after it still on the
 * server? A binlog purged (`PURGE BINARY LOGS`, `binlog_expire_logs_seconds`) while the worker was
 * down holds changes the worker never read. Started from such a position, the server either
 * refuses or, worse, serves what it still has, and the worker would jump silently over the gap.
 * Instead the worker stops at start with {@link BinlogPositionGoneError}, naming the file or the
 * GTIDs that are gone and the way out: a new snapshot.
 *
 * - file/position offsets: the file must be in `SHOW BINARY LOGS`;
 * - MySQL GTID sets: `@@gtid_purged` must be contained in the stored set;
 * - MariaDB GTID positions: per replication domain, the stored sequence must be at or after the
 *   one in the `Gtid_list` event that opens the oldest binlog (the last GTIDs written before it).
 */
import type { Connection } from 'mysql2';
import { query } from './connection';
import { MySqlGtidSet, parseMariaDbGtid } from './gtid';
import type { MySqlEngine } from './type-mapping';

/** What the server still has. */
export interface ServerBinlogs {
  /** `SHOW BINARY LOGS`, oldest first. */
  files: string[];
  /** MySQL: `@@GLOBAL.gtid_purged`. */
  gtidPurged?: string;
  /** MariaDB: the GTIDs of the `Gtid_list` event opening the oldest binlog, e.g. `0-1-63,1-2-7` ('' for none). */
  oldestGtidList?: string;
}

/** The stored offset's position. */
export interface StoredBinlogPosition {
  gtid: string;
  file: string;
  pos: number;
}

/** The stored position is gone from the server: the worker stops rather than skip what was purged. */
export class BinlogPositionGoneError extends Error {
  constructor(
    readonly what: string,
    readonly positionKey: string,
    readonly offsetsTopic: string,
  ) {
    super(
      `${what}. Changes after the stored offset were purged before the worker read them; streaming from the server's oldest binlog would skip them, so the worker stops. ` +
        `Way out: take a new snapshot: ` +
        `delete the stored offset (key "${positionKey}" in topic ${offsetsTopic}) and start again with source.snapshotMode "initial" (source.snapshotMode "when_needed", which re-snapshots by itself when the stored position is gone, is PostgreSQL only for now). ` +
        `Keep binlogs longer than the worker can be down (binlog_expire_logs_seconds / expire_logs_days).`,
    );
    this.name = 'BinlogPositionGoneError';
  }
}

/** What of `stored` is gone from the server, in words; null when everything after it is still there. */
export function purgedProblem(engine: MySqlEngine, stored: StoredBinlogPosition, server: ServerBinlogs): string | null {
  const oldest = server.files[0];
  if (stored.gtid.trim() === '') {
    if (!stored.file || server.files.includes(stored.file)) return null;
    return `the stored offset's binlog file ${stored.file} (position ${stored.pos}) is no longer on the server, whose oldest binlog is ${oldest ?? '(none)'}`;
  }
  if (engine === 'mysql') {
    const gone = MySqlGtidSet.parse(server.gtidPurged ?? '').minus(MySqlGtidSet.parse(stored.gtid));
    if (gone.empty) return null;
    return `the server has purged GTIDs the stored offset does not contain (${gone}; stored GTID set ${stored.gtid}, binlog file ${stored.file})`;
  }
  const gone = mariaDbGaps(stored.gtid, server.oldestGtidList ?? '');
  if (gone.length === 0) return null;
  return `the stored offset's GTID position ${stored.gtid} (binlog file ${stored.file}) is older than the server's oldest binlog ${oldest}, which starts after ${gone.join(',')}`;
}

/** The domains whose last GTID before the oldest binlog is after the stored position (as GTIDs of that list). */
function mariaDbGaps(stored: string, oldestList: string): string[] {
  const have = new Map<number, bigint>();
  for (const part of stored
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')) {
    const g = parseMariaDbGtid(part);
    have.set(g.domain, g.sequence);
  }
  const gaps: string[] = [];
  for (const part of oldestList
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')) {
    const g = parseMariaDbGtid(part);
    const at = have.get(g.domain);
    if (at === undefined || at < g.sequence) gaps.push(part);
  }
  return gaps;
}

/** Reads what the server still has (`SHOW BINARY LOGS`, and the GTIDs purged or opening the oldest binlog). */
export async function serverBinlogs(conn: Connection, engine: MySqlEngine): Promise<ServerBinlogs> {
  const files = (await query<Record<string, unknown>>(conn, 'SHOW BINARY LOGS')).map((r) => String(r.Log_name));
  if (engine === 'mysql') {
    const [{ g }] = await query<{ g: string }>(conn, 'SELECT @@GLOBAL.gtid_purged AS g');
    return { files, gtidPurged: String(g ?? '') };
  }
  if (files.length === 0) return { files, oldestGtidList: '' };
  const events = await query<Record<string, unknown>>(conn, 'SHOW BINLOG EVENTS IN ? LIMIT 10', [files[0]]);
  const list = events.find((e) => e.Event_type === 'Gtid_list');
  return { files, oldestGtidList: String(list?.Info ?? '').replace(/^\[|\]$/g, '') };
}

/**
 * Throws {@link BinlogPositionGoneError} when binlogs after `stored` were purged. When the server
 * cannot be asked (a privilege missing), logs why and lets the binlog connection find out.
 */
export async function checkStoredPosition(
  conn: Connection,
  engine: MySqlEngine,
  stored: StoredBinlogPosition,
  where: { positionKey: string; offsetsTopic: string; warn: (fields: Record<string, unknown>, msg: string) => void },
): Promise<void> {
  let server: ServerBinlogs;
  try {
    server = await serverBinlogs(conn, engine);
  } catch (e) {
    where.warn(
      { err: (e as Error).message },
      'could not check that the stored binlog position is still on the server (SHOW BINARY LOGS needs BINLOG MONITOR / REPLICATION CLIENT)',
    );
    return;
  }
  const problem = purgedProblem(engine, stored, server);
  if (problem) throw new BinlogPositionGoneError(problem, where.positionKey, where.offsetsTopic);
}

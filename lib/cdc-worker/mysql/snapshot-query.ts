/** The consistent snapshot: opened with its binlog position, then each table streamed inside it. */
import type { Connection } from 'mysql2';
import type { MySqlEngine } from './type-mapping';
import type { MySqlRow } from './envelope';
import { query, quoteName } from './connection';

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
export function streamTable(
  conn: Connection,
  database: string,
  table: string,
  columns: string[],
  onRow: (row: MySqlRow) => Promise<void> | void,
): Promise<number> {
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

/**
 * The MySQL/MariaDB engine's lease (core/lease.ts): a named lock (`GET_LOCK`) on the control
 * connection, one per captured server and topic prefix, so that two workers never both read the
 * binlog into the same topics.
 */
import { createHash } from 'crypto';
import type { Connection } from 'mysql2';
import type { SourceLease } from '../core/lease';
import { query } from './connection';
import type { MySqlEngine } from './type-mapping';

/** The lock's name: `cdc-worker:<topicPrefix>`, hashed when longer than the 64 characters a lock name may have. */
export function binlogLockName(topicPrefix: string): string {
  const name = `cdc-worker:${topicPrefix}`;
  return name.length <= 64 ? name : `cdc-worker:${createHash('sha256').update(topicPrefix).digest('hex').slice(0, 40)}`;
}

export function binlogLease(conn: Connection, engine: MySqlEngine, topicPrefix: string): SourceLease {
  const name = binlogLockName(topicPrefix);
  return {
    name: `${engine === 'mariadb' ? 'MariaDB' : 'MySQL'} lock ${name} (GET_LOCK)`,
    async tryAcquire() {
      // timeout 0: does not wait; 1 when taken (or already held by this session), 0 when another session holds it
      const [row] = await query<{ held: number | string | null }>(conn, 'SELECT GET_LOCK(?, 0) AS held', [name]);
      return Number(row?.held) === 1;
    },
  };
}

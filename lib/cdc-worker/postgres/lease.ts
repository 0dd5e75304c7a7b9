/**
 * The PostgreSQL engine's lease (core/lease.ts): a session-level advisory lock on the catalog
 * connection, keyed by the slot name, so that two workers on one slot never both stream.
 */
import type { Client } from 'pg';
import type { SourceLease } from '../core/lease';

export function slotLease(client: Client, slotName: string): SourceLease {
  const key = `cdc-worker slot ${slotName}`;
  return {
    name: `PostgreSQL advisory lock on slot ${slotName} (key "${key}")`,
    async tryAcquire() {
      // a 64-bit key from the text (hashtextextended: PostgreSQL 11 and later); held until the session ends
      const res = await client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [key]);
      const held = res.rows[0]?.held;
      return held === true || held === 't';
    },
  };
}

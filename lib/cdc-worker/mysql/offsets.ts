/**
 * Where the MySQL/MariaDB engine keeps its resume position: a record of the offsets store (kafka/offset-store.ts) keyed
 * `mysql:<topicPrefix>`. A record is written only after Kafka has acknowledged every event up to
 * the position it holds, so a restart resumes at or before the first undelivered change.
 *
 * The record also carries the definitions of the captured tables as of that position (the schema
 * history): a restart decodes the events after the position with the columns that were valid then,
 * not with today's.
 */
import type { MySqlColumnDef } from './type-mapping';

export interface MySqlOffset {
  /** GTID position after the last delivered transaction (MariaDB `d-s-n,…` or MySQL GTID set); '' without GTIDs. */
  gtid: string;
  /** Binlog file and position after the last delivered transaction. */
  file: string;
  pos: number;
  /** False while the initial snapshot is not fully delivered (a restart takes a new snapshot). */
  snapshotCompleted: boolean;
  /** Table definitions valid at this position, by `database.table`. */
  tables: Record<string, MySqlColumnDef[]>;
  /** `SHOW CREATE TABLE` text valid at this position, by `database.table` (later DDL is replayed on it). */
  creates?: Record<string, string>;
  ts_ms: number;
}

/** The key of a MySQL/MariaDB source's records in the offsets topic (and its exactly-once position key). */
export function mysqlPositionKey(topicPrefix: string): string {
  return `mysql:${topicPrefix}`;
}

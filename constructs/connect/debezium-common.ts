import { SourceEngine } from '../sources/source-database';

/** Snapshot modes Debezium's relational connectors share. */
export type DebeziumSnapshotMode = 'initial' | 'initial_only' | 'no_data' | 'never' | 'when_needed' | 'always' | 'recovery';

/** Snapshot modes per connector (Debezium 3.x). */
export const SNAPSHOT_MODES: Record<'postgres' | 'mysql', readonly DebeziumSnapshotMode[]> = {
  postgres: ['initial', 'initial_only', 'no_data', 'never', 'when_needed', 'always'],
  mysql: ['initial', 'initial_only', 'no_data', 'never', 'when_needed', 'always', 'recovery'],
};

/** Options every Debezium source takes. */
export interface DebeziumSourceOptions {
  /** Prefix of every topic this source writes. @default the database's logicalName */
  readonly topicPrefix?: string;
  /** Tables to capture, by name as in the database description. @default all tables of the database */
  readonly tables?: string[];
  /** Snapshot mode. @default 'initial' */
  readonly snapshotMode?: DebeziumSnapshotMode;
  /** Heartbeat interval in ms; 0 turns heartbeats off. Heartbeats keep offsets moving on quiet tables. @default 10000 */
  readonly heartbeatIntervalMs?: number;
  /** Table for ad-hoc snapshot signals (`schema.table` or `db.table`). @default no signal table */
  readonly signalTable?: string;
  /** Emit a tombstone after each delete so compacted topics and upserting sinks drop the key. @default true */
  readonly tombstonesOnDelete?: boolean;
  /** How DECIMAL/NUMERIC values are encoded. @default 'precise' */
  readonly decimalHandlingMode?: 'precise' | 'double' | 'string';
  /** Extra connector config, by Debezium's key names; cannot override the keys derived here. @default none */
  readonly extraConfig?: Record<string, string>;
}

/** Topic of a captured table: `<prefix>.<schema or database>.<table>`. */
export function cdcTopicName(prefix: string, qualifiedTable: string): string {
  return `${prefix}.${qualifiedTable}`;
}

/** Heartbeat topic Debezium writes for a prefix. */
export function heartbeatTopicName(prefix: string): string {
  return `__debezium-heartbeat.${prefix}`;
}

/** Connector class for an engine. */
export function debeziumClass(engine: SourceEngine): string {
  switch (engine) {
    case 'postgres':
      return 'io.debezium.connector.postgresql.PostgresConnector';
    case 'mariadb':
      return 'io.debezium.connector.mariadb.MariaDbConnector';
    default:
      return 'io.debezium.connector.mysql.MySqlConnector';
  }
}

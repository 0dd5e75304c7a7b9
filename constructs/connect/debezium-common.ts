import { isIntIn, Problems } from '../core/validation';
import { KafkaTopicConfig } from '../kafka/kafka-topic';
import { ISourceDatabase, qualifiedTableName, SourceEngine } from '../sources/source-database';
import { CaptureInternalTopic, CapturedTable } from './source-capture';

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
  /** Heartbeat interval in ms; 0 turns heartbeats off. Heartbeats keep offsets moving on quiet tables. @default 10000 ({@link DEFAULT_HEARTBEAT_INTERVAL_MS}) */
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

/** Heartbeat interval of every Debezium source that sets none. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10000;

/** Config of heartbeat topics: heartbeats only move offsets, so they are kept one day. */
export const HEARTBEAT_TOPIC_CONFIG: KafkaTopicConfig = { cleanupPolicy: 'delete', retentionMs: 86400000 };

/** The heartbeat topic of a capture with topic prefix `prefix`: one partition, kept a day, written only. */
export function heartbeatInternalTopic(prefix: string): CaptureInternalTopic {
  return { name: heartbeatTopicName(prefix), partitions: 1, config: HEARTBEAT_TOPIC_CONFIG, consumed: false };
}

/** Config of schema-history topics: one partition, kept forever, as Debezium's own check expects. */
export const SCHEMA_HISTORY_TOPIC_CONFIG: KafkaTopicConfig = { cleanupPolicy: 'delete', retentionMs: -1, retentionBytes: -1 };

/**
 * A schema-history topic, read back on every restart with consumer group `group`. Debezium checks
 * its settings at start (DescribeConfigs), and logs an authorization error without that ACL.
 */
export function schemaHistoryInternalTopic(name: string, group: string): CaptureInternalTopic {
  return { name, partitions: 1, config: SCHEMA_HISTORY_TOPIC_CONFIG, consumed: true, group, describesConfigs: true };
}

/** Checks a heartbeat interval: 0 (off) or positive milliseconds. */
export function checkHeartbeatInterval(p: Problems, heartbeatMs: number): void {
  p.check(isIntIn(heartbeatMs, 0), 'heartbeatIntervalMs', heartbeatMs, '0 (off) or a positive integer of milliseconds');
}

/** What a relational Debezium source derives from its database and options, before its engine-specific keys. */
export interface DebeziumRelationalSettings {
  /** Topic prefix. */
  readonly topicPrefix: string;
  /** Qualified names of the captured tables. */
  readonly selected: string[];
  /** Qualified names of every table the database describes. */
  readonly known: Set<string>;
  /** Table → topic. */
  readonly topicsByTable: Record<string, string>;
  /** Heartbeat interval (0: off). */
  readonly heartbeatMs: number;
  /** Heartbeat topic, when heartbeats are on. */
  readonly heartbeatTopic?: string;
  /** Snapshot mode. */
  readonly snapshotMode: DebeziumSnapshotMode;
  /** The captured tables with their descriptions. */
  readonly captured: CapturedTable[];
  /** Connector config every relational Debezium source sets the same way. */
  readonly config: Record<string, string>;
}

/**
 * The settings every relational Debezium source (PostgreSQL, MySQL, MariaDB) shares, defined once:
 * topic prefix and names, table selection, heartbeats, snapshot mode, tombstones, decimals, the
 * signal table and the database login. Table names are qualified as `engine` names them.
 */
export function debeziumRelationalSettings(db: ISourceDatabase, options: DebeziumSourceOptions, engine: SourceEngine = db.engine): DebeziumRelationalSettings {
  const topicPrefix = options.topicPrefix ?? db.logicalName;
  const qualify = (t: string) => qualifiedTableName(engine, db.databaseName, t);
  const selected = (options.tables ?? db.tables.map((t) => t.name)).map(qualify);
  const described = new Map(db.tables.map((t) => [qualify(t.name), t]));
  const topicsByTable = Object.fromEntries(selected.map((t) => [t, cdcTopicName(topicPrefix, t)]));
  const heartbeatMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
  const snapshotMode = options.snapshotMode ?? 'initial';
  const config: Record<string, string> = {
    'database.hostname': db.host,
    'database.port': String(db.port),
    'database.user': db.replicationUser,
    'topic.prefix': topicPrefix,
    'table.include.list': selected.join(','),
    'snapshot.mode': snapshotMode,
    'tombstones.on.delete': String(options.tombstonesOnDelete ?? true),
    'decimal.handling.mode': options.decimalHandlingMode ?? 'precise',
    'heartbeat.interval.ms': String(heartbeatMs),
  };
  if (options.signalTable) config['signal.data.collection'] = qualify(options.signalTable);
  return {
    topicPrefix,
    selected,
    known: new Set(described.keys()),
    topicsByTable,
    heartbeatMs,
    heartbeatTopic: heartbeatMs > 0 ? heartbeatTopicName(topicPrefix) : undefined,
    snapshotMode,
    captured: selected.map((table) => ({ table, topic: topicsByTable[table], description: described.get(table) ?? { name: table, primaryKey: [] } })),
    config,
  };
}

/** Refuses `extraConfig` keys a source sets itself. */
export function checkExtraConfig(p: Problems, extra: Record<string, string> | undefined, base: Record<string, string>): void {
  for (const key of Object.keys(extra ?? {})) {
    if (key in base) p.add(`extraConfig['${key}']`, extra![key], 'a key this construct does not set itself; use the matching prop');
  }
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

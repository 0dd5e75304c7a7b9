import { Construct } from 'constructs';
import { isIntIn, validateProps } from '../core/validation';
import { checkTables, ISourceDatabase, qualifiedTableName } from '../sources/source-database';
import { Connector } from './connector';
import { cdcTopicName, DebeziumSourceOptions, debeziumClass, heartbeatTopicName, SNAPSHOT_MODES } from './debezium-common';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** Props of {@link DebeziumMySqlSource}. */
export interface DebeziumMySqlSourceProps extends DebeziumSourceOptions {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** The MySQL or MariaDB database to capture. */
  readonly database: ISourceDatabase;
  /** Connector name. @default `<topicPrefix>-mysql-source` */
  readonly connectorName?: string;
  /**
   * Server id the connector uses as a replica; unique among all replicas of the server.
   * @default a stable number from 100000 to 4099999 derived from the topic prefix
   */
  readonly serverId?: number;
  /** Topic holding the schema history (one partition, kept forever). @default `schema-history.<topicPrefix>` */
  readonly schemaHistoryTopic?: string;
  /** Publish DDL to the `<topicPrefix>` schema-change topic. @default false */
  readonly includeSchemaChanges?: boolean;
}

/** A stable server id in [100000, 4100000) from a string. */
export function stableServerId(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return 100000 + (h % 4000000);
}

/**
 * Debezium's MySQL connector (or its MariaDB connector when the database engine is mariadb),
 * reading the binlog as a replica. Keeps its schema history in a Kafka topic, reached with the
 * Connect cluster's Kafka credentials.
 */
export class DebeziumMySqlSource extends Construct {
  /** Topic prefix. */
  public readonly topicPrefix: string;
  /** Table (`database.table`) → topic. */
  public readonly topicsByTable: Record<string, string>;
  /** Heartbeat topic, or undefined when heartbeats are off. */
  public readonly heartbeatTopic?: string;
  /** Schema history topic. */
  public readonly schemaHistoryTopic: string;
  /** Schema change topic, when enabled. */
  public readonly schemaChangeTopic?: string;
  /** The connector. */
  public readonly connector: Connector;
  /** Server id used. */
  public readonly serverId: number;

  constructor(scope: Construct, id: string, props: DebeziumMySqlSourceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', database: 'ISourceDatabase' });
    const db = props.database;
    this.topicPrefix = props.topicPrefix ?? db.logicalName;
    this.serverId = props.serverId ?? stableServerId(this.topicPrefix);
    this.schemaHistoryTopic = props.schemaHistoryTopic ?? `schema-history.${this.topicPrefix}`;
    this.schemaChangeTopic = props.includeSchemaChanges ? this.topicPrefix : undefined;
    const snapshotMode = props.snapshotMode ?? 'initial';
    const heartbeatMs = props.heartbeatIntervalMs ?? 10000;
    const selected = (props.tables ?? db.tables.map((t) => t.name)).map((t) => qualifiedTableName(db.engine, db.databaseName, t));
    const known = new Set(db.tables.map((t) => qualifiedTableName(db.engine, db.databaseName, t.name)));
    const databases = [...new Set(selected.map((t) => t.split('.')[0]))];
    this.topicsByTable = Object.fromEntries(selected.map((t) => [t, cdcTopicName(this.topicPrefix, t)]));
    this.heartbeatTopic = heartbeatMs > 0 ? heartbeatTopicName(this.topicPrefix) : undefined;

    const base: Record<string, string> = {
      'database.hostname': db.host,
      'database.port': String(db.port),
      'database.user': db.replicationUser,
      'database.server.id': String(this.serverId),
      'topic.prefix': this.topicPrefix,
      'database.include.list': databases.join(','),
      'table.include.list': selected.join(','),
      'snapshot.mode': snapshotMode,
      'tombstones.on.delete': String(props.tombstonesOnDelete ?? true),
      'decimal.handling.mode': props.decimalHandlingMode ?? 'precise',
      'heartbeat.interval.ms': String(heartbeatMs),
      'include.schema.changes': String(props.includeSchemaChanges ?? false),
      'schema.history.internal.kafka.bootstrap.servers': props.cluster.kafka.bootstrapServers.join(','),
      'schema.history.internal.kafka.topic': this.schemaHistoryTopic,
    };
    if (props.signalTable) base['signal.data.collection'] = qualifiedTableName(db.engine, db.databaseName, props.signalTable);
    const producer = props.cluster.clientSettings(this, 'schema.history.internal.producer.');
    const consumer = props.cluster.clientSettings(this, 'schema.history.internal.consumer.');
    Object.assign(base, producer.config, consumer.config);

    validateProps(this, (p) => {
      p.check(db.engine === 'mysql' || db.engine === 'mariadb', 'database.engine', db.engine, 'mysql or mariadb (use DebeziumPostgresSource for postgres)');
      p.check(/^[A-Za-z0-9._-]+$/.test(this.topicPrefix), 'topicPrefix', this.topicPrefix, "letters, digits, '.', '_' and '-'");
      p.check(isIntIn(this.serverId, 1, 4294967295), 'serverId', this.serverId, 'an integer from 1 to 4294967295, unique among the server\'s replicas');
      p.check(SNAPSHOT_MODES.mysql.includes(snapshotMode), 'snapshotMode', snapshotMode, SNAPSHOT_MODES.mysql.join(', '));
      p.check(isIntIn(heartbeatMs, 0), 'heartbeatIntervalMs', heartbeatMs, '0 (off) or a positive integer of milliseconds');
      selected.forEach((t, i) => p.check(known.has(t), `tables[${i}]`, t, `a table of database ${db.logicalName}: ${[...known].join(', ')}`));
      checkTables(p, db.engine, db.tables);
      for (const key of Object.keys(props.extraConfig ?? {})) {
        if (key in base) p.add(`extraConfig['${key}']`, props.extraConfig![key], 'a key this construct does not set itself; use the matching prop');
      }
    });

    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.connectorName ?? `${this.topicPrefix}-mysql-source`,
      connectorClass: debeziumClass(db.engine),
      tasksMax: 1,
      config: { ...(props.extraConfig ?? {}), ...base },
      sensitiveConfig: { 'database.password': db.replicationPassword },
      rawSensitiveConfig: { ...producer.sensitive, ...consumer.sensitive },
    });
  }

  /** Every per-table topic this source writes to. */
  public get topics(): string[] {
    return Object.values(this.topicsByTable);
  }
}

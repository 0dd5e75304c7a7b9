import { Construct } from 'constructs';
import { isIntIn, validateProps } from '../core/validation';
import { checkTables, ISourceDatabase } from '../sources/source-database';
import { Connector } from './connector';
import {
  checkExtraConfig,
  checkHeartbeatInterval,
  debeziumClass,
  debeziumRelationalSettings,
  DebeziumSourceOptions,
  heartbeatInternalTopic,
  schemaHistoryInternalTopic,
  SNAPSHOT_MODES,
} from './debezium-common';
import { KafkaConnectCluster } from './kafka-connect-cluster';
import { CaptureInternalTopic, CapturedTable, ISourceCapture } from './source-capture';

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
  /**
   * Consumer group the schema history is read back with on every restart
   * (`schema.history.internal.consumer.group.id`), and which the Connect workers are granted.
   * @default `<topicPrefix>-schemahistory` (Debezium's own default name)
   */
  readonly schemaHistoryConsumerGroup?: string;
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
 * Connect cluster's Kafka credentials, and reads it back with an explicit consumer group
 * ({@link schemaHistoryConsumerGroup}): Debezium 3.0–3.5 subscribe with `<topic.prefix>-schemahistory`
 * unless told, so a group ACL must name exactly the group the connector uses. The connector is
 * created after the database's {@link ISourceDatabase.captureDependencies}.
 */
export class DebeziumMySqlSource extends Construct implements ISourceCapture {
  /** The database's logical name. */
  public readonly sourceName: string;
  /** `mysql` or `mariadb`. */
  public readonly sourceKind: string;
  /** Topic prefix. */
  public readonly topicPrefix: string;
  /** Table (`database.table`) → topic. */
  public readonly topicsByTable: Record<string, string>;
  /** The captured tables, their topics and descriptions. */
  public readonly captured: CapturedTable[];
  /** Heartbeat topic, or undefined when heartbeats are off. */
  public readonly heartbeatTopic?: string;
  /** Schema history topic. */
  public readonly schemaHistoryTopic: string;
  /** Consumer group the schema history is read back with. */
  public readonly schemaHistoryConsumerGroup: string;
  /** Schema change topic, when enabled. */
  public readonly schemaChangeTopic?: string;
  /** Topics besides the table topics: the heartbeat topic (when on) and the schema history (read back with its group). */
  public readonly internalTopics: CaptureInternalTopic[];
  /** The Connect workers' principal, which writes the topics. */
  public readonly producerPrincipal: string;
  /** The connector. */
  public readonly connector: Connector;
  /** Server id used. */
  public readonly serverId: number;

  constructor(scope: Construct, id: string, props: DebeziumMySqlSourceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', database: 'ISourceDatabase' });
    const db = props.database;
    const common = debeziumRelationalSettings(db, props);
    this.sourceName = db.logicalName;
    this.sourceKind = db.engine;
    this.topicPrefix = common.topicPrefix;
    this.topicsByTable = common.topicsByTable;
    this.captured = common.captured;
    this.heartbeatTopic = common.heartbeatTopic;
    this.producerPrincipal = props.cluster.principal;
    this.serverId = props.serverId ?? stableServerId(this.topicPrefix);
    this.schemaHistoryTopic = props.schemaHistoryTopic ?? `schema-history.${this.topicPrefix}`;
    this.schemaHistoryConsumerGroup = props.schemaHistoryConsumerGroup ?? `${this.topicPrefix}-schemahistory`;
    this.schemaChangeTopic = props.includeSchemaChanges ? this.topicPrefix : undefined;
    this.internalTopics = [
      ...(common.heartbeatTopic ? [heartbeatInternalTopic(this.topicPrefix)] : []),
      schemaHistoryInternalTopic(this.schemaHistoryTopic, this.schemaHistoryConsumerGroup),
    ];
    const databases = [...new Set(common.selected.map((t) => t.split('.')[0]))];

    const base: Record<string, string> = {
      ...common.config,
      'database.server.id': String(this.serverId),
      'database.include.list': databases.join(','),
      'include.schema.changes': String(props.includeSchemaChanges ?? false),
      'schema.history.internal.kafka.bootstrap.servers': props.cluster.kafka.bootstrapServers.join(','),
      'schema.history.internal.kafka.topic': this.schemaHistoryTopic,
      'schema.history.internal.consumer.group.id': this.schemaHistoryConsumerGroup,
    };
    const producer = props.cluster.clientSettings(this, 'schema.history.internal.producer.');
    const consumer = props.cluster.clientSettings(this, 'schema.history.internal.consumer.');
    Object.assign(base, producer.config, consumer.config);

    validateProps(this, (p) => {
      p.check(db.engine === 'mysql' || db.engine === 'mariadb', 'database.engine', db.engine, 'mysql or mariadb (use DebeziumPostgresSource for postgres)');
      p.check(/^[A-Za-z0-9._-]+$/.test(this.topicPrefix), 'topicPrefix', this.topicPrefix, "letters, digits, '.', '_' and '-'");
      p.check(isIntIn(this.serverId, 1, 4294967295), 'serverId', this.serverId, "an integer from 1 to 4294967295, unique among the server's replicas");
      p.check(SNAPSHOT_MODES.mysql.includes(common.snapshotMode), 'snapshotMode', common.snapshotMode, SNAPSHOT_MODES.mysql.join(', '));
      checkHeartbeatInterval(p, common.heartbeatMs);
      p.check(
        /^[A-Za-z0-9._-]+$/.test(this.schemaHistoryConsumerGroup),
        'schemaHistoryConsumerGroup',
        this.schemaHistoryConsumerGroup,
        "letters, digits, '.', '_' and '-'",
      );
      common.selected.forEach((t, i) =>
        p.check(common.known.has(t), `tables[${i}]`, t, `a table of database ${db.logicalName}: ${[...common.known].join(', ')}`),
      );
      checkTables(p, db.engine, db.tables);
      checkExtraConfig(p, props.extraConfig, base);
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
    this.connector.addDependency(...(db.captureDependencies ?? []));
  }

  /** Every per-table topic this source writes to. */
  public get topics(): string[] {
    return Object.values(this.topicsByTable);
  }
}

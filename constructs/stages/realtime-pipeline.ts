import { Construct } from 'constructs';
import { validateProps } from '../core/validation';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { KafkaTopic, KafkaTopicConfig } from '../kafka/kafka-topic';
import { KafkaAccessGrant } from '../kafka/kafka-access-grant';
import { KafkaConnectCluster } from '../connect/kafka-connect-cluster';
import { DebeziumPostgresSource } from '../connect/debezium-postgres-source';
import { DebeziumMySqlSource } from '../connect/debezium-mysql-source';
import { DebeziumSourceOptions } from '../connect/debezium-common';
import { captureDatabase } from '../connect/debezium-database-capture';
import { BigQuerySink, BigQueryKeySource } from '../connect/bigquery-sink';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { PipelineServiceAccount, serviceAccountId } from '../bigquery/pipeline-service-account';
import { ISourceDatabase, qualifiedTableName } from '../sources/source-database';
import { SourceTable } from '../sources/source-table';
import { SecretValue } from '../core/secret-value';

/** Where the realtime pipeline lands data. */
export interface RealtimeWarehouseOptions {
  /** Google Cloud project of the warehouse. */
  readonly project: string;
  /** BigQuery location. @default 'US' */
  readonly location?: string;
  /** Dataset id for a source, from its logical name. @default `<logicalName>_cdc` with '-' → '_' */
  readonly datasetIdFor?: (source: ISourceDatabase) => string;
  /** Labels on every dataset. @default { stage: 'realtime' } */
  readonly labels?: Record<string, string>;
  /** Dataset deletion protection. @default true */
  readonly deletionProtection?: boolean;
}

/** How the BigQuery sinks behave. */
export interface RealtimeSinkOptions {
  /** Merge rows by key (upsert + delete) instead of appending every change. @default true */
  readonly upsert?: boolean;
  /** Key field name in BigQuery tables. @default 'kafka_key' */
  readonly kafkaKeyFieldName?: string;
  /** Merge interval in ms. @default 60000 */
  readonly mergeIntervalMs?: number;
  /** Credentials of the sink. @default 'APPLICATION_DEFAULT' (workload identity of the Connect workers) */
  readonly keySource?: BigQueryKeySource;
  /** Key JSON when keySource is JSON. @default none */
  readonly keyJson?: SecretValue;
  /**
   * Create a service account per sink with BigQuery Job User and write on its dataset: the
   * account whose key a JSON or FILE sink uses. With APPLICATION_DEFAULT the sink writes as the
   * Connect workers' own account (`googleServiceAccount` of the Connect cluster), which gets
   * these grants instead, so a per-sink account would be unused and is refused.
   * @default true for keySource JSON or FILE, false for APPLICATION_DEFAULT
   */
  readonly createServiceAccount?: boolean;
}

/** Props of {@link RealtimePipeline}. */
export interface RealtimePipelineProps {
  /** Kafka platform (self-managed or Google-managed). */
  readonly kafka: IKafkaPlatform;
  /** Kafka Connect cluster running Debezium and the BigQuery sink. */
  readonly connect: KafkaConnectCluster;
  /** Source databases to capture, each with its tables. */
  readonly sources: ISourceDatabase[];
  /** The warehouse. */
  readonly warehouse: RealtimeWarehouseOptions;
  /** Partitions of CDC topics. @default the platform's defaultPartitions */
  readonly topicPartitions?: number;
  /** Replication factor of CDC topics. @default the platform's defaultReplicationFactor */
  readonly topicReplicationFactor?: number;
  /** Config of CDC topics. @default compacted, min.insync.replicas = min(2, replication factor) */
  readonly topicConfig?: KafkaTopicConfig;
  /** Per-source Debezium options, by logical name. @default Debezium defaults chosen by the source constructs */
  readonly sourceOptions?: Record<string, DebeziumSourceOptions>;
  /** Sink options. @default upserting sinks with their own service accounts */
  readonly sink?: RealtimeSinkOptions;
}

/** What the pipeline built for one source database. */
export interface RealtimeSourceParts {
  /** The source description. */
  readonly database: ISourceDatabase;
  /** The Debezium connector. */
  readonly capture: DebeziumPostgresSource | DebeziumMySqlSource;
  /** Table (qualified) → topic construct. */
  readonly topics: Record<string, KafkaTopic>;
  /** Dataset the sink writes into. */
  readonly dataset: WarehouseDataset;
  /** The sink. */
  readonly sink: BigQuerySink;
  /** Service account of the sink, when created (a JSON or FILE key's account; see `createServiceAccount`). */
  readonly sinkServiceAccount?: PipelineServiceAccount;
  /** The source's tables by qualified name. */
  readonly tables: Record<string, SourceTable>;
}

/**
 * Stage 2, realtime: every source database is captured by Debezium into one Kafka topic per
 * table, and a BigQuery sink keeps a dataset per source up to date. Topics, heartbeat and
 * schema-history topics, connectors, datasets, service accounts and the Kafka ACLs each part
 * needs are all derived from the list of databases and tables.
 *
 * ```
 * DB ──Debezium──▶ Kafka topics ──KCBQ sink──▶ BigQuery dataset
 * ```
 */
export class RealtimePipeline extends Construct {
  /** Parts per source, by logical name. */
  public readonly sources: Record<string, RealtimeSourceParts> = {};
  /** Every CDC topic. */
  public readonly topics: KafkaTopic[] = [];

  constructor(scope: Construct, id: string, props: RealtimePipelineProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      kafka: 'IKafkaPlatform',
      connect: 'KafkaConnectCluster',
      sources: 'ISourceDatabase[]',
      warehouse: 'RealtimeWarehouseOptions',
    });
    const names = props.sources.map((s) => s.logicalName);
    validateProps(this, (p) => {
      p.check(props.sources.length > 0, 'sources', names, 'at least one source database');
      names.forEach((n, i) => p.check(names.indexOf(n) === i, `sources[${i}].logicalName`, n, 'a logical name used by one source only'));
      for (const key of Object.keys(props.sourceOptions ?? {})) {
        p.check(names.includes(key), `sourceOptions['${key}']`, key, `the logical name of a source: ${names.join(', ')}`);
      }
      if ((props.sink?.keySource ?? 'APPLICATION_DEFAULT') === 'APPLICATION_DEFAULT' && props.sink?.createServiceAccount === true) {
        p.add(
          'sink.createServiceAccount',
          true,
          "false with keySource 'APPLICATION_DEFAULT': the sinks write as the Connect workers' service account, which gets the grants; a per-sink account is only for a JSON or FILE key",
        );
      }
    });
    const rf = props.topicReplicationFactor ?? props.kafka.defaultReplicationFactor;
    const topicConfig: KafkaTopicConfig = props.topicConfig ?? { cleanupPolicy: 'compact', minInsyncReplicas: Math.min(2, rf) };
    const sinkOptions = props.sink ?? {};
    const upsert = sinkOptions.upsert ?? true;
    for (const db of props.sources) {
      // A repeated logical name is reported by the validation above; build the first only.
      if (this.sources[db.logicalName]) continue;
      this.sources[db.logicalName] = this.addSource(db, props, rf, topicConfig, upsert, sinkOptions);
    }
  }

  private addSource(
    db: ISourceDatabase,
    props: RealtimePipelineProps,
    rf: number,
    topicConfig: KafkaTopicConfig,
    upsert: boolean,
    sinkOptions: RealtimeSinkOptions,
  ): RealtimeSourceParts {
    const scope = new Construct(this, db.logicalName);
    const options = props.sourceOptions?.[db.logicalName] ?? {};
    const capture = captureDatabase(scope, 'capture', { cluster: props.connect, database: db, options });
    const tables: Record<string, SourceTable> = {};
    for (const t of db.tables) tables[qualifiedTableName(db.engine, db.databaseName, t.name)] = t;

    const topics = this.addCaptureTopics(scope, capture, props, rf, topicConfig);
    const { dataset, sink, sinkServiceAccount } = this.addWarehouseSink(scope, db, capture, topics, props, upsert, sinkOptions);
    return { database: db, capture, topics, dataset, sink, sinkServiceAccount, tables };
  }

  /**
   * The capture's table topics and the topics it needs besides them, with the ACLs its task needs;
   * its connector depends on all of them. Returns the table topics by table.
   */
  private addCaptureTopics(
    scope: Construct,
    capture: RealtimeSourceParts['capture'],
    props: RealtimePipelineProps,
    rf: number,
    topicConfig: KafkaTopicConfig,
  ): Record<string, KafkaTopic> {
    const prefix = capture.topicPrefix;
    const topics: Record<string, KafkaTopic> = {};
    for (const [table, topicName] of Object.entries(capture.topicsByTable)) {
      topics[table] = new KafkaTopic(scope, `topic-${table}`, {
        platform: props.kafka,
        name: topicName,
        partitions: props.topicPartitions,
        replicationFactor: rf,
        config: topicConfig,
      });
      this.topics.push(topics[table]);
    }
    const connectPrincipal = props.connect.principal;
    // Debezium writes every table topic under its prefix.
    const produce = new KafkaAccessGrant(scope, 'capture-produce', {
      platform: props.kafka,
      principal: connectPrincipal,
      intent: 'produce',
      topic: `${prefix}.`,
      topicIsPrefix: true,
    });
    const ownTopics = Object.values(topics);
    const grants = [produce];
    // The topics the capture needs besides its table topics, as the capture describes them.
    for (const internal of capture.internalTopics) {
      const history = capture instanceof DebeziumMySqlSource ? capture.schemaHistoryTopic : undefined;
      const id =
        internal.name === capture.heartbeatTopic ? 'heartbeat-topic' : internal.name === history ? 'schema-history-topic' : `internal-${internal.name}`;
      const topic = new KafkaTopic(scope, id, {
        platform: props.kafka,
        name: internal.name,
        partitions: internal.partitions,
        replicationFactor: rf,
        config: internal.config,
      });
      grants.push(topic.grantProduce(connectPrincipal));
      if (internal.consumed) grants.push(topic.grantConsume(connectPrincipal, { group: internal.group, groupIsPrefix: internal.groupIsPrefix }));
      if (internal.describesConfigs) grants.push(topic.grantDescribeConfigs(connectPrincipal));
      ownTopics.push(topic);
    }
    // Topics first (a connector started before its topics would create them with broker
    // defaults), and the ACLs its task needs (a task started before them fails, for good).
    capture.connector.addDependency(...ownTopics.map((t) => t.resource), ...grants.flatMap((g) => g.resources));
    return topics;
  }

  /** The source's dataset and its BigQuery sink (with its own account when it uses a key), granted to write and to consume the table topics. */
  private addWarehouseSink(
    scope: Construct,
    db: ISourceDatabase,
    capture: RealtimeSourceParts['capture'],
    topics: Record<string, KafkaTopic>,
    props: RealtimePipelineProps,
    upsert: boolean,
    sinkOptions: RealtimeSinkOptions,
  ): Pick<RealtimeSourceParts, 'dataset' | 'sink' | 'sinkServiceAccount'> {
    const prefix = capture.topicPrefix;
    const connectPrincipal = props.connect.principal;
    const datasetId = props.warehouse.datasetIdFor ? props.warehouse.datasetIdFor(db) : `${db.logicalName.replace(/-/g, '_')}_cdc`;
    const dataset = new WarehouseDataset(scope, 'dataset', {
      project: props.warehouse.project,
      datasetId,
      location: props.warehouse.location,
      labels: { stage: 'realtime', source: db.logicalName.toLowerCase().replace(/[^a-z0-9_-]/g, '_'), ...(props.warehouse.labels ?? {}) },
      deletionProtection: props.warehouse.deletionProtection,
      description: `Change data captured from ${db.engine} database ${db.logicalName}`,
    });
    const sinkName = `${prefix}-bigquery-sink`;
    let sinkServiceAccount: PipelineServiceAccount | undefined;
    if (sinkOptions.createServiceAccount ?? (sinkOptions.keySource ?? 'APPLICATION_DEFAULT') !== 'APPLICATION_DEFAULT') {
      sinkServiceAccount = new PipelineServiceAccount(scope, 'sink-account', {
        project: props.warehouse.project,
        accountId: serviceAccountId(`sink-${db.logicalName}`),
        displayName: `BigQuery sink for ${db.logicalName}`,
        projectRoles: ['roles/bigquery.jobUser'],
      });
      dataset.grantWrite(sinkServiceAccount.member);
    }
    const sink = new BigQuerySink(scope, 'sink', {
      cluster: props.connect,
      name: sinkName,
      project: props.warehouse.project,
      defaultDataset: datasetId,
      topics: Object.values(capture.topicsByTable),
      upsertEnabled: upsert,
      deleteEnabled: upsert,
      kafkaKeyFieldName: upsert ? (sinkOptions.kafkaKeyFieldName ?? 'kafka_key') : sinkOptions.kafkaKeyFieldName,
      mergeIntervalMs: sinkOptions.mergeIntervalMs,
      keySource: sinkOptions.keySource,
      keyJson: sinkOptions.keyJson,
    });
    // APPLICATION_DEFAULT: the Connect workers' own account writes (the sink grants it Job User).
    if (sink.writerMember) dataset.grantWrite(sink.writerMember);
    // Sink tasks consume as group connect-<connector name>.
    const sinkConsume = new KafkaAccessGrant(scope, 'sink-consume', {
      platform: props.kafka,
      principal: connectPrincipal,
      intent: 'consume',
      topic: `${prefix}.`,
      topicIsPrefix: true,
      group: `connect-${sinkName}`,
    });
    sink.connector.addDependency(...Object.values(topics).map((t) => t.resource), ...sinkConsume.resources);
    return { dataset, sink, sinkServiceAccount };
  }
}

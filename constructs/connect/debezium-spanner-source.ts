import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { SourceTable } from '../sources/source-table';
import { Connector } from './connector';
import { heartbeatInternalTopic, heartbeatTopicName } from './debezium-common';
import { KafkaConnectCluster } from './kafka-connect-cluster';
import { CaptureInternalTopic, CapturedTable, checkCapturedTables, describeCaptured, ISourceCapture } from './source-capture';

/** Props of {@link DebeziumSpannerSource}. */
export interface DebeziumSpannerSourceProps {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** Logical name of the source (selectors name it); a letter, then letters, digits, '_' or '-'. */
  readonly logicalName: string;
  /** Google Cloud project of the Spanner instance. */
  readonly project: string;
  /** Spanner instance id. */
  readonly instanceId: string;
  /** Spanner database id. */
  readonly databaseId: string;
  /** Change stream to read (created in the database with `CREATE CHANGE STREAM … FOR …`). */
  readonly changeStream: string;
  /** Tables the change stream tracks that are captured, with keys, labels and sensitivity. */
  readonly tables: SourceTable[];
  /** Service account key JSON. @default none: the connector uses the Connect workers' application default credentials */
  readonly credentialsJson?: SecretValue;
  /** Prefix of every topic. @default the logical name */
  readonly topicPrefix?: string;
  /** Connector name. @default `<topicPrefix>-spanner-source` */
  readonly connectorName?: string;
  /** Maximum tasks; change stream partitions are spread over them. @default 2 */
  readonly tasksMax?: number;
  /** Emit a tombstone after each delete. @default true */
  readonly tombstonesOnDelete?: boolean;
  /** Extra connector config by Debezium's key names; cannot override keys derived here. @default none */
  readonly extraConfig?: Record<string, string>;
}

/**
 * The NewSQL source: Debezium's Spanner connector reads a Spanner change stream and writes each
 * tracked table's changes to `<prefix>.<Table>`. Its tasks coordinate through two internal
 * topics (sync and rebalancing), which it reaches with the Connect cluster's Kafka credentials.
 * It also always writes heartbeats to `__debezium-heartbeat.<prefix>`: the connector turns them
 * on whatever `heartbeat.interval.ms` says (`SpannerHeartbeat.isEnabled()` is `true`).
 */
export class DebeziumSpannerSource extends Construct implements ISourceCapture {
  public readonly sourceName: string;
  public readonly sourceKind = 'spanner';
  public readonly topicPrefix: string;
  public readonly captured: CapturedTable[];
  public readonly producerPrincipal: string;
  public readonly internalTopics: CaptureInternalTopic[];
  /** Topic the tasks share their state through. */
  public readonly syncTopic: string;
  /** Topic the tasks rebalance through. */
  public readonly rebalancingTopic: string;
  /** Heartbeat topic, `__debezium-heartbeat.<prefix>`; the connector always writes it. */
  public readonly heartbeatTopic: string;
  /** The connector. */
  public readonly connector: Connector;

  constructor(scope: Construct, id: string, props: DebeziumSpannerSourceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      cluster: 'KafkaConnectCluster',
      logicalName: 'string',
      project: 'string',
      instanceId: 'string',
      databaseId: 'string',
      changeStream: 'string',
      tables: 'SourceTable[]',
    });
    this.sourceName = props.logicalName;
    this.topicPrefix = props.topicPrefix ?? props.logicalName;
    this.producerPrincipal = props.cluster.principal;
    const name = props.connectorName ?? `${this.topicPrefix}-spanner-source`;
    const tasksMax = props.tasksMax ?? 2;
    this.syncTopic = `_sync_topic_spanner_connector_${name}`;
    this.rebalancingTopic = `_rebalancing_topic_spanner_connector_${name}`;
    this.heartbeatTopic = heartbeatTopicName(this.topicPrefix);
    this.captured = describeCaptured(this.topicPrefix, props.tables, (n) => n);
    this.internalTopics = [
      { name: this.syncTopic, partitions: 1, config: { cleanupPolicy: 'compact' }, consumed: true, group: name, groupIsPrefix: true },
      {
        name: this.rebalancingTopic,
        partitions: Math.max(1, tasksMax),
        config: { cleanupPolicy: 'delete', retentionMs: 86400000 },
        consumed: true,
        group: name,
        groupIsPrefix: true,
      },
      // Written to partition 0 only (SpannerHeartbeat builds each record with partition 0).
      heartbeatInternalTopic(this.topicPrefix),
    ];
    const client = props.cluster.clientSettings(this, 'kafka.internal.client.');
    const base = this.connectorConfig(props, client.config);
    this.validate(props, tasksMax, base);

    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name,
      connectorClass: 'io.debezium.connector.spanner.SpannerConnector',
      tasksMax,
      config: { ...(props.extraConfig ?? {}), ...base },
      sensitiveConfig: props.credentialsJson ? { 'gcp.spanner.credentials.json': props.credentialsJson } : undefined,
      rawSensitiveConfig: client.sensitive,
    });
  }

  /** The connector's own keys: the change stream, the topics, and the tasks' Kafka client for the sync and rebalancing topics. */
  private connectorConfig(props: DebeziumSpannerSourceProps, client: Record<string, string>): Record<string, string> {
    return {
      'gcp.spanner.project.id': props.project,
      'gcp.spanner.instance.id': props.instanceId,
      'gcp.spanner.database.id': props.databaseId,
      'gcp.spanner.change.stream': props.changeStream,
      'topic.prefix': this.topicPrefix,
      'table.include.list': this.captured.map((c) => c.table).join(','),
      'tombstones.on.delete': String(props.tombstonesOnDelete ?? true),
      'connector.spanner.sync.kafka.bootstrap.servers': props.cluster.kafka.bootstrapServers.join(','),
      'connector.spanner.sync.topic': this.syncTopic,
      'connector.spanner.rebalancing.topic': this.rebalancingTopic,
      ...client,
    };
  }

  /** Checks the names, the Spanner ids, the tables, the task count and that extraConfig overrides no key set here. */
  private validate(props: DebeziumSpannerSourceProps, tasksMax: number, base: Record<string, string>): void {
    validateProps(this, (p) => {
      p.check(/^[A-Za-z][A-Za-z0-9_-]*$/.test(props.logicalName), 'logicalName', props.logicalName, "a letter, then letters, digits, '_' or '-'");
      p.check(/^[A-Za-z0-9._-]+$/.test(this.topicPrefix), 'topicPrefix', this.topicPrefix, "letters, digits, '.', '_' and '-'");
      p.check(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(props.project) || props.project.includes('${'),
        'project',
        props.project,
        'a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
      );
      p.check(
        /^[a-z][-a-z0-9]{0,62}[a-z0-9]$/.test(props.instanceId),
        'instanceId',
        props.instanceId,
        "2-64 lowercase letters, digits or '-', starting with a letter",
      );
      p.check(
        /^[a-z][a-z0-9_-]{0,28}[a-z0-9]$/.test(props.databaseId),
        'databaseId',
        props.databaseId,
        "2-30 lowercase letters, digits, '_' or '-', starting with a letter",
      );
      p.check(
        /^[A-Za-z][A-Za-z0-9_]{0,127}$/.test(props.changeStream),
        'changeStream',
        props.changeStream,
        "a Spanner identifier: a letter, then letters, digits or '_'",
      );
      checkCapturedTables(
        p,
        'tables',
        props.tables,
        this.captured,
        /^[A-Za-z][A-Za-z0-9_]{0,127}$/,
        "a Spanner table name: a letter, then letters, digits or '_'",
      );
      p.check(isIntIn(tasksMax, 1, 1000), 'tasksMax', tasksMax, 'an integer from 1 to 1000');
      for (const key of Object.keys(props.extraConfig ?? {})) {
        if (key in base || key.startsWith('gcp.spanner.credentials'))
          p.add(`extraConfig['${key}']`, props.extraConfig![key], 'a key this construct does not set itself; use the matching prop');
      }
    });
  }

  /** Every table topic. */
  public get topics(): string[] {
    return this.captured.map((c) => c.topic);
  }
}

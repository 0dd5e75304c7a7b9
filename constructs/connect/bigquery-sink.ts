import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { Connector } from './connector';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** How the BigQuery sink finds its Google credentials. */
export type BigQueryKeySource = 'APPLICATION_DEFAULT' | 'JSON' | 'FILE';

/** Props of {@link BigQuerySink}. */
export interface BigQuerySinkProps {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** Connector name. */
  readonly name: string;
  /** Google Cloud project of the dataset. */
  readonly project: string;
  /** Dataset tables are written to. */
  readonly defaultDataset: string;
  /** Topics to read. Exactly one of `topics` and `topicsRegex`. @default none */
  readonly topics?: string[];
  /** Regex of topics to read. Exactly one of `topics` and `topicsRegex`. @default none */
  readonly topicsRegex?: string;
  /** Unwrap Debezium envelopes to the row's new state (`ExtractNewRecordState`). @default true */
  readonly unwrapDebezium?: boolean;
  /** Merge rows by key instead of appending. Needs `kafkaKeyFieldName`. @default false */
  readonly upsertEnabled?: boolean;
  /** Delete rows on tombstones. Needs `kafkaKeyFieldName`. @default false */
  readonly deleteEnabled?: boolean;
  /** Field holding the record key in the table (needed for upserts and deletes). @default none */
  readonly kafkaKeyFieldName?: string;
  /** How often merges run for upsert/delete, in ms. @default 60000 */
  readonly mergeIntervalMs?: number;
  /**
   * Credentials: APPLICATION_DEFAULT (the Connect workers' own Google identity, no key at all:
   * KCBQ uses "any GCP application default credentials that it can find on the Connect worker",
   * and has no impersonation setting, so the sink writes as the workers' service account, which
   * the cluster must name in `googleServiceAccount`),
   * JSON (key from a secret) or FILE (path on the workers). APPLICATION_DEFAULT needs a sink
   * release with Application Default Credentials (Confluent's 2.x releases since 2022); WePay's
   * 2.0.0-alpha on Maven Central knows only FILE and JSON.
   * @default 'APPLICATION_DEFAULT'
   */
  readonly keySource?: BigQueryKeySource;
  /** Service-account key JSON when keySource is JSON. @default none */
  readonly keyJson?: SecretValue;
  /** Path of the key file on the Connect workers when keySource is FILE. @default none */
  readonly keyFile?: string;
  /** Column used for time partitioning; unset partitions by ingestion time. Setting it turns KCBQ's partition decorator off (`bigQueryPartitionDecorator=false`), as KCBQ allows one partitioning mode. @default ingestion-time partitioning */
  readonly timestampPartitionFieldName?: string;
  /** Partition expiration in ms. @default no expiration */
  readonly partitionExpirationMs?: number;
  /** Clustering columns (at most 4). @default none */
  readonly clusteringFieldNames?: string[];
  /** Create tables that do not exist. @default true */
  readonly autoCreateTables?: boolean;
  /** Add new nullable columns when records gain fields. @default true */
  readonly allowNewFields?: boolean;
  /** Make topic names valid table names (`.`, `-` → `_`). @default true */
  readonly sanitizeTopics?: boolean;
  /** Maximum tasks. @default 1 */
  readonly tasksMax?: number;
  /** Extra config by the sink's own key names. @default none */
  readonly extraConfig?: Record<string, string>;
}

/** Class name of the Kafka Connect BigQuery sink. */
export const BIGQUERY_SINK_CLASS = 'com.wepay.kafka.connect.bigquery.BigQuerySinkConnector';

/**
 * The Kafka Connect BigQuery sink (WePay's KCBQ) writing topics into a dataset, with
 * Debezium envelopes unwrapped and, optionally, upserts and deletes merged by key.
 */
export class BigQuerySink extends Construct {
  /** The connector. */
  public readonly connector: Connector;
  /** Dataset written to. */
  public readonly dataset: string;
  /** Topics read (when given as a list). */
  public readonly topics?: string[];
  /**
   * IAM member the sink writes to BigQuery as: with `keySource: 'APPLICATION_DEFAULT'`, the Connect
   * workers' service account (`googleServiceAccount` of the cluster), which this sink grants
   * BigQuery Job User on `project`; the dataset's owner grants it write (`dataset.grantWrite`).
   * Undefined with a key (JSON or FILE): the key's own account, which needs both grants.
   */
  public readonly writerMember?: string;

  constructor(scope: Construct, id: string, props: BigQuerySinkProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', name: 'string', project: 'string', defaultDataset: 'string' });
    this.dataset = props.defaultDataset;
    this.topics = props.topics;
    const keySource = props.keySource ?? 'APPLICATION_DEFAULT';
    this.writerMember = keySource === 'APPLICATION_DEFAULT' ? props.cluster.googleMember : undefined;
    if (this.writerMember) props.cluster.grantBigQueryJobUser(props.project);
    this.validate(props, keySource);
    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.name,
      connectorClass: BIGQUERY_SINK_CLASS,
      tasksMax: props.tasksMax,
      config: sinkConfig(props, keySource),
      sensitiveConfig: keySource === 'JSON' && props.keyJson ? { keyfile: props.keyJson } : undefined,
    });
  }

  /** Registers the synth-time checks of the props (all problems reported at once). */
  private validate(props: BigQuerySinkProps, keySource: BigQueryKeySource): void {
    const upsert = props.upsertEnabled ?? false;
    const del = props.deleteEnabled ?? false;
    const mergeMs = props.mergeIntervalMs ?? 60000;
    validateProps(this, (p) => {
      p.check(
        (props.topics === undefined) !== (props.topicsRegex === undefined),
        'topics/topicsRegex',
        props.topics ?? props.topicsRegex,
        'exactly one of topics and topicsRegex',
      );
      if (props.topics) p.check(props.topics.length > 0, 'topics', props.topics, 'at least one topic');
      if (props.topicsRegex) {
        let ok = true;
        try {
          new RegExp(props.topicsRegex);
        } catch {
          ok = false;
        }
        p.check(ok, 'topicsRegex', props.topicsRegex, 'a valid Java regular expression');
      }
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(props.defaultDataset), 'defaultDataset', props.defaultDataset, "letters, digits and '_' (BigQuery dataset ids)");
      p.check(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(props.project) || props.project.includes('${'),
        'project',
        props.project,
        'a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
      );
      if ((upsert || del) && !props.kafkaKeyFieldName) {
        p.add(upsert ? 'upsertEnabled' : 'deleteEnabled', true, 'only with kafkaKeyFieldName set: the sink merges rows by the record key');
      }
      p.check(['APPLICATION_DEFAULT', 'JSON', 'FILE'].includes(keySource), 'keySource', keySource, 'APPLICATION_DEFAULT, JSON or FILE');
      if (keySource === 'APPLICATION_DEFAULT' && !this.writerMember) {
        p.add(
          'keySource',
          keySource,
          props.cluster.googleMember
            ? `a sink created after its cluster's googleServiceAccount is set (KafkaConnectCluster ${props.cluster.node.path} got it later): set it when declaring the cluster`
            : `JSON or FILE, or 'APPLICATION_DEFAULT' with googleServiceAccount set on KafkaConnectCluster ${props.cluster.node.path}: the sink writes as the Connect workers' own Google identity, which must get write on dataset ${props.defaultDataset} and BigQuery Job User`,
        );
      }
      if (keySource === 'JSON') p.check(props.keyJson !== undefined, 'keyJson', undefined, 'a SecretValue holding the key JSON when keySource is JSON');
      if (keySource === 'FILE') p.check(!!props.keyFile, 'keyFile', props.keyFile, 'the key file path on the workers when keySource is FILE');
      if (keySource !== 'JSON') p.check(props.keyJson === undefined, 'keyJson', '(secret)', "only with keySource 'JSON'");
      if (props.clusteringFieldNames) p.check(props.clusteringFieldNames.length <= 4, 'clusteringFieldNames', props.clusteringFieldNames, 'at most 4 columns');
      p.check(isIntIn(mergeMs, 1000) || mergeMs === -1, 'mergeIntervalMs', mergeMs, '-1 or an integer >= 1000');
      if (props.partitionExpirationMs !== undefined)
        p.check(isIntIn(props.partitionExpirationMs, 1), 'partitionExpirationMs', props.partitionExpirationMs, 'a positive integer of milliseconds');
      if (props.timestampPartitionFieldName && props.extraConfig?.bigQueryPartitionDecorator !== undefined) {
        // KCBQ's PartitioningModeValidator refuses the decorator (its default: true) with a partition field.
        p.check(
          props.extraConfig.bigQueryPartitionDecorator === 'false',
          "extraConfig['bigQueryPartitionDecorator']",
          props.extraConfig.bigQueryPartitionDecorator,
          'false or unset with timestampPartitionFieldName: KCBQ accepts only one partitioning mode',
        );
      }
    });
  }
}

/** The connector's (non-secret) config: extra config first, then every key this construct sets. */
function sinkConfig(props: BigQuerySinkProps, keySource: BigQueryKeySource): Record<string, string> {
  const unwrap = props.unwrapDebezium ?? true;
  const upsert = props.upsertEnabled ?? false;
  const del = props.deleteEnabled ?? false;
  const mergeMs = props.mergeIntervalMs ?? 60000;
  const config: Record<string, string> = {
    ...(props.extraConfig ?? {}),
    project: props.project,
    defaultDataset: props.defaultDataset,
    keySource,
    autoCreateTables: String(props.autoCreateTables ?? true),
    allowNewBigQueryFields: String(props.allowNewFields ?? true),
    allowBigQueryRequiredFieldRelaxation: 'true',
    sanitizeTopics: String(props.sanitizeTopics ?? true),
  };
  if (props.topics) config.topics = props.topics.join(',');
  if (props.topicsRegex) config['topics.regex'] = props.topicsRegex;
  if (keySource === 'FILE' && props.keyFile) config.keyfile = props.keyFile;
  if (upsert || del) {
    config.upsertEnabled = String(upsert);
    config.deleteEnabled = String(del);
    config.mergeIntervalMs = String(mergeMs);
  }
  if (props.kafkaKeyFieldName) config.kafkaKeyFieldName = props.kafkaKeyFieldName;
  if (props.timestampPartitionFieldName) {
    config.timestampPartitionFieldName = props.timestampPartitionFieldName;
    // bigQueryPartitionDecorator defaults to true, and KCBQ's PartitioningModeValidator refuses it
    // with a partition field ("Only one partitioning mode may be specified"): POST /connectors fails.
    config.bigQueryPartitionDecorator = 'false';
  }
  if (props.partitionExpirationMs !== undefined) config.partitionExpirationMs = String(props.partitionExpirationMs);
  if (props.clusteringFieldNames) config.clusteringPartitionFieldNames = props.clusteringFieldNames.join(',');
  if (unwrap) {
    config.transforms = 'unwrap';
    config['transforms.unwrap.type'] = 'io.debezium.transforms.ExtractNewRecordState';
    // With deletes on, keep the tombstones (the sink deletes on them); otherwise mark deleted rows.
    config['transforms.unwrap.delete.tombstone.handling.mode'] = del ? 'tombstone' : 'rewrite';
    config['transforms.unwrap.add.fields'] = 'op,source.ts_ms';
  }
  return config;
}

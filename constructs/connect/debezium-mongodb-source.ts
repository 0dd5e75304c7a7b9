import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { validateProps } from '../core/validation';
import { SourceTable } from '../sources/source-table';
import { Connector } from './connector';
import { checkHeartbeatInterval, DEFAULT_HEARTBEAT_INTERVAL_MS, heartbeatInternalTopic, heartbeatTopicName } from './debezium-common';
import { KafkaConnectCluster } from './kafka-connect-cluster';
import { CaptureInternalTopic, CapturedTable, checkCapturedTables, describeCaptured, ISourceCapture } from './source-capture';

/** How Debezium reads MongoDB change streams. */
export type MongoDbCaptureMode =
  'change_streams' | 'change_streams_update_full' | 'change_streams_with_pre_image' | 'change_streams_update_full_with_pre_image';

/** Snapshot modes of the MongoDB connector. */
export type MongoDbSnapshotMode = 'initial' | 'initial_only' | 'no_data' | 'when_needed';

/** Props of {@link DebeziumMongoDbSource}. */
export interface DebeziumMongoDbSourceProps {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** Logical name of the source (selectors name it); a letter, then letters, digits, '_' or '-'. */
  readonly logicalName: string;
  /** Connection string of the replica set or sharded cluster, without credentials, e.g. `mongodb://mongo-1:27017/?replicaSet=rs0`. */
  readonly connectionString: string;
  /** Database of collections given by bare name. */
  readonly databaseName: string;
  /** Collections to capture, as `collection` (in `databaseName`) or `database.collection`, with keys, labels and sensitivity. */
  readonly collections: SourceTable[];
  /** User the connector logs in as (needs `read` on the databases and `read` on `local`/`config`). @default no authentication */
  readonly user?: string;
  /** That user's password. @default none */
  readonly password?: SecretValue;
  /** Database holding the user's credentials. @default 'admin' */
  readonly authSource?: string;
  /** Prefix of every topic. @default the logical name */
  readonly topicPrefix?: string;
  /** Connector name. @default `<topicPrefix>-mongodb-source` */
  readonly connectorName?: string;
  /** What an update event carries; `_update_full` looks up the whole document. @default 'change_streams_update_full' */
  readonly captureMode?: MongoDbCaptureMode;
  /** Snapshot mode. @default 'initial' */
  readonly snapshotMode?: MongoDbSnapshotMode;
  /** Heartbeat interval in ms; 0 turns heartbeats off. @default 10000 */
  readonly heartbeatIntervalMs?: number;
  /** Emit a tombstone after each delete. @default true */
  readonly tombstonesOnDelete?: boolean;
  /** Extra connector config by Debezium's key names; cannot override keys derived here. @default none */
  readonly extraConfig?: Record<string, string>;
}

const CAPTURE_MODES: readonly MongoDbCaptureMode[] = [
  'change_streams',
  'change_streams_update_full',
  'change_streams_with_pre_image',
  'change_streams_update_full_with_pre_image',
];
const SNAPSHOT_MODES: readonly MongoDbSnapshotMode[] = ['initial', 'initial_only', 'no_data', 'when_needed'];

/**
 * Debezium's MongoDB connector: reads change streams of a replica set or sharded cluster and
 * writes each collection's changes to `<prefix>.<database>.<collection>`.
 */
export class DebeziumMongoDbSource extends Construct implements ISourceCapture {
  public readonly sourceName: string;
  public readonly sourceKind = 'mongodb';
  public readonly topicPrefix: string;
  public readonly captured: CapturedTable[];
  public readonly producerPrincipal: string;
  public readonly internalTopics: CaptureInternalTopic[];
  /** Heartbeat topic, or undefined when heartbeats are off. */
  public readonly heartbeatTopic?: string;
  /** The connector. */
  public readonly connector: Connector;

  constructor(scope: Construct, id: string, props: DebeziumMongoDbSourceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      cluster: 'KafkaConnectCluster',
      logicalName: 'string',
      connectionString: 'string',
      databaseName: 'string',
      collections: 'SourceTable[]',
    });
    this.sourceName = props.logicalName;
    this.topicPrefix = props.topicPrefix ?? props.logicalName;
    this.producerPrincipal = props.cluster.principal;
    const heartbeatMs = props.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    const captureMode = props.captureMode ?? 'change_streams_update_full';
    const snapshotMode = props.snapshotMode ?? 'initial';
    this.captured = describeCaptured(this.topicPrefix, props.collections, (n) => (n.includes('.') ? n : `${props.databaseName}.${n}`));
    this.heartbeatTopic = heartbeatMs > 0 ? heartbeatTopicName(this.topicPrefix) : undefined;
    this.internalTopics = this.heartbeatTopic ? [heartbeatInternalTopic(this.topicPrefix)] : [];
    const databases = [...new Set(this.captured.map((c) => c.table.split('.')[0]))];

    const base: Record<string, string> = {
      'mongodb.connection.string': props.connectionString,
      'topic.prefix': this.topicPrefix,
      'database.include.list': databases.join(','),
      'collection.include.list': this.captured.map((c) => c.table).join(','),
      'capture.mode': captureMode,
      'snapshot.mode': snapshotMode,
      'heartbeat.interval.ms': String(heartbeatMs),
      'tombstones.on.delete': String(props.tombstonesOnDelete ?? true),
    };
    if (props.user) {
      base['mongodb.user'] = props.user;
      base['mongodb.authsource'] = props.authSource ?? 'admin';
    }

    this.validate(props, base, captureMode, snapshotMode, heartbeatMs);

    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.connectorName ?? `${this.topicPrefix}-mongodb-source`,
      connectorClass: 'io.debezium.connector.mongodb.MongoDbConnector',
      tasksMax: 1,
      config: { ...(props.extraConfig ?? {}), ...base },
      sensitiveConfig: props.password ? { 'mongodb.password': props.password } : undefined,
    });
  }

  /** Checks the names, the connection string (which must carry no credentials), the collections, the modes, the heartbeat and that extraConfig overrides no key set here. */
  private validate(
    props: DebeziumMongoDbSourceProps,
    base: Record<string, string>,
    captureMode: MongoDbCaptureMode,
    snapshotMode: MongoDbSnapshotMode,
    heartbeatMs: number,
  ): void {
    validateProps(this, (p) => {
      p.check(/^[A-Za-z][A-Za-z0-9_-]*$/.test(props.logicalName), 'logicalName', props.logicalName, "a letter, then letters, digits, '_' or '-'");
      p.check(/^[A-Za-z0-9._-]+$/.test(this.topicPrefix), 'topicPrefix', this.topicPrefix, "letters, digits, '.', '_' and '-'");
      if (
        p.check(
          /^mongodb(\+srv)?:\/\/\S+$/.test(props.connectionString),
          'connectionString',
          props.connectionString,
          "a 'mongodb://' or 'mongodb+srv://' connection string",
        )
      ) {
        p.check(
          !/^mongodb(\+srv)?:\/\/[^/@]*@/.test(props.connectionString),
          'connectionString',
          '(hidden: contains credentials)',
          'a connection string without user or password; pass user and password as props',
        );
      }
      p.check(/^[A-Za-z0-9_-]{1,63}$/.test(props.databaseName), 'databaseName', props.databaseName, "1-63 letters, digits, '_' or '-'");
      checkCapturedTables(
        p,
        'collections',
        props.collections,
        this.captured,
        /^([A-Za-z0-9_-]{1,63}\.)?[A-Za-z_][A-Za-z0-9_-]*$/,
        "'collection' or 'database.collection' of letters, digits, '_' and '-'",
      );
      p.check((props.user === undefined) === (props.password === undefined), 'user/password', props.user, 'both or neither');
      p.check(CAPTURE_MODES.includes(captureMode), 'captureMode', captureMode, CAPTURE_MODES.join(', '));
      p.check(SNAPSHOT_MODES.includes(snapshotMode), 'snapshotMode', snapshotMode, SNAPSHOT_MODES.join(', '));
      checkHeartbeatInterval(p, heartbeatMs);
      for (const key of Object.keys(props.extraConfig ?? {})) {
        if (key in base || key === 'mongodb.password')
          p.add(`extraConfig['${key}']`, props.extraConfig![key], 'a key this construct does not set itself; use the matching prop');
      }
    });
  }

  /** Every collection topic. */
  public get topics(): string[] {
    return this.captured.map((c) => c.topic);
  }
}

import { Construct } from 'constructs';
import { CloudRunV2Service } from '@cdktf/provider-google/lib/cloud-run-v2-service';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { PipelineServiceAccount } from '../bigquery/pipeline-service-account';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { cdcTopicName, heartbeatTopicName } from '../connect/debezium-common';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { KafkaTopic, KafkaTopicConfig } from '../kafka/kafka-topic';
import { KafkaAccessGrant } from '../kafka/kafka-access-grant';
import { ISourceDatabase, qualifiedTableName } from '../sources/source-database';
import { serviceAccountId } from '../bigquery/pipeline-service-account';
import { stableServerId } from '../connect/debezium-mysql-source';
import type { CdcWorkerConfig } from '../../lib/cdc-worker/config';
import type { DetectionConfig } from '../../lib/cdc-worker/detect/config';

/** The Kafka identity the worker produces as. */
export interface CdcWorkerKafkaIdentity {
  /** SASL user name; the worker's principal is `User:<username>`. */
  readonly username: string;
  /** Its password, in Secret Manager (Cloud Run reads secrets from there). */
  readonly password: SecretValue;
}

/** Props of {@link CdcWorkerService}. */
export interface CdcWorkerServiceProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Cloud Run region. */
  readonly region: string;
  /** Service name: lowercase letters, digits and '-', at most 49 characters. @default `cdc-<logicalName>` */
  readonly serviceName?: string;
  /** Container image of the worker (built from lib/cdc-worker/Dockerfile). */
  readonly image: string;
  /** The database to capture (PostgreSQL, MySQL or MariaDB); its password must be a Secret Manager reference. */
  readonly database: ISourceDatabase;
  /** Server id the worker uses as a MySQL/MariaDB replica (unique among the server's replicas). @default a stable id derived from the topic prefix */
  readonly serverId?: number;
  /** Tables to capture. @default every table of the database */
  readonly tables?: string[];
  /** Kafka platform events go to. */
  readonly kafka: IKafkaPlatform;
  /** SASL identity of the worker. @default none (platform without SASL) */
  readonly kafkaIdentity?: CdcWorkerKafkaIdentity;
  /** Topic prefix. @default the database's logical name */
  readonly topicPrefix?: string;
  /** Replication slot. @default `<prefix>_cdc_worker` sanitized */
  readonly slotName?: string;
  /** Delivery guarantee; exactly-once is for PostgreSQL sources only. @default 'at-least-once' */
  readonly deliveryMode?: 'at-least-once' | 'exactly-once';
  /** Heartbeat interval in ms (0 = off). @default 10000 */
  readonly heartbeatIntervalMs?: number;
  /** Create the per-table, heartbeat (and offsets) topics with these settings. @default true, compacted */
  readonly createTopics?: boolean;
  /** Config of the per-table topics. @default compacted */
  readonly topicConfig?: KafkaTopicConfig;
  /** CPU limit. @default '1' */
  readonly cpu?: string;
  /** Memory limit. @default '512Mi' */
  readonly memory?: string;
  /** VPC network and subnetwork for Direct VPC egress to the database and brokers. @default no VPC access */
  readonly network?: { readonly network: string; readonly subnetwork: string };
  /**
   * Sensitive-data detection on the stream (the worker's `detection` section: backend, info
   * types, policy with flag/mask/hash/redact/drop/quarantine). Without `hashKey`: that comes
   * from `detectionHashKey`. @default no detection
   */
  readonly detection?: Omit<DetectionConfig, 'hashKey'>;
  /** HMAC key for `hash` actions, in Secret Manager. @default none (needed when a policy hashes) */
  readonly detectionHashKey?: SecretValue;
  /** Labels. @default { component: 'cdc-worker' } */
  readonly labels?: Record<string, string>;
}

/**
 * The library's CDC worker (lib/cdc-worker) deployed on Cloud Run v2 as an always-on streaming
 * service: exactly one instance (a replication slot or binlog position has one reader), CPU always allocated,
 * passwords from Secret Manager, its own service account, and the topics and Kafka ACLs it
 * needs derived from the same table list it captures.
 */
export class CdcWorkerService extends Construct {
  /** The Cloud Run service. */
  public readonly service: CloudRunV2Service;
  /** Its service account. */
  public readonly serviceAccount: PipelineServiceAccount;
  /** Table (`schema.table`) → topic. */
  public readonly topicsByTable: Record<string, string>;
  /** The worker configuration the container receives (no secrets in it). */
  public readonly workerConfig: CdcWorkerConfig;
  /** Kafka principal of the worker. */
  public readonly principal?: string;

  constructor(scope: Construct, id: string, props: CdcWorkerServiceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', region: 'string', image: 'string', database: 'ISourceDatabase', kafka: 'IKafkaPlatform' });
    const db = props.database;
    const prefix = props.topicPrefix ?? db.logicalName;
    const name = props.serviceName ?? `cdc-${db.logicalName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
    const slot = props.slotName ?? `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_cdc_worker`;
    const mode = props.deliveryMode ?? 'at-least-once';
    const heartbeatMs = props.heartbeatIntervalMs ?? 10000;
    const tables = (props.tables ?? db.tables.map((t) => t.name)).map((t) => qualifiedTableName(db.engine, db.databaseName, t));
    const known = new Set(db.tables.map((t) => qualifiedTableName(db.engine, db.databaseName, t.name)));
    const binlog = db.engine !== 'postgres';
    const serverId = props.serverId ?? stableServerId(`${prefix}-cdc-worker`);
    this.topicsByTable = Object.fromEntries(tables.map((t) => [t, cdcTopicName(prefix, t)]));
    this.principal = props.kafkaIdentity ? `User:${props.kafkaIdentity.username}` : undefined;
    const dbSecret = db.replicationPassword.secretManagerRef;
    const hashSecret = props.detectionHashKey?.secretManagerRef;
    const policy = props.detection?.policy;
    const hashes = JSON.stringify(policy ?? {}).includes('"hash"');
    const quarantineTopic = policy?.quarantineTopic;
    const kafkaSecret = props.kafkaIdentity?.password.secretManagerRef;

    validateProps(this, (p) => {
      p.check(['postgres', 'mysql', 'mariadb'].includes(db.engine), 'database.engine', db.engine, 'postgres, mysql or mariadb');
      if (binlog) p.check(mode === 'at-least-once', 'deliveryMode', mode, "'at-least-once' for mysql and mariadb sources (exactly-once needs PostgreSQL)");
      if (binlog) p.check(isIntIn(serverId, 1, 4294967295), 'serverId', serverId, 'an integer from 1 to 4294967295');
      p.check(/^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/.test(name), 'serviceName', name, "1-49 lowercase letters, digits or '-', starting with a letter");
      p.check(/^[a-z0-9_]{1,63}$/.test(slot), 'slotName', slot, "1-63 lowercase letters, digits or '_'");
      p.check(props.image.length > 0 && !/\s/.test(props.image), 'image', props.image, 'a container image reference, e.g. us-docker.pkg.dev/p/r/cdc-worker:1.0.0');
      p.check(dbSecret !== undefined, 'database.replicationPassword', db.replicationPassword.description, 'SecretValue.fromSecretManager(...): Cloud Run reads secrets from Secret Manager');
      if (props.kafkaIdentity) p.check(kafkaSecret !== undefined, 'kafkaIdentity.password', props.kafkaIdentity.password.description, 'SecretValue.fromSecretManager(...)');
      if (props.kafka.saslMechanism?.startsWith('SCRAM')) p.check(props.kafkaIdentity !== undefined, 'kafkaIdentity', undefined, `a SASL identity, because the Kafka platform uses ${props.kafka.saslMechanism}`);
      p.check(isIntIn(heartbeatMs, 0), 'heartbeatIntervalMs', heartbeatMs, '0 (off) or a positive integer of milliseconds');
      if (hashes) p.check(hashSecret !== undefined, 'detectionHashKey', props.detectionHashKey?.description, "SecretValue.fromSecretManager(...): the policy has 'hash' actions");
      if (props.detection?.backend === 'cloud-dlp') p.check(!!props.detection.projectId, 'detection.projectId', props.detection.projectId, 'the project Cloud DLP requests are made in');
      if (quarantineTopic !== undefined) p.check(/^[a-zA-Z0-9._-]{1,249}$/.test(quarantineTopic), 'detection.policy.quarantineTopic', quarantineTopic, "letters, digits, '.', '_' and '-', at most 249 characters");
      tables.forEach((t, i) => p.check(known.has(t), `tables[${i}]`, t, `a table of database ${db.logicalName}: ${[...known].join(', ')}`));
    });

    this.workerConfig = {
      source: binlog
        ? { engine: db.engine, serverId, host: db.host, port: db.port, database: db.databaseName, user: db.replicationUser, tables }
        : { host: db.host, port: db.port, database: db.databaseName, user: db.replicationUser, tables, slotName: slot, publicationName: `${slot}_pub` },
      kafka: {
        brokers: props.kafka.bootstrapServers,
        ssl: props.kafka.tlsEnabled,
        // The password comes from the CDC_KAFKA__SASL__PASSWORD environment variable (Secret Manager).
        sasl: props.kafkaIdentity ? ({ mechanism: 'scram-sha-512', username: props.kafkaIdentity.username } as CdcWorkerConfig['kafka']['sasl']) : undefined,
      },
      output: { topicPrefix: prefix, heartbeatIntervalMs: heartbeatMs },
      delivery: { mode },
      ...(props.detection ? { detection: props.detection } : {}),
    };

    this.serviceAccount = new PipelineServiceAccount(this, 'account', {
      project: props.project,
      accountId: serviceAccountId(`cdc-${db.logicalName}`),
      displayName: `CDC worker for ${db.logicalName}`,
      projectRoles: ['roles/logging.logWriter', 'roles/monitoring.metricWriter'],
    });
    const env: { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } }[] = [
      { name: 'CDC_CONFIG_JSON', value: JSON.stringify(this.workerConfig) },
    ];
    const secretEnv = (envName: string, ref: { secret: string; version: string; project?: string }, key: string) => {
      env.push({ name: envName, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } });
      new SecretManagerSecretIamMember(this, `secret-access-${key}`, {
        project: ref.project ?? props.project,
        secretId: ref.secret,
        role: 'roles/secretmanager.secretAccessor',
        member: this.serviceAccount.member,
      });
    };
    if (dbSecret) secretEnv('CDC_SOURCE__PASSWORD', dbSecret, 'database');
    if (kafkaSecret) secretEnv('CDC_KAFKA__SASL__PASSWORD', kafkaSecret, 'kafka');
    if (hashSecret) secretEnv('CDC_DETECTION__HASH_KEY', hashSecret, 'detection-hash-key');
    if (props.detection?.backend === 'cloud-dlp') {
      new ProjectIamMember(this, 'dlp-user', { project: props.detection.projectId ?? props.project, role: 'roles/dlp.user', member: this.serviceAccount.member });
    }

    this.service = new CloudRunV2Service(this, 'service', {
      project: props.project,
      location: props.region,
      name,
      ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY',
      labels: props.labels ?? { component: 'cdc-worker' },
      template: {
        serviceAccount: this.serviceAccount.email,
        // One reader per replication slot: never scale out, never to zero.
        scaling: { minInstanceCount: 1, maxInstanceCount: 1 },
        maxInstanceRequestConcurrency: 10,
        vpcAccess: props.network
          ? { egress: 'PRIVATE_RANGES_ONLY', networkInterfaces: [{ network: props.network.network, subnetwork: props.network.subnetwork }] }
          : undefined,
        containers: [
          {
            image: props.image,
            ports: { containerPort: 8080 },
            env,
            resources: { cpuIdle: false, startupCpuBoost: true, limits: { cpu: props.cpu ?? '1', memory: props.memory ?? '512Mi' } },
            // The worker exits 1 on a fatal error (a database restart, Kafka unavailable beyond
            // kafka.outageTimeoutMs) and Cloud Run replaces the container. /healthz is 503 only
            // between a fatal error and the exit (seconds), and 200 while the worker rides through
            // a Kafka outage: these probes never cut a ride-through short (lib/cdc-worker/README.md).
            startupProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5, failureThreshold: 24 },
            livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 15, failureThreshold: 4 },
          },
        ],
      },
    });

    if (props.createTopics ?? true) {
      for (const [table, topic] of Object.entries(this.topicsByTable)) {
        new KafkaTopic(this, `topic-${table}`, { platform: props.kafka, name: topic, config: props.topicConfig ?? { cleanupPolicy: 'compact' } });
      }
      if (quarantineTopic && !quarantineTopic.startsWith(`${prefix}.`)) {
        new KafkaTopic(this, 'quarantine-topic', { platform: props.kafka, name: quarantineTopic, config: { cleanupPolicy: 'delete' } });
      }
      if (heartbeatMs > 0) {
        new KafkaTopic(this, 'heartbeat-topic', { platform: props.kafka, name: heartbeatTopicName(prefix), partitions: 1, config: { cleanupPolicy: 'delete', retentionMs: 86400000 } });
      }
      if (mode === 'exactly-once' || binlog) {
        // Exactly-once (PostgreSQL) and the binlog sources keep their position in this compacted topic.
        new KafkaTopic(this, 'offsets-topic', { platform: props.kafka, name: `${prefix}.cdc-worker.offsets`, partitions: 1, config: { cleanupPolicy: 'compact' } });
      }
    }
    if (this.principal) {
      new KafkaAccessGrant(this, 'produce', {
        platform: props.kafka,
        principal: this.principal,
        intent: 'produce',
        topic: `${prefix}.`,
        topicIsPrefix: true,
        transactionalId: mode === 'exactly-once' ? `cdc-worker-${slot}` : undefined,
      });
      if (quarantineTopic && !quarantineTopic.startsWith(`${prefix}.`)) {
        new KafkaAccessGrant(this, 'produce-quarantine', { platform: props.kafka, principal: this.principal, intent: 'produce', topic: quarantineTopic });
      }
      if (heartbeatMs > 0) new KafkaAccessGrant(this, 'produce-heartbeat', { platform: props.kafka, principal: this.principal, intent: 'produce', topic: heartbeatTopicName(prefix) });
      if (mode === 'exactly-once' || binlog) {
        // Resuming reads the stored source position back.
        // The worker reads it with a fresh consumer group each start, under a fixed prefix.
        const group = binlog ? 'cdc-worker-offsets-' : `cdc-worker-${slot}-offsets-`;
        new KafkaAccessGrant(this, 'read-offsets', { platform: props.kafka, principal: this.principal, intent: 'consume', topic: `${prefix}.cdc-worker.offsets`, group, groupIsPrefix: true });
      }
    }
  }
}

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
import { CdcWorkerSignals, checkSignalsAndHeartbeat, signalSettings, signalSetupSql } from './cdc-worker-signals';
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
  /**
   * PostgreSQL: SQL the worker runs at each heartbeat (Debezium's `heartbeat.action.query`), e.g.
   * `SELECT pg_logical_emit_message(false, 'heartbeat', now()::text)`, which needs no table or
   * grant. The worker confirms the server's keepalive positions itself, so this is only needed when
   * the database's own traffic is too low for them. @default none
   */
  readonly heartbeatActionQuery?: string;
  /** Signals (PostgreSQL, MySQL and MariaDB sources): table, Kafka topic and its ACLs. @default no signals */
  readonly signals?: CdcWorkerSignals;
  /** Create the per-table, heartbeat (and offsets) topics as {@link KafkaTopic}s. @default true */
  readonly createTopics?: boolean;
  /** Partitions of the per-table topics. @default the platform's defaultPartitions */
  readonly topicPartitions?: number;
  /** Replication factor of every topic created. @default the platform's defaultReplicationFactor */
  readonly topicReplicationFactor?: number;
  /** Config of the per-table topics. @default compacted, min.insync.replicas = min(2, replication factor), as RealtimePipeline's CDC topics */
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
 * service: one instance (min = max = 1; a replication slot or binlog position has one reader), CPU always allocated,
 * passwords from Secret Manager, its own service account, and the topics and Kafka ACLs it
 * needs derived from the same table list it captures.
 *
 * **Rollouts overlap.** `maxInstanceCount: 1` holds per revision, and Cloud Run "may, for a short
 * period of time, create slightly more" instances: during a deploy the new revision starts (and
 * must pass its startup probe) while the old one still runs, so for seconds to minutes two
 * workers exist. Exactly one reader is kept by the worker itself, not by Cloud Run: it takes a
 * lease on the source before it opens the slot (PostgreSQL) or the binlog (MySQL/MariaDB), and a
 * second worker waits until the first releases it (on SIGTERM, when Cloud Run retires the old
 * revision) or its lease lapses, then resumes from the committed position, losing nothing.
 *
 * **Kafka.** The worker authenticates with SASL/SCRAM (`kafkaIdentity`) or not at all, so it runs
 * against a self-managed `KafkaCluster`; Google Managed Kafka, which accepts only
 * OAUTHBEARER or PLAIN with a Google principal, is refused at synth.
 *
 * **Topics.** The topics are {@link KafkaTopic}s ({@link topics}, {@link heartbeatTopic},
 * {@link offsetsTopic}, {@link quarantineTopic}), with RealtimePipeline's defaults (per-table and
 * offsets topics compacted, min.insync.replicas = min(2, replication factor)), so that other
 * constructs can `grantConsume` on them.
 *
 * The service is created after its service account can read its secrets (`depends_on` the
 * Secret Manager IAM members): a revision whose secrets it cannot read is refused.
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
  /** Name of the Cloud Run service (its log entries carry it as `resource.labels.service_name`). */
  public readonly serviceName: string;
  /** The per-table topics, by table (`schema.table`), when `createTopics`. */
  public readonly topics: Record<string, KafkaTopic> = {};
  /** The heartbeat topic, when created (heartbeats on). */
  public readonly heartbeatTopic?: KafkaTopic;
  /** The topic holding the worker's source position (exactly-once and binlog sources), when created. */
  public readonly offsetsTopic?: KafkaTopic;
  /** The quarantine topic of the detection policy, when created here (outside the topic prefix). */
  public readonly quarantineTopic?: KafkaTopic;
  /** The Kafka signal topic, when signals are on with a topic and topics are created. */
  public readonly signalTopic?: KafkaTopic;
  /**
   * With signals: the SQL the signal table's schema owner runs once if the worker's user cannot
   * create the table or add it to the publication itself (Terraform cannot run SQL in the database).
   */
  public readonly signalSetupSql?: string;

  constructor(scope: Construct, id: string, props: CdcWorkerServiceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', region: 'string', image: 'string', database: 'ISourceDatabase', kafka: 'IKafkaPlatform' });
    const s = resolveWorkerSettings(props);
    this.serviceName = s.name;
    this.topicsByTable = Object.fromEntries(s.tables.map((t) => [t, cdcTopicName(s.prefix, t)]));
    this.principal = props.kafkaIdentity ? `User:${props.kafkaIdentity.username}` : undefined;
    this.validate(props, s);
    this.workerConfig = workerConfigOf(props, s);

    this.serviceAccount = new PipelineServiceAccount(this, 'account', {
      project: props.project,
      accountId: serviceAccountId(`cdc-${props.database.logicalName}`),
      displayName: `CDC worker for ${props.database.logicalName}`,
      projectRoles: ['roles/logging.logWriter', 'roles/monitoring.metricWriter'],
    });
    const { env, secretAccess } = this.grantSecrets(props, s);
    if (props.detection?.backend === 'cloud-dlp') {
      new ProjectIamMember(this, 'dlp-user', {
        project: props.detection.projectId ?? props.project,
        role: 'roles/dlp.user',
        member: this.serviceAccount.member,
      });
    }
    this.service = this.createService(props, env, secretAccess);

    if (props.createTopics ?? true) {
      const created = this.createTopics(props, s);
      this.quarantineTopic = created.quarantineTopic;
      this.heartbeatTopic = created.heartbeatTopic;
      this.offsetsTopic = created.offsetsTopic;
    }
    if (this.principal) this.grantProduce(props, s, this.principal);
    if (s.signal) {
      this.signalSetupSql = signalSetupSql(props.database.engine, s.signal.table, props.database.replicationUser, `${s.slot}_pub`);
      if (s.signal.kafkaTopic && (props.createTopics ?? true)) {
        this.signalTopic = new KafkaTopic(this, 'signal-topic', {
          platform: props.kafka,
          name: s.signal.kafkaTopic,
          partitions: 1,
          replicationFactor: props.topicReplicationFactor ?? props.kafka.defaultReplicationFactor,
          config: { cleanupPolicy: 'delete', retentionMs: 604800000 },
        });
      }
      // The worker reads signals with the group `<delivery.transactionalId>-signals`.
      if (s.signal.kafkaTopic && this.principal) {
        const group = `cdc-worker-${s.binlog ? s.prefix : s.slot}-signals`;
        new KafkaAccessGrant(this, 'read-signals', { platform: props.kafka, principal: this.principal, intent: 'consume', topic: s.signal.kafkaTopic, group });
      }
    }
  }

  /** Registers the synth-time checks of the props (all problems reported at once). */
  private validate(props: CdcWorkerServiceProps, s: WorkerSettings): void {
    const db = props.database;
    const { name, slot, mode, heartbeatMs, tables, known, binlog, serverId, dbSecret, hashSecret, hashes, quarantineTopic, kafkaSecret } = s;
    validateProps(this, (p) => {
      p.check(['postgres', 'mysql', 'mariadb'].includes(db.engine), 'database.engine', db.engine, 'postgres, mysql or mariadb');
      p.check(
        props.kafka.platformKind !== 'google-managed',
        'kafka',
        props.kafka.node.path,
        'a self-managed KafkaCluster: the worker authenticates with SASL/SCRAM or not at all, and Google Managed Kafka accepts only OAUTHBEARER or PLAIN with a Google principal (roles/managedkafka.client)',
      );
      if (binlog) p.check(mode === 'at-least-once', 'deliveryMode', mode, "'at-least-once' for mysql and mariadb sources (exactly-once needs PostgreSQL)");
      if (binlog) p.check(isIntIn(serverId, 1, 4294967295), 'serverId', serverId, 'an integer from 1 to 4294967295');
      p.check(/^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$/.test(name), 'serviceName', name, "1-49 lowercase letters, digits or '-', starting with a letter");
      p.check(/^[a-z0-9_]{1,63}$/.test(slot), 'slotName', slot, "1-63 lowercase letters, digits or '_'");
      p.check(
        props.image.length > 0 && !/\s/.test(props.image),
        'image',
        props.image,
        'a container image reference, e.g. us-docker.pkg.dev/p/r/cdc-worker:1.0.0',
      );
      p.check(
        dbSecret !== undefined,
        'database.replicationPassword',
        db.replicationPassword.description,
        'SecretValue.fromSecretManager(...): Cloud Run reads secrets from Secret Manager',
      );
      if (props.kafkaIdentity)
        p.check(kafkaSecret !== undefined, 'kafkaIdentity.password', props.kafkaIdentity.password.description, 'SecretValue.fromSecretManager(...)');
      if (props.kafka.saslMechanism?.startsWith('SCRAM'))
        p.check(props.kafkaIdentity !== undefined, 'kafkaIdentity', undefined, `a SASL identity, because the Kafka platform uses ${props.kafka.saslMechanism}`);
      p.check(isIntIn(heartbeatMs, 0), 'heartbeatIntervalMs', heartbeatMs, '0 (off) or a positive integer of milliseconds');
      checkSignalsAndHeartbeat(p, props.database.engine, props.heartbeatActionQuery, s);
      if (hashes)
        p.check(
          hashSecret !== undefined,
          'detectionHashKey',
          props.detectionHashKey?.description,
          "SecretValue.fromSecretManager(...): the policy has 'hash' actions",
        );
      if (props.detection?.backend === 'cloud-dlp')
        p.check(!!props.detection.projectId, 'detection.projectId', props.detection.projectId, 'the project Cloud DLP requests are made in');
      if (quarantineTopic !== undefined)
        p.check(
          /^[a-zA-Z0-9._-]{1,249}$/.test(quarantineTopic),
          'detection.policy.quarantineTopic',
          quarantineTopic,
          "letters, digits, '.', '_' and '-', at most 249 characters",
        );
      tables.forEach((t, i) => p.check(known.has(t), `tables[${i}]`, t, `a table of database ${db.logicalName}: ${[...known].join(', ')}`));
    });
  }

  /**
   * The container's environment: the worker config, then one variable per Secret Manager secret,
   * each with read access for the service account (database, Kafka, detection hash key).
   */
  private grantSecrets(props: CdcWorkerServiceProps, s: WorkerSettings): { env: WorkerEnvVar[]; secretAccess: SecretManagerSecretIamMember[] } {
    const env: WorkerEnvVar[] = [{ name: 'CDC_CONFIG_JSON', value: JSON.stringify(this.workerConfig) }];
    const secretAccess: SecretManagerSecretIamMember[] = [];
    const secretEnv = (envName: string, ref: { secret: string; version: string; project?: string }, key: string) => {
      env.push({ name: envName, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } });
      secretAccess.push(
        new SecretManagerSecretIamMember(this, `secret-access-${key}`, {
          project: ref.project ?? props.project,
          secretId: ref.secret,
          role: 'roles/secretmanager.secretAccessor',
          member: this.serviceAccount.member,
        }),
      );
    };
    if (s.dbSecret) secretEnv('CDC_SOURCE__PASSWORD', s.dbSecret, 'database');
    if (s.kafkaSecret) secretEnv('CDC_KAFKA__SASL__PASSWORD', s.kafkaSecret, 'kafka');
    if (s.hashSecret) secretEnv('CDC_DETECTION__HASH_KEY', s.hashSecret, 'detection-hash-key');
    return { env, secretAccess };
  }

  /** The Cloud Run service: one always-on instance, created after its secrets are readable. */
  private createService(props: CdcWorkerServiceProps, env: WorkerEnvVar[], secretAccess: SecretManagerSecretIamMember[]): CloudRunV2Service {
    return new CloudRunV2Service(this, 'service', {
      // Cloud Run checks at deploy that the revision's account can read its secrets.
      dependsOn: secretAccess.length > 0 ? secretAccess : undefined,
      project: props.project,
      location: props.region,
      name: this.serviceName,
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
  }

  /**
   * The per-table topics (into {@link topics}), then the quarantine, heartbeat and offsets topics
   * where they apply; returns the last three for the constructor to assign.
   */
  private createTopics(
    props: CdcWorkerServiceProps,
    s: WorkerSettings,
  ): { quarantineTopic?: KafkaTopic; heartbeatTopic?: KafkaTopic; offsetsTopic?: KafkaTopic } {
    const { prefix, mode, heartbeatMs, binlog, quarantineTopic } = s;
    const created: { quarantineTopic?: KafkaTopic; heartbeatTopic?: KafkaTopic; offsetsTopic?: KafkaTopic } = {};
    // RealtimePipeline's defaults: a write is acknowledged by two replicas where there are two.
    const rf = props.topicReplicationFactor ?? props.kafka.defaultReplicationFactor;
    const minInsyncReplicas = Math.min(2, rf);
    const topic = (id: string, name: string, config: KafkaTopicConfig, partitions?: number) =>
      new KafkaTopic(this, id, { platform: props.kafka, name, partitions, replicationFactor: rf, config });
    for (const [table, name] of Object.entries(this.topicsByTable)) {
      this.topics[table] = topic(`topic-${table}`, name, props.topicConfig ?? { cleanupPolicy: 'compact', minInsyncReplicas }, props.topicPartitions);
    }
    if (quarantineTopic && !quarantineTopic.startsWith(`${prefix}.`)) {
      created.quarantineTopic = topic('quarantine-topic', quarantineTopic, { cleanupPolicy: 'delete', minInsyncReplicas });
    }
    if (heartbeatMs > 0) {
      created.heartbeatTopic = topic('heartbeat-topic', heartbeatTopicName(prefix), { cleanupPolicy: 'delete', retentionMs: 86400000, minInsyncReplicas }, 1);
    }
    if (mode === 'exactly-once' || binlog) {
      // Exactly-once (PostgreSQL) and the binlog sources keep their position in this compacted topic.
      created.offsetsTopic = topic('offsets-topic', `${prefix}.cdc-worker.offsets`, { cleanupPolicy: 'compact', minInsyncReplicas }, 1);
    }
    return created;
  }

  /** Kafka ACLs of the worker's principal: produce on its topics, read back its stored position. */
  private grantProduce(props: CdcWorkerServiceProps, s: WorkerSettings, principal: string): void {
    const { prefix, slot, mode, heartbeatMs, binlog, quarantineTopic } = s;
    new KafkaAccessGrant(this, 'produce', {
      platform: props.kafka,
      principal,
      intent: 'produce',
      topic: `${prefix}.`,
      topicIsPrefix: true,
      transactionalId: mode === 'exactly-once' ? `cdc-worker-${slot}` : undefined,
    });
    if (quarantineTopic && !quarantineTopic.startsWith(`${prefix}.`)) {
      new KafkaAccessGrant(this, 'produce-quarantine', { platform: props.kafka, principal, intent: 'produce', topic: quarantineTopic });
    }
    if (heartbeatMs > 0)
      new KafkaAccessGrant(this, 'produce-heartbeat', { platform: props.kafka, principal, intent: 'produce', topic: heartbeatTopicName(prefix) });
    if (mode === 'exactly-once' || binlog) {
      // Resuming reads the stored source position back.
      // The worker reads it with a fresh consumer group each start, under a fixed prefix.
      const group = binlog ? 'cdc-worker-offsets-' : `cdc-worker-${slot}-offsets-`;
      new KafkaAccessGrant(this, 'read-offsets', {
        platform: props.kafka,
        principal,
        intent: 'consume',
        topic: `${prefix}.cdc-worker.offsets`,
        group,
        groupIsPrefix: true,
      });
    }
  }
}

/** An environment variable of the worker's container: a plain value or a Secret Manager reference. */
type WorkerEnvVar = { name: string; value?: string; valueSource?: { secretKeyRef: { secret: string; version: string } } };

/** A Secret Manager reference as {@link SecretValue} exposes it. */
type SecretRef = NonNullable<SecretValue['secretManagerRef']>;

/** The props with their defaults applied, and what is derived from them. */
interface WorkerSettings {
  readonly prefix: string;
  readonly name: string;
  readonly slot: string;
  readonly mode: 'at-least-once' | 'exactly-once';
  readonly heartbeatMs: number;
  /** Captured tables, qualified. */
  readonly tables: string[];
  /** Every table of the database, qualified. */
  readonly known: Set<string>;
  /** MySQL or MariaDB (a binlog reader) rather than PostgreSQL. */
  readonly binlog: boolean;
  readonly serverId: number;
  readonly dbSecret?: SecretRef;
  readonly hashSecret?: SecretRef;
  readonly kafkaSecret?: SecretRef;
  /** Whether the detection policy has 'hash' actions. */
  readonly hashes: boolean;
  readonly quarantineTopic?: string;
  /** Signals: the table and the Kafka topic (if any). */
  readonly signal?: { readonly table: string; readonly kafkaTopic?: string };
}

function resolveWorkerSettings(props: CdcWorkerServiceProps): WorkerSettings {
  const db = props.database;
  const prefix = props.topicPrefix ?? db.logicalName;
  const policy = props.detection?.policy;
  return {
    prefix,
    name: props.serviceName ?? `cdc-${db.logicalName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`,
    slot: props.slotName ?? `${prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_cdc_worker`,
    mode: props.deliveryMode ?? 'at-least-once',
    heartbeatMs: props.heartbeatIntervalMs ?? 10000,
    tables: (props.tables ?? db.tables.map((t) => t.name)).map((t) => qualifiedTableName(db.engine, db.databaseName, t)),
    known: new Set(db.tables.map((t) => qualifiedTableName(db.engine, db.databaseName, t.name))),
    binlog: db.engine !== 'postgres',
    serverId: props.serverId ?? stableServerId(`${prefix}-cdc-worker`),
    dbSecret: db.replicationPassword.secretManagerRef,
    hashSecret: props.detectionHashKey?.secretManagerRef,
    kafkaSecret: props.kafkaIdentity?.password.secretManagerRef,
    hashes: JSON.stringify(policy ?? {}).includes('"hash"'),
    quarantineTopic: policy?.quarantineTopic,
    signal: props.signals
      ? signalSettings(
          props.signals,
          prefix,
          (props.tables ?? db.tables.map((t) => t.name)).map((t) => qualifiedTableName(db.engine, db.databaseName, t)),
        )
      : undefined,
  };
}

/** The worker configuration the container receives (passwords come from the environment). */
function workerConfigOf(props: CdcWorkerServiceProps, s: WorkerSettings): CdcWorkerConfig {
  const db = props.database;
  const { prefix, slot, mode, heartbeatMs, tables, binlog, serverId } = s;
  return {
    source: binlog
      ? { engine: db.engine, serverId, host: db.host, port: db.port, database: db.databaseName, user: db.replicationUser, tables }
      : { host: db.host, port: db.port, database: db.databaseName, user: db.replicationUser, tables, slotName: slot, publicationName: `${slot}_pub` },
    kafka: {
      brokers: props.kafka.bootstrapServers,
      ssl: props.kafka.tlsEnabled,
      // The password comes from the CDC_KAFKA__SASL__PASSWORD environment variable (Secret Manager).
      sasl: props.kafkaIdentity ? ({ mechanism: 'scram-sha-512', username: props.kafkaIdentity.username } as CdcWorkerConfig['kafka']['sasl']) : undefined,
    },
    output: {
      topicPrefix: prefix,
      heartbeatIntervalMs: heartbeatMs,
      ...(props.heartbeatActionQuery !== undefined ? { heartbeatActionQuery: props.heartbeatActionQuery } : {}),
    },
    ...(s.signal ? { signal: { table: s.signal.table, ...(s.signal.kafkaTopic ? { kafkaTopic: s.signal.kafkaTopic } : {}) } } : {}),
    delivery: { mode },
    ...(props.detection ? { detection: props.detection } : {}),
  };
}

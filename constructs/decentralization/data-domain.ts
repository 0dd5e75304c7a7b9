import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { AccessModel } from '../access/access-model';
import { PipelineServiceAccount, serviceAccountId } from '../bigquery/pipeline-service-account';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { BigQuerySink } from '../connect/bigquery-sink';
import { Connector } from '../connect/connector';
import { KafkaConnectCluster } from '../connect/kafka-connect-cluster';
import { heartbeatTopicName } from '../connect/debezium-common';
import { SecretValue } from '../core/secret-value';
import { PropProblem, Problems, validateProps } from '../core/validation';
import { KafkaAcl } from '../kafka/kafka-acl';
import { KafkaCluster } from '../kafka/kafka-cluster';
import { DelegatedKafkaPlatform } from '../kafka/delegated-kafka-platform';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { KafkaScramUser } from '../kafka/kafka-scram-user';
import { KafkaTopic, KafkaTopicConfig } from '../kafka/kafka-topic';
import { ISourceDatabase } from '../sources/source-database';
import { RealtimePipeline } from '../stages/realtime-pipeline';
import { DataProductSpec, DataSubscriptionSpec, DecentralizationMode, IPlatformDomain, ResolvedSubscription } from './data-product';
import { CENTRAL, DecentralizedPlatform } from './decentralized-platform';
import { checkDomain } from './domain-checks';
import { DomainAccessSpec, DomainConnectOptions, DomainDatasetSpec, DomainTopicSpec } from './domain-specs';
import { DataProductViews } from './data-product-views';

export type { DomainAccessSpec, DomainConnectOptions, DomainDatasetSpec, DomainTopicSpec } from './domain-specs';

/** Props of {@link DataDomain}. */
export interface DataDomainProps {
  /** The platform the domain belongs to. */
  readonly platform: DecentralizedPlatform;
  /** Domain name: 2-20 lowercase letters, digits and '-', starting with a letter; the topic namespace is `<name>.`. */
  readonly name: string;
  /** `full` (own connectors and pipelines over `sources`) or `partial` (subscriptions landed by the platform's shared Connect cluster). */
  readonly mode: DecentralizationMode;
  /** Google Cloud project of the domain's datasets and service accounts. @default the platform's project */
  readonly project?: string;
  /** BigQuery location. @default the platform's location */
  readonly location?: string;
  /** Datasets of the microwarehouse besides those pipelines and subscriptions create. @default none */
  readonly datasets?: DomainDatasetSpec[];
  /** Topics the domain owns besides those its pipelines create. @default none */
  readonly topics?: DomainTopicSpec[];
  /** Source databases the domain captures itself (full only). @default none */
  readonly sources?: ISourceDatabase[];
  /** The domain's own Connect cluster (full only; required there). @default none */
  readonly connect?: DomainConnectOptions;
  /** Data products the domain publishes. @default none */
  readonly products?: DataProductSpec[];
  /** Products of other domains (or `central`) the domain subscribes to. @default none */
  readonly subscriptions?: DataSubscriptionSpec[];
  /** Google members (e.g. `group:risk-analysts@acme.com`) that get read access to subscribed datasets besides the domain's service account. @default none */
  readonly readers?: string[];
  /** `classification` label of the domain's datasets (governance rules expect owner and classification). @default 'internal' */
  readonly classification?: string;
  /** Config of the CDC topics of the domain's pipeline (full). @default compacted, min.insync.replicas = min(2, replication factor), erased rows compacted away within 7 days (max.compaction.lag.ms) */
  readonly topicConfig?: KafkaTopicConfig;
  /** The domain's access model. @default none */
  readonly access?: DomainAccessSpec;
  /** Password of the domain's SCRAM user `<name>` (its applications' Kafka identity). @default sensitive variable `<name>_kafka_password` */
  readonly kafkaPassword?: SecretValue;
  /** Password of the domain's deployer user `<name>-deployer`, when the domain has its own stack. @default sensitive variable `kafka_deployer_password` of the domain's stack */
  readonly deployerPassword?: SecretValue;
}

/**
 * Namespace of a full domain's Connect workers' internal topics, `__connect.<name>.`: outside the
 * domain's application namespace, so its applications cannot write the workers' config topic.
 */
export function connectWorkerNamespace(domain: string): string {
  return `__connect.${domain}.`;
}

/**
 * A team's microwarehouse (stage 5): its BigQuery datasets (in its own project if given), its
 * topic namespace `<name>.` with prefixed ACLs, its service account and SCRAM user, its access
 * model, and either its own Connect cluster and realtime pipeline over its sources (`full`) or
 * subscriptions landed by the platform's shared Connect cluster (`partial`).
 *
 * A domain reads nothing of another domain unless it subscribes to a product that domain
 * publishes; the {@link DecentralizedPlatform} then writes the grants in the publisher's stack.
 *
 * In its own stack, a domain creates its topics with its deployer user (which holds nothing on the
 * cluster), while every ACL and SCRAM user it declares is applied by the platform, in the
 * platform's stack: `kafka` is then a {@link DelegatedKafkaPlatform}. A full domain's Connect
 * workers get their group `__connect.<name>` and compacted internal topics
 * `__connect.<name>.{configs,offsets,status}`, with the ACLs Connect needs on them.
 */
export class DataDomain extends Construct implements IPlatformDomain {
  /** Domain name. */
  public readonly name: string;
  /** The domain's name, as publisher of data products. */
  public readonly publisherName: string;
  /** `full` or `partial`. */
  public readonly mode: DecentralizationMode;
  /** Project of the domain's datasets and accounts. */
  public readonly project: string;
  /** The topic namespace, `<name>.`. */
  public readonly namespace: string;
  /** Every topic prefix the domain owns: its namespace and, when full, its Debezium heartbeat and schema-history topics and its Connect workers' internal topics (`__connect.<name>.`). */
  public readonly namespaces: string[];
  /** The Kafka platform as seen from the domain's stack. */
  public readonly kafka: IKafkaPlatform;
  /** The domain's applications' Kafka identity. */
  public readonly user: KafkaScramUser;
  /** `User:<name>`. */
  public readonly kafkaPrincipal: string;
  /**
   * The domain's workload service account (write on its datasets, read on subscribed datasets).
   * The platform creates it, in the platform's stack: publishers grant it in their own stacks,
   * which Terraform can only do once it exists, so it exists before any domain stack is applied.
   */
  public readonly serviceAccount: PipelineServiceAccount;
  /**
   * The service account's email, known before apply: `<accountId>@<project>.iam.gserviceaccount.com`.
   * For use outside this app; grants within it use {@link serviceAccount}'s reference, which orders them after the account.
   */
  public readonly serviceAccountEmail: string;
  /** The domain's own Connect cluster (full), or the shared one as seen from the domain's stack (partial, once something is landed). */
  public get connect(): KafkaConnectCluster | undefined {
    return this.connectCluster;
  }
  /** The realtime pipeline over the domain's sources (full). */
  public readonly pipeline?: RealtimePipeline;
  /** Every dataset of the domain. */
  public readonly datasets: WarehouseDataset[] = [];
  /** Topics the domain defined (its own and its pipeline's). */
  public readonly topics: KafkaTopic[] = [];
  /** Dataset where landed subscriptions arrive, if any subscription is landed. */
  public readonly landingDataset?: WarehouseDataset;
  /** The domain's access model, if given. */
  public readonly accessModel?: AccessModel;
  /** Products by name. */
  public readonly products: ReadonlyMap<string, DataProductSpec>;
  /** Subscriptions resolved so far. */
  public readonly subscriptions: ResolvedSubscription[] = [];
  /** Sinks landing subscriptions, by `<publisher>/<product>`. */
  public readonly landingSinks: Record<string, BigQuerySink> = {};
  /** The platform. */
  public readonly platform: DecentralizedPlatform;
  /** Authorized views of the domain's products, in `<domain>_products`, if any product has views. */
  public readonly productViews?: DataProductViews;

  private readonly problems: PropProblem[] = [];
  private readonly props: DataDomainProps;
  private readonly datasetIndex = new Map<string, WarehouseDataset>();
  private readonly externalTopics: string[] = [];
  private connectCluster?: KafkaConnectCluster;

  constructor(scope: Construct, id: string, props: DataDomainProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { platform: 'DecentralizedPlatform', name: 'string', mode: 'DecentralizationMode' });
    this.props = props;
    this.platform = props.platform;
    this.name = props.name;
    this.publisherName = props.name;
    this.mode = props.mode;
    this.project = props.project ?? props.platform.project;
    this.namespace = `${props.name}.`;
    this.namespaces =
      props.mode === 'full'
        ? [this.namespace, heartbeatTopicName(this.namespace), `schema-history.${this.namespace}`, connectWorkerNamespace(props.name)]
        : [this.namespace];
    this.products = new Map((props.products ?? []).map((p) => [p.name, p]));
    const separate = props.platform.isSeparate(this);
    const base = props.platform.kafka;

    // The Kafka platform: the platform's own in its stack. In another stack, the same brokers:
    // topics created by the domain's deployer, ACLs and SCRAM users applied by the platform, in
    // the platform's stack (the deployer holds no cluster Alter; see DecentralizedPlatform).
    this.kafka = this.domainKafka(props, separate, base);

    // Identity: a SCRAM user for the domain's applications, with its namespace; a workload service account.
    this.user = new KafkaScramUser(this, 'user', {
      platform: this.kafka,
      username: props.name,
      password:
        props.kafkaPassword ?? SecretValue.fromVariable(`${props.name.replace(/-/g, '_')}_kafka_password`, `Kafka password of the ${props.name} domain`),
    });
    this.kafkaPrincipal = this.user.principal;
    this.grantNamespace();
    const accountId = serviceAccountId(`${props.name}-domain`);
    this.serviceAccount = props.platform.domainServiceAccount(props.name, this.project);
    this.serviceAccountEmail = `${accountId}@${this.project}.iam.gserviceaccount.com`;

    // Full: the domain's own Connect cluster, its workers' identities, and its realtime pipeline.
    if (props.mode === 'full' && props.connect) this.connectCluster = this.createConnect(props, props.connect, separate);

    for (const d of props.datasets ?? []) {
      this.addDataset(`dataset-${d.name}`, `${this.datasetPrefix}_${d.name.replace(/-/g, '_')}`, d.description ?? `${d.name} of the ${props.name} domain`);
    }
    const subscriptions = props.subscriptions ?? [];
    if (subscriptions.some((s) => s.land ?? props.mode === 'partial')) {
      // Written by the landing sinks' Connect workers (see land()).
      this.landingDataset = this.addDataset(
        'subscriptions',
        `${this.datasetPrefix}_subscriptions`,
        `Data products the ${props.name} domain subscribes to, landed from Kafka`,
      );
    }
    for (const t of props.topics ?? []) {
      this.topics.push(new KafkaTopic(this, `topic-${t.name}`, { platform: this.kafka, name: t.name, partitions: t.partitions, config: t.config }));
    }

    if (props.mode === 'full' && this.connect && (props.sources ?? []).length > 0) this.pipeline = this.createPipeline(props, this.connect);
    for (const d of this.datasets) d.grantWrite(this.serviceAccount.member);
    if ((props.products ?? []).some((p) => (p.views ?? []).length > 0)) {
      this.productViews = new DataProductViews(this, 'product-views', {
        project: this.project,
        location: props.location ?? props.platform.location,
        datasetId: `${this.datasetPrefix}_products`,
        products: props.products ?? [],
        datasetById: (id) => this.datasetById(id),
        labels: this.labels,
      });
    }

    props.platform.registerDomain(this, subscriptions);

    if (props.access) this.accessModel = this.createAccessModel(props.access);

    validateProps(this, (p) => this.check(p));
  }

  /** The Kafka platform as seen from the domain's stack: a delegated one in a separate stack. */
  private domainKafka(props: DataDomainProps, separate: boolean, base: IKafkaPlatform): IKafkaPlatform {
    if (separate && base instanceof KafkaCluster) {
      const deployer = new KafkaCluster(this, 'kafka', {
        bootstrapServers: base.bootstrapServers,
        kafkaVersion: base.kafkaVersion,
        tlsEnabled: base.tlsEnabled,
        brokerCount: base.brokerCount,
        defaultReplicationFactor: base.defaultReplicationFactor,
        defaultPartitions: base.defaultPartitions,
        sasl: {
          username: `${props.name}-deployer`,
          password: props.deployerPassword ?? SecretValue.fromVariable('kafka_deployer_password', `Kafka password of the ${props.name} domain's deployer`),
        },
      });
      const kafka = new DelegatedKafkaPlatform(this, 'kafka-access', {
        topics: deployer,
        admin: base,
        adminScope: props.platform.domainAccessScope(props.name),
      });
      // The platform's stack holds the deployer user and the domain's ACLs and users: it goes first.
      TerraformStack.of(this).addDependency(TerraformStack.of(props.platform));
      return kafka;
    }
    if (separate)
      this.problems.push({
        property: 'platform.kafka',
        value: base.node.path,
        allowed: 'a self-managed KafkaCluster when the domain has its own stack (its stack reaches the brokers with a deployer SCRAM user)',
      });
    return base;
  }

  /** The domain's applications write, read and describe its namespace's topics and read with its groups. */
  private grantNamespace(): void {
    const namespaceAcls = new Construct(this, 'namespace');
    for (const operation of ['Write', 'Read', 'Describe'] as const) {
      new KafkaAcl(namespaceAcls, `Topic-${operation}`, {
        platform: this.kafka,
        principal: this.kafkaPrincipal,
        operation,
        resourceType: 'Topic',
        resourceName: this.namespace,
        patternType: 'Prefixed',
      });
    }
    new KafkaAcl(namespaceAcls, 'Group-Read', {
      platform: this.kafka,
      principal: this.kafkaPrincipal,
      operation: 'Read',
      resourceType: 'Group',
      resourceName: this.namespace,
      patternType: 'Prefixed',
    });
  }

  /** The domain's own Connect cluster (full) and its workers' Kafka and Google identities. */
  private createConnect(props: DataDomainProps, connect: NonNullable<DataDomainProps['connect']>, separate: boolean): KafkaConnectCluster {
    const connectUser = new KafkaScramUser(this, 'connect-user', {
      platform: this.kafka,
      username: `${props.name}-connect`,
      password:
        connect.kafkaPassword ??
        SecretValue.fromVariable(`${props.name.replace(/-/g, '_')}_connect_kafka_password`, `Kafka password of the ${props.name} domain's Connect workers`),
    });
    // The workers' Google identity: the domain's BigQuery sinks write as it (write on their datasets, Job User).
    const connectAccount = new PipelineServiceAccount(this, 'connect-account', {
      project: this.project,
      accountId: serviceAccountId(`${props.name}-connect`),
      displayName: `Kafka Connect workers of the ${props.name} domain`,
    });
    return new KafkaConnectCluster(this, 'connect', {
      url: connect.url,
      kafka: this.kafka,
      workerPrincipal: connectUser.principal,
      kafkaCredentials: { username: connectUser.username, password: connectUser.password },
      // Several Connect clusters can share the platform's stack; each needs its own provider alias.
      providerAlias: separate ? undefined : props.name,
      secrets: connect.secrets,
      // The workers' own group and internal topics, under the domain's `__connect.<name>.` namespace.
      worker: {
        groupId: `__connect.${props.name}`,
        configStorageTopic: `${connectWorkerNamespace(props.name)}configs`,
        offsetStorageTopic: `${connectWorkerNamespace(props.name)}offsets`,
        statusStorageTopic: `${connectWorkerNamespace(props.name)}status`,
      },
      googleServiceAccount: connectAccount.email,
    });
  }

  /** The realtime pipeline over the domain's sources (full), its datasets and topics counted as the domain's. */
  private createPipeline(props: DataDomainProps, connect: KafkaConnectCluster): RealtimePipeline {
    const sources = props.sources ?? [];
    const pipeline = new RealtimePipeline(this, 'pipeline', {
      kafka: this.kafka,
      connect,
      sources,
      warehouse: {
        project: this.project,
        location: props.location ?? props.platform.location,
        datasetIdFor: (db) => `${this.datasetPrefix}_${db.logicalName.replace(/-/g, '_')}`,
        labels: this.labels,
      },
      topicConfig: props.topicConfig ?? {
        cleanupPolicy: 'compact',
        minInsyncReplicas: Math.min(2, this.kafka.defaultReplicationFactor),
        extra: { 'max.compaction.lag.ms': String(7 * 24 * 3600 * 1000) },
      },
      sourceOptions: Object.fromEntries(sources.map((s) => [s.logicalName, { topicPrefix: `${props.name}.${s.logicalName}` }])),
      // The domain's Connect workers write with the domain's Connect account, granted by the constructor next.
      sink: { createServiceAccount: false },
    });
    for (const part of Object.values(pipeline.sources)) {
      this.datasetIndex.set(part.dataset.datasetId, part.dataset);
      this.datasets.push(part.dataset);
    }
    this.topics.push(...pipeline.topics);
    return pipeline;
  }

  /** The domain's access model over its Kafka platform, datasets and subscribed topics. */
  private createAccessModel(access: NonNullable<DataDomainProps['access']>): AccessModel {
    return new AccessModel(this, 'access', {
      kafka: this.kafka,
      datasets: this.datasets,
      principals: access.principals,
      roles: access.roles,
      teams: access.teams,
      // Subscribed topics live in the publisher's stack; read lazily, so later subscriptions count.
      externalTopics: this.externalTopics,
    });
  }

  /** Google members that read subscribed datasets: the domain's service account and its readers. */
  public get googleMembers(): string[] {
    return [this.serviceAccount.member, ...(this.props.readers ?? [])];
  }

  /** Lets `member` read the authorized views of one of the domain's products. */
  public grantProductViews(product: string, member: string): void {
    this.productViews?.grantRead(product, member);
  }

  /** A dataset of the domain by id. */
  public datasetById(datasetId: string): WarehouseDataset | undefined {
    return this.datasetIndex.get(datasetId);
  }

  /** Every topic name (or prefix) the domain may read: its namespaces and what it subscribes to. */
  public readableTopics(): { names: string[]; prefixes: string[] } {
    return {
      names: this.subscriptions.flatMap((s) => s.topics),
      prefixes: [...this.namespaces, ...this.subscriptions.flatMap((s) => (s.topicPrefix !== undefined ? [s.topicPrefix] : []))],
    };
  }

  /**
   * Lands a subscribed product: a BigQuery sink into the landing dataset (called by the platform).
   * Returns the principal and consumer group the publisher grants.
   */
  public land(publisher: string, product: DataProductSpec): { principal: string; group: string; connector: Connector } {
    const connect = this.landingConnect();
    const name = `${this.name}-${publisher}-${product.name}-sink`;
    const topics = product.topics ?? [];
    const sink = new BigQuerySink(this, `land-${publisher}-${product.name}`, {
      cluster: connect,
      name,
      project: this.project,
      defaultDataset: this.landingDataset!.datasetId,
      topics: product.topicPrefix === undefined ? topics : undefined,
      topicsRegex:
        product.topicPrefix !== undefined
          ? [...topics, `${product.topicPrefix}.*`].map((t) => t.replace(/[.]/g, '\\.').replace('\\.*', '.*')).join('|')
          : undefined,
      upsertEnabled: true,
      deleteEnabled: true,
      kafkaKeyFieldName: 'kafka_key',
    });
    this.landingSinks[`${publisher}/${product.name}`] = sink;
    // The sink writes as the workers' Google account: write on the landing dataset; Job User is
    // granted once, where the workers are declared (the platform's stack for the shared cluster).
    if (sink.writerMember) this.landingDataset!.grantWrite(sink.writerMember);
    if (connect !== this.platform.connect && this.mode === 'partial') this.platform.connect.grantBigQueryJobUser(this.project);
    return { principal: connect.principal, group: `connect-${name}`, connector: sink.connector };
  }

  /** Records a resolved subscription (called by the platform). */
  public subscribed(s: ResolvedSubscription): void {
    this.subscriptions.push(s);
    this.externalTopics.push(...s.topics, ...(s.topicPrefix !== undefined ? [`${s.topicPrefix}*`] : []));
  }

  /** Reports a subscription naming a product its publisher does not publish (called by the platform). */
  public reportMissingProduct(spec: DataSubscriptionSpec, known: string[]): void {
    const i = (this.props.subscriptions ?? []).indexOf(spec);
    this.problems.push({
      property: `subscriptions[${i}].product`,
      value: spec.product,
      allowed: `a product of ${spec.domain}: ${known.join(', ') || 'it publishes none'}`,
    });
  }

  /** Reports a name another domain of the platform already has (called by the platform). */
  public reportDuplicateName(): void {
    this.problems.push({ property: 'name', value: this.name, allowed: `a name no other domain of the platform uses, and not "${CENTRAL}"` });
  }

  private get labels(): Record<string, string> {
    return { owner: this.name, domain: this.name, classification: this.props.classification ?? 'internal' };
  }

  private get datasetPrefix(): string {
    return this.name.replace(/-/g, '_');
  }

  private addDataset(id: string, datasetId: string, description: string): WarehouseDataset {
    const ds = new WarehouseDataset(this, id, {
      project: this.project,
      datasetId,
      location: this.props.location ?? this.platform.location,
      description,
      labels: this.labels,
    });
    this.datasets.push(ds);
    this.datasetIndex.set(datasetId, ds);
    return ds;
  }

  private landingConnect(): KafkaConnectCluster {
    if (this.connectCluster) return this.connectCluster;
    const shared = this.platform.connect;
    this.connectCluster = this.platform.isSeparate(this)
      ? new KafkaConnectCluster(this, 'shared-connect', {
          url: shared.url,
          kafka: this.kafka,
          workerPrincipal: shared.principal,
          kafkaCredentials: shared.kafkaCredentials,
          // The same workers as the platform's: their Job User binding lives in the platform's stack.
          googleServiceAccount: shared.googleServiceAccount,
          grantJobUser: false,
        })
      : shared;
    return this.connectCluster;
  }

  private check(p: Problems): void {
    checkDomain(p, this.props, {
      namespace: this.namespace,
      namespaces: this.namespaces,
      ownTopics: this.topics.map((t) => t.name),
      datasetExists: (d) => this.datasetIndex.has(d),
      readable: () => this.readableTopics(),
      publishers: [CENTRAL, ...[...this.platform.domains.keys()].filter((n) => n !== this.name)],
      unresolved: this.platform.unresolvedOf(this),
      problems: this.problems,
    });
  }
}

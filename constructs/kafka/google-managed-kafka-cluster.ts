import { Construct } from 'constructs';
import { Lazy } from 'cdktf';
import { ManagedKafkaCluster } from '@cdktf/provider-google/lib/managed-kafka-cluster';
import { ManagedKafkaTopic } from '@cdktf/provider-google/lib/managed-kafka-topic';
import { ManagedKafkaAcl, ManagedKafkaAclAclEntries } from '@cdktf/provider-google/lib/managed-kafka-acl';
import { isIntIn, validateProps } from '../core/validation';
import { IKafkaPlatform, KafkaAclSpec, KafkaTopicSpec } from './kafka-platform';

/** Props of {@link GoogleManagedKafkaCluster}. */
export interface GoogleManagedKafkaClusterProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Region, e.g. `us-central1`. */
  readonly region: string;
  /** Cluster id: lowercase letters, digits and '-', 1-63 characters, starting with a letter. */
  readonly clusterId: string;
  /** Subnetworks the brokers are reachable from (`projects/p/regions/r/subnetworks/s`). */
  readonly subnets: string[];
  /** vCPUs of the cluster (3 or more). @default 3 */
  readonly vcpuCount?: number;
  /** Memory in GiB, between 1 and 8 per vCPU. @default 4 per vCPU */
  readonly memoryGib?: number;
  /** Partitions for topics that set none. @default 6 */
  readonly defaultPartitions?: number;
  /** Labels. @default none */
  readonly labels?: Record<string, string>;
}

/**
 * A Google Managed Service for Apache Kafka cluster (`google_managed_kafka_cluster`), usable
 * wherever a self-managed {@link KafkaCluster} is: topics become `google_managed_kafka_topic`
 * and ACL entries are grouped per resource pattern into `google_managed_kafka_acl`.
 * Clients authenticate with Google service accounts over TLS (SASL OAUTHBEARER or PLAIN).
 */
export class GoogleManagedKafkaCluster extends Construct implements IKafkaPlatform {
  public readonly platformKind = 'google-managed' as const;
  /** Bootstrap address Google assigns to the cluster. */
  public readonly bootstrapServers: string[];
  /** Google spreads brokers over three zones. */
  public readonly brokerCount = 3;
  /** Managed Kafka topics are replicated three times. */
  public readonly defaultReplicationFactor = 3;
  /** Partitions used when a topic sets none. */
  public readonly defaultPartitions: number;
  /** Managed Kafka listeners always use TLS. */
  public readonly tlsEnabled = true;
  /** Clients use OAUTHBEARER with Google credentials. */
  public readonly saslMechanism = 'OAUTHBEARER';
  public readonly supportsScramUsers = false;
  /** The cluster resource. */
  public readonly cluster: ManagedKafkaCluster;
  private readonly aclEntries = new Map<string, ManagedKafkaAclAclEntries[]>();
  private readonly aclResources = new Map<string, ManagedKafkaAcl>();
  private readonly props: GoogleManagedKafkaClusterProps;

  constructor(scope: Construct, id: string, props: GoogleManagedKafkaClusterProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', region: 'string', clusterId: 'string', subnets: 'string[]' });
    this.props = props;
    const vcpu = props.vcpuCount ?? 3;
    const memoryGib = props.memoryGib ?? vcpu * 4;
    this.defaultPartitions = props.defaultPartitions ?? 6;
    validateProps(this, (p) => {
      p.check(/^[a-z][a-z0-9-]{0,62}$/.test(props.clusterId), 'clusterId', props.clusterId, "1-63 lowercase letters, digits or '-', starting with a letter");
      p.check(isIntIn(vcpu, 3), 'vcpuCount', vcpu, 'an integer >= 3');
      p.check(isIntIn(memoryGib, vcpu, vcpu * 8), 'memoryGib', memoryGib, `an integer from 1 to 8 GiB per vCPU (${vcpu} to ${vcpu * 8})`);
      p.check(props.subnets.length > 0, 'subnets', props.subnets, 'at least one subnetwork');
    });
    this.cluster = new ManagedKafkaCluster(this, 'cluster', {
      project: props.project,
      location: props.region,
      clusterId: props.clusterId,
      capacityConfig: { vcpuCount: String(vcpu), memoryBytes: String(memoryGib * 1024 * 1024 * 1024) },
      gcpConfig: { accessConfig: { networkConfigs: props.subnets.map((subnet) => ({ subnet })) } },
      labels: props.labels,
    });
    this.bootstrapServers = [`bootstrap.${props.clusterId}.${props.region}.managedkafka.${props.project}.cloud.goog:9092`];
  }

  public createTopicResource(scope: Construct, id: string, spec: KafkaTopicSpec): string {
    const topic = new ManagedKafkaTopic(scope, id, {
      project: this.props.project,
      location: this.props.region,
      cluster: this.cluster.clusterId,
      topicId: spec.name,
      partitionCount: spec.partitions,
      replicationFactor: spec.replicationFactor,
      configs: Object.keys(spec.config).length > 0 ? spec.config : undefined,
    });
    return topic.topicId;
  }

  public createAclResource(_scope: Construct, _id: string, spec: KafkaAclSpec): ManagedKafkaAcl {
    // One google_managed_kafka_acl per resource pattern, holding every entry for it.
    const aclId = GoogleManagedKafkaCluster.aclIdOf(spec);
    let entries = this.aclEntries.get(aclId);
    if (!entries) {
      entries = [];
      this.aclEntries.set(aclId, entries);
      const list = entries;
      this.aclResources.set(
        aclId,
        new ManagedKafkaAcl(this, `acl-${aclId.replace(/[^A-Za-z0-9_-]/g, '_')}`, {
          project: this.props.project,
          location: this.props.region,
          cluster: this.cluster.clusterId,
          aclId,
          aclEntries: Lazy.anyValue({
            produce: () => list.map((e) => ({ principal: e.principal, operation: e.operation, permission_type: e.permissionType, host: e.host })),
          }) as unknown as ManagedKafkaAclAclEntries[],
        }),
      );
    }
    entries.push({
      principal: spec.principal,
      operation: spec.operation.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
      permissionType: spec.permission.toUpperCase(),
      host: spec.host,
    });
    return this.aclResources.get(aclId)!;
  }

  /** The `acl_id` Google uses for a resource pattern. */
  public static aclIdOf(spec: Pick<KafkaAclSpec, 'resourceType' | 'resourceName' | 'patternType'>): string {
    const kind = { Topic: 'topic', Group: 'consumerGroup', TransactionalID: 'transactionalId', Cluster: 'cluster' }[spec.resourceType];
    if (spec.resourceType === 'Cluster') return 'cluster';
    if (spec.resourceName === '*' && spec.patternType === 'Literal') {
      return { topic: 'allTopics', consumerGroup: 'allConsumerGroups', transactionalId: 'allTransactionalIds' }[kind as 'topic'];
    }
    return spec.patternType === 'Prefixed' ? `${kind}Prefixed/${spec.resourceName}` : `${kind}/${spec.resourceName}`;
  }
}

import { IConstruct, Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import type { SecretValue } from '../core/secret-value';

/** Kafka ACL operations, named as the Mongey/kafka provider and Kafka's own tools name them. */
export type KafkaAclOperation =
  'All' | 'Read' | 'Write' | 'Create' | 'Delete' | 'Alter' | 'Describe' | 'ClusterAction' | 'DescribeConfigs' | 'AlterConfigs' | 'IdempotentWrite';

/** All operations an ACL may name. */
export const KAFKA_ACL_OPERATIONS: readonly KafkaAclOperation[] = [
  'All',
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'DescribeConfigs',
  'AlterConfigs',
  'IdempotentWrite',
];

/** Kafka resource types an ACL can protect. */
export type KafkaAclResourceType = 'Topic' | 'Group' | 'Cluster' | 'TransactionalID';

/** All resource types an ACL may protect. */
export const KAFKA_ACL_RESOURCE_TYPES: readonly KafkaAclResourceType[] = ['Topic', 'Group', 'Cluster', 'TransactionalID'];

/** How an ACL's resource name matches: exactly, or as a prefix. */
export type KafkaAclPatternType = 'Literal' | 'Prefixed';

/** One Kafka ACL entry, independent of which platform stores it. */
export interface KafkaAclSpec {
  /** Principal, e.g. `User:orders-writer`. */
  readonly principal: string;
  /** Host the rule applies to. */
  readonly host: string;
  /** Operation allowed or denied. */
  readonly operation: KafkaAclOperation;
  /** Allow or Deny. */
  readonly permission: 'Allow' | 'Deny';
  /** What kind of resource. */
  readonly resourceType: KafkaAclResourceType;
  /** Resource name (`kafka-cluster` for the cluster). */
  readonly resourceName: string;
  /** Literal name or prefix. */
  readonly patternType: KafkaAclPatternType;
}

/** A topic as a platform creates it. */
export interface KafkaTopicSpec {
  /** Topic name. */
  readonly name: string;
  /** Partition count. */
  readonly partitions: number;
  /** Replication factor. */
  readonly replicationFactor: number;
  /** Topic-level configs, already rendered to strings. */
  readonly config: Record<string, string>;
}

/** A SCRAM credential as a platform creates it. */
export interface KafkaScramCredentialSpec {
  /** User name. */
  readonly username: string;
  /** `SCRAM-SHA-256` or `SCRAM-SHA-512`. */
  readonly mechanism: string;
  /** PBKDF2 iterations. */
  readonly iterations: number;
  /** The password; resolved in the stack the credential is created in. */
  readonly password: SecretValue;
  /**
   * Version of the password. The password is write-only (never in plan or state), so Terraform
   * sets it again only when this changes.
   */
  readonly passwordVersion: string;
}

/**
 * A Kafka service that topics and ACLs live on: a self-managed cluster reached through the
 * Mongey/kafka provider ({@link KafkaCluster}) or a Google Managed Service for Apache Kafka
 * cluster ({@link GoogleManagedKafkaCluster}). Topic and ACL constructs talk only to this
 * interface, so switching platform is a change of one prop.
 */
export interface IKafkaPlatform extends IConstruct {
  /** `self-managed` (Mongey/kafka provider) or `google-managed` (google_managed_kafka_*). */
  readonly platformKind: 'self-managed' | 'google-managed';
  /** Bootstrap servers clients use. */
  readonly bootstrapServers: string[];
  /** Brokers in the cluster; replication factors may not exceed it. */
  readonly brokerCount: number;
  /** Replication factor for topics that do not set one. */
  readonly defaultReplicationFactor: number;
  /** Partitions for topics that do not set any. */
  readonly defaultPartitions: number;
  /** Whether clients reach the brokers over TLS. */
  readonly tlsEnabled: boolean;
  /** SASL mechanism clients use, if any (e.g. `SCRAM-SHA-512`, `OAUTHBEARER`). */
  readonly saslMechanism?: string;
  /** Creates the Terraform resource for a topic under `scope`; returns the topic name expression. */
  createTopicResource(scope: Construct, id: string, spec: KafkaTopicSpec): string;
  /**
   * Creates (or adds to) the Terraform resource for an ACL entry under `scope`, and returns the
   * resource that holds the entry (for `depends_on`: connectors wait for their ACLs).
   */
  createAclResource(scope: Construct, id: string, spec: KafkaAclSpec): TerraformResource;
  /** Whether this platform can create SCRAM users (self-managed only). */
  readonly supportsScramUsers: boolean;
  /**
   * Creates the Terraform resource of a SCRAM credential under `scope` (platforms with
   * `supportsScramUsers` only). @default not implemented: the platform has no SCRAM users
   */
  createScramCredentialResource?(scope: Construct, id: string, spec: KafkaScramCredentialSpec): TerraformResource;
  /**
   * The platform whose ACLs this platform's ACLs are: another identity applies them, e.g. a
   * domain's ACLs applied by the data platform ({@link DelegatedKafkaPlatform}). An entry is
   * managed by one Terraform resource per ACL platform. @default this platform itself
   */
  readonly aclPlatform?: IKafkaPlatform;
}

import { Construct } from 'constructs';
import { KafkaProvider } from '../../lib/providers/kafka/provider';
import { Topic } from '../../lib/providers/kafka/topic';
import { Acl } from '../../lib/providers/kafka/acl';
import { UserScramCredential } from '../../lib/providers/kafka/user-scram-credential';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { IKafkaPlatform, KafkaAclSpec, KafkaScramCredentialSpec, KafkaTopicSpec } from './kafka-platform';

/** SASL mechanisms the Mongey/kafka provider speaks. */
export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'plain';

/** How the Mongey/kafka provider spells each mechanism (it refuses Kafka's own spelling). */
export const PROVIDER_SASL_MECHANISM: Record<KafkaSaslMechanism, string> = {
  'scram-sha-512': 'scram-sha512',
  'scram-sha-256': 'scram-sha256',
  plain: 'plain',
};

/** SASL credentials Terraform uses to manage the cluster. */
export interface KafkaSaslCredentials {
  /** SASL mechanism. @default 'scram-sha-512' */
  readonly mechanism?: KafkaSaslMechanism;
  /** User name of the admin principal Terraform acts as. */
  readonly username: string;
  /** Password; a sensitive variable or a Secret Manager reference, never a literal. */
  readonly password: SecretValue;
}

/** Props of {@link KafkaCluster}. */
export interface KafkaClusterProps {
  /** Bootstrap servers as `host:port`. */
  readonly bootstrapServers: string[];
  /**
   * Kafka version of the brokers, `MAJOR.MINOR.PATCH`. The provider speaks this protocol
   * version; its own default (2.7.0) is too old for many features, so we ask for it.
   */
  readonly kafkaVersion: string;
  /** Reach the brokers over TLS. The provider's default is also true. @default true */
  readonly tlsEnabled?: boolean;
  /** PEM CA certificate to trust, from a secret or a file's content. @default the system trust store */
  readonly caCert?: SecretValue;
  /** SASL credentials. @default no SASL (mutual TLS or an open listener) */
  readonly sasl?: KafkaSaslCredentials;
  /** Brokers in the cluster. Replication factors are checked against it. @default 3 */
  readonly brokerCount?: number;
  /** Replication factor for topics that set none. @default min(3, brokerCount) */
  readonly defaultReplicationFactor?: number;
  /** Partitions for topics that set none. @default 6 */
  readonly defaultPartitions?: number;
  /** Provider alias, when a stack talks to several clusters. @default no alias */
  readonly providerAlias?: string;
  /** Provider operation timeout in seconds. @default 120 */
  readonly timeoutSeconds?: number;
}

/**
 * A self-managed Kafka cluster (Apache Kafka, Confluent Platform, Amazon MSK, Aiven…) managed
 * through the `Mongey/kafka` Terraform provider. Holds the provider configuration and the facts
 * other constructs check against (broker count, default replication).
 */
export class KafkaCluster extends Construct implements IKafkaPlatform {
  public readonly platformKind = 'self-managed' as const;
  /** Bootstrap servers. */
  public readonly bootstrapServers: string[];
  /** Brokers in the cluster. */
  public readonly brokerCount: number;
  /** Replication factor used when a topic sets none. */
  public readonly defaultReplicationFactor: number;
  /** Partitions used when a topic sets none. */
  public readonly defaultPartitions: number;
  /** Whether TLS is on. */
  public readonly tlsEnabled: boolean;
  /** SASL mechanism in Kafka's spelling (`SCRAM-SHA-512`), if SASL is used. */
  public readonly saslMechanism?: string;
  /** The Kafka version the provider is told. */
  public readonly kafkaVersion: string;
  /** The provider, for resources created outside this library. */
  public readonly provider: KafkaProvider;
  public readonly supportsScramUsers = true;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { bootstrapServers: 'string[]', kafkaVersion: 'string' });
    this.bootstrapServers = props.bootstrapServers;
    this.brokerCount = props.brokerCount ?? 3;
    this.defaultReplicationFactor = props.defaultReplicationFactor ?? Math.min(3, Math.max(1, this.brokerCount));
    this.defaultPartitions = props.defaultPartitions ?? 6;
    this.tlsEnabled = props.tlsEnabled ?? true;
    this.kafkaVersion = props.kafkaVersion;
    const mechanism = props.sasl ? (props.sasl.mechanism ?? 'scram-sha-512') : undefined;
    this.saslMechanism = mechanism?.toUpperCase();

    validateProps(this, (p) => {
      p.check(props.bootstrapServers.length > 0, 'bootstrapServers', props.bootstrapServers, 'at least one host:port');
      props.bootstrapServers.forEach((s, i) => p.check(/^[^\s:]+:\d{1,5}$/.test(s), `bootstrapServers[${i}]`, s, 'host:port, e.g. broker-1.internal:9092'));
      p.check(/^\d+\.\d+\.\d+$/.test(props.kafkaVersion), 'kafkaVersion', props.kafkaVersion, 'MAJOR.MINOR.PATCH of the brokers, e.g. 3.9.0');
      p.check(isIntIn(this.brokerCount, 1), 'brokerCount', this.brokerCount, 'an integer >= 1');
      p.check(
        isIntIn(this.defaultReplicationFactor, 1, this.brokerCount),
        'defaultReplicationFactor',
        this.defaultReplicationFactor,
        `an integer from 1 to brokerCount (${this.brokerCount})`,
      );
      p.check(isIntIn(this.defaultPartitions, 1), 'defaultPartitions', this.defaultPartitions, 'an integer >= 1');
      if (mechanism === 'plain' && !this.tlsEnabled) {
        p.add('sasl.mechanism', mechanism, 'scram-sha-512 or scram-sha-256 when tlsEnabled is false (PLAIN would send the password in clear text)');
      }
      if (props.sasl) {
        p.check(mechanism! in PROVIDER_SASL_MECHANISM, 'sasl.mechanism', mechanism, Object.keys(PROVIDER_SASL_MECHANISM).join(', '));
        p.check(props.sasl.username.length > 0, 'sasl.username', props.sasl.username, 'a non-empty user name');
      }
    });

    this.provider = new KafkaProvider(this, 'provider', {
      alias: props.providerAlias,
      bootstrapServers: props.bootstrapServers,
      kafkaVersion: props.kafkaVersion,
      tlsEnabled: this.tlsEnabled,
      caCert: props.caCert?.resolve(this),
      saslMechanism: mechanism ? (PROVIDER_SASL_MECHANISM[mechanism] ?? mechanism) : undefined,
      saslUsername: props.sasl?.username,
      saslPassword: props.sasl?.password.resolve(this),
      timeout: props.timeoutSeconds,
    });
  }

  public createTopicResource(scope: Construct, id: string, spec: KafkaTopicSpec): string {
    new Topic(scope, id, {
      provider: this.provider,
      name: spec.name,
      partitions: spec.partitions,
      replicationFactor: spec.replicationFactor,
      config: Object.keys(spec.config).length > 0 ? spec.config : undefined,
    });
    // The name as given, not the `topic.name` reference: every reference token captures a stack
    // trace (costly under ts-node's source maps), and at 10,000 topics that was a third of the build.
    return spec.name;
  }

  public createAclResource(scope: Construct, id: string, spec: KafkaAclSpec): Acl {
    return new Acl(scope, id, {
      provider: this.provider,
      aclPrincipal: spec.principal,
      aclHost: spec.host,
      aclOperation: spec.operation,
      aclPermissionType: spec.permission,
      resourceType: spec.resourceType,
      resourceName: spec.resourceName,
      resourcePatternTypeFilter: spec.patternType,
    });
  }

  /**
   * A `kafka_user_scram_credential` with a write-only password (`password_wo`, Terraform 1.11+):
   * the password is sent to Kafka and kept in neither plan nor state; Terraform sets it again
   * when `passwordVersion` changes.
   */
  public createScramCredentialResource(scope: Construct, id: string, spec: KafkaScramCredentialSpec): UserScramCredential {
    return new UserScramCredential(scope, id, {
      provider: this.provider,
      username: spec.username,
      scramMechanism: spec.mechanism,
      scramIterations: spec.iterations,
      passwordWo: spec.password.resolve(scope),
      passwordWoVersion: spec.passwordVersion,
    });
  }
}

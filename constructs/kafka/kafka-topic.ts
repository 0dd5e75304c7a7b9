import { Annotations, TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { isIntIn, Problems, validateProps } from '../core/validation';
import { KafkaAccessGrant } from './kafka-access-grant';
import { KafkaGrantOptions, KafkaAccessIntent } from './kafka-grants';
import { IKafkaPlatform } from './kafka-platform';
import { idSafe, KafkaPrincipalLike, principalOf } from './kafka-principal';

/** Compression codecs a topic may enforce. */
export type KafkaCompressionType = 'producer' | 'uncompressed' | 'zstd' | 'lz4' | 'snappy' | 'gzip';

/** Typed topic-level configuration. Unset fields keep the broker's default. */
export interface KafkaTopicConfig {
  /** `cleanup.policy`. @default broker default (delete) */
  readonly cleanupPolicy?: 'delete' | 'compact' | 'compact,delete';
  /** `retention.ms`; -1 keeps data forever. @default broker default (7 days) */
  readonly retentionMs?: number;
  /** `retention.bytes` per partition; -1 for no limit. @default broker default (-1) */
  readonly retentionBytes?: number;
  /** `segment.ms`: roll a segment after this long. @default broker default (7 days) */
  readonly segmentMs?: number;
  /** `segment.bytes`. @default broker default (1 GiB) */
  readonly segmentBytes?: number;
  /** `min.insync.replicas`; must not exceed the replication factor. @default broker default (1) */
  readonly minInsyncReplicas?: number;
  /** `compression.type`. @default broker default ('producer') */
  readonly compressionType?: KafkaCompressionType;
  /** `max.message.bytes`. @default broker default (~1 MiB) */
  readonly maxMessageBytes?: number;
  /** `delete.retention.ms`: how long tombstones stay in compacted topics. @default broker default (1 day) */
  readonly deleteRetentionMs?: number;
  /** `min.compaction.lag.ms`. @default broker default (0) */
  readonly minCompactionLagMs?: number;
  /** Any other topic config, by its Kafka name. Keys above win over the same key here. @default none */
  readonly extra?: Record<string, string>;
}

/** Props of {@link KafkaTopic}. */
export interface KafkaTopicProps {
  /** The Kafka platform the topic lives on. */
  readonly platform: IKafkaPlatform;
  /** Topic name: letters, digits, '.', '_' and '-', at most 249 characters, not '.' or '..'. */
  readonly name: string;
  /** Number of partitions; can grow later, never shrink without replacement. @default the platform's defaultPartitions */
  readonly partitions?: number;
  /** Copies of each partition; at most the platform's broker count. @default the platform's defaultReplicationFactor */
  readonly replicationFactor?: number;
  /** Topic configuration. @default broker defaults */
  readonly config?: KafkaTopicConfig;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const COMPRESSION: readonly KafkaCompressionType[] = ['producer', 'uncompressed', 'zstd', 'lz4', 'snappy', 'gzip'];
const CLEANUP = ['delete', 'compact', 'compact,delete'];

/** Topic names that collide in Kafka's metric names ('.' and '_' are the same there), per platform. */
const collisionIndex = new WeakMap<IKafkaPlatform, Map<string, string[]>>();

/** Renders typed configs to the string map Kafka takes. */
export function renderTopicConfig(config: KafkaTopicConfig = {}): Record<string, string> {
  const out: Record<string, string> = { ...(config.extra ?? {}) };
  const set = (key: string, value: string | number | undefined) => {
    if (value !== undefined) out[key] = String(value);
  };
  set('cleanup.policy', config.cleanupPolicy);
  set('retention.ms', config.retentionMs);
  set('retention.bytes', config.retentionBytes);
  set('segment.ms', config.segmentMs);
  set('segment.bytes', config.segmentBytes);
  set('min.insync.replicas', config.minInsyncReplicas);
  set('compression.type', config.compressionType);
  set('max.message.bytes', config.maxMessageBytes);
  set('delete.retention.ms', config.deleteRetentionMs);
  set('min.compaction.lag.ms', config.minCompactionLagMs);
  return out;
}

/** Checks a topic's props; shared with constructs that create many topics at once. */
export function checkTopic(
  p: Problems,
  platform: IKafkaPlatform,
  name: string,
  partitions: number,
  replicationFactor: number,
  config: KafkaTopicConfig = {},
): void {
  if (p.check(TOPIC_NAME.test(name), 'name', name, "letters, digits, '.', '_' and '-'")) {
    p.check(name.length <= 249, 'name', name, 'at most 249 characters');
    p.check(name !== '.' && name !== '..', 'name', name, "any name but '.' and '..'");
  }
  p.check(isIntIn(partitions, 1, 100000), 'partitions', partitions, 'an integer from 1 to 100000');
  p.check(
    isIntIn(replicationFactor, 1, platform.brokerCount),
    'replicationFactor',
    replicationFactor,
    `an integer from 1 to the platform's broker count (${platform.brokerCount})`,
  );
  if (config.cleanupPolicy !== undefined) p.check(CLEANUP.includes(config.cleanupPolicy), 'config.cleanupPolicy', config.cleanupPolicy, CLEANUP.join(', '));
  if (config.compressionType !== undefined)
    p.check(COMPRESSION.includes(config.compressionType), 'config.compressionType', config.compressionType, COMPRESSION.join(', '));
  if (config.retentionMs !== undefined)
    p.check(
      config.retentionMs === -1 || isIntIn(config.retentionMs, 1),
      'config.retentionMs',
      config.retentionMs,
      '-1 (forever) or a positive integer of milliseconds',
    );
  if (config.retentionBytes !== undefined)
    p.check(
      config.retentionBytes === -1 || isIntIn(config.retentionBytes, 1),
      'config.retentionBytes',
      config.retentionBytes,
      '-1 (no limit) or a positive integer',
    );
  if (config.segmentMs !== undefined) p.check(isIntIn(config.segmentMs, 1), 'config.segmentMs', config.segmentMs, 'a positive integer of milliseconds');
  if (config.segmentBytes !== undefined) p.check(isIntIn(config.segmentBytes, 14), 'config.segmentBytes', config.segmentBytes, 'an integer >= 14');
  if (config.maxMessageBytes !== undefined)
    p.check(isIntIn(config.maxMessageBytes, 0), 'config.maxMessageBytes', config.maxMessageBytes, 'a non-negative integer');
  if (config.deleteRetentionMs !== undefined)
    p.check(isIntIn(config.deleteRetentionMs, 0), 'config.deleteRetentionMs', config.deleteRetentionMs, 'a non-negative integer');
  if (config.minCompactionLagMs !== undefined)
    p.check(isIntIn(config.minCompactionLagMs, 0), 'config.minCompactionLagMs', config.minCompactionLagMs, 'a non-negative integer');
  if (config.minInsyncReplicas !== undefined) {
    p.check(
      isIntIn(config.minInsyncReplicas, 1, replicationFactor),
      'config.minInsyncReplicas',
      config.minInsyncReplicas,
      `an integer from 1 to the replication factor (${replicationFactor})`,
    );
  }
}

/**
 * A Kafka topic on a self-managed or Google-managed platform, with typed, validated configs and
 * intent-level grants.
 */
export class KafkaTopic extends Construct {
  /** The topic name, for wiring into connectors and ACLs. */
  public readonly name: string;
  /** The platform it lives on. */
  public readonly platform: IKafkaPlatform;
  /** Partition count. */
  public readonly partitions: number;
  /** Replication factor. */
  public readonly replicationFactor: number;
  /** Rendered topic configs. */
  public readonly config: Record<string, string>;
  /** The Terraform resource of the topic, for `depends_on` (e.g. connectors that write to it). */
  public readonly resource: TerraformResource;

  constructor(scope: Construct, id: string, props: KafkaTopicProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { platform: 'IKafkaPlatform', name: 'string' });
    this.platform = props.platform;
    this.name = props.name;
    this.partitions = props.partitions ?? props.platform.defaultPartitions;
    this.replicationFactor = props.replicationFactor ?? props.platform.defaultReplicationFactor;
    this.config = renderTopicConfig(props.config);
    validateProps(this, (p) => checkTopic(p, props.platform, this.name, this.partitions, this.replicationFactor, props.config));
    this.warnOnCollision();
    props.platform.createTopicResource(this, 'topic', {
      name: this.name,
      partitions: this.partitions,
      replicationFactor: this.replicationFactor,
      config: this.config,
    });
    this.resource = this.node.findChild('topic') as TerraformResource;
  }

  /** Lets `principal` produce to this topic: Write + Describe (and transactional id ACLs if asked). */
  public grantProduce(principal: KafkaPrincipalLike, options: Pick<KafkaGrantOptions, 'transactionalId' | 'transactionalIdIsPrefix'> = {}): KafkaAccessGrant {
    return this.grant('produce', principal, options);
  }

  /** Lets `principal` consume this topic: Read + Describe on it, Read on the consumer group. */
  public grantConsume(principal: KafkaPrincipalLike, options: Pick<KafkaGrantOptions, 'group' | 'groupIsPrefix'> = {}): KafkaAccessGrant {
    return this.grant('consume', principal, options);
  }

  /** Lets `principal` do anything with this topic (All). */
  public grantAdmin(principal: KafkaPrincipalLike): KafkaAccessGrant {
    return this.grant('admin', principal, {});
  }

  /**
   * Lets `principal` read this topic's configuration (DescribeConfigs): clients that check a topic's
   * settings before using it need it, e.g. Kafka Connect on its internal topics (cleanup policy)
   * and Debezium on its schema-history topic (retention, partitions).
   */
  public grantDescribeConfigs(principal: KafkaPrincipalLike): KafkaAccessGrant {
    return this.grant('describe-configs', principal, {});
  }

  private grant(intent: KafkaAccessIntent, principal: KafkaPrincipalLike, options: KafkaGrantOptions): KafkaAccessGrant {
    const id = `${intent}-${idSafe(principalOf(principal))}`;
    const existing = this.node.tryFindChild(id);
    if (existing) return existing as KafkaAccessGrant;
    return new KafkaAccessGrant(this, id, { platform: this.platform, principal, intent, topic: this.name, ...options });
  }

  private warnOnCollision(): void {
    let index = collisionIndex.get(this.platform);
    if (!index) {
      index = new Map();
      collisionIndex.set(this.platform, index);
    }
    const key = this.name.replace(/\./g, '_');
    const same = index.get(key) ?? [];
    const clash = same.filter((n) => n !== this.name);
    same.push(this.name);
    index.set(key, same);
    if (clash.length > 0) {
      Annotations.of(this).addWarning(
        `name: ${JSON.stringify(this.name)} collides with ${clash.map((c) => JSON.stringify(c)).join(', ')} in Kafka's metric names, where '.' and '_' are the same; use one separator consistently`,
      );
    }
  }
}

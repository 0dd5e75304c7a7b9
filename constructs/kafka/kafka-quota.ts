import { Construct } from 'constructs';
import { Quota } from '../../lib/providers/kafka/quota';
import { isIntIn, validateProps } from '../core/validation';
import { KafkaCluster } from './kafka-cluster';

/** Props of {@link KafkaQuota}. */
export interface KafkaQuotaProps {
  /** The self-managed cluster. */
  readonly cluster: KafkaCluster;
  /** Who the quota applies to. */
  readonly entityType: 'user' | 'client-id' | 'ip';
  /** The user, client id or IP; omit for the default entity of that type. @default the default entity */
  readonly entityName?: string;
  /** Bytes per second a producer may send. @default no limit */
  readonly producerByteRate?: number;
  /** Bytes per second a consumer may fetch. @default no limit */
  readonly consumerByteRate?: number;
  /** Percentage of broker request-handler time. @default no limit */
  readonly requestPercentage?: number;
  /** Connection creation rate (ip entities only). @default no limit */
  readonly connectionCreationRate?: number;
}

/** A client quota (`kafka_quota`). Like ACLs, quotas cannot be updated in place: a change replaces them. */
export class KafkaQuota extends Construct {
  /** Rendered quota config. */
  public readonly config: Record<string, number>;

  constructor(scope: Construct, id: string, props: KafkaQuotaProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaCluster', entityType: '"user" | "client-id" | "ip"' });
    const config: Record<string, number> = {};
    if (props.producerByteRate !== undefined) config.producer_byte_rate = props.producerByteRate;
    if (props.consumerByteRate !== undefined) config.consumer_byte_rate = props.consumerByteRate;
    if (props.requestPercentage !== undefined) config.request_percentage = props.requestPercentage;
    if (props.connectionCreationRate !== undefined) config.connection_creation_rate = props.connectionCreationRate;
    this.config = config;
    validateProps(this, (p) => {
      p.check(['user', 'client-id', 'ip'].includes(props.entityType), 'entityType', props.entityType, 'user, client-id or ip');
      p.check(Object.keys(config).length > 0, 'producerByteRate/consumerByteRate/requestPercentage', undefined, 'at least one limit');
      for (const [key, value] of Object.entries(config)) p.check(isIntIn(value, 1), key, value, 'a positive integer');
      if (props.connectionCreationRate !== undefined)
        p.check(props.entityType === 'ip', 'connectionCreationRate', props.connectionCreationRate, "only with entityType 'ip'");
      if (props.entityType === 'ip' && props.entityName !== undefined) {
        p.check(/^[0-9a-fA-F:.]+$/.test(props.entityName), 'entityName', props.entityName, 'an IPv4 or IPv6 address');
      }
    });
    new Quota(this, 'quota', {
      provider: props.cluster.provider,
      entityType: props.entityType,
      entityName: props.entityName,
      config,
    });
  }
}

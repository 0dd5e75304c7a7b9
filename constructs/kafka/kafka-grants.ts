import { KafkaAclOperation, KafkaAclPatternType, KafkaAclResourceType } from './kafka-platform';

/** What a principal may do: the intent behind a set of ACLs. */
export type KafkaAccessIntent = 'produce' | 'consume' | 'admin' | 'describe-configs';

/** One ACL a grant needs, before it is bound to a principal and a platform. */
export interface KafkaAclRequirement {
  /** Resource type. */
  readonly resourceType: KafkaAclResourceType;
  /** Resource name or prefix. */
  readonly resourceName: string;
  /** Literal or prefixed. */
  readonly patternType: KafkaAclPatternType;
  /** Operation. */
  readonly operation: KafkaAclOperation;
}

/** Options of an intent-level grant. */
export interface KafkaGrantOptions {
  /** Consumer group (consume only). @default a group named like the principal's user */
  readonly group?: string;
  /** Treat `group` as a prefix. @default false */
  readonly groupIsPrefix?: boolean;
  /** Transactional id the producer uses (produce only). @default none: no transactions */
  readonly transactionalId?: string;
  /** Treat `transactionalId` as a prefix. @default false */
  readonly transactionalIdIsPrefix?: boolean;
}

/**
 * The exact ACL set an intent needs on a topic (or topic prefix), following Kafka's
 * authorization rules:
 * - produce: Write + Describe on the topic; Write + Describe on the transactional id if any
 *   (idempotent producers need only Write on the topic since Kafka 2.8);
 * - consume: Read + Describe on the topic, Read on the consumer group;
 * - admin: All on the topic;
 * - describe-configs: DescribeConfigs on the topic, for clients that check a topic's settings before
 *   using it (Kafka Connect's internal topics, Debezium's schema history).
 */
export function aclsForIntent(
  intent: KafkaAccessIntent,
  topic: string,
  topicPattern: KafkaAclPatternType,
  options: KafkaGrantOptions & { defaultGroup?: string } = {},
): KafkaAclRequirement[] {
  const onTopic = (operation: KafkaAclOperation): KafkaAclRequirement => ({
    resourceType: 'Topic',
    resourceName: topic,
    patternType: topicPattern,
    operation,
  });
  switch (intent) {
    case 'produce': {
      const acls = [onTopic('Write'), onTopic('Describe')];
      if (options.transactionalId) {
        const patternType = options.transactionalIdIsPrefix ? 'Prefixed' : 'Literal';
        acls.push(
          { resourceType: 'TransactionalID', resourceName: options.transactionalId, patternType, operation: 'Write' },
          { resourceType: 'TransactionalID', resourceName: options.transactionalId, patternType, operation: 'Describe' },
        );
      }
      return acls;
    }
    case 'consume': {
      const group = options.group ?? options.defaultGroup;
      if (!group) throw new Error('consume grants need a consumer group');
      return [
        onTopic('Read'),
        onTopic('Describe'),
        { resourceType: 'Group', resourceName: group, patternType: options.groupIsPrefix ? 'Prefixed' : 'Literal', operation: 'Read' },
      ];
    }
    case 'admin':
      return [onTopic('All')];
    case 'describe-configs':
      return [onTopic('DescribeConfigs')];
    default:
      throw new Error(`unknown intent ${String(intent)}; allowed: produce, consume, admin, describe-configs`);
  }
}

import { AnnotationMetadataEntryType, Testing, TerraformStack } from 'cdktf';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { aclSet, problems, resources, synth } from '../helpers';
import { kafkaCluster } from '../fixtures';

describe('KafkaTopic', () => {
  test('renders typed configs to Kafka config names', () => {
    const json = synth((stack) => {
      new KafkaTopic(stack, 'orders', {
        platform: kafkaCluster(stack),
        name: 'shop.public.orders',
        partitions: 12,
        replicationFactor: 3,
        config: {
          cleanupPolicy: 'compact',
          retentionMs: -1,
          minInsyncReplicas: 2,
          compressionType: 'zstd',
          segmentMs: 3600000,
          extra: { 'message.timestamp.type': 'LogAppendTime' },
        },
      });
    });
    const [topic] = resources(json, 'kafka_topic');
    expect(topic).toMatchObject({
      name: 'shop.public.orders',
      partitions: 12,
      replication_factor: 3,
      provider: 'kafka',
      config: {
        'cleanup.policy': 'compact',
        'retention.ms': '-1',
        'min.insync.replicas': '2',
        'compression.type': 'zstd',
        'segment.ms': '3600000',
        'message.timestamp.type': 'LogAppendTime',
      },
    });
  });

  test('takes partitions and replication from the platform when not given', () => {
    const json = synth((stack) => {
      new KafkaTopic(stack, 't', { platform: kafkaCluster(stack, { defaultPartitions: 4, brokerCount: 5 }), name: 'a' });
    });
    expect(resources(json, 'kafka_topic')[0]).toMatchObject({ partitions: 4, replication_factor: 3 });
    expect(resources(json, 'kafka_topic')[0].config).toBeUndefined();
  });

  test('rejects bad names, counts and configs with one message each', () => {
    const found = problems((stack) => {
      const kafka = kafkaCluster(stack);
      new KafkaTopic(stack, 'bad', {
        platform: kafka,
        name: 'orders!',
        partitions: 0,
        replicationFactor: 4,
        config: { minInsyncReplicas: 5, cleanupPolicy: 'forever' as never, retentionMs: -5 },
      });
      new KafkaTopic(stack, 'long', { platform: kafka, name: 'x'.repeat(250) });
      new KafkaTopic(stack, 'dot', { platform: kafka, name: '..' });
    });
    expect(found).toEqual([
      "[test/bad] name: \"orders!\" is not valid; allowed: letters, digits, '.', '_' and '-'",
      '[test/bad] partitions: 0 is not valid; allowed: an integer from 1 to 100000',
      "[test/bad] replicationFactor: 4 is not valid; allowed: an integer from 1 to the platform's broker count (3)",
      '[test/bad] config.cleanupPolicy: "forever" is not valid; allowed: delete, compact, compact,delete',
      '[test/bad] config.retentionMs: -5 is not valid; allowed: -1 (forever) or a positive integer of milliseconds',
      '[test/bad] config.minInsyncReplicas: 5 is not valid; allowed: an integer from 1 to the replication factor (4)',
      expect.stringMatching(/^\[test\/long\] name: "x+\.\.\." is not valid; allowed: at most 249 characters$/),
      "[test/dot] name: \"..\" is not valid; allowed: any name but '.' and '..'",
    ]);
  });

  test("warns when two names collide on '.' and '_'", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    const kafka = kafkaCluster(stack);
    new KafkaTopic(stack, 'a', { platform: kafka, name: 'shop.orders' });
    const b = new KafkaTopic(stack, 'b', { platform: kafka, name: 'shop_orders' });
    const warnings = b.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));
    expect(warnings.join('\n')).toContain('"shop_orders" collides with "shop.orders"');
  });

  test('grantConsume writes Read+Describe on the topic and Read on the group, no more', () => {
    const json = synth((stack) => {
      const topic = new KafkaTopic(stack, 'orders', { platform: kafkaCluster(stack), name: 'orders' });
      topic.grantConsume('User:analytics', { group: 'analytics-loader' });
      topic.grantConsume('User:analytics', { group: 'analytics-loader' }); // idempotent
    });
    expect(aclSet(json)).toEqual([
      'Allow User:analytics Describe Topic:Literal:orders',
      'Allow User:analytics Read Group:Literal:analytics-loader',
      'Allow User:analytics Read Topic:Literal:orders',
    ]);
  });

  test('grantProduce writes Write+Describe, plus transactional id ACLs when asked', () => {
    const json = synth((stack) => {
      const topic = new KafkaTopic(stack, 'orders', { platform: kafkaCluster(stack), name: 'orders' });
      topic.grantProduce('User:writer', { transactionalId: 'writer-', transactionalIdIsPrefix: true });
      topic.grantAdmin('User:ops');
    });
    expect(aclSet(json)).toEqual([
      'Allow User:ops All Topic:Literal:orders',
      'Allow User:writer Describe Topic:Literal:orders',
      'Allow User:writer Describe TransactionalID:Prefixed:writer-',
      'Allow User:writer Write Topic:Literal:orders',
      'Allow User:writer Write TransactionalID:Prefixed:writer-',
    ]);
  });
});

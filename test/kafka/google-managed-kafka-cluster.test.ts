import { GoogleManagedKafkaCluster } from '../../constructs/kafka/google-managed-kafka-cluster';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { problems, resources, synth } from '../helpers';

describe('GoogleManagedKafkaCluster', () => {
  const build = (stack: any) =>
    new GoogleManagedKafkaCluster(stack, 'mk', {
      project: 'acme-data',
      region: 'us-central1',
      clusterId: 'events',
      subnets: ['projects/acme-data/regions/us-central1/subnetworks/default'],
    });

  test('topics and grants become google_managed_kafka_topic and per-pattern google_managed_kafka_acl', () => {
    const json = synth((stack) => {
      const platform = build(stack);
      const t = new KafkaTopic(stack, 'orders', { platform, name: 'orders', partitions: 3 });
      t.grantConsume('User:reader@acme-data.iam.gserviceaccount.com', { group: 'readers' });
      t.grantProduce('User:writer@acme-data.iam.gserviceaccount.com');
    });
    expect(resources(json, 'kafka_topic')).toEqual([]);
    expect(resources(json, 'google_managed_kafka_cluster')[0]).toMatchObject({
      cluster_id: 'events',
      location: 'us-central1',
      capacity_config: { vcpu_count: '3', memory_bytes: String(12 * 1024 ** 3) },
    });
    expect(resources(json, 'google_managed_kafka_topic')[0]).toMatchObject({ topic_id: 'orders', partition_count: 3, replication_factor: 3 });
    const acls = Object.fromEntries(resources(json, 'google_managed_kafka_acl').map((a) => [a.acl_id, a.acl_entries]));
    expect(Object.keys(acls).sort()).toEqual(['consumerGroup/readers', 'topic/orders']);
    expect(acls['topic/orders']).toEqual([
      { principal: 'User:reader@acme-data.iam.gserviceaccount.com', operation: 'READ', permission_type: 'ALLOW', host: '*' },
      { principal: 'User:reader@acme-data.iam.gserviceaccount.com', operation: 'DESCRIBE', permission_type: 'ALLOW', host: '*' },
      { principal: 'User:writer@acme-data.iam.gserviceaccount.com', operation: 'WRITE', permission_type: 'ALLOW', host: '*' },
      { principal: 'User:writer@acme-data.iam.gserviceaccount.com', operation: 'DESCRIBE', permission_type: 'ALLOW', host: '*' },
    ]);
  });

  test('acl ids follow Google’s resource pattern names', () => {
    expect(GoogleManagedKafkaCluster.aclIdOf({ resourceType: 'Topic', resourceName: 'pay.', patternType: 'Prefixed' })).toBe('topicPrefixed/pay.');
    expect(GoogleManagedKafkaCluster.aclIdOf({ resourceType: 'Topic', resourceName: '*', patternType: 'Literal' })).toBe('allTopics');
    expect(GoogleManagedKafkaCluster.aclIdOf({ resourceType: 'Cluster', resourceName: 'kafka-cluster', patternType: 'Literal' })).toBe('cluster');
  });

  test('replication above three zones is refused', () => {
    const found = problems((stack) => new KafkaTopic(stack, 't', { platform: build(stack), name: 'x', replicationFactor: 4 }));
    expect(found).toEqual(["[test/t] replicationFactor: 4 is not valid; allowed: an integer from 1 to the platform's broker count (3)"]);
  });
});

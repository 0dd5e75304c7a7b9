import { KafkaAcl } from '../../constructs/kafka/kafka-acl';
import { KafkaAccessGrant } from '../../constructs/kafka/kafka-access-grant';
import { aclSet, problems, resources, synth } from '../helpers';
import { kafkaCluster } from '../fixtures';

describe('KafkaAcl', () => {
  test("reproduces the talk's Deny Write for User:Alice on syslog", () => {
    const json = synth((stack) => {
      new KafkaAcl(stack, 'test', {
        platform: kafkaCluster(stack),
        principal: 'User:Alice',
        resourceType: 'Topic',
        resourceName: 'syslog',
        operation: 'Write',
        permission: 'Deny',
      });
    });
    expect(resources(json, 'kafka_acl')).toEqual([
      expect.objectContaining({
        acl_principal: 'User:Alice',
        acl_host: '*',
        acl_operation: 'Write',
        acl_permission_type: 'Deny',
        resource_type: 'Topic',
        resource_name: 'syslog',
        resource_pattern_type_filter: 'Literal',
      }),
    ]);
  });

  test('rejects operations a resource type does not have, bad principals and cluster names', () => {
    const found = problems((stack) => {
      const platform = kafkaCluster(stack);
      new KafkaAcl(stack, 'group-write', { platform, principal: 'User:a', resourceType: 'Group', resourceName: 'g', operation: 'Write' });
      new KafkaAcl(stack, 'no-type', { platform, principal: 'alice', resourceType: 'Topic', resourceName: 't', operation: 'Read' });
      new KafkaAcl(stack, 'cluster', { platform, principal: 'User:a', resourceType: 'Cluster', resourceName: 'main', operation: 'Alter' });
    });
    expect(found).toEqual([
      '[test/group-write] operation: "Write" is not valid; allowed: for resourceType Group: All, Read, Describe, Delete',
      "[test/no-type] principal: \"alice\" is not valid; allowed: 'Type:name', e.g. 'User:orders-writer'",
      '[test/cluster] resourceName: "main" is not valid; allowed: \'kafka-cluster\' for resourceType Cluster',
    ]);
  });
});

describe('KafkaAccessGrant', () => {
  test('consume on a prefix defaults the group to the user name', () => {
    const json = synth((stack) => {
      new KafkaAccessGrant(stack, 'g', {
        platform: kafkaCluster(stack),
        principal: 'User:payments-app',
        intent: 'consume',
        topic: 'payments.',
        topicIsPrefix: true,
      });
    });
    expect(aclSet(json)).toEqual([
      'Allow User:payments-app Describe Topic:Prefixed:payments.',
      'Allow User:payments-app Read Group:Literal:payments-app',
      'Allow User:payments-app Read Topic:Prefixed:payments.',
    ]);
  });

  test('refuses options that do not fit the intent', () => {
    const found = problems((stack) => {
      new KafkaAccessGrant(stack, 'g', { platform: kafkaCluster(stack), principal: 'User:x', intent: 'produce', topic: 't', group: 'grp' });
    });
    expect(found).toEqual(['[test/g] group: "grp" is not valid; allowed: only with intent consume']);
  });
});

describe('one resource per ACL entry', () => {
  test('two grants needing the same entry share one kafka_acl; the second records which one', () => {
    let second!: KafkaAccessGrant;
    const json = synth((stack) => {
      const platform = kafkaCluster(stack);
      new KafkaAccessGrant(stack, 'produce', { platform, principal: 'User:app', intent: 'produce', topic: 'orders' });
      second = new KafkaAccessGrant(stack, 'consume', { platform, principal: 'User:app', intent: 'consume', topic: 'orders', group: 'app' });
    });
    expect(aclSet(json)).toEqual([
      'Allow User:app Describe Topic:Literal:orders',
      'Allow User:app Read Group:Literal:app',
      'Allow User:app Read Topic:Literal:orders',
      'Allow User:app Write Topic:Literal:orders',
    ]);
    const describe = second.node.findChild('Topic-Describe') as KafkaAcl;
    expect(describe.sameAs).toBe('test/produce/Topic-Describe');
    expect((second.node.findChild('Topic-Read') as KafkaAcl).sameAs).toBeUndefined();
  });
});

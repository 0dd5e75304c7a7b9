import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaScramUser } from '../../constructs/kafka/kafka-scram-user';
import { KafkaQuota } from '../../constructs/kafka/kafka-quota';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { aclSet, problems, resources, synth } from '../helpers';
import { kafkaCluster } from '../fixtures';

describe('KafkaScramUser', () => {
  test('creates a SCRAM credential from a sensitive variable and exposes its principal for grants', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      const user = new KafkaScramUser(stack, 'analytics', { platform: kafka, username: 'analytics', password: SecretValue.fromVariable('analytics_password') });
      new KafkaTopic(stack, 't', { platform: kafka, name: 'orders' }).grantConsume(user, { group: 'g' });
    });
    expect(resources(json, 'kafka_user_scram_credential')).toEqual([
      expect.objectContaining({ username: 'analytics', scram_mechanism: 'SCRAM-SHA-512', scram_iterations: 8192, password: '${var.analytics_password}' }),
    ]);
    expect(json.variable!.analytics_password.sensitive).toBe(true);
    expect(aclSet(json)).toContain('Allow User:analytics Read Topic:Literal:orders');
  });

  test('rejects too few iterations and bad names', () => {
    const found = problems((stack) => {
      new KafkaScramUser(stack, 'u', { platform: kafkaCluster(stack), username: 'bad name', password: SecretValue.fromVariable('x'), iterations: 1000 });
    });
    expect(found).toEqual([
      '[test/u] username: "bad name" is not valid; allowed: 1-255 letters, digits, \'.\', \'_\', \'-\' or \'@\'',
      '[test/u] iterations: 1000 is not valid; allowed: an integer from 4096 to 16384',
    ]);
  });
});

describe('KafkaQuota', () => {
  test('renders limits with Kafka quota names', () => {
    const json = synth((stack) => {
      new KafkaQuota(stack, 'q', { cluster: kafkaCluster(stack), entityType: 'user', entityName: 'analytics', producerByteRate: 1048576, consumerByteRate: 2097152 });
    });
    expect(resources(json, 'kafka_quota')).toEqual([
      expect.objectContaining({ entity_type: 'user', entity_name: 'analytics', config: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 } }),
    ]);
  });

  test('needs at least one limit; connection rate only for ip', () => {
    const found = problems((stack) => {
      const cluster = kafkaCluster(stack);
      new KafkaQuota(stack, 'none', { cluster, entityType: 'user' });
      new KafkaQuota(stack, 'conn', { cluster, entityType: 'user', connectionCreationRate: 10 });
    });
    expect(found).toEqual([
      '[test/none] producerByteRate/consumerByteRate/requestPercentage: undefined is not valid; allowed: at least one limit',
      "[test/conn] connectionCreationRate: 10 is not valid; allowed: only with entityType 'ip'",
    ]);
  });
});

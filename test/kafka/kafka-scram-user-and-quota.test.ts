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
      expect.objectContaining({ username: 'analytics', scram_mechanism: 'SCRAM-SHA-512', scram_iterations: 8192, password_wo: '${var.analytics_password}' }),
    ]);
    expect(json.variable!.analytics_password.sensitive).toBe(true);
    expect(aclSet(json)).toContain('Allow User:analytics Read Topic:Literal:orders');
  });

  test('audit #31: the password is write-only (password_wo, in neither plan nor state), set again when its version changes; never the deprecated password', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      new KafkaScramUser(stack, 'a', { platform: kafka, username: 'a', password: SecretValue.fromVariable('a_password') });
      new KafkaScramUser(stack, 'b', { platform: kafka, username: 'b', password: SecretValue.fromSecretManager('b-kafka-password', '3') });
      new KafkaScramUser(stack, 'c', {
        platform: kafka,
        username: 'c',
        password: SecretValue.fromSecretManager('c-kafka-password'),
        passwordVersion: '2026-12',
      });
    });
    const users = resources(json, 'kafka_user_scram_credential');
    expect(users.map((u) => [u.username, u.password_wo_version])).toEqual([
      ['a', '1'],
      ['b', '3'],
      ['c', '2026-12'],
    ]);
    expect(users[0].password_wo).toBe('${var.a_password}');
    expect(users[1].password_wo).toMatch(/^\$\{data\.google_secret_manager_secret_version\.[^}]+\.secret_data\}$/);
    for (const u of users) expect(u.password).toBeUndefined();
    // The provider (Mongey/kafka 0.13.1) marks password_wo write-only: Terraform 1.11+ keeps it out of plan and state.
    const schema = require('../fixtures/provider-schemas/kafka.json').provider_schemas['registry.terraform.io/mongey/kafka'].resource_schemas
      .kafka_user_scram_credential.block.attributes;
    expect(schema.password_wo).toMatchObject({ sensitive: true, write_only: true });
    expect(schema.password.description).toMatch(/deprecated, use password_wo/);
  });

  test('rejects too few iterations and bad names', () => {
    const found = problems((stack) => {
      new KafkaScramUser(stack, 'u', { platform: kafkaCluster(stack), username: 'bad name', password: SecretValue.fromVariable('x'), iterations: 1000 });
    });
    expect(found).toEqual([
      "[test/u] username: \"bad name\" is not valid; allowed: 1-255 letters, digits, '.', '_', '-' or '@'",
      '[test/u] iterations: 1000 is not valid; allowed: an integer from 4096 to 16384',
    ]);
  });
});

describe('KafkaQuota', () => {
  test('renders limits with Kafka quota names', () => {
    const json = synth((stack) => {
      new KafkaQuota(stack, 'q', {
        cluster: kafkaCluster(stack),
        entityType: 'user',
        entityName: 'analytics',
        producerByteRate: 1048576,
        consumerByteRate: 2097152,
      });
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

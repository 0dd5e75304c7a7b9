import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { problems, synth } from '../helpers';
import { kafkaCluster } from '../fixtures';

describe('KafkaCluster', () => {
  test('configures the Mongey/kafka provider with SASL from a sensitive variable and TLS on by default', () => {
    const json = synth((stack) => kafkaCluster(stack));
    expect(json.provider!.kafka).toEqual([
      {
        bootstrap_servers: ['b1:9093', 'b2:9093', 'b3:9093'],
        kafka_version: '3.9.0',
        tls_enabled: true,
        sasl_mechanism: 'scram-sha512', // the provider's spelling; it refuses 'scram-sha-512'
        sasl_username: 'terraform',
        sasl_password: '${var.kafka_password}',
      },
    ]);
    expect(json.variable!.kafka_password).toMatchObject({ sensitive: true, type: 'string' });
    expect(json.terraform.required_providers.kafka).toEqual({ source: 'mongey/kafka', version: '0.13.1' });
  });

  test('documented defaults are the real defaults', () => {
    let cluster!: KafkaCluster;
    synth((stack) => {
      cluster = new KafkaCluster(stack, 'k', { bootstrapServers: ['a:9092'], kafkaVersion: '3.9.0' });
    });
    expect(cluster.tlsEnabled).toBe(true);
    expect(cluster.brokerCount).toBe(3);
    expect(cluster.defaultReplicationFactor).toBe(3);
    expect(cluster.defaultPartitions).toBe(6);
    expect(cluster.saslMechanism).toBeUndefined();
  });

  test('default replication factor follows a small broker count', () => {
    let cluster!: KafkaCluster;
    synth((stack) => {
      cluster = new KafkaCluster(stack, 'k', { bootstrapServers: ['a:9092'], kafkaVersion: '3.9.0', brokerCount: 1 });
    });
    expect(cluster.defaultReplicationFactor).toBe(1);
  });

  test('reports every bad prop at once, with path, property, value and what is allowed', () => {
    const found = problems((stack) => {
      new KafkaCluster(stack, 'bad', {
        bootstrapServers: ['no-port'],
        kafkaVersion: 'latest',
        brokerCount: 0,
        tlsEnabled: false,
        sasl: { mechanism: 'plain', username: 'u', password: SecretValue.fromVariable('p') },
      });
    });
    expect(found).toEqual(
      expect.arrayContaining([
        '[test/bad] bootstrapServers[0]: "no-port" is not valid; allowed: host:port, e.g. broker-1.internal:9092',
        '[test/bad] kafkaVersion: "latest" is not valid; allowed: MAJOR.MINOR.PATCH of the brokers, e.g. 3.9.0',
        '[test/bad] brokerCount: 0 is not valid; allowed: an integer >= 1',
        expect.stringContaining('[test/bad] sasl.mechanism: "plain" is not valid; allowed: scram-sha-512 or scram-sha-256 when tlsEnabled is false'),
      ]),
    );
    expect(found.length).toBeGreaterThanOrEqual(4);
  });
});

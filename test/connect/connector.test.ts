import { SecretValue } from '../../constructs/core/secret-value';
import { Connector } from '../../constructs/connect/connector';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

describe('KafkaConnectCluster', () => {
  test('configures the kafka-connect provider; basic auth password from a variable', () => {
    const json = synth((stack) => {
      new KafkaConnectCluster(stack, 'c', {
        url: 'https://connect:8083',
        kafka: kafkaCluster(stack),
        kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('cp') },
        basicAuthUsername: 'admin',
        basicAuthPassword: SecretValue.fromVariable('connect_rest_password'),
      });
    });
    expect(json.provider!['kafka-connect']).toEqual([{ url: 'https://connect:8083', basic_auth_username: 'admin', basic_auth_password: '${var.connect_rest_password}' }]);
    expect(json.terraform.required_providers['kafka-connect']).toEqual({ source: 'mongey/kafka-connect', version: '0.5.0' });
  });

  test('needs Kafka credentials when the platform uses SCRAM', () => {
    const found = problems((stack) => new KafkaConnectCluster(stack, 'c', { url: 'ftp://x', kafka: kafkaCluster(stack) }));
    expect(found).toEqual([
      '[test/c] url: "ftp://x" is not valid; allowed: an http:// or https:// URL of the Connect REST API',
      '[test/c] kafkaCredentials: undefined is not valid; allowed: SASL credentials, because the Kafka platform uses SCRAM-SHA-512',
    ]);
  });
});

describe('Connector', () => {
  test('merged config names the connector as the resource does; secrets only in config_sensitive', () => {
    const json = synth((stack) => {
      new Connector(stack, 'x', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'my-sink',
        connectorClass: 'org.example.MySink',
        tasksMax: 3,
        config: { topics: 'a,b' },
        sensitiveConfig: { 'api.key': SecretValue.fromVariable('api_key') },
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.name).toBe('my-sink');
    expect(c.config).toEqual({ name: 'my-sink', 'connector.class': 'org.example.MySink', 'tasks.max': '3', topics: 'a,b' });
    expect(c.config_sensitive).toEqual({ 'api.key': '${var.api_key}' });
  });

  test('refuses secrets in plain config, a different name, and keys set by props', () => {
    const found = problems((stack) => {
      new Connector(stack, 'x', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'bad name',
        connectorClass: 'NotQualified',
        tasksMax: 0,
        config: { name: 'other', 'database.password': 'hunter2', 'tasks.max': '2' },
      });
    });
    expect(found).toEqual([
      '[test/x] name: "bad name" is not valid; allowed: 1-249 letters, digits, \'.\', \'_\' or \'-\'',
      '[test/x] connectorClass: "NotQualified" is not valid; allowed: a fully qualified Java class name',
      '[test/x] tasksMax: 0 is not valid; allowed: an integer from 1 to 1000',
      `[test/x] config['name']: "other" is not valid; allowed: omit it or use the connector name "bad name": Connect requires them equal`,
      "[test/x] config['tasks.max']: \"2\" is not valid; allowed: omit it; set tasksMax instead",
      "[test/x] config['database.password']: \"(hidden)\" is not valid; allowed: no secret in plain config: pass it in sensitiveConfig as a SecretValue",
    ]);
    expect(found.join('\n')).not.toContain('hunter2');
  });
});

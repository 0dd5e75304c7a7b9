import { SecretValue } from '../../constructs/core/secret-value';
import { Connector } from '../../constructs/connect/connector';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { DebeziumMySqlSource } from '../../constructs/connect/debezium-mysql-source';
import { aclSet, problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster, mysqlSource } from '../fixtures';

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
    expect(json.provider!['kafka-connect']).toEqual([
      { url: 'https://connect:8083', basic_auth_username: 'admin', basic_auth_password: '${var.connect_rest_password}' },
    ]);
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

describe('KafkaConnectCluster: secrets through a config provider', () => {
  const MOUNT = '/etc/kafka-connect/secrets';
  let cluster!: KafkaConnectCluster;
  let connector!: Connector;
  const json = synth((stack) => {
    const kafka = kafkaCluster(stack);
    cluster = new KafkaConnectCluster(stack, 'connect', {
      url: 'https://connect:8083',
      kafka,
      kafkaCredentials: { username: 'connect', password: SecretValue.fromSecretManager('kafka-connect-password') },
      secrets: { mountPath: MOUNT },
    });
    new DebeziumMySqlSource(stack, 'my', {
      cluster,
      database: mysqlSource(stack, { replicationPassword: SecretValue.fromSecretManager('projects/acme-data/secrets/mysql-cdc-password') }),
    });
    connector = new Connector(stack, 'x', {
      cluster,
      name: 'my-sink',
      connectorClass: 'org.example.MySink',
      config: { topics: 'a' },
      sensitiveConfig: { 'api.key': SecretValue.fromVariable('api_key') },
    });
  });

  test('audit #32: connector configs hold ${secrets:<dir>:<file>} references resolved on the workers, never a secret, so Connect stores and returns none', () => {
    // In Terraform's JSON "${…}" is an interpolation: the reference is written "$${…}", and Terraform sends "${…}" to Connect.
    const source = resources(json, 'kafka-connect_connector').find((c) => c.name === 'legacy-mysql-source');
    expect(source.config['database.password']).toBe(`$\${secrets:${MOUNT}:mysql-cdc-password}`);
    expect(source.config['schema.history.internal.producer.sasl.jaas.config']).toBe(
      `org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="$\${secrets:${MOUNT}:kafka-connect-password}";`,
    );
    expect(source.config['schema.history.internal.consumer.sasl.jaas.config']).toBe(source.config['schema.history.internal.producer.sasl.jaas.config']);
    const sink = resources(json, 'kafka-connect_connector').find((c) => c.name === 'my-sink');
    expect(sink.config['api.key']).toBe(`$\${secrets:${MOUNT}:api_key}`);
    // Nothing secret reaches Connect (its config topic, GET /connectors/<name>/config): no Terraform secret at all in any connector.
    for (const c of resources(json, 'kafka-connect_connector')) {
      expect(c.config_sensitive).toBeUndefined();
      expect(JSON.stringify(c)).not.toMatch(/\$\{(var\.|data\.google_secret_manager_secret_version)/);
    }
    expect(json.data?.google_secret_manager_secret_version).toBeUndefined();
    expect(json.variable?.api_key).toBeUndefined();
    // What Connect receives: the unescaped reference.
    expect(connector.config['api.key']).toBe(`\${secrets:${MOUNT}:api_key}`);
    // The files the workers' secrets directory must hold, and what each carries.
    expect(Object.fromEntries(Object.entries(cluster.secretFiles).map(([f, v]) => [f, v.description]))).toEqual({
      api_key: 'sensitive variable var.api_key',
      'kafka-connect-password': 'Secret Manager kafka-connect-password version latest',
      'mysql-cdc-password': 'Secret Manager projects/acme-data/secrets/mysql-cdc-password version latest',
    });
  });

  test("audit #32: the worker properties declare Kafka's DirectoryConfigProvider on the mount path; the workers' own password is a reference too", () => {
    expect(cluster.workerProperties).toEqual({
      'bootstrap.servers': 'b1:9093,b2:9093,b3:9093',
      'config.providers': 'secrets',
      'config.providers.secrets.class': 'org.apache.kafka.common.config.provider.DirectoryConfigProvider',
      'config.providers.secrets.param.allowed.paths': MOUNT,
      ...Object.fromEntries(
        ['', 'producer.', 'consumer.', 'admin.'].flatMap((p) => [
          [`${p}security.protocol`, 'SASL_SSL'],
          [`${p}sasl.mechanism`, 'SCRAM-SHA-512'],
          [
            `${p}sasl.jaas.config`,
            `org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="\${secrets:${MOUNT}:kafka-connect-password}";`,
          ],
        ]),
      ),
    });
  });

  test('a secret whose file name the provider cannot read, two secrets in one file, and a relative mount path are refused', () => {
    const found = problems((stack) => {
      const c = new KafkaConnectCluster(stack, 'c', {
        url: 'https://connect:8083',
        kafka: kafkaCluster(stack, { sasl: undefined }),
        secrets: { mountPath: 'secrets' },
      });
      new Connector(stack, 'x', {
        cluster: c,
        name: 'n',
        connectorClass: 'org.example.Sink',
        sensitiveConfig: { 'api.key': SecretValue.fromSecretManager('projects/p/secrets/key:v1') },
      });
      new Connector(stack, 'y', {
        cluster: c,
        name: 'm',
        connectorClass: 'org.example.Sink',
        sensitiveConfig: {
          'a.password': SecretValue.fromSecretManager('projects/p/secrets/pw'),
          'b.password': SecretValue.fromSecretManager('projects/q/secrets/pw'),
        },
      });
    });
    expect(found).toEqual([
      `[test/c] secrets.mountPath: "secrets" is not valid; allowed: an absolute path of letters, digits, '.', '_', '-' and '/'`,
      `[test/c] secrets: "Secret Manager projects/p/secrets/key:v1 version latest" is not valid; allowed: a secret whose file name is letters, digits, '.', '_' and '-'`,
      `[test/c] secrets: "Secret Manager projects/p/secrets/pw version latest / Secret Manager projects/q/secrets/pw version latest" is not valid; allowed: one secret per file name: two secrets would be read from the same file`,
    ]);
  });
});

describe("KafkaConnectCluster: the workers' own group and internal topics", () => {
  test('audit #23: compacted config/offset/status topics, and the worker principal gets Read, Write, Describe and DescribeConfigs on them and Read on its group, before any connector', () => {
    let cluster!: KafkaConnectCluster;
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      cluster = new KafkaConnectCluster(stack, 'connect', {
        url: 'https://connect:8083',
        kafka,
        workerPrincipal: 'User:payments-connect',
        kafkaCredentials: { username: 'payments-connect', password: SecretValue.fromVariable('cp') },
        worker: {
          groupId: '__connect.payments',
          configStorageTopic: '__connect.payments.configs',
          offsetStorageTopic: '__connect.payments.offsets',
          statusStorageTopic: '__connect.payments.status',
        },
      });
      new Connector(stack, 'x', { cluster, name: 'n', connectorClass: 'org.example.Sink' });
    });
    expect(resources(json, 'kafka_topic').map((t) => `${t.name} ${t.partitions}×${t.replication_factor} ${JSON.stringify(t.config)}`)).toEqual([
      '__connect.payments.configs 1×3 {"cleanup.policy":"compact"}',
      '__connect.payments.offsets 25×3 {"cleanup.policy":"compact"}',
      '__connect.payments.status 5×3 {"cleanup.policy":"compact"}',
    ]);
    expect(aclSet(json)).toEqual([
      'Allow User:payments-connect Describe Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect Describe Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect Describe Topic:Literal:__connect.payments.status',
      'Allow User:payments-connect DescribeConfigs Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect DescribeConfigs Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect DescribeConfigs Topic:Literal:__connect.payments.status',
      'Allow User:payments-connect Read Group:Literal:__connect.payments',
      'Allow User:payments-connect Read Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect Read Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect Read Topic:Literal:__connect.payments.status',
      'Allow User:payments-connect Write Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect Write Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect Write Topic:Literal:__connect.payments.status',
    ]);
    expect(cluster.workerProperties).toMatchObject({
      'group.id': '__connect.payments',
      'config.storage.topic': '__connect.payments.configs',
      'config.storage.replication.factor': '3',
      'offset.storage.topic': '__connect.payments.offsets',
      'offset.storage.partitions': '25',
      'offset.storage.replication.factor': '3',
      'status.storage.topic': '__connect.payments.status',
      'status.storage.partitions': '5',
      'status.storage.replication.factor': '3',
      // Without a config provider the password is named, not given.
      'sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="payments-connect" password="<sensitive variable var.cp>";',
    });
    const [connector] = resources(json, 'kafka-connect_connector');
    // 3 topics, and 13 ACLs: Write, Describe, Read and DescribeConfigs on each topic, Read on the group.
    expect(connector.depends_on).toHaveLength(3 + 13);
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
      "[test/x] name: \"bad name\" is not valid; allowed: 1-249 letters, digits, '.', '_' or '-'",
      '[test/x] connectorClass: "NotQualified" is not valid; allowed: a fully qualified Java class name',
      '[test/x] tasksMax: 0 is not valid; allowed: an integer from 1 to 1000',
      `[test/x] config['name']: "other" is not valid; allowed: omit it or use the connector name "bad name": Connect requires them equal`,
      '[test/x] config[\'tasks.max\']: "2" is not valid; allowed: omit it; set tasksMax instead',
      '[test/x] config[\'database.password\']: "(hidden)" is not valid; allowed: no secret in plain config: pass it in sensitiveConfig as a SecretValue',
    ]);
    expect(found.join('\n')).not.toContain('hunter2');
  });
});

describe('KafkaConnectCluster on Google Managed Kafka (audit #24)', () => {
  const managed = (stack: any) => {
    const { GoogleManagedKafkaCluster } = require('../../constructs/kafka/google-managed-kafka-cluster');
    return new GoogleManagedKafkaCluster(stack, 'mk', {
      project: 'acme-data',
      region: 'us-central1',
      clusterId: 'events',
      subnets: ['projects/acme-data/regions/us-central1/subnetworks/default'],
    });
  };

  test("audit #24: the workers' Google account gets roles/managedkafka.client on the cluster's project, which every Managed Kafka connection needs", () => {
    const json = synth(
      (stack) =>
        new KafkaConnectCluster(stack, 'connect', {
          url: 'https://connect:8083',
          kafka: managed(stack),
          workerPrincipal: 'User:connect@acme-data.iam.gserviceaccount.com',
          googleServiceAccount: 'connect@acme-data.iam.gserviceaccount.com',
        }),
    );
    expect(resources(json, 'google_project_iam_member')).toEqual([
      expect.objectContaining({
        role: 'roles/managedkafka.client',
        member: 'serviceAccount:connect@acme-data.iam.gserviceaccount.com',
        project: expect.stringMatching(/^\$\{google_managed_kafka_cluster\.mk_cluster_[0-9A-F]+\.project\}$/),
      }),
    ]);
  });

  test('audit #24: without a Google account the workers cannot connect to Managed Kafka: a synth error', () => {
    expect(problems((stack) => new KafkaConnectCluster(stack, 'connect', { url: 'https://connect:8083', kafka: managed(stack) }))).toEqual([
      "[test/connect] googleServiceAccount: undefined is not valid; allowed: the email of the workers' Google service account: Google Managed Kafka accepts only clients authenticated as a Google principal with roles/managedkafka.client",
    ]);
  });
});

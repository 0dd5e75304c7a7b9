import { SecretValue } from '../../constructs/core/secret-value';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { CdcWorkerService } from '../../constructs/runtime/cdc-worker-service';
import { GoogleManagedKafkaCluster } from '../../constructs/kafka/google-managed-kafka-cluster';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { loadConfig } from '../../lib/cdc-worker/config';
import { aclSet, problems, resources, synth } from '../helpers';
import { kafkaCluster } from '../fixtures';

const db = (stack: any, password = SecretValue.fromSecretManager('shop-cdc-password')) =>
  new ExternalSourceDatabase(stack, 'shop', {
    logicalName: 'shop',
    engine: 'postgres',
    host: '10.0.0.5',
    databaseName: 'shop',
    replicationPassword: password,
    tables: [
      { name: 'orders', primaryKey: ['id'] },
      { name: 'billing.invoices', primaryKey: ['id'] },
    ],
  });

describe('CdcWorkerService', () => {
  const build = (stack: any, extra: object = {}) =>
    new CdcWorkerService(stack, 'cdc', {
      project: 'acme-data',
      region: 'us-central1',
      image: 'us-docker.pkg.dev/acme-data/cdc/cdc-worker:0.1.0',
      database: db(stack),
      kafka: kafkaCluster(stack),
      kafkaIdentity: { username: 'cdc-shop', password: SecretValue.fromSecretManager('kafka-cdc-shop-password') },
      network: { network: 'projects/acme-data/global/networks/data', subnetwork: 'projects/acme-data/regions/us-central1/subnetworks/data' },
      ...extra,
    });

  test('runs one always-on instance with CPU always allocated and secrets from Secret Manager', () => {
    const json = synth((stack) => build(stack));
    const [svc] = resources(json, 'google_cloud_run_v2_service');
    expect(svc).toMatchObject({ name: 'cdc-shop', location: 'us-central1', ingress: 'INGRESS_TRAFFIC_INTERNAL_ONLY' });
    expect(svc.template.scaling).toEqual({ min_instance_count: 1, max_instance_count: 1 });
    const [container] = svc.template.containers;
    expect(container.image).toBe('us-docker.pkg.dev/acme-data/cdc/cdc-worker:0.1.0');
    expect(container.resources).toEqual({ cpu_idle: false, startup_cpu_boost: true, limits: { cpu: '1', memory: '512Mi' } });
    expect(container.liveness_probe.http_get.path).toBe('/healthz');
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.value_source]));
    expect(env.CDC_SOURCE__PASSWORD).toEqual({ secret_key_ref: { secret: 'shop-cdc-password', version: 'latest' } });
    expect(env.CDC_KAFKA__SASL__PASSWORD).toEqual({ secret_key_ref: { secret: 'kafka-cdc-shop-password', version: 'latest' } });
    expect(svc.template.service_account).toMatch(/^\$\{google_service_account\.cdc_account_[0-9A-F]+\.email\}$/);
    expect(svc.template.vpc_access.network_interfaces).toEqual([
      { network: 'projects/acme-data/global/networks/data', subnetwork: 'projects/acme-data/regions/us-central1/subnetworks/data' },
    ]);
    const access = resources(json, 'google_secret_manager_secret_iam_member')
      .map((m) => `${m.secret_id} ${m.role}`)
      .sort();
    expect(access).toEqual(['kafka-cdc-shop-password roles/secretmanager.secretAccessor', 'shop-cdc-password roles/secretmanager.secretAccessor']);
  });

  test('the worker accepts the configuration the construct writes, once the secrets are in its environment', () => {
    const json = synth((stack) => build(stack));
    const [svc] = resources(json, 'google_cloud_run_v2_service');
    const configJson = svc.template.containers[0].env.find((e: any) => e.name === 'CDC_CONFIG_JSON').value;
    expect(configJson).not.toMatch(/password"\s*:/);
    const config = loadConfig(undefined, { CDC_CONFIG_JSON: configJson, CDC_SOURCE__PASSWORD: 'from-secret', CDC_KAFKA__SASL__PASSWORD: 'from-secret-too' });
    expect(config.source).toMatchObject({ host: '10.0.0.5', database: 'shop', tables: ['public.orders', 'billing.invoices'], slotName: 'shop_cdc_worker' });
    expect(config.kafka).toMatchObject({ brokers: ['b1:9093', 'b2:9093', 'b3:9093'], ssl: true });
    expect(config.output.topicPrefix).toBe('shop');
  });

  test('creates the topics and exactly the ACLs the worker needs', () => {
    const json = synth((stack) => build(stack, { deliveryMode: 'exactly-once' }));
    expect(
      resources(json, 'kafka_topic')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['__debezium-heartbeat.shop', 'shop.billing.invoices', 'shop.cdc-worker.offsets', 'shop.public.orders']);
    expect(aclSet(json)).toEqual([
      'Allow User:cdc-shop Describe Topic:Literal:__debezium-heartbeat.shop',
      'Allow User:cdc-shop Describe Topic:Literal:shop.cdc-worker.offsets',
      'Allow User:cdc-shop Describe Topic:Prefixed:shop.',
      'Allow User:cdc-shop Describe TransactionalID:Literal:cdc-worker-shop_cdc_worker',
      'Allow User:cdc-shop Read Group:Prefixed:cdc-worker-shop_cdc_worker-offsets-',
      'Allow User:cdc-shop Read Topic:Literal:shop.cdc-worker.offsets',
      'Allow User:cdc-shop Write Topic:Literal:__debezium-heartbeat.shop',
      'Allow User:cdc-shop Write Topic:Prefixed:shop.',
      'Allow User:cdc-shop Write TransactionalID:Literal:cdc-worker-shop_cdc_worker',
    ]);
  });

  test('a MariaDB source: binlog settings in the worker config, offsets topic and its reader ACLs', () => {
    let svc!: CdcWorkerService;
    const json = synth((stack) => {
      const maria = new ExternalSourceDatabase(stack, 'legacy', {
        logicalName: 'legacy',
        engine: 'mariadb',
        host: '10.0.0.9',
        databaseName: 'app',
        replicationPassword: SecretValue.fromSecretManager('legacy-cdc-password'),
        tables: [{ name: 'users', primaryKey: ['id'] }],
      });
      svc = new CdcWorkerService(stack, 'cdc', {
        project: 'acme-data',
        region: 'us-central1',
        image: 'img:1',
        database: maria,
        kafka: kafkaCluster(stack),
        serverId: 4242,
        kafkaIdentity: { username: 'cdc-legacy', password: SecretValue.fromSecretManager('kafka-cdc-legacy-password') },
      });
    });
    const config = loadConfig(undefined, { CDC_CONFIG_JSON: JSON.stringify(svc.workerConfig), CDC_SOURCE__PASSWORD: 'x', CDC_KAFKA__SASL__PASSWORD: 'y' });
    expect(config.source).toMatchObject({ engine: 'mariadb', serverId: 4242, port: 3306, tables: ['app.users'] });
    expect(
      resources(json, 'kafka_topic')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['__debezium-heartbeat.legacy', 'legacy.app.users', 'legacy.cdc-worker.offsets']);
    expect(aclSet(json)).toEqual(
      expect.arrayContaining([
        'Allow User:cdc-legacy Read Group:Prefixed:cdc-worker-offsets-',
        'Allow User:cdc-legacy Read Topic:Literal:legacy.cdc-worker.offsets',
        'Allow User:cdc-legacy Write Topic:Prefixed:legacy.',
      ]),
    );
  });

  test('detection: the policy reaches the worker, the hash key comes from Secret Manager, the quarantine topic and its ACLs exist', () => {
    let svc!: CdcWorkerService;
    const json = synth((stack) => {
      svc = build(stack, {
        detection: {
          minLikelihood: 'LIKELY',
          policy: { infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } }, quarantineTopic: 'quarantine.shop' },
        },
        detectionHashKey: SecretValue.fromSecretManager('cdc-hash-key'),
      });
    });
    const [service] = resources(json, 'google_cloud_run_v2_service');
    const env = Object.fromEntries(service.template.containers[0].env.map((e: any) => [e.name, e.value ?? e.value_source]));
    expect(env.CDC_DETECTION__HASH_KEY).toEqual({ secret_key_ref: { secret: 'cdc-hash-key', version: 'latest' } });
    const config = loadConfig(undefined, {
      CDC_CONFIG_JSON: env.CDC_CONFIG_JSON,
      CDC_SOURCE__PASSWORD: 'a',
      CDC_KAFKA__SASL__PASSWORD: 'b',
      CDC_DETECTION__HASH_KEY: 'a-key-of-32-bytes-from-the-secret',
    });
    expect(config.detection).toMatchObject({ minLikelihood: 'LIKELY', policy: { quarantineTopic: 'quarantine.shop' } });
    expect(svc.workerConfig.detection).not.toHaveProperty('hashKey');
    expect(resources(json, 'kafka_topic').map((t) => t.name)).toContain('quarantine.shop');
    expect(aclSet(json)).toEqual(
      expect.arrayContaining(['Allow User:cdc-shop Write Topic:Literal:quarantine.shop', 'Allow User:cdc-shop Describe Topic:Literal:quarantine.shop']),
    );
  });

  test('a hashing policy without a Secret Manager key is refused', () => {
    const found = problems((stack) => build(stack, { detection: { policy: { infoTypes: { EMAIL_ADDRESS: { action: 'hash' } } } } }));
    expect(found).toEqual(["[test/cdc] detectionHashKey: undefined is not valid; allowed: SecretValue.fromSecretManager(...): the policy has 'hash' actions"]);
  });

  test('refuses passwords Cloud Run cannot read and tables the database does not have', () => {
    const found = problems(
      (stack) =>
        new CdcWorkerService(stack, 'cdc', {
          project: 'acme-data',
          region: 'us-central1',
          image: 'img:1',
          database: db(stack, SecretValue.fromVariable('pw')),
          kafka: kafkaCluster(stack),
          tables: ['nope'],
        }),
    );
    expect(found).toEqual([
      '[test/cdc] database.replicationPassword: "sensitive variable var.pw" is not valid; allowed: SecretValue.fromSecretManager(...): Cloud Run reads secrets from Secret Manager',
      '[test/cdc] kafkaIdentity: undefined is not valid; allowed: a SASL identity, because the Kafka platform uses SCRAM-SHA-512',
      '[test/cdc] tables[0]: "public.nope" is not valid; allowed: a table of database shop: public.orders, billing.invoices',
    ]);
  });

  test('audit #24: on Google Managed Kafka (OAUTHBEARER or PLAIN with a Google principal only) the worker, which speaks SCRAM or nothing, is refused at synth', () => {
    const found = problems((stack) => {
      const kafka = new GoogleManagedKafkaCluster(stack, 'mk', {
        project: 'acme-data',
        region: 'us-central1',
        clusterId: 'events',
        subnets: ['projects/acme-data/regions/us-central1/subnetworks/default'],
      });
      new CdcWorkerService(stack, 'cdc', { project: 'acme-data', region: 'us-central1', image: 'img:1', database: db(stack), kafka });
    });
    expect(found).toEqual([
      '[test/cdc] kafka: "test/mk" is not valid; allowed: a self-managed KafkaCluster: the worker authenticates with SASL/SCRAM or not at all, and Google Managed Kafka accepts only OAUTHBEARER or PLAIN with a Google principal (roles/managedkafka.client)',
    ]);
  });

  test('audit #26: the Cloud Run service is created after its account can read its secrets', () => {
    const json = synth((stack) => build(stack));
    const [service] = resources(json, 'google_cloud_run_v2_service');
    expect([...service.depends_on].sort()).toEqual([
      expect.stringMatching(/^google_secret_manager_secret_iam_member\.cdc_secret-access-database_[0-9A-F]+$/),
      expect.stringMatching(/^google_secret_manager_secret_iam_member\.cdc_secret-access-kafka_[0-9A-F]+$/),
    ]);
  });

  test("issue 17: the worker's topics are KafkaTopics with RealtimePipeline's defaults, exposed so others can grantConsume on them", () => {
    let svc!: CdcWorkerService;
    const json = synth((stack) => {
      svc = build(stack, { deliveryMode: 'exactly-once' });
      svc.topics['public.orders'].grantConsume('User:analytics', { group: 'analytics' });
      svc.heartbeatTopic!.grantConsume('User:monitor', { group: 'monitor' });
    });
    expect(Object.keys(svc.topics).sort()).toEqual(['billing.invoices', 'public.orders']);
    expect(svc.topics['public.orders']).toBeInstanceOf(KafkaTopic);
    expect(svc.offsetsTopic!.name).toBe('shop.cdc-worker.offsets');
    const topics = Object.fromEntries(resources(json, 'kafka_topic').map((t) => [t.name, t]));
    expect(topics['shop.public.orders']).toMatchObject({ replication_factor: 3, config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '2' } });
    expect(topics['shop.cdc-worker.offsets']).toMatchObject({
      partitions: 1,
      replication_factor: 3,
      config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '2' },
    });
    expect(topics['__debezium-heartbeat.shop']).toMatchObject({ partitions: 1, config: { 'cleanup.policy': 'delete', 'min.insync.replicas': '2' } });
    expect(aclSet(json)).toEqual(
      expect.arrayContaining([
        'Allow User:analytics Read Topic:Literal:shop.public.orders',
        'Allow User:analytics Read Group:Literal:analytics',
        'Allow User:monitor Read Topic:Literal:__debezium-heartbeat.shop',
      ]),
    );
  });
});

describe('CdcWorkerService signals and heartbeat action query (issue 19)', () => {
  const build = (stack: any, extra: object = {}, database?: any) =>
    new CdcWorkerService(stack, 'cdc', {
      project: 'acme-data',
      region: 'us-central1',
      image: 'us-docker.pkg.dev/acme-data/cdc/cdc-worker:0.1.0',
      database: database ?? db(stack),
      kafka: kafkaCluster(stack),
      kafkaIdentity: { username: 'cdc-shop', password: SecretValue.fromSecretManager('kafka-cdc-shop-password') },
      ...extra,
    });
  const workerConfig = (json: any) => {
    const [svc] = resources(json, 'google_cloud_run_v2_service');
    const configJson = svc.template.containers[0].env.find((e: any) => e.name === 'CDC_CONFIG_JSON').value;
    return loadConfig(undefined, { CDC_CONFIG_JSON: configJson, CDC_SOURCE__PASSWORD: 'x', CDC_KAFKA__SASL__PASSWORD: 'y' });
  };

  test('signals: the worker config names the table and topic, the topic is created, the worker may read it with its signal group', () => {
    let svc!: CdcWorkerService;
    const json = synth((stack) => {
      svc = build(stack, { signals: {}, heartbeatActionQuery: "SELECT pg_logical_emit_message(false, 'heartbeat', now()::text)" });
    });
    const config = workerConfig(json);
    expect(config.signal).toEqual({ table: 'public.debezium_signal', kafkaTopic: 'shop-signal', chunkSize: 1024 });
    expect(config.output.heartbeatActionQuery).toBe("SELECT pg_logical_emit_message(false, 'heartbeat', now()::text)");
    const topic = resources(json, 'kafka_topic').find((t) => t.name === 'shop-signal');
    expect(topic).toMatchObject({ partitions: 1, config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' } });
    const acls = aclSet(json);
    expect(acls.filter((a) => a.includes('shop-signal') || a.includes('-signals'))).toEqual([
      'Allow User:cdc-shop Describe Topic:Literal:shop-signal',
      'Allow User:cdc-shop Read Group:Literal:cdc-worker-shop_cdc_worker-signals',
      'Allow User:cdc-shop Read Topic:Literal:shop-signal',
    ]);
    expect(acls.some((a) => /Write Topic:Literal:shop-signal/.test(a))).toBe(false);
    expect(svc.signalSetupSql).toBe(
      [
        "-- Signal table of the CDC worker (Debezium's signal.data.collection): run once as the owner of schema public.",
        'CREATE TABLE IF NOT EXISTS "public"."debezium_signal" (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048));',
        "-- The worker reads signals from it and writes the incremental snapshots' watermarks into it.",
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."debezium_signal" TO "cdc";',
        "-- Unless the worker's user added it itself (it tries at start; the publication is the worker's):",
        'ALTER PUBLICATION "shop_cdc_worker_pub" ADD TABLE "public"."debezium_signal";',
      ].join('\n'),
    );
  });

  test('signals from the table only: no topic, no ACL; without signals nothing of them', () => {
    const json = synth((stack) => build(stack, { signals: { table: 'billing.signals', kafkaTopic: false } }));
    expect(workerConfig(json).signal).toEqual({ table: 'billing.signals', chunkSize: 1024 });
    expect(resources(json, 'kafka_topic').map((t) => t.name)).not.toContain('shop-signal');
    expect(aclSet(json).filter((a) => /signal/.test(a))).toEqual([]);
    const plain = synth((stack) => build(stack));
    expect(workerConfig(plain).signal).toBeUndefined();
    expect(workerConfig(plain).output.heartbeatActionQuery).toBe('');
  });

  test('signals on a MariaDB source: the signal table in the captured database, MySQL SQL, the topic and the group the binlog worker reads with', () => {
    let svc!: CdcWorkerService;
    const json = synth((stack) => {
      const maria = new ExternalSourceDatabase(stack, 'legacy', {
        logicalName: 'legacy',
        engine: 'mariadb',
        host: '10.0.0.9',
        databaseName: 'app',
        replicationPassword: SecretValue.fromSecretManager('legacy-cdc-password'),
        tables: [{ name: 'users', primaryKey: ['id'] }],
      });
      svc = build(stack, { signals: {}, serverId: 4242 }, maria);
    });
    const config = workerConfig(json);
    expect(config.signal).toEqual({ table: 'app.debezium_signal', kafkaTopic: 'legacy-signal', chunkSize: 1024 });
    // The group the worker's signal channel joins (`<delivery.transactionalId>-signals`) is the one granted.
    expect(aclSet(json).filter((a) => a.includes('legacy-signal') || a.includes('-signals'))).toEqual([
      'Allow User:cdc-shop Describe Topic:Literal:legacy-signal',
      `Allow User:cdc-shop Read Group:Literal:${config.delivery.transactionalId}-signals`,
      'Allow User:cdc-shop Read Topic:Literal:legacy-signal',
    ]);
    expect(config.delivery.transactionalId).toBe('cdc-worker-legacy');
    expect(svc.signalSetupSql).toBe(
      [
        "-- Signal table of the CDC worker (Debezium's signal.data.collection): run once by a user who may create tables in database app.",
        'CREATE TABLE IF NOT EXISTS `app`.`debezium_signal` (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048));',
        "-- The worker reads signals from it and writes the incremental snapshots' watermarks into it.",
        "GRANT SELECT, INSERT, DELETE ON `app`.`debezium_signal` TO 'cdc'@'%';",
      ].join('\n'),
    );
  });

  test('bad signal and heartbeat settings are refused, naming the prop', () => {
    const found = problems((stack) =>
      build(stack, { signals: { table: 'billing.invoices', kafkaTopic: 'bad topic' }, heartbeatIntervalMs: 0, heartbeatActionQuery: 'SELECT 1' }),
    );
    expect(found).toEqual([
      '[test/cdc] heartbeatActionQuery: "SELECT 1" is not valid; allowed: a SQL statement, for a postgres database with heartbeatIntervalMs > 0 (it runs at each heartbeat)',
      '[test/cdc] signals.table: "billing.invoices" is not valid; allowed: a table that is not captured: its rows are signals, not events',
      "[test/cdc] signals.kafkaTopic: \"bad topic\" is not valid; allowed: letters, digits, '.', '_' and '-', at most 249 characters",
      "[test/cdc/signal-topic] name: \"bad topic\" is not valid; allowed: letters, digits, '.', '_' and '-'",
    ]);
  });
});

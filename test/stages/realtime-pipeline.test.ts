import { SecretValue } from '../../constructs/core/secret-value';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { serviceAccountId } from '../../constructs/bigquery/pipeline-service-account';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { aclSet, problems, resources, resourceWhere, synth } from '../helpers';
import { connectCluster, kafkaCluster, mysqlSource, postgresSource } from '../fixtures';

describe('RealtimePipeline', () => {
  const build = (stack: any) => {
    const kafka = kafkaCluster(stack);
    return new RealtimePipeline(stack, 'rt', {
      kafka,
      connect: connectCluster(stack, kafka),
      sources: [postgresSource(stack), mysqlSource(stack)],
      warehouse: { project: 'acme-data' },
    });
  };

  test('derives topics for every table plus heartbeat and schema-history topics', () => {
    const json = synth((stack) => build(stack));
    const topics = Object.fromEntries(resources(json, 'kafka_topic').map((t) => [t.name, t]));
    expect(Object.keys(topics).sort()).toEqual([
      '__debezium-heartbeat.legacy',
      '__debezium-heartbeat.shop',
      'legacy.app.payments',
      'legacy.app.users',
      'schema-history.legacy',
      'shop.billing.invoices',
      'shop.public.orders',
    ]);
    expect(topics['shop.public.orders']).toMatchObject({ partitions: 6, replication_factor: 3, config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '2' } });
    expect(topics['schema-history.legacy']).toMatchObject({ partitions: 1, config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' } });
  });

  test('one source connector and one BigQuery sink per database, wired to its topics and dataset', () => {
    const json = synth((stack) => build(stack));
    const connectors = resources(json, 'kafka-connect_connector').map((c) => c.name).sort();
    expect(connectors).toEqual(['legacy-bigquery-sink', 'legacy-mysql-source', 'shop-bigquery-sink', 'shop-postgres-source']);
    const sink = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-bigquery-sink');
    expect(sink.config).toMatchObject({ topics: 'shop.public.orders,shop.billing.invoices', defaultDataset: 'shop_cdc', project: 'acme-data', upsertEnabled: 'true', deleteEnabled: 'true', kafkaKeyFieldName: 'kafka_key' });
    const datasets = resources(json, 'google_bigquery_dataset').map((d) => [d.dataset_id, d.labels]).sort();
    expect(datasets).toEqual([
      ['legacy_cdc', { stage: 'realtime', source: 'legacy' }],
      ['shop_cdc', { stage: 'realtime', source: 'shop' }],
    ]);
    const accounts = resources(json, 'google_service_account').map((a) => a.account_id).sort();
    expect(accounts).toEqual(['sink-legacy', 'sink-shop']);
    const editors = resources(json, 'google_bigquery_dataset_iam_member');
    expect(editors).toHaveLength(2);
    editors.forEach((m) => expect(m).toMatchObject({ role: 'roles/bigquery.dataEditor', member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.rt_.*_sink-account_[0-9A-F]+\.email\}$/) }));
  });

  test('connectors depend on the topics they use, so Terraform creates topics first', () => {
    const json = synth((stack) => build(stack));
    const topicAddress = Object.fromEntries(Object.entries(json.resource.kafka_topic).map(([id, t]: [string, any]) => [t.name, `kafka_topic.${id}`]));
    const source = resourceWhere(json, 'kafka-connect_connector', 'name', 'legacy-mysql-source');
    expect([...source.depends_on].sort()).toEqual(
      ['legacy.app.users', 'legacy.app.payments', '__debezium-heartbeat.legacy', 'schema-history.legacy'].map((n) => topicAddress[n]).sort(),
    );
    const sink = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-bigquery-sink');
    expect([...sink.depends_on].sort()).toEqual(['shop.public.orders', 'shop.billing.invoices'].map((n) => topicAddress[n]).sort());
  });

  test('grants the Connect principal exactly what capture and sinks need', () => {
    const json = synth((stack) => build(stack));
    expect(aclSet(json)).toEqual([
      'Allow User:connect Describe Topic:Literal:__debezium-heartbeat.legacy',
      'Allow User:connect Describe Topic:Literal:__debezium-heartbeat.shop',
      'Allow User:connect Describe Topic:Literal:schema-history.legacy',
      'Allow User:connect Describe Topic:Prefixed:legacy.',
      'Allow User:connect Describe Topic:Prefixed:shop.',
      'Allow User:connect Read Group:Literal:connect-legacy-bigquery-sink',
      'Allow User:connect Read Group:Literal:connect-shop-bigquery-sink',
      'Allow User:connect Read Group:Literal:legacy-mysql-source-schemahistory',
      'Allow User:connect Read Topic:Literal:schema-history.legacy',
      'Allow User:connect Read Topic:Prefixed:legacy.',
      'Allow User:connect Read Topic:Prefixed:shop.',
      'Allow User:connect Write Topic:Literal:__debezium-heartbeat.legacy',
      'Allow User:connect Write Topic:Literal:__debezium-heartbeat.shop',
      'Allow User:connect Write Topic:Literal:schema-history.legacy',
      'Allow User:connect Write Topic:Prefixed:legacy.',
      'Allow User:connect Write Topic:Prefixed:shop.',
    ]);
  });

  test('append-only sinks when upsert is off; overrides reach the parts', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      new RealtimePipeline(stack, 'rt', {
        kafka,
        connect: connectCluster(stack, kafka),
        sources: [postgresSource(stack)],
        warehouse: { project: 'acme-data', datasetIdFor: () => 'raw_shop' },
        topicPartitions: 24,
        sink: { upsert: false, createServiceAccount: false },
        sourceOptions: { shop: { snapshotMode: 'no_data', heartbeatIntervalMs: 0 } },
      });
    });
    const sink = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-bigquery-sink');
    expect(sink.config.upsertEnabled).toBeUndefined();
    expect(sink.config['transforms.unwrap.delete.tombstone.handling.mode']).toBe('rewrite');
    expect(sink.config.defaultDataset).toBe('raw_shop');
    expect(resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-postgres-source').config['snapshot.mode']).toBe('no_data');
    expect(resources(json, 'kafka_topic').map((t) => t.name).sort()).toEqual(['shop.billing.invoices', 'shop.public.orders']);
    expect(resources(json, 'kafka_topic').every((t) => t.partitions === 24)).toBe(true);
    expect(resources(json, 'google_service_account')).toEqual([]);
  });

  test('duplicate sources and unknown option keys are reported together', () => {
    const found = problems((stack) => {
      const kafka = kafkaCluster(stack);
      new RealtimePipeline(stack, 'rt', {
        kafka,
        connect: connectCluster(stack, kafka),
        sources: [postgresSource(stack), postgresSource(stack, { logicalName: 'shop2' }), new ExternalSourceDatabase(stack, 'dup', { logicalName: 'shop', engine: 'mysql', host: 'h', databaseName: 'd', tables: [{ name: 't', primaryKey: ['id'] }], replicationPassword: SecretValue.fromVariable('p') })],
        warehouse: { project: 'acme-data' },
        sourceOptions: { nope: {} },
      });
    });
    expect(found).toEqual(expect.arrayContaining([
      '[test/rt] sources[2].logicalName: "shop" is not valid; allowed: a logical name used by one source only',
      "[test/rt] sourceOptions['nope']: \"nope\" is not valid; allowed: the logical name of a source: shop, shop2, shop",
    ]));
  });

  test('service account ids stay within Google’s limits', () => {
    expect(serviceAccountId('sink-monolith')).toBe('sink-monolith');
    const long = serviceAccountId('sink-a-very-long-logical-database-name-indeed');
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    expect(serviceAccountId('x')).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
  });
});

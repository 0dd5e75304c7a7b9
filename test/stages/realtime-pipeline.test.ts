import { SecretValue } from '../../constructs/core/secret-value';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { CloudSqlSourceDatabase } from '../../constructs/sources/cloud-sql-source-database';
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
    expect(topics['shop.public.orders']).toMatchObject({
      partitions: 6,
      replication_factor: 3,
      config: { 'cleanup.policy': 'compact', 'min.insync.replicas': '2' },
    });
    expect(topics['schema-history.legacy']).toMatchObject({
      partitions: 1,
      config: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'retention.bytes': '-1' },
    });
  });

  test('one source connector and one BigQuery sink per database, wired to its topics and dataset', () => {
    const json = synth((stack) => build(stack));
    const connectors = resources(json, 'kafka-connect_connector')
      .map((c) => c.name)
      .sort();
    expect(connectors).toEqual(['legacy-bigquery-sink', 'legacy-mysql-source', 'shop-bigquery-sink', 'shop-postgres-source']);
    const sink = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-bigquery-sink');
    expect(sink.config).toMatchObject({
      topics: 'shop.public.orders,shop.billing.invoices',
      defaultDataset: 'shop_cdc',
      project: 'acme-data',
      upsertEnabled: 'true',
      deleteEnabled: 'true',
      kafkaKeyFieldName: 'kafka_key',
    });
    const datasets = resources(json, 'google_bigquery_dataset')
      .map((d) => [d.dataset_id, d.labels])
      .sort();
    expect(datasets).toEqual([
      ['legacy_cdc', { stage: 'realtime', source: 'legacy' }],
      ['shop_cdc', { stage: 'realtime', source: 'shop' }],
    ]);
    const editors = resources(json, 'google_bigquery_dataset_iam_member');
    expect(editors).toHaveLength(2);
    editors.forEach((m) =>
      expect(m).toMatchObject({ role: 'roles/bigquery.dataEditor', member: 'serviceAccount:kafka-connect@acme-data.iam.gserviceaccount.com' }),
    );
  });

  test("audit #2: the sinks write as the Connect workers' own account (APPLICATION_DEFAULT): it gets write on each dataset and Job User; no unused per-sink account", () => {
    const json = synth((stack) => build(stack));
    const workers = 'serviceAccount:kafka-connect@acme-data.iam.gserviceaccount.com';
    expect(
      resources(json, 'kafka-connect_connector')
        .filter((c) => c.name.endsWith('-bigquery-sink'))
        .map((c) => c.config.keySource),
    ).toEqual(['APPLICATION_DEFAULT', 'APPLICATION_DEFAULT']);
    expect(
      resources(json, 'google_bigquery_dataset_iam_member')
        .map((m) => `${m.dataset_id} ${m.role} ${m.member}`)
        .sort(),
    ).toEqual([
      expect.stringMatching(new RegExp(`^\\$\\{google_bigquery_dataset\\.rt_legacy_dataset_[0-9A-F]+\\.dataset_id\\} roles/bigquery\\.dataEditor ${workers}$`)),
      expect.stringMatching(new RegExp(`^\\$\\{google_bigquery_dataset\\.rt_shop_dataset_[0-9A-F]+\\.dataset_id\\} roles/bigquery\\.dataEditor ${workers}$`)),
    ]);
    expect(resources(json, 'google_project_iam_member').map((m) => `${m.project} ${m.role} ${m.member}`)).toEqual([
      `acme-data roles/bigquery.jobUser ${workers}`,
    ]);
    expect(resources(json, 'google_service_account')).toEqual([]);
  });

  test("audit #2: a per-sink account is the key's account (JSON or FILE); with APPLICATION_DEFAULT it would be unused and is refused", () => {
    const withKey = synth((stack) => {
      const kafka = kafkaCluster(stack);
      new RealtimePipeline(stack, 'rt', {
        kafka,
        connect: connectCluster(stack, kafka),
        sources: [postgresSource(stack)],
        warehouse: { project: 'acme-data' },
        sink: { keySource: 'JSON', keyJson: SecretValue.fromSecretManager('kcbq-key') },
      });
    });
    expect(resources(withKey, 'google_service_account').map((a) => a.account_id)).toEqual(['sink-shop']);
    expect(resources(withKey, 'google_bigquery_dataset_iam_member')).toEqual([
      expect.objectContaining({
        role: 'roles/bigquery.dataEditor',
        member: expect.stringMatching(/^serviceAccount:\$\{google_service_account\.rt_shop_sink-account_[0-9A-F]+\.email\}$/),
      }),
    ]);
    expect(
      problems((stack) => {
        const kafka = kafkaCluster(stack);
        new RealtimePipeline(stack, 'rt', {
          kafka,
          connect: connectCluster(stack, kafka),
          sources: [postgresSource(stack)],
          warehouse: { project: 'acme-data' },
          sink: { createServiceAccount: true },
        });
      }),
    ).toEqual([
      "[test/rt] sink.createServiceAccount: true is not valid; allowed: false with keySource 'APPLICATION_DEFAULT': the sinks write as the Connect workers' service account, which gets the grants; a per-sink account is only for a JSON or FILE key",
    ]);
  });

  test('connectors depend on the topics they use, so Terraform creates topics first', () => {
    const json = synth((stack) => build(stack));
    const topicAddress = Object.fromEntries(Object.entries(json.resource.kafka_topic).map(([id, t]: [string, any]) => [t.name, `kafka_topic.${id}`]));
    const topicsOf = (c: any) => c.depends_on.filter((d: string) => d.startsWith('kafka_topic.')).sort();
    const source = resourceWhere(json, 'kafka-connect_connector', 'name', 'legacy-mysql-source');
    expect(topicsOf(source)).toEqual(
      ['legacy.app.users', 'legacy.app.payments', '__debezium-heartbeat.legacy', 'schema-history.legacy'].map((n) => topicAddress[n]).sort(),
    );
    const sink = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-bigquery-sink');
    expect(topicsOf(sink)).toEqual(['shop.public.orders', 'shop.billing.invoices'].map((n) => topicAddress[n]).sort());
  });

  test('audit #15: each connector is created after the ACLs its tasks need, so no task starts unauthorized', () => {
    const json = synth((stack) => build(stack));
    const aclAt = (address: string) => {
      const a = json.resource.kafka_acl[address.replace(/^kafka_acl\./, '')];
      return `${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`;
    };
    const aclsOf = (name: string) =>
      resourceWhere(json, 'kafka-connect_connector', 'name', name)
        .depends_on.filter((d: string) => d.startsWith('kafka_acl.'))
        .map(aclAt)
        .sort();
    // Debezium MySQL: its table topics (prefix), heartbeat and schema history (written and read back with its group).
    expect(aclsOf('legacy-mysql-source')).toEqual([
      'Describe Topic:Literal:__debezium-heartbeat.legacy',
      'Describe Topic:Literal:schema-history.legacy',
      'Describe Topic:Prefixed:legacy.',
      'DescribeConfigs Topic:Literal:schema-history.legacy',
      'Read Group:Literal:legacy-schemahistory',
      'Read Topic:Literal:schema-history.legacy',
      'Write Topic:Literal:__debezium-heartbeat.legacy',
      'Write Topic:Literal:schema-history.legacy',
      'Write Topic:Prefixed:legacy.',
    ]);
    expect(aclsOf('shop-postgres-source')).toEqual([
      'Describe Topic:Literal:__debezium-heartbeat.shop',
      'Describe Topic:Prefixed:shop.',
      'Write Topic:Literal:__debezium-heartbeat.shop',
      'Write Topic:Prefixed:shop.',
    ]);
    expect(aclsOf('shop-bigquery-sink')).toEqual([
      'Describe Topic:Prefixed:shop.',
      'Read Group:Literal:connect-shop-bigquery-sink',
      'Read Topic:Prefixed:shop.',
    ]);
  });

  test('audit #3: MySQL schema history is read back with an explicit consumer group, exactly the one the Connect workers may read with', () => {
    const json = synth((stack) => build(stack));
    const source = resourceWhere(json, 'kafka-connect_connector', 'name', 'legacy-mysql-source');
    // Debezium 3.0-3.5 subscribe with group.id = <topic.prefix>-schemahistory unless told; 3.6+ assign, and fetch committed offsets with it.
    expect(source.config['schema.history.internal.consumer.group.id']).toBe('legacy-schemahistory');
    expect(aclSet(json).filter((a) => a.includes(' Group:') && a.includes('schemahistory'))).toEqual([
      'Allow User:connect Read Group:Literal:legacy-schemahistory',
    ]);
  });

  test('audit #16: a source connector is created after the Cloud SQL database and replication user it logs in with', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      const db = new CloudSqlSourceDatabase(stack, 'shop', {
        logicalName: 'shop',
        engine: 'mysql',
        region: 'us-central1',
        databaseName: 'shop',
        replicationPassword: SecretValue.fromVariable('shop_cdc_password'),
        tables: [{ name: 'orders', primaryKey: ['id'] }],
      });
      new RealtimePipeline(stack, 'rt', { kafka, connect: connectCluster(stack, kafka), sources: [db], warehouse: { project: 'acme-data' } });
    });
    const source = resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-mysql-source');
    const database = Object.keys(json.resource.google_sql_database).map((k) => `google_sql_database.${k}`);
    const user = Object.keys(json.resource.google_sql_user).map((k) => `google_sql_user.${k}`);
    expect(database).toHaveLength(1);
    expect(user).toHaveLength(1);
    expect(source.depends_on).toEqual(expect.arrayContaining([...database, ...user]));
    // The sink has nothing to wait for on the database side.
    expect(resourceWhere(json, 'kafka-connect_connector', 'name', 'shop-bigquery-sink').depends_on.filter((d: string) => d.startsWith('google_sql'))).toEqual(
      [],
    );
  });

  test('grants the Connect principal exactly what capture and sinks need', () => {
    const json = synth((stack) => build(stack));
    expect(aclSet(json)).toEqual([
      'Allow User:connect Describe Topic:Literal:__debezium-heartbeat.legacy',
      'Allow User:connect Describe Topic:Literal:__debezium-heartbeat.shop',
      'Allow User:connect Describe Topic:Literal:schema-history.legacy',
      'Allow User:connect Describe Topic:Prefixed:legacy.',
      'Allow User:connect Describe Topic:Prefixed:shop.',
      'Allow User:connect DescribeConfigs Topic:Literal:schema-history.legacy',
      'Allow User:connect Read Group:Literal:connect-legacy-bigquery-sink',
      'Allow User:connect Read Group:Literal:connect-shop-bigquery-sink',
      'Allow User:connect Read Group:Literal:legacy-schemahistory',
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
    expect(
      resources(json, 'kafka_topic')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['shop.billing.invoices', 'shop.public.orders']);
    expect(resources(json, 'kafka_topic').every((t) => t.partitions === 24)).toBe(true);
    expect(resources(json, 'google_service_account')).toEqual([]);
  });

  test('duplicate sources and unknown option keys are reported together', () => {
    const found = problems((stack) => {
      const kafka = kafkaCluster(stack);
      new RealtimePipeline(stack, 'rt', {
        kafka,
        connect: connectCluster(stack, kafka),
        sources: [
          postgresSource(stack),
          postgresSource(stack, { logicalName: 'shop2' }),
          new ExternalSourceDatabase(stack, 'dup', {
            logicalName: 'shop',
            engine: 'mysql',
            host: 'h',
            databaseName: 'd',
            tables: [{ name: 't', primaryKey: ['id'] }],
            replicationPassword: SecretValue.fromVariable('p'),
          }),
        ],
        warehouse: { project: 'acme-data' },
        sourceOptions: { nope: {} },
      });
    });
    expect(found).toEqual(
      expect.arrayContaining([
        '[test/rt] sources[2].logicalName: "shop" is not valid; allowed: a logical name used by one source only',
        '[test/rt] sourceOptions[\'nope\']: "nope" is not valid; allowed: the logical name of a source: shop, shop2, shop',
      ]),
    );
  });

  test('service account ids stay within Google’s limits', () => {
    expect(serviceAccountId('sink-monolith')).toBe('sink-monolith');
    const long = serviceAccountId('sink-a-very-long-logical-database-name-indeed');
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
    expect(serviceAccountId('x')).toMatch(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/);
  });
});

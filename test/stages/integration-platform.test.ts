import { TerraformStack } from 'cdktf';
import { SecretValue } from '../../constructs/core/secret-value';
import { DebeziumMongoDbSource } from '../../constructs/connect/debezium-mongodb-source';
import { DebeziumCassandraAgent } from '../../constructs/connect/debezium-cassandra-agent';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { CloudSqlSourceDatabase } from '../../constructs/sources/cloud-sql-source-database';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import {
  IntegrationPlatform,
  IntegrationPlatformProps,
  IntegrationSink,
  resolveSelectors,
  RoutableTable,
  selectorMatches,
} from '../../constructs/stages/integration-platform';
import { problems, resources, resourceWhere, synth, SynthJson } from '../helpers';
import { connectCluster, kafkaCluster, mysqlSource, postgresSource } from '../fixtures';

const SINKS: IntegrationSink[] = [
  { kind: 'bigquery', name: 'lake-sink', select: { source: ['profiles', 'legacy'] }, topicsAs: 'regex', datasetId: 'lake' },
  {
    kind: 'search',
    name: 'search-sink',
    select: { label: 'search' },
    options: { connectionUrls: ['https://search:9200'], username: 'connect', password: SecretValue.fromVariable('search_password') },
  },
  {
    kind: 'graph',
    name: 'graph-sink',
    select: [{ source: 'shop', table: 'orders' }, { source: 'legacy' }],
    options: { uri: 'neo4j+s://graph:7687', pattern: '(:Row{!id})' },
  },
  { kind: 'jdbc', name: 'finance-sink', select: { label: 'finance' }, options: { connectionUrl: 'jdbc:postgresql://reporting:5432/r', insertMode: 'upsert' } },
  {
    kind: 'connector',
    name: 'events-pubsub',
    select: { source: 'events' },
    connectorClass: 'com.google.pubsub.kafka.sink.CloudPubSubSinkConnector',
    config: { 'cps.project': 'acme-data', 'cps.topic': 'events' },
  },
];

/** A stage-2 pipeline for `shop` (PostgreSQL), plus MySQL `legacy`, MongoDB `profiles` and Cassandra `events` added at stage 3. */
function build(stack: TerraformStack, overrides: Partial<IntegrationPlatformProps> = {}): IntegrationPlatform {
  const kafka = kafkaCluster(stack);
  const connect = connectCluster(stack, kafka);
  const shop = postgresSource(stack, {
    tables: [
      { name: 'orders', primaryKey: ['id'], labels: ['finance'] },
      { name: 'merchants', primaryKey: ['id'], labels: ['search'] },
    ],
  });
  const realtime = new RealtimePipeline(stack, 'realtime', { kafka, connect, sources: [shop], warehouse: { project: 'acme-data' } });
  const legacy = mysqlSource(stack, { tables: [{ name: 'invoices', primaryKey: ['id'], labels: ['finance'] }] });
  const profiles = new DebeziumMongoDbSource(stack, 'profiles', {
    cluster: connect,
    logicalName: 'profiles',
    connectionString: 'mongodb://m1:27017/?replicaSet=rs0',
    databaseName: 'profiles',
    heartbeatIntervalMs: 0,
    collections: [{ name: 'merchant_profiles', primaryKey: ['_id'], labels: ['search'] }],
  });
  const events = new DebeziumCassandraAgent(stack, 'events', {
    kafka,
    logicalName: 'events',
    cassandraHosts: ['c1'],
    tables: [{ name: 'risk.device_events', primaryKey: ['device_id'] }],
    kafkaPassword: SecretValue.fromVariable('agent_password'),
  });
  return new IntegrationPlatform(stack, 'integration', {
    kafka,
    connect,
    realtime,
    databases: [legacy],
    captures: [profiles, events],
    sinks: SINKS,
    warehouse: { project: 'acme-data' },
    ...overrides,
  });
}

/** The ACLs the integration platform created, compact and sorted. */
function platformAcls(json: SynthJson): string[] {
  return Object.entries<any>(json.resource.kafka_acl)
    .filter(([key]) => key.startsWith('integration_'))
    .map(([, a]) => `${a.acl_principal} ${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`)
    .sort();
}

describe('IntegrationPlatform', () => {
  test('sources of the realtime pipeline, a database and two captures form one catalog', () => {
    let platform!: IntegrationPlatform;
    synth((stack) => {
      platform = build(stack);
    });
    expect(platform.catalog.map((e) => `${e.source}/${e.sourceKind} ${e.table} → ${e.topic} [${e.labels.join(',')}]`)).toEqual([
      'shop/postgres public.orders → shop.public.orders [finance]',
      'shop/postgres public.merchants → shop.public.merchants [search]',
      'legacy/mysql app.invoices → legacy.app.invoices [finance]',
      'profiles/mongodb profiles.merchant_profiles → profiles.profiles.merchant_profiles [search]',
      'events/cassandra risk.device_events → events.risk.device_events []',
    ]);
  });

  test('each sink gets exactly the topics its selectors match, as a list or a regex', () => {
    let platform!: IntegrationPlatform;
    const json = synth((stack) => {
      platform = build(stack);
    });
    const config = (name: string) => resourceWhere(json, 'kafka-connect_connector', 'name', name).config;
    expect(config('lake-sink')['topics.regex']).toBe('profiles\\..+|legacy\\..+');
    expect(config('lake-sink').topics).toBeUndefined();
    expect(config('lake-sink')).toMatchObject({ defaultDataset: 'lake', project: 'acme-data', upsertEnabled: 'true', kafkaKeyFieldName: 'kafka_key' });
    expect(config('search-sink')).toMatchObject({
      topics: 'shop.public.merchants,profiles.profiles.merchant_profiles',
      'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
    });
    expect(config('graph-sink')).toMatchObject({
      topics: 'shop.public.orders,legacy.app.invoices',
      'neo4j.pattern.topic.shop.public.orders': '(:Row{!id})',
      'neo4j.pattern.topic.legacy.app.invoices': '(:Row{!id})',
    });
    expect(config('finance-sink')).toMatchObject({ topics: 'shop.public.orders,legacy.app.invoices', 'insert.mode': 'upsert' });
    expect(config('events-pubsub')).toEqual({
      name: 'events-pubsub',
      'connector.class': 'com.google.pubsub.kafka.sink.CloudPubSubSinkConnector',
      'tasks.max': '1',
      'cps.project': 'acme-data',
      'cps.topic': 'events',
      topics: 'events.risk.device_events',
    });
    expect(platform.routes['lake-sink'].prefixes).toEqual(['profiles', 'legacy']);
  });

  test('topics for what it captures; nothing of the realtime pipeline is re-created', () => {
    const json = synth((stack) => build(stack));
    const topics = Object.entries<any>(json.resource.kafka_topic)
      .filter(([k]) => k.startsWith('integration_'))
      .map(([, t]) => t.name)
      .sort();
    expect(topics).toEqual([
      '__debezium-heartbeat.legacy',
      'events.risk.device_events',
      'legacy.app.invoices',
      'profiles.profiles.merchant_profiles',
      'schema-history.legacy',
    ]);
    const names = resources(json, 'kafka_topic').map((t) => t.name);
    expect(names.filter((n) => n === 'shop.public.orders')).toHaveLength(1);
    expect(
      resources(json, 'kafka-connect_connector')
        .map((c) => c.name)
        .sort(),
    ).toEqual([
      'events-pubsub',
      'finance-sink',
      'graph-sink',
      'lake-sink',
      'legacy-mysql-source',
      'profiles-mongodb-source',
      'search-sink',
      'shop-bigquery-sink',
      'shop-postgres-source',
    ]);
    expect(
      resources(json, 'google_bigquery_dataset')
        .map((d) => [d.dataset_id, d.labels])
        .sort(),
    ).toEqual([
      ['lake', { stage: 'integration' }],
      ['shop_cdc', { stage: 'realtime', source: 'shop' }],
    ]);
    // The BigQuery sinks write as the Connect workers' account (audit #2): no account of their own.
    expect(resources(json, 'google_service_account')).toEqual([]);
  });

  test("audit #2: a BigQuery sink writes as the Connect workers' account: write on its dataset and Job User, no per-sink account; a key's sink gets its own", () => {
    const json = synth((stack) => build(stack));
    const workers = 'serviceAccount:kafka-connect@acme-data.iam.gserviceaccount.com';
    const lake = resources(json, 'google_bigquery_dataset_iam_member').filter((m) => /integration_sink-lake-sink_dataset/.test(m.dataset_id));
    expect(lake.map((m) => `${m.role} ${m.member}`)).toEqual([`roles/bigquery.dataEditor ${workers}`]);
    expect(
      resources(json, 'google_project_iam_member')
        .filter((m) => m.member === workers)
        .map((m) => `${m.project} ${m.role}`),
    ).toEqual(['acme-data roles/bigquery.jobUser']);
    const keyed = synth((stack) =>
      build(stack, { sinks: [{ ...SINKS[0], keySource: 'JSON', keyJson: SecretValue.fromSecretManager('lake-key') } as IntegrationSink] }),
    );
    expect(resources(keyed, 'google_service_account').map((a) => a.account_id)).toEqual(['sink-lake-sink']);
  });

  test('the exact ACLs: produce for each capture, consume for each sink, none the realtime pipeline already grants', () => {
    const json = synth((stack) => build(stack));
    expect(platformAcls(json)).toEqual(
      [
        // The Cassandra agent produces under its own user.
        'User:cdc-events Describe Topic:Prefixed:events.',
        'User:cdc-events Write Topic:Prefixed:events.',
        // Debezium MySQL: its topics, heartbeat and schema history.
        'User:connect Describe Topic:Literal:__debezium-heartbeat.legacy',
        'User:connect Describe Topic:Literal:schema-history.legacy',
        'User:connect Describe Topic:Prefixed:legacy.',
        'User:connect Describe Topic:Prefixed:profiles.',
        'User:connect DescribeConfigs Topic:Literal:schema-history.legacy',
        'User:connect Read Group:Literal:connect-events-pubsub',
        'User:connect Read Group:Literal:connect-finance-sink',
        'User:connect Read Group:Literal:connect-graph-sink',
        'User:connect Read Group:Literal:connect-lake-sink',
        'User:connect Read Group:Literal:connect-search-sink',
        'User:connect Read Group:Literal:legacy-schemahistory',
        'User:connect Read Topic:Literal:events.risk.device_events',
        'User:connect Read Topic:Literal:schema-history.legacy',
        'User:connect Read Topic:Prefixed:legacy.',
        'User:connect Read Topic:Prefixed:profiles.',
        'User:connect Write Topic:Literal:__debezium-heartbeat.legacy',
        'User:connect Write Topic:Literal:schema-history.legacy',
        'User:connect Write Topic:Prefixed:legacy.',
        'User:connect Write Topic:Prefixed:profiles.',
        // Sinks reading the agent's topic need Describe too (the agent's ACLs are for its own user);
        // the search sink's literal read of profiles.profiles.merchant_profiles is covered by the lake sink's prefix.
        'User:connect Describe Topic:Literal:events.risk.device_events',
      ].sort(),
    );
  });

  test('audit #15: every connector, capture or sink, is created after its topics and the ACLs its tasks need, wherever those ACLs are declared', () => {
    const json = synth((stack) => build(stack));
    const topicAt = (address: string) => json.resource.kafka_topic[address.replace(/^kafka_topic\./, '')].name;
    const aclAt = (address: string) => {
      const a = json.resource.kafka_acl[address.replace(/^kafka_acl\./, '')];
      return `${a.acl_principal} ${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`;
    };
    const deps = (name: string) => {
      const d: string[] = resourceWhere(json, 'kafka-connect_connector', 'name', name).depends_on ?? [];
      return {
        topics: d
          .filter((x) => x.startsWith('kafka_topic.'))
          .map(topicAt)
          .sort(),
        acls: d
          .filter((x) => x.startsWith('kafka_acl.'))
          .map(aclAt)
          .sort(),
      };
    };
    // A capture given to the platform (MongoDB): its topics and produce ACLs, created here.
    expect(deps('profiles-mongodb-source')).toEqual({
      topics: ['profiles.profiles.merchant_profiles'],
      acls: ['User:connect Describe Topic:Prefixed:profiles.', 'User:connect Write Topic:Prefixed:profiles.'],
    });
    // A database captured here (MySQL): table, heartbeat and schema-history topics, and their ACLs.
    expect(deps('legacy-mysql-source')).toEqual({
      topics: ['__debezium-heartbeat.legacy', 'legacy.app.invoices', 'schema-history.legacy'],
      acls: [
        'User:connect Describe Topic:Literal:__debezium-heartbeat.legacy',
        'User:connect Describe Topic:Literal:schema-history.legacy',
        'User:connect Describe Topic:Prefixed:legacy.',
        'User:connect DescribeConfigs Topic:Literal:schema-history.legacy',
        'User:connect Read Group:Literal:legacy-schemahistory',
        'User:connect Read Topic:Literal:schema-history.legacy',
        'User:connect Write Topic:Literal:__debezium-heartbeat.legacy',
        'User:connect Write Topic:Literal:schema-history.legacy',
        'User:connect Write Topic:Prefixed:legacy.',
      ],
    });
    // A sink reading a topic of the realtime pipeline and one captured here: the realtime pipeline's
    // prefix ACL covers the first, the lake sink's prefix ACL the second; its group is its own.
    expect(deps('search-sink')).toEqual({
      topics: ['profiles.profiles.merchant_profiles', 'shop.public.merchants'],
      acls: [
        'User:connect Describe Topic:Prefixed:profiles.',
        'User:connect Describe Topic:Prefixed:shop.',
        'User:connect Read Group:Literal:connect-search-sink',
        'User:connect Read Topic:Prefixed:profiles.',
        'User:connect Read Topic:Prefixed:shop.',
      ],
    });
    expect(deps('events-pubsub')).toEqual({
      topics: ['events.risk.device_events'],
      acls: [
        'User:connect Describe Topic:Literal:events.risk.device_events',
        'User:connect Read Group:Literal:connect-events-pubsub',
        'User:connect Read Topic:Literal:events.risk.device_events',
      ],
    });
  });

  test('audit #3: a MySQL database captured here reads its schema history with an explicit group, the one granted', () => {
    const json = synth((stack) => build(stack));
    expect(resourceWhere(json, 'kafka-connect_connector', 'name', 'legacy-mysql-source').config['schema.history.internal.consumer.group.id']).toBe(
      'legacy-schemahistory',
    );
    expect(platformAcls(json).filter((a) => a.includes('schemahistory'))).toEqual(['User:connect Read Group:Literal:legacy-schemahistory']);
  });

  test('audit #16: a Cloud SQL database captured here: its connector waits for the database and the replication user', () => {
    const json = synth((stack) =>
      build(stack, {
        databases: [
          new CloudSqlSourceDatabase(stack, 'legacy-db', {
            logicalName: 'legacy',
            engine: 'mysql',
            region: 'us-central1',
            databaseName: 'app',
            replicationPassword: SecretValue.fromVariable('legacy_cdc_password'),
            tables: [{ name: 'invoices', primaryKey: ['id'], labels: ['finance'] }],
          }),
        ],
      }),
    );
    const source = resourceWhere(json, 'kafka-connect_connector', 'name', 'legacy-mysql-source');
    expect(source.depends_on).toEqual(
      expect.arrayContaining([
        ...Object.keys(json.resource.google_sql_database).map((k) => `google_sql_database.${k}`),
        ...Object.keys(json.resource.google_sql_user).map((k) => `google_sql_user.${k}`),
      ]),
    );
  });

  test('one path: a database captured here and the same database in a realtime pipeline get the same capture config, topics and grants', () => {
    const here = synth((stack) => {
      const kafka = kafkaCluster(stack);
      const connect = connectCluster(stack, kafka);
      new IntegrationPlatform(stack, 'integration', {
        kafka,
        connect,
        databases: [mysqlSource(stack)],
        sinks: [{ kind: 'connector', name: 'any', select: { source: 'legacy' }, topicsAs: 'regex', connectorClass: 'com.acme.Sink' }],
      });
    });
    const realtime = synth((stack) => {
      const kafka = kafkaCluster(stack);
      new RealtimePipeline(stack, 'realtime', {
        kafka,
        connect: connectCluster(stack, kafka),
        sources: [mysqlSource(stack)],
        warehouse: { project: 'acme-data' },
      });
    });
    const capture = (json: SynthJson) => resourceWhere(json, 'kafka-connect_connector', 'name', 'legacy-mysql-source').config;
    expect(capture(here)).toEqual(capture(realtime));
    const topics = (json: SynthJson) =>
      resources(json, 'kafka_topic')
        .map((t) => `${t.name} ${t.partitions}×${t.replication_factor} ${JSON.stringify(t.config)}`)
        .sort();
    expect(topics(here)).toEqual(topics(realtime));
    const captureAcls = (json: SynthJson) =>
      resources(json, 'kafka_acl')
        .map((a) => `${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`)
        .filter((a) => !a.includes('connect-'))
        .sort();
    expect(captureAcls(here)).toEqual(captureAcls(realtime));
  });

  test('selectors: every given field must match, lists mean any of, tables match qualified or bare', () => {
    const catalog: RoutableTable[] = [
      { source: 'shop', sourceKind: 'postgres', prefix: 'shop', table: 'public.orders', topic: 'shop.public.orders', labels: ['finance', 'core'] },
      { source: 'shop', sourceKind: 'postgres', prefix: 'shop', table: 'billing.invoices', topic: 'shop.billing.invoices', labels: ['finance'] },
      { source: 'crm', sourceKind: 'mysql', prefix: 'crm.v1', table: 'crm.orders', topic: 'crm.v1.crm.orders', labels: [] },
    ];
    expect(catalog.filter((e) => selectorMatches({ table: 'orders' }, e)).map((e) => e.topic)).toEqual(['shop.public.orders', 'crm.v1.crm.orders']);
    expect(catalog.filter((e) => selectorMatches({ table: 'public.orders' }, e)).map((e) => e.topic)).toEqual(['shop.public.orders']);
    expect(catalog.filter((e) => selectorMatches({ source: 'shop', label: ['core', 'nope'] }, e)).map((e) => e.topic)).toEqual(['shop.public.orders']);
    expect(catalog.filter((e) => selectorMatches({ source: ['crm', 'shop'], table: 'invoices' }, e)).map((e) => e.topic)).toEqual(['shop.billing.invoices']);
    const route = resolveSelectors([{ source: 'crm' }, { label: 'finance' }], catalog);
    expect(route.topics).toEqual(['shop.public.orders', 'shop.billing.invoices', 'crm.v1.crm.orders']);
    expect(route.regex).toBe('crm\\.v1\\..+|shop\\.public\\.orders|shop\\.billing\\.invoices');
    expect(new RegExp(`^(?:${route.regex})$`).test('crm.v1.crm.new_table')).toBe(true);
    expect(new RegExp(`^(?:${route.regex})$`).test('shop.public.refunds')).toBe(false);
  });
});

describe('IntegrationPlatform: each sink on the event shape of each source', () => {
  test('audit #4: MongoDB topics are unwrapped with ExtractNewDocumentState, the others with ExtractNewRecordState, chosen per topic by a TopicNameMatches predicate', () => {
    // debezium MongoDbSchema: `after` is io.debezium.data.Json (a string); ExtractNewRecordState.addFields
    // calls requireStruct on it and throws. ExtractNewDocumentState parses the document into a struct.
    const json = synth((stack) => build(stack));
    const config = (name: string) => resourceWhere(json, 'kafka-connect_connector', 'name', name).config;
    // BigQuery: regex route over profiles (MongoDB) and legacy (MySQL); the predicate follows the whole MongoDB source.
    expect(config('lake-sink')).toMatchObject({
      transforms: 'unwrap,unwrapMongodb',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.predicate': 'mongodbTopics',
      'transforms.unwrap.negate': 'true',
      'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone',
      'transforms.unwrapMongodb.type': 'io.debezium.connector.mongodb.transforms.ExtractNewDocumentState',
      'transforms.unwrapMongodb.predicate': 'mongodbTopics',
      'transforms.unwrapMongodb.delete.tombstone.handling.mode': 'tombstone',
      'transforms.unwrapMongodb.add.fields': 'op,source.ts_ms',
      predicates: 'mongodbTopics',
      'predicates.mongodbTopics.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.mongodbTopics.pattern': 'profiles\\..+',
    });
    expect(config('lake-sink')['transforms.unwrapMongodb.negate']).toBeUndefined();
    // Search: one PostgreSQL and one MongoDB topic; the MongoDB document's _id (an engine metadata field) is dropped,
    // and the key field id of both becomes the document id.
    expect(config('search-sink')).toMatchObject({
      transforms: 'unwrap,unwrapMongodb,dropMongodbId,documentId',
      'transforms.unwrapMongodb.type': 'io.debezium.connector.mongodb.transforms.ExtractNewDocumentState',
      'transforms.dropMongodbId.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.dropMongodbId.exclude': '_id',
      'transforms.dropMongodbId.predicate': 'mongodbTopics',
      'transforms.documentId.field': 'id',
      'predicates.mongodbTopics.pattern': 'profiles\\.profiles\\.merchant_profiles',
    });
    // A sink with no MongoDB topic keeps the single unwrap (Confluent's JDBC sink needs it; it cannot read envelopes).
    expect(config('finance-sink')).toMatchObject({ transforms: 'unwrap', 'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState' });
    expect(config('finance-sink').predicates).toBeUndefined();
    expect(JSON.stringify(config('graph-sink'))).not.toContain('ExtractNewDocumentState');
  });

  test('audit #12: Cassandra topics routed to a BigQuery, JDBC, search or graph sink are refused at synth, naming the sink, the topic and what it takes; Pub/Sub and connector sinks take them', () => {
    const found = problems((stack) =>
      build(stack, {
        sinks: [
          { kind: 'bigquery', name: 'bq', select: { source: ['shop', 'events'] }, datasetId: 'all' },
          { kind: 'jdbc', name: 'j', select: { source: 'events' }, options: { connectionUrl: 'jdbc:postgresql://r:5432/r', flavor: 'debezium' } },
          { kind: 'search', name: 's', select: { source: 'events' }, options: { connectionUrls: ['https://s:9200'] } },
          { kind: 'graph', name: 'g', select: { source: 'events' }, options: { uri: 'bolt://g:7687' } },
          {
            kind: 'pubsub',
            name: 'p',
            select: { source: 'events' },
            options: { project: 'acme-data', pubsubTopic: 'events', publisherMember: 'serviceAccount:connect@acme-data.iam.gserviceaccount.com' },
          },
          { kind: 'connector', name: 'c', select: { source: 'events' }, connectorClass: 'com.acme.CassandraAwareSink' },
        ],
      }),
    );
    const why =
      "(Debezium's Cassandra agent writes each column as a cell struct {value, deletion_ts, set} with no 'before', deletes as rows of deleted cells, and Debezium has no transform that flattens them). Route cassandra topics to a Pub/Sub sink, which forwards the events as written, or to a connector sink with a transform chain of your own";
    expect(found).toEqual([
      `[test/integration] sinks[0].select: "cassandra: events.risk.device_events" is not valid; allowed: change events BigQuery sink bq can write: postgres, mysql, mariadb, mongodb, spanner ${why}`,
      `[test/integration/sink-j/sink] sources[0]: "cassandra: events.risk.device_events" is not valid; allowed: change events JDBC sink j can write: postgres, mysql, mariadb, mongodb, spanner ${why}`,
      `[test/integration/sink-s/sink] sources[0]: "cassandra: events.risk.device_events" is not valid; allowed: change events search sink s can write: postgres, mysql, mariadb, mongodb, spanner ${why}`,
      `[test/integration/sink-g/sink] sources[0]: "cassandra: events.risk.device_events" is not valid; allowed: change events graph sink g can write: postgres, mysql, mariadb, mongodb, spanner ${why}`,
    ]);
  });
});

describe('IntegrationPlatform validation', () => {
  test('a selector that matches nothing is a synth error naming what exists', () => {
    const found = problems((stack) =>
      build(stack, {
        sinks: [
          { kind: 'connector', name: 'a', select: [{ label: 'search' }, { label: 'nope' }], connectorClass: 'com.acme.Sink' },
          { kind: 'connector', name: 'b', select: { source: 'shop', table: 'missing' }, connectorClass: 'com.acme.Sink' },
        ],
      }),
    );
    expect(found).toEqual([
      '[test/integration] sinks[0].select[1]: {"label":"nope"} is not valid; allowed: a selector matching at least one captured table (sources: shop, legacy, profiles, events; labels: finance, search)',
      '[test/integration] sinks[1].select: {"source":"shop","table":"missing"} is not valid; allowed: a selector matching at least one captured table (sources: shop, legacy, profiles, events; labels: finance, search)',
    ]);
  });

  test('each other bad prop is reported', () => {
    const found = problems((stack) =>
      build(stack, {
        warehouse: undefined,
        databaseOptions: { nope: {} },
        sinks: [
          { kind: 'bigquery', name: 'bq', select: { source: 'shop' }, datasetId: 'x' },
          { kind: 'jdbc', name: 'j', select: { label: 'finance' }, topicsAs: 'regex', options: { connectionUrl: 'jdbc:sqlite:x.db' } },
          { kind: 'graph', name: 'g', select: {}, options: { uri: 'bolt://g:7687', pattern: '(:X{!id})' } },
          { kind: 'graph', name: 'g', select: { source: 'shop' }, topicsAs: 'both' as any, options: { uri: 'bolt://g:7687', pattern: '(:X{!id})' } },
          { kind: 'queue', name: 'q', select: { source: 'shop' } } as any,
        ],
      }),
    );
    expect(found).toEqual([
      '[test/integration] databaseOptions[\'nope\']: "nope" is not valid; allowed: the logical name of one of the databases: legacy',
      '[test/integration] sinks[0]: "bq" is not valid; allowed: a BigQuery sink only with the warehouse prop set',
      '[test/integration] sinks[1].topicsAs: "regex" is not valid; allowed: \'list\' for jdbc sinks, which configure each topic',
      '[test/integration] sinks[2].select: {} is not valid; allowed: at least one of source, table and label',
      '[test/integration] sinks[3].name: "g" is not valid; allowed: a sink name used once',
      '[test/integration] sinks[3].topicsAs: "both" is not valid; allowed: list or regex',
      '[test/integration] sinks[4].kind: "queue" is not valid; allowed: bigquery, search, graph, jdbc, pubsub, connector',
      expect.stringMatching(/^\[test\/integration\/sink-g\/sink\] sources\[3\]: "cassandra: events\.risk\.device_events" is not valid/),
    ]);
  });

  test('a source name used twice across realtime, databases and captures, and no sinks', () => {
    const found = problems((stack) => {
      const kafka = kafkaCluster(stack);
      const connect = connectCluster(stack, kafka);
      const shop = postgresSource(stack);
      const realtime = new RealtimePipeline(stack, 'realtime', { kafka, connect, sources: [shop], warehouse: { project: 'acme-data' } });
      new IntegrationPlatform(stack, 'integration', {
        kafka,
        connect,
        realtime,
        databases: [
          new ExternalSourceDatabase(stack, 'dup', {
            logicalName: 'shop',
            engine: 'mysql',
            host: 'h',
            databaseName: 'd',
            tables: [{ name: 't', primaryKey: ['id'] }],
            replicationPassword: SecretValue.fromVariable('p'),
          }),
        ],
        sinks: [],
      });
    });
    expect(found).toEqual([
      '[test/integration] sources: "shop" is not valid; allowed: each source name once across realtime, databases and captures',
      '[test/integration] sinks: 0 is not valid; allowed: at least one sink',
    ]);
  });
});

/**
 * One test per extractor of the data-flow model (lib/cli/model/extractors/), each on the smallest
 * synthesized JSON that shows what the extractor reads. The whole model of real stacks is covered by
 * model.test.ts and reference-stacks.test.ts.
 */
import { extractModel, MODEL_EXTRACTORS, PipelineModel } from '../../lib/cli/model';

const at = (path: string) => ({ '//': { metadata: { path } } });
const ids = (m: PipelineModel, kind: string) =>
  m.nodes
    .filter((n) => n.kind === kind)
    .map((n) => n.id)
    .sort();
const edge = (m: PipelineModel, from: string, to: string) => m.edges.find((e) => e.from === from && e.to === to)?.kind;

test('the extractors run in a fixed order, one per resource family', () => {
  expect(MODEL_EXTRACTORS.map((e) => e.family)).toEqual([
    'Cloud SQL sources',
    'Kafka topics',
    'Debezium source connectors',
    'Debezium Cassandra agents',
    'CDC worker on Cloud Run',
    'other Kafka producers',
    'BigQuery datasets',
    'sink connectors',
    'Cloud Composer DAGs',
    'BigQuery scheduled queries',
    'dataset grants',
    'Kafka ACLs',
    'DLP scans',
    'classification',
  ]);
});

test('Cloud SQL sources: engine, databases, and CDC readiness from flags', () => {
  const m = extractModel('s', {
    resource: {
      google_sql_database_instance: {
        pg: {
          name: 'shop-db',
          database_version: 'POSTGRES_16',
          settings: { database_flags: [{ name: 'cloudsql.logical_decoding', value: 'on' }] },
          ...at('s/shop/instance'),
        },
        my: { name: 'ledger-db', database_version: 'MYSQL_8_0', settings: { backup_configuration: { binary_log_enabled: false } }, ...at('s/ledger/instance') },
      },
      google_sql_database: { d: { name: 'shop', instance: '${google_sql_database_instance.pg.name}', ...at('s/shop/db') } },
    },
  });
  expect(m.nodes.filter((n) => n.kind === 'source').map((n) => [n.label, n.tech, n.details])).toEqual([
    ['ledger-db', 'Cloud SQL MySQL', []],
    ['shop-db', 'Cloud SQL PostgreSQL', ['db shop', 'CDC-ready']],
  ]);
  expect(m.facts.cdcReadySources).toEqual(['shop-db']);
});

test('Kafka topics: data topics, and internal ones by config, path or name', () => {
  const m = extractModel('s', {
    resource: {
      kafka_topic: {
        a: { name: 'shop.public.orders', partitions: 6, config: { 'cleanup.policy': 'compact' }, ...at('s/p/orders/topic') },
        h: { name: 'shop.history', partitions: 1, ...at('s/p/schema-history-topic/topic') },
        o: { name: 'connect-offsets', partitions: 25, ...at('s/c/o/topic') },
      },
    },
  });
  expect(m.nodes.map((n) => [n.label, n.internal, n.details])).toEqual([
    ['connect-offsets', true, ['25 partitions']],
    ['shop.history', true, ['1 partitions']],
    ['shop.public.orders', false, ['6 partitions · compact']],
  ]);
});

test('Debezium source connectors: source → capture → the topics under its prefix and its table list', () => {
  const m = extractModel('s', {
    resource: {
      kafka_topic: {
        a: { name: 'shop.public.orders', partitions: 1, ...at('s/p/a/topic') },
        hb: { name: '__debezium-heartbeat.shop', partitions: 1, ...at('s/p/hb/topic') },
      },
      'kafka-connect_connector': {
        c: {
          name: 'shop-postgres-source',
          ...at('s/p/capture/connector'),
          config: {
            'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
            'topic.prefix': 'shop',
            'database.hostname': 'pg.internal',
            'database.dbname': 'shop',
            'table.include.list': 'public.orders,public.items',
          },
        },
      },
    },
  });
  expect(ids(m, 'capture')).toEqual(['capture:shop-postgres-source']);
  expect(edge(m, 'source:PostgreSQL:pg.internal/shop', 'capture:shop-postgres-source')).toBe('captures');
  expect(
    m.edges
      .filter((e) => e.from === 'capture:shop-postgres-source')
      .map((e) => e.to)
      .sort(),
  ).toEqual(['topic:__debezium-heartbeat.shop', 'topic:shop.public.items', 'topic:shop.public.orders']);
  expect(m.nodes.find((n) => n.id === 'topic:shop.public.items')).toMatchObject({ declared: false, details: ['not created by this stack'] });
});

test('Debezium Cassandra agents: a capture read from the output of its properties', () => {
  const m = extractModel('s', {
    resource: { kafka_topic: { t: { name: 'risk.events.scores', partitions: 1, ...at('s/risk/t/topic') } } },
    output: { 'risk_agent-properties': { value: 'connector.name=risk-agent\ncassandra.hosts=cass-1,cass-2\ntopic.prefix=risk\n' } },
  });
  expect(m.nodes.find((n) => n.id === 'capture:risk-agent')).toMatchObject({ tech: 'Debezium Cassandra agent', details: ['prefix risk'] });
  expect(edge(m, 'source:Cassandra:cass-1/risk', 'capture:risk-agent')).toBe('captures');
  expect(edge(m, 'capture:risk-agent', 'topic:risk.events.scores')).toBe('produces');
});

test('Debezium Cassandra agents (Debezium 3 files): the hosts come from the driver config output beside the properties', () => {
  const m = extractModel('s', {
    resource: { kafka_topic: { t: { name: 'risk.events.scores', partitions: 1, ...at('s/risk/t/topic') } } },
    output: {
      'risk_agent-properties': { value: 'topic.prefix=risk\ncassandra.config=/etc/cassandra/cassandra.yaml\ncassandra.driver.config.file=/etc/a.conf\n' },
      'risk_driver-config': { value: 'datastax-java-driver {\n  basic.contact-points = ["cass-1:9042", "cass-2:9042"]\n}\n' },
    },
  });
  expect(m.nodes.find((n) => n.id === 'capture:risk-cassandra-agent')).toMatchObject({ tech: 'Debezium Cassandra agent', details: ['prefix risk'] });
  expect(edge(m, 'source:Cassandra:cass-1/risk', 'capture:risk-cassandra-agent')).toBe('captures');
  expect(edge(m, 'capture:risk-cassandra-agent', 'topic:risk.events.scores')).toBe('produces');
});

test('CDC worker on Cloud Run: its database and topics from CDC_CONFIG_JSON; bad JSON is a warning', () => {
  const config = { source: { kind: 'mysql', host: 'db.internal', database: 'ledger', tables: ['ledger.entries'] }, output: { topicPrefix: 'ledger' } };
  const m = extractModel('s', {
    resource: {
      google_cloud_run_v2_service: {
        w: { name: 'cdc-ledger', template: { containers: [{ env: [{ name: 'CDC_CONFIG_JSON', value: JSON.stringify(config) }] }] }, ...at('s/cdc/service') },
        bad: { name: 'cdc-bad', template: { containers: [{ env: [{ name: 'CDC_CONFIG_JSON', value: '{' }] }] }, ...at('s/bad/service') },
      },
    },
  });
  expect(edge(m, 'source:MySQL:db.internal/ledger', 'capture:cdc-ledger')).toBe('captures');
  expect(edge(m, 'capture:cdc-ledger', 'topic:ledger.ledger.entries')).toBe('produces');
  expect(m.warnings).toEqual(['s/bad/service: CDC_CONFIG_JSON is not JSON; the worker is drawn without its tables']);
});

test('other Kafka producers: a principal with Write on a topic nothing else produces', () => {
  const m = extractModel('s', {
    resource: {
      kafka_topic: { t: { name: 'fraud.scores', partitions: 1, ...at('s/t/topic') } },
      kafka_acl: {
        w: {
          acl_principal: 'User:scorer',
          acl_operation: 'Write',
          acl_permission_type: 'Allow',
          resource_type: 'Topic',
          resource_name: 'fraud.',
          resource_pattern_type_filter: 'Prefixed',
          ...at('s/acl'),
        },
      },
    },
  });
  expect(edge(m, 'capture:producer:User:scorer', 'topic:fraud.scores')).toBe('produces');
});

test('BigQuery datasets: domains and projects from labels and attributes', () => {
  const m = extractModel('s', {
    resource: {
      google_bigquery_dataset: {
        d: { dataset_id: 'fraud_scores', project: 'acme', labels: { domain: 'fraud', owner: 'risk-team', classification: 'pii' }, ...at('s/fraud/d') },
      },
    },
  });
  expect(m.nodes).toEqual([expect.objectContaining({ id: 'dataset:fraud_scores', details: ['domain fraud', 'owner risk-team', 'pii'] })]);
  expect(m.facts).toMatchObject({ domains: ['fraud'], datasetProjects: ['acme'] });
});

test('sink connectors: topics by list and regex, the dataset or store written, credentials never shown', () => {
  const m = extractModel('s', {
    resource: {
      kafka_topic: { a: { name: 'shop.public.orders', partitions: 1, ...at('s/a/topic') } },
      'kafka-connect_connector': {
        bq: {
          name: 'bq',
          config: { 'connector.class': 'com.wepay.kafka.connect.bigquery.BigQuerySinkConnector', 'topics.regex': 'shop\\..+', defaultDataset: 'shop_cdc' },
          ...at('s/bq/connector'),
        },
        pg: {
          name: 'jdbc',
          config: {
            'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
            topics: 'shop.public.orders',
            'connection.url': 'jdbc:postgresql://u:pw@replica:5432/shop?ssl=true',
          },
          ...at('s/jdbc/connector'),
        },
        none: { name: 'none', config: { 'connector.class': 'x.OtherSinkConnector', 'topics.regex': 'nothing\\..*' }, ...at('s/none/connector') },
      },
    },
  });
  expect(edge(m, 'topic:shop.public.orders', 'sink:bq')).toBe('consumes');
  expect(edge(m, 'sink:bq', 'dataset:shop_cdc')).toBe('writes');
  expect(m.nodes.find((n) => n.kind === 'store')).toMatchObject({
    id: 'store:jdbc:postgresql://replica:5432/shop',
    label: 'replica:5432/shop',
    tech: 'database',
  });
  expect(m.warnings).toEqual(['s/none/connector: topics.regex "nothing\\\\..*" matches no topic of this stack']);
});

test('Cloud Composer DAGs: the DAG id, its dataset, and the source it loads', () => {
  const dag = 'DATASET = "shop_batch"\nSOURCE = "shop"\nwith DAG(dag_id="shop_daily") as dag:\n    pass\n';
  const m = extractModel('s', {
    resource: {
      google_composer_environment: { e: { name: 'airflow', ...at('s/batch/env') } },
      google_storage_bucket_object: { o: { content: dag, bucket: '${google_composer_environment.e.config}', ...at('s/batch/dag/object') } },
    },
  });
  expect(m.nodes.find((n) => n.id === 'batch:airflow')).toMatchObject({ details: ['DAG shop_daily'] });
  expect(edge(m, 'batch:airflow', 'dataset:shop_batch')).toBe('writes');
  expect(edge(m, 'source:database:?/shop', 'batch:airflow')).toBe('loads');
});

test('BigQuery scheduled queries: the datasets the query fills and the Cloud SQL instance behind its connection', () => {
  const m = extractModel('s', {
    resource: {
      google_sql_database_instance: { i: { name: 'shop-db', database_version: 'POSTGRES_16', ...at('s/shop/instance') } },
      google_bigquery_connection: {
        c: { connection_id: 'shop', cloud_sql: { instance_id: '${google_sql_database_instance.i.connection_name}' }, ...at('s/b/conn') },
      },
      google_bigquery_data_transfer_config: {
        q: {
          display_name: 'shop-load',
          schedule: 'every 24 hours',
          params: { query: 'CREATE OR REPLACE TABLE `acme.shop_batch.orders` AS SELECT * FROM EXTERNAL_QUERY("acme.us.shop", "SELECT 1")' },
          ...at('s/b/q'),
        },
      },
    },
  });
  expect(edge(m, 'batch:shop-load', 'dataset:shop_batch')).toBe('writes');
  expect(edge(m, 'source:google_sql_database_instance.i', 'batch:shop-load')).toBe('loads');
});

test("dataset grants: readers and writers become consumers, the pipeline's own accounts and service agents do not", () => {
  const m = extractModel('s', {
    resource: {
      google_bigquery_dataset: { d: { dataset_id: 'shop_cdc', ...at('s/p/d') } },
      google_bigquery_dataset_iam_member: {
        r: { dataset_id: '${google_bigquery_dataset.d.dataset_id}', role: 'roles/bigquery.dataViewer', member: 'group:analysts@acme.com', ...at('s/p/r') },
        w: { dataset_id: 'shop_cdc', role: 'roles/bigquery.dataEditor', member: 'serviceAccount:loader@acme.iam.gserviceaccount.com', ...at('s/p/w') },
        a: { dataset_id: 'shop_cdc', role: 'roles/bigquery.dataEditor', member: 'serviceAccount:service-1@dlp-api.iam.gserviceaccount.com', ...at('s/p/a') },
      },
    },
  });
  expect(edge(m, 'dataset:shop_cdc', 'consumer:group:analysts@acme.com')).toBe('reads');
  expect(edge(m, 'consumer:serviceAccount:loader', 'dataset:shop_cdc')).toBe('writes');
  expect(ids(m, 'consumer')).toEqual(['consumer:group:analysts@acme.com', 'consumer:serviceAccount:loader']);
  expect(m.grants.map((g) => [g.principal, g.write])).toEqual([
    ['group:analysts@acme.com', false],
    ['serviceAccount:loader', true],
    ['serviceAccount:service-1', true],
  ]);
});

test("Kafka ACLs: a reader of data topics is a consumer; the pipeline's principals are not", () => {
  const acl = (principal: string, op: string, name: string, type = 'Literal') => ({
    acl_principal: principal,
    acl_operation: op,
    acl_permission_type: 'Allow',
    resource_type: 'Topic',
    resource_name: name,
    resource_pattern_type_filter: type,
    ...at(`s/${principal}/${op}`),
  });
  const m = extractModel('s', {
    resource: {
      kafka_topic: { t: { name: 'shop.public.orders', partitions: 1, ...at('s/t/topic') } },
      kafka_acl: {
        r: acl('User:analytics', 'Read', 'shop.', 'Prefixed'),
        w: acl('User:connect', 'Write', 'shop.public.orders'),
        c: acl('User:connect', 'Read', 'shop.public.orders'),
      },
    },
  });
  expect(ids(m, 'consumer')).toEqual(['consumer:User:analytics']);
  expect(
    m.grants
      .filter((g) => g.principal === 'User:connect')
      .map((g) => g.access)
      .sort(),
  ).toEqual(['Allow Read', 'Allow Write']);
});

test('DLP scans: one node per scanned dataset, writing findings to another', () => {
  const trigger = (table: string) => ({
    inspect_job: {
      storage_config: { big_query_options: { table_reference: { project_id: 'acme', dataset_id: 'shop_cdc', table_id: table } } },
      actions: [{ save_findings: { output_config: { table: { project_id: 'acme', dataset_id: 'dlp_findings' } } } }],
    },
    ...at(`s/dlp/${table}`),
  });
  const m = extractModel('s', { resource: { google_data_loss_prevention_job_trigger: { a: trigger('orders'), b: trigger('items') } } });
  expect(m.nodes.find((n) => n.id === 'dlp:shop_cdc')).toMatchObject({ label: 'DLP scan of shop_cdc', details: ['table orders', 'table items'] });
  expect(edge(m, 'dlp:shop_cdc', 'dataset:shop_cdc')).toBe('scans');
  expect(edge(m, 'dlp:shop_cdc', 'dataset:dlp_findings')).toBe('writes');
});

test('classification: taxonomy, tags, tag readers, and the datasets whose tables carry the tags', () => {
  const m = extractModel('s', {
    resource: {
      google_data_catalog_taxonomy: { t: { display_name: 'data-classification', ...at('s/c/t') } },
      google_data_catalog_policy_tag: { p: { display_name: 'PII', taxonomy: '${google_data_catalog_taxonomy.t.id}', ...at('s/c/p') } },
      google_data_catalog_policy_tag_iam_member: {
        m: {
          policy_tag: '${google_data_catalog_policy_tag.p.name}',
          role: 'roles/datacatalog.categoryFineGrainedReader',
          member: 'group:privacy@acme.com',
          ...at('s/c/m'),
        },
      },
      google_bigquery_dataset: { d: { dataset_id: 'shop_cdc', ...at('s/p/d') } },
      google_bigquery_table: {
        tb: {
          dataset_id: '${google_bigquery_dataset.d.dataset_id}',
          table_id: 'orders',
          schema: '[{"name":"email","policyTags":{"names":["${google_data_catalog_policy_tag.p.name}"]}}]',
          ...at('s/p/tb'),
        },
      },
    },
  });
  expect(m.nodes.find((n) => n.kind === 'classification')).toMatchObject({ label: 'data-classification', details: ['PII'] });
  expect(edge(m, 'classification:data-classification', 'dataset:shop_cdc')).toBe('classifies');
  expect(m.facts).toMatchObject({ policyTags: ['PII'], classifiedTables: ['shop_cdc.orders'] });
  expect(m.grants).toEqual([expect.objectContaining({ on: 'classification:data-classification', principal: 'group:privacy@acme.com' })]);
});

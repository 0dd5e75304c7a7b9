import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, TerraformStack } from 'cdktf';
import { loadReferenceStackConfig } from '../../stacks/stack-config';
import { validateAll } from '../../stacks/reference-app';
import { WePay2014Stack } from '../../stacks/wepay-2014';
import { WePay2016Stack } from '../../stacks/wepay-2016';
import { WePay2019Stack } from '../../stacks/wepay-2019';

const config = loadReferenceStackConfig({});

function synthOf<T extends TerraformStack>(make: (app: any) => T): { stack: T; json: any } {
  const stack = make(Testing.app());
  expect(validateAll([stack])).toEqual([]);
  return { stack, json: JSON.parse(Testing.synth(stack)) };
}

const values = (json: any, type: string): any[] => Object.values(json.resource[type] ?? {});

describe('wepay-2014 (stage 0)', () => {
  test('three CDC-ready Cloud SQL MySQL databases with replication users, and nothing else', () => {
    const { json } = synthOf((app) => new WePay2014Stack(app, 'wepay-2014', config));
    expect(Object.keys(json.resource).sort()).toEqual(['google_sql_database', 'google_sql_database_instance', 'google_sql_user']);
    const instances = values(json, 'google_sql_database_instance');
    expect(instances.map((i) => i.name).sort()).toEqual(['ledger-db', 'monolith-db', 'risk-db']);
    for (const i of instances) {
      expect(i.settings.backup_configuration).toEqual({ enabled: true, binary_log_enabled: true, transaction_log_retention_days: 7 });
      expect(i.settings.database_flags).toEqual([{ name: 'binlog_row_image', value: 'full' }]);
      expect(i.settings.ip_configuration).toMatchObject({ ipv4_enabled: false, private_network: 'projects/acme-data-platform/global/networks/data-platform' });
    }
    expect(values(json, 'google_sql_user').map((u) => `${u.name} ${u.password}`)).toEqual(Array(3).fill('cdc ${var.mysql_cdc_password}'));
    expect(
      values(json, 'google_sql_database')
        .map((d) => d.name)
        .sort(),
    ).toEqual(['ledger', 'risk', 'wepay']);
  });
});

describe('wepay-2016 (stage 1)', () => {
  test('Airflow on Composer with one DAG per database, each valid Python', () => {
    const { stack, json } = synthOf((app) => new WePay2016Stack(app, 'wepay-2016', config));
    expect(values(json, 'google_composer_environment').map((e) => e.name)).toEqual(['wepay-airflow']);
    const dags = values(json, 'google_storage_bucket_object');
    expect(dags.map((d) => d.name).sort()).toEqual(['dags/ledger_batch.py', 'dags/monolith_batch.py', 'dags/risk_batch.py']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wepay-dags-'));
    for (const dag of dags) {
      const file = path.join(dir, path.basename(dag.name));
      fs.writeFileSync(file, dag.content);
      expect(() => execFileSync('python3', ['-m', 'py_compile', file], { stdio: 'pipe' })).not.toThrow();
    }
    expect(stack.company.batch!.sources.monolith.tables).toEqual({ 'wepay.users': 'users', 'wepay.merchants': 'merchants', 'wepay.payments': 'payments' });
    expect(
      values(json, 'google_bigquery_dataset')
        .map((d) => d.dataset_id)
        .sort(),
    ).toEqual(['ledger_batch', 'monolith_batch', 'risk_batch']);
  });
});

describe('wepay-2019 (stage 3)', () => {
  test('new sources and five kinds of sinks, routed by selector', () => {
    const { stack, json } = synthOf((app) => new WePay2019Stack(app, 'wepay-2019', config));
    const routes = stack.company.integration!.routes;
    expect(Object.fromEntries(Object.entries(routes).map(([sink, r]) => [sink, r.topics]))).toEqual({
      'integration-bigquery-sink': [
        'payouts.public.payouts',
        'payouts.public.settlements',
        'profiles.profiles.merchant_profiles',
        'profiles.profiles.storefronts',
        'balances.Balances',
        'balances.Holds',
      ],
      'merchant-search-sink': ['monolith.wepay.merchants', 'profiles.profiles.merchant_profiles', 'profiles.profiles.storefronts'],
      'risk-graph-sink': ['monolith.wepay.users', 'monolith.wepay.payments', 'risk.risk.risk_scores', 'risk.risk.rules', 'balances.Holds'],
      'finance-reporting-sink': [
        'ledger.ledger.entries',
        'ledger.ledger.accounts',
        'payouts.public.payouts',
        'payouts.public.settlements',
        'balances.Balances',
        'balances.Holds',
      ],
      'risk-events-pubsub-sink': ['risk-events.risk.device_events'],
    });
    const connector = (name: string) => values(json, 'kafka-connect_connector').find((c) => c.name === name);
    expect(connector('integration-bigquery-sink').config['topics.regex']).toBe('payouts\\..+|profiles\\..+|balances\\..+');
    expect(connector('merchant-search-sink').config['connector.class']).toBe('io.confluent.connect.elasticsearch.ElasticsearchSinkConnector');
    expect(connector('risk-graph-sink').config['connector.class']).toBe('org.neo4j.connectors.kafka.sink.Neo4jConnector');
    expect(connector('finance-reporting-sink').config['connector.class']).toBe('io.debezium.connector.jdbc.JdbcSinkConnector');
    expect(connector('profiles-mongodb-source').config['connector.class']).toBe('io.debezium.connector.mongodb.MongoDbConnector');
    expect(connector('balances-spanner-source').config['connector.class']).toBe('io.debezium.connector.spanner.SpannerConnector');
    expect(values(json, 'kafka_user_scram_credential').map((u) => u.username)).toEqual(['cdc-risk-events']);
    const outputs = Object.values<any>(json.output).map((o) => String(o.value));
    expect(outputs.filter((o) => o.includes('cassandra.driver.config.file=/etc/debezium-cassandra/application.conf\n'))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes('basic.contact-points'))[0]).toContain(
      'basic.contact-points = ["cassandra-1.data.internal:9042", "cassandra-2.data.internal:9042", "cassandra-3.data.internal:9042"]',
    );
    expect(values(json, 'google_sql_database_instance').find((i) => i.name === 'payouts-db').settings.database_flags).toEqual([
      { name: 'cloudsql.logical_decoding', value: 'on' },
    ]);
  });

  test('audit #6: risk events reach Pub/Sub as written (ByteArrayConverter), on a topic the stack creates, published by the Connect workers', () => {
    // googleapis/java-pubsub-group-kafka-connector CloudPubSubSinkTask.handleValue refuses a STRUCT with a nested
    // struct ("Struct type does not support nested Map or Struct types"): every change envelope has one.
    const { stack, json } = synthOf((app) => new WePay2019Stack(app, 'wepay-2019', config));
    const sink = values(json, 'kafka-connect_connector').find((c) => c.name === 'risk-events-pubsub-sink');
    expect(sink.config).toMatchObject({
      'connector.class': 'com.google.pubsub.kafka.sink.CloudPubSubSinkConnector',
      'cps.project': 'acme-data-platform',
      'cps.topic': 'risk-events',
      'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      topics: 'risk-events.risk.device_events',
    });
    expect(sink.config.transforms).toBeUndefined();
    const [topic] = values(json, 'google_pubsub_topic').filter((t) => t.name === 'risk-events');
    expect(topic).toMatchObject({ project: 'acme-data-platform', name: 'risk-events' });
    const publisher = values(json, 'google_pubsub_topic_iam_member').filter(
      (m) => m.role === 'roles/pubsub.publisher' && String(m.topic).includes('risk-events'),
    );
    // The Connect workers' own service account (the cluster's Google identity).
    expect(publisher.map((m) => m.member)).toEqual([expect.stringMatching(/^serviceAccount:\$\{google_service_account\.[\w-]+\.email\}$/)]);
    expect(stack.company.integration!.sinks['risk-events-pubsub-sink'].connectorClass).toBe('com.google.pubsub.kafka.sink.CloudPubSubSinkConnector');
    // Created only once the topic and the role exist.
    expect(sink.depends_on).toEqual(
      expect.arrayContaining([expect.stringMatching(/^google_pubsub_topic\./), expect.stringMatching(/^google_pubsub_topic_iam_member\./)]),
    );
  });
});

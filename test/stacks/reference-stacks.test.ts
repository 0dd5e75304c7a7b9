import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthReferenceApp } from '../../stacks/reference-app';
import { REFERENCE_STACKS } from '../../stacks/registry';
import { loadReferenceStackConfig } from '../../stacks/stack-config';

function synthAll(env: NodeJS.ProcessEnv = {}, stacks?: string[]): { outdir: string; stack: (name: string) => any } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-synth-'));
  synthReferenceApp({ outdir, config: loadReferenceStackConfig(env), stacks });
  return { outdir, stack: (name) => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) };
}

/** The JSON without metadata that changes with paths on disk. */
function stable(json: any): any {
  // Local state paths (the backend and cross-stack remote state) are absolute: cdktf writes
  // them under the working directory, which differs per checkout.
  const cwd = JSON.stringify(process.cwd()).slice(1, -1);
  const copy = JSON.parse(JSON.stringify(json).split(cwd).join('<cwd>'));
  delete copy['//'];
  return copy;
}

describe('reference stacks', () => {
  const { stack } = synthAll();

  test.each(Object.keys(REFERENCE_STACKS))('%s synthesizes without a cloud account (snapshot)', (name) => {
    expect(stable(stack(name))).toMatchSnapshot();
  });

  test("talk-slides holds the talk's three slides and nothing else", () => {
    const json = stack('talk-slides');
    expect(Object.keys(json.resource).sort()).toEqual(['kafka-connect_connector', 'kafka_acl', 'kafka_topic']);
    expect(Object.values(json.resource.kafka_topic)).toEqual([
      expect.objectContaining({ name: 'systemd_logs', replication_factor: 2, partitions: 100, config: { 'segment.ms': '20000', 'cleanup.policy': 'compact' } }),
    ]);
    expect(Object.values(json.resource['kafka-connect_connector'])).toEqual([
      expect.objectContaining({
        name: 'test-sink',
        config: {
          name: 'test-sink',
          'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
          'tasks.max': '1',
          topics: 'orders',
          'connection.url': 'jdbc:sqlite:test.db',
          'auto.create': 'true',
        },
      }),
    ]);
    expect(Object.values(json.resource.kafka_acl)).toEqual([
      expect.objectContaining({
        resource_name: 'syslog',
        resource_type: 'Topic',
        acl_principal: 'User:Alice',
        acl_host: '*',
        acl_operation: 'Write',
        acl_permission_type: 'Deny',
      }),
    ]);
    expect(json.provider.kafka).toEqual([expect.objectContaining({ bootstrap_servers: ['localhost:9092'] })]);
    expect(json.provider['kafka-connect']).toEqual([{ url: 'http://localhost:8083' }]);
  });

  test('audit #30: talk-slides reaches its localhost demo broker as it listens, in plaintext: TLS off, no SASL', () => {
    const [kafka] = stack('talk-slides').provider.kafka;
    expect(kafka).toMatchObject({ bootstrap_servers: ['localhost:9092'], tls_enabled: false });
    expect(kafka.sasl_mechanism).toBeUndefined();
  });

  test('wepay-2017 captures the monolith and two services into BigQuery', () => {
    const json = stack('wepay-2017');
    const connectors = Object.values<any>(json.resource['kafka-connect_connector'])
      .map((c) => `${c.name} ${c.config['connector.class']}`)
      .sort();
    expect(connectors).toEqual([
      'ledger-bigquery-sink com.wepay.kafka.connect.bigquery.BigQuerySinkConnector',
      'ledger-mysql-source io.debezium.connector.mysql.MySqlConnector',
      'monolith-bigquery-sink com.wepay.kafka.connect.bigquery.BigQuerySinkConnector',
      'monolith-mysql-source io.debezium.connector.mysql.MySqlConnector',
      'risk-bigquery-sink com.wepay.kafka.connect.bigquery.BigQuerySinkConnector',
      'risk-mysql-source io.debezium.connector.mysql.MySqlConnector',
    ]);
    const topics = Object.values<any>(json.resource.kafka_topic).map((t) => t.name);
    expect(topics).toEqual(
      expect.arrayContaining(['monolith.wepay.users', 'monolith.wepay.payments', 'risk.risk.risk_scores', 'ledger.ledger.entries', 'schema-history.monolith']),
    );
    expect(
      Object.values<any>(json.resource.google_bigquery_dataset)
        .map((d) => d.dataset_id)
        .sort(),
    ).toEqual(['ledger_cdc', 'monolith_cdc', 'risk_cdc']);
    expect(json.provider.google).toEqual([{ project: 'acme-data-platform', region: 'us-central1' }]);
    // Only Terraform's own Kafka login is a variable: the connectors' passwords are files on the
    // Connect workers, read through the config provider, never passed to Terraform (audit #32).
    expect(Object.keys(json.variable).sort()).toEqual(['kafka_admin_password']);
    const configs = Object.values<any>(json.resource['kafka-connect_connector']);
    expect(configs.every((c) => c.config_sensitive === undefined)).toBe(true);
    expect(configs.map((c) => c.config['database.password']).filter(Boolean)).toEqual(
      Array(3).fill('$${secrets:/etc/kafka-connect/secrets:mysql_cdc_password}'),
    );
    Object.values<any>(json.variable).forEach((v) => expect(v.sensitive).toBe(true));
  });

  test('a GCS backend is used when a state bucket is configured', () => {
    // A deployment builds one snapshot of the company (audit #33).
    const { stack: withBucket } = synthAll({ CDP_STATE_BUCKET: 'acme-tf-state', CDP_GCP_PROJECT: 'acme-prod' }, ['wepay-2017']);
    expect(withBucket('wepay-2017').terraform.backend).toEqual({ gcs: { bucket: 'acme-tf-state', prefix: 'cdktf-data-pipelines/wepay-2017' } });
    expect(withBucket('wepay-2017').provider.google).toEqual([{ project: 'acme-prod', region: 'us-central1' }]);
  });

  test('no secret value given to any construct appears in the synthesized JSON', () => {
    const { outdir } = synthAll();
    const files: string[] = [];
    const walk = (dir: string) =>
      fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : files.push(path.join(dir, e.name))));
    walk(outdir);
    const secretKey = /(password|secret|jaas|keyfile|token)/i;
    // Keys that name a secret or a secrets backend rather than hold a secret.
    // password_wo_version is the version of a write-only SCRAM password (audit #31), not the password.
    const secretNames = ['secret', 'secret_id', 'secrets-backend', 'secrets-backend_kwargs', 'password_wo_version'];
    // A secret is a Terraform variable, a Secret Manager version, or a Kafka Connect config-provider
    // reference that the workers resolve from a mounted file (audit #32; escaped as $${…} for
    // Terraform, which sends ${…} to Connect): never a value.
    const reference =
      /^(\$\{(var\.[a-z_]+|data\.google_secret_manager_secret_version\.[A-Za-z0-9_-]+\.secret_data)\}|\$\$\{secrets:\/[A-Za-z0-9._/-]+:[A-Za-z0-9._-]+\})$/;
    let checked = 0;
    const visit = (value: unknown, key: string) => {
      if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) visit(v, k);
      } else if (typeof value === 'string' && secretKey.test(key) && !/\.(type|mechanism|source|file)$/.test(key) && !secretNames.includes(key)) {
        checked++;
        const jaas = /password="([^"]*)"/.exec(value);
        // A connection URI (e.g. an Airflow connection in Secret Manager) carries the password as a URL-encoded reference.
        const uri = /^[a-z]+:\/\/[^:/@]+:(.*)@[^@]*$/.exec(value);
        const secret = jaas ? jaas[1] : uri ? uri[1].replace(/^\$\{urlencode\((.*)\)\}$/, '${$1}') : value;
        expect({ key, value: secret }).toEqual({ key, value: expect.stringMatching(reference) });
      }
    };
    files.filter((f) => f.endsWith('.json')).forEach((f) => visit(JSON.parse(fs.readFileSync(f, 'utf8')), ''));
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});

describe('bad props across stacks', () => {
  test('one error lists every problem and nothing is written', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-bad-'));
    const original = REFERENCE_STACKS['talk-slides'];
    const { TerraformStack } = require('cdktf');
    const { KafkaCluster } = require('../../constructs/kafka/kafka-cluster');
    const { KafkaTopic } = require('../../constructs/kafka/kafka-topic');
    REFERENCE_STACKS['broken'] = (scope, name) => {
      const s = new TerraformStack(scope, name);
      const k = new KafkaCluster(s, 'kafka', { bootstrapServers: ['localhost:9092'], kafkaVersion: 'x', brokerCount: 1 });
      new KafkaTopic(s, 't', { platform: k, name: 'bad topic', replicationFactor: 3 });
      return s;
    };
    try {
      expect(() => synthReferenceApp({ outdir })).toThrow(
        /Synth stopped: 3 problem\(s\); nothing was written\.\n {2}\[broken\/kafka\] kafkaVersion: "x" is not valid.*\n {2}\[broken\/t\] name: "bad topic" is not valid.*\n {2}\[broken\/t\] replicationFactor: 3 is not valid; allowed: an integer from 1 to the platform's broker count \(1\)/,
      );
      const written: string[] = [];
      const walk = (dir: string) =>
        fs.readdirSync(dir, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : written.push(e.name)));
      walk(outdir);
      expect(written).toEqual([]);
    } finally {
      delete REFERENCE_STACKS['broken'];
      expect(REFERENCE_STACKS['talk-slides']).toBe(original);
    }
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { decentralizedStacks } from '../../stacks/decentralized';
import { loadReferenceStackConfig } from '../../stacks/stack-config';
import { aclSet, resources, SynthJson } from '../helpers';
import { datasetGrants } from './grants';

/**
 * Each domain of the reference company in its own stack: every resource and every grant of the
 * stack, exactly. What a stack does not list, its team cannot do.
 */
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-domains-'));
const app = new App({ outdir });
decentralizedStacks(app, loadReferenceStackConfig({}));
app.synth();
const stack = (name: string): SynthJson => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));

/** The stack's resources, one line each: type and what identifies it. */
function inventory(json: SynthJson): string[] {
  const line = (type: string, r: any): string => {
    switch (type) {
      case 'google_bigquery_dataset':
        return `${r.dataset_id} ${JSON.stringify(r.labels)}`;
      case 'google_service_account':
        return r.account_id;
      case 'google_project_iam_member':
        return `${r.role} ${r.member.replace(/_[0-9A-F]{8}\./, '.')}`;
      case 'kafka_topic':
        return `${r.name} ${r.partitions}×${r.replication_factor} ${JSON.stringify(r.config ?? {})}`;
      case 'kafka_user_scram_credential':
        return `${r.username} ${r.scram_mechanism}`;
      case 'kafka-connect_connector':
        return `${r.name} ${r.config['connector.class'].split('.').pop()} depends_on ${(r.depends_on ?? []).length}`;
      default:
        return '';
    }
  };
  return Object.entries(json.resource)
    .filter(([type]) => type !== 'kafka_acl' && type !== 'google_bigquery_dataset_iam_member')
    .flatMap(([type, byName]) => Object.values<any>(byName).map((r) => `${type} ${line(type, r)}`))
    .sort();
}

const grantsOf = (json: SynthJson) => datasetGrants(json);

/**
 * The ACLs a domain declared, which the platform applies in its own stack (audit #28: a domain's
 * deployer holds no cluster Alter, so the domain's stack holds no ACL and no SCRAM user).
 */
const declaredAcls = (domain: string): string[] =>
  aclSet({
    resource: {
      kafka_acl: Object.fromEntries(
        Object.entries(stack('decentralized').resource.kafka_acl).filter(([k]) => k.startsWith(`platform_domain-access-${domain}_`)),
      ),
    },
  });

describe('a partial domain in its own stack (fraud)', () => {
  const json = stack('decentralized-fraud');

  test('its resources: datasets, its topic, two landing sinks on the shared Connect cluster (its SCRAM users and ACLs are applied by the platform)', () => {
    expect(inventory(json)).toEqual([
      'google_bigquery_dataset fraud_models {"classification":"internal","domain":"fraud","owner":"fraud"}',
      'google_bigquery_dataset fraud_subscriptions {"classification":"internal","domain":"fraud","owner":"fraud"}',
      'kafka-connect_connector fraud-central-merchants-sink BigQuerySinkConnector depends_on 0',
      'kafka-connect_connector fraud-payments-settlements-sink BigQuerySinkConnector depends_on 0',
      'kafka_topic fraud.scores 12×3 {}',
    ]);
    expect(json.provider!.kafka).toEqual([expect.objectContaining({ sasl_username: 'fraud-deployer' })]);
    expect(json.provider!['kafka-connect']).toEqual([{ url: 'https://connect.data.internal:8083' }]);
    expect(Object.keys(json.variable ?? {}).sort()).toEqual(['kafka_deployer_password']);
  });

  test('its grants: its namespace, its access model (reading only what it subscribed to), writes on its own datasets', () => {
    expect(aclSet(json)).toEqual([]);
    expect(declaredAcls('fraud')).toEqual([
      'Allow User:fraud Describe Topic:Prefixed:fraud.',
      'Allow User:fraud Read Group:Prefixed:fraud.',
      'Allow User:fraud Read Topic:Prefixed:fraud.',
      'Allow User:fraud Write Topic:Prefixed:fraud.',
      'Allow User:fraud-model Describe Topic:Literal:fraud.scores',
      'Allow User:fraud-model Describe Topic:Literal:payments.ledger.public.settlements',
      'Allow User:fraud-model Read Group:Literal:fraud.model',
      'Allow User:fraud-model Read Topic:Literal:payments.ledger.public.settlements',
      'Allow User:fraud-model Write Topic:Literal:fraud.scores',
    ]);
    expect(grantsOf(json)).toEqual([
      // The domain's account and the shared Connect workers' live in the platform's stack (audit #9).
      'fraud_models dataEditor serviceAccount:decentralized/platform_domain-account-fraud_account@',
      'fraud_models dataViewer group:fraud-analysts@acme.com',
      'fraud_subscriptions dataEditor serviceAccount:decentralized/platform_domain-account-fraud_account@',
      'fraud_subscriptions dataEditor serviceAccount:decentralized/shared-connect-account@',
      'fraud_subscriptions dataViewer group:fraud-analysts@acme.com',
    ]);
  });
});

describe('a full domain in its own stack (payments)', () => {
  const json = stack('decentralized-payments');

  test('its resources: its own Connect cluster, capture and sink, CDC topics that compact erased rows within 7 days', () => {
    const cdc = '6×3 {"cleanup.policy":"compact","max.compaction.lag.ms":"604800000","min.insync.replicas":"2"}';
    expect(inventory(json)).toEqual([
      'google_bigquery_dataset payments_ledger {"classification":"internal","domain":"payments","owner":"payments","source":"ledger","stage":"realtime"}',
      'google_project_iam_member roles/bigquery.jobUser serviceAccount:${google_service_account.payments_connect-account.email}',
      'google_service_account payments-connect',
      // Their topics and the Connect workers' internal topics; their ACLs are in the platform's stack (deployed first).
      'kafka-connect_connector payments.ledger-bigquery-sink BigQuerySinkConnector depends_on 6',
      'kafka-connect_connector payments.ledger-postgres-source PostgresConnector depends_on 7',
      'kafka_topic __connect.payments.configs 1×3 {"cleanup.policy":"compact"}',
      'kafka_topic __connect.payments.offsets 25×3 {"cleanup.policy":"compact"}',
      'kafka_topic __connect.payments.status 5×3 {"cleanup.policy":"compact"}',
      'kafka_topic __debezium-heartbeat.payments.ledger 1×3 {"cleanup.policy":"delete","retention.ms":"86400000"}',
      `kafka_topic payments.ledger.public.payments ${cdc}`,
      `kafka_topic payments.ledger.public.refunds ${cdc}`,
      `kafka_topic payments.ledger.public.settlements ${cdc}`,
    ]);
    expect(json.provider!['kafka-connect']).toEqual([{ url: 'https://connect.payments.internal:8083' }]);
  });

  test('its grants, and the grants of those subscribing to its product (fraud), nothing for marketing', () => {
    expect(aclSet(json)).toEqual([]);
    expect(declaredAcls('payments')).toEqual([
      'Allow User:connect Describe Topic:Literal:payments.ledger.public.settlements',
      'Allow User:connect Read Group:Literal:connect-fraud-payments-settlements-sink',
      'Allow User:connect Read Topic:Literal:payments.ledger.public.settlements',
      'Allow User:fraud Describe Topic:Literal:payments.ledger.public.settlements',
      'Allow User:fraud Read Topic:Literal:payments.ledger.public.settlements',
      'Allow User:payments Describe Topic:Prefixed:payments.',
      'Allow User:payments Read Group:Prefixed:payments.',
      'Allow User:payments Read Topic:Prefixed:payments.',
      'Allow User:payments Write Topic:Prefixed:payments.',
      'Allow User:payments-connect Describe Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect Describe Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect Describe Topic:Literal:__connect.payments.status',
      'Allow User:payments-connect Describe Topic:Literal:__debezium-heartbeat.payments.ledger',
      'Allow User:payments-connect Describe Topic:Prefixed:payments.ledger.',
      'Allow User:payments-connect DescribeConfigs Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect DescribeConfigs Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect DescribeConfigs Topic:Literal:__connect.payments.status',
      'Allow User:payments-connect Read Group:Literal:__connect.payments',
      'Allow User:payments-connect Read Group:Literal:connect-payments.ledger-bigquery-sink',
      'Allow User:payments-connect Read Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect Read Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect Read Topic:Literal:__connect.payments.status',
      'Allow User:payments-connect Read Topic:Prefixed:payments.ledger.',
      'Allow User:payments-connect Write Topic:Literal:__connect.payments.configs',
      'Allow User:payments-connect Write Topic:Literal:__connect.payments.offsets',
      'Allow User:payments-connect Write Topic:Literal:__connect.payments.status',
      'Allow User:payments-connect Write Topic:Literal:__debezium-heartbeat.payments.ledger',
      'Allow User:payments-connect Write Topic:Prefixed:payments.ledger.',
    ]);
    expect(grantsOf(json)).toEqual([
      'payments_ledger dataEditor serviceAccount:decentralized/platform_domain-account-payments_account@',
      'payments_ledger dataEditor serviceAccount:payments-connect@',
      'payments_ledger dataViewer group:fraud-analysts@acme.com',
      'payments_ledger dataViewer group:payments-analysts@acme.com',
      'payments_ledger dataViewer serviceAccount:decentralized/platform_domain-account-fraud_account@',
    ]);
  });
});

describe('a partial domain that subscribes to central data only (marketing)', () => {
  const json = stack('decentralized-marketing');

  test('its resources and grants: nothing of payments or fraud', () => {
    expect(inventory(json)).toEqual([
      'google_bigquery_dataset marketing_campaigns {"classification":"internal","domain":"marketing","owner":"marketing"}',
      'google_bigquery_dataset marketing_subscriptions {"classification":"internal","domain":"marketing","owner":"marketing"}',
      'kafka-connect_connector marketing-central-merchants-sink BigQuerySinkConnector depends_on 0',
    ]);
    expect(aclSet(json)).toEqual([]);
    expect(declaredAcls('marketing')).toEqual([
      'Allow User:marketing Describe Topic:Prefixed:marketing.',
      'Allow User:marketing Read Group:Prefixed:marketing.',
      'Allow User:marketing Read Topic:Prefixed:marketing.',
      'Allow User:marketing Write Topic:Prefixed:marketing.',
    ]);
    for (const name of ['decentralized', 'decentralized-payments', 'decentralized-fraud']) {
      const other = stack(name);
      // Besides its own namespace (which the platform applies for it) and the merchants it subscribes to.
      expect(
        aclSet(other).filter((a) => a.includes('User:marketing ') && !a.includes('monolith.wepay.merchants') && !a.endsWith(':Prefixed:marketing.')),
      ).toEqual([]);
      expect(
        resources(other, 'google_bigquery_dataset_iam_member').filter((r) => r.member.includes('marketing') && !/monolith/.test(JSON.stringify(r))),
      ).toEqual([]);
    }
  });
});

import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { SecretValue } from '../constructs/core/secret-value';
import { KafkaCluster } from '../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../constructs/connect/kafka-connect-cluster';
import { PipelineServiceAccount } from '../constructs/bigquery/pipeline-service-account';
import { ExternalSourceDatabase } from '../constructs/sources/source-database';
import { SourceTable } from '../constructs/sources/source-table';
import { RealtimePipeline } from '../constructs/stages/realtime-pipeline';
import { DataDomain } from '../constructs/decentralization/data-domain';
import { DecentralizedPlatform } from '../constructs/decentralization/decentralized-platform';
import { ReferenceStackConfig, ReferenceStackFactory, useGoogleCloud } from './stack-config';
import { monolithTables } from './wepay-company';

/** Tables of the payments team's own PostgreSQL ledger. */
export const paymentsLedgerTables: SourceTable[] = [
  // Card numbers stay in the card vault and payout IBANs in the payouts service: the ledger holds no personal data.
  {
    name: 'payments',
    primaryKey: ['id'],
    columns: [
      { name: 'merchant_id', type: 'bigint' },
      { name: 'amount', type: 'numeric(18,2)' },
    ],
    labels: ['payments'],
  },
  {
    name: 'refunds',
    primaryKey: ['id'],
    columns: [
      { name: 'payment_id', type: 'bigint' },
      { name: 'amount', type: 'numeric(18,2)' },
    ],
    labels: ['payments'],
  },
  {
    name: 'settlements',
    primaryKey: ['id'],
    columns: [
      { name: 'merchant_id', type: 'bigint' },
      { name: 'amount', type: 'numeric(18,2)' },
    ],
    labels: ['finance'],
  },
];

/** What {@link buildDecentralizedCompany} built. */
export interface DecentralizedCompany {
  /** The shared platform. */
  readonly platform: DecentralizedPlatform;
  /** The central pipeline (the monolith, still run by the platform team). */
  readonly central: RealtimePipeline;
  /** Domains by name. */
  readonly domains: Record<string, DataDomain>;
}

/** Where each part of the company goes: the platform's scope and each domain's. */
export interface CompanyScopes {
  /** Scope (a stack) of the platform. */
  readonly platform: Construct;
  /** Scope of a domain: its own stack, or the platform's. */
  domain(name: string): Construct;
}

/**
 * The company at stage 5: the platform team runs Kafka, a shared Connect cluster and the monolith's
 * capture (central products); three teams own microwarehouses side by side:
 *
 * - `payments` (full): its own Connect cluster captures its own PostgreSQL ledger; it publishes
 *   `settlements` (topic + dataset);
 * - `fraud` (partial): subscribes to central `merchants` and payments' `settlements`, landed by the
 *   shared Connect cluster; it owns the topic `fraud.scores` and publishes it as `scores`;
 * - `marketing` (partial): subscribes to central `merchants` only, so it can read nothing of
 *   payments or fraud.
 */
export function buildDecentralizedCompany(
  scopes: CompanyScopes,
  config: ReferenceStackConfig,
  existing?: { kafka: KafkaCluster; connect: KafkaConnectCluster; central: RealtimePipeline },
): DecentralizedCompany {
  const { central, platform } = buildCentralPlatform(scopes.platform, config, existing);
  return { platform, central, domains: buildDomains(scopes, platform) };
}

/** The platform team's part: Kafka, the shared Connect cluster and the monolith's capture (unless they exist), and the platform. */
function buildCentralPlatform(
  scope: Construct,
  config: ReferenceStackConfig,
  existing?: { kafka: KafkaCluster; connect: KafkaConnectCluster; central: RealtimePipeline },
): { central: RealtimePipeline; platform: DecentralizedPlatform } {
  const kafka =
    existing?.kafka ??
    new KafkaCluster(scope, 'kafka', {
      bootstrapServers: ['kafka-1.data.internal:9093', 'kafka-2.data.internal:9093', 'kafka-3.data.internal:9093'],
      kafkaVersion: '3.9.0',
      brokerCount: 3,
      sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_admin_password') },
    });
  // The shared Connect workers' Google identity, declared with the cluster: the monolith's sink,
  // created before the platform, writes as it.
  const connect =
    existing?.connect ??
    new KafkaConnectCluster(scope, 'connect', {
      url: 'https://connect.data.internal:8083',
      kafka,
      workerPrincipal: 'User:connect',
      kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('kafka_connect_password') },
      // Connectors hold ${secrets:…} references, resolved on the workers from mounted Secret Manager files (audit #32).
      secrets: { mountPath: '/etc/kafka-connect/secrets' },
      googleServiceAccount: new PipelineServiceAccount(scope, 'shared-connect-account', {
        project: config.project,
        accountId: 'shared-connect',
        displayName: 'Shared Kafka Connect workers of the data platform',
      }).email,
    });
  const central =
    existing?.central ??
    new RealtimePipeline(scope, 'realtime', {
      kafka,
      connect,
      sources: [
        new ExternalSourceDatabase(scope, 'monolith', {
          logicalName: 'monolith',
          engine: 'mysql',
          host: 'monolith-db.internal',
          databaseName: 'wepay',
          tables: monolithTables,
          replicationPassword: SecretValue.fromVariable('mysql_cdc_password'),
        }),
      ],
      warehouse: { project: config.project, location: 'US', labels: { owner: 'data-platform', classification: 'confidential' } },
    });
  const monolith = central.sources.monolith;
  const platform = new DecentralizedPlatform(scope, 'platform', {
    kafka,
    connect,
    project: config.project,
    datasets: [monolith.dataset],
    products: [
      {
        name: 'merchants',
        description: 'Merchants of the monolith',
        topics: [monolith.topics['wepay.merchants'].name],
        datasets: [monolith.dataset.datasetId],
      },
    ],
  });
  return { central, platform };
}

/** The three teams' microwarehouses, each in its own scope: payments (full), fraud and marketing (partial). */
function buildDomains(scopes: CompanyScopes, platform: DecentralizedPlatform): DecentralizedCompany['domains'] {
  const payments = new DataDomain(scopes.domain('payments'), 'payments', {
    platform,
    name: 'payments',
    mode: 'full',
    connect: { url: 'https://connect.payments.internal:8083' },
    sources: [
      new ExternalSourceDatabase(scopes.domain('payments'), 'ledger-db', {
        logicalName: 'ledger',
        engine: 'postgres',
        host: 'ledger-db.payments.internal',
        databaseName: 'ledger',
        tables: paymentsLedgerTables,
        replicationPassword: SecretValue.fromVariable('payments_ledger_cdc_password'),
      }),
    ],
    products: [{ name: 'settlements', description: 'Settled payments', topics: ['payments.ledger.public.settlements'], datasets: ['payments_ledger'] }],
    access: {
      principals: [{ name: 'payments-analysts', google: 'group:payments-analysts@acme.com' }],
      roles: [{ name: 'analyst', grants: [{ dataset: 'payments_ledger' }] }],
      teams: [{ name: 'payments', members: ['payments-analysts'], roles: ['analyst'] }],
    },
  });
  const fraud = new DataDomain(scopes.domain('fraud'), 'fraud', {
    platform,
    name: 'fraud',
    mode: 'partial',
    datasets: [{ name: 'models', description: 'Risk models and their features' }],
    topics: [{ name: 'fraud.scores', partitions: 12 }],
    subscriptions: [
      { domain: 'central', product: 'merchants' },
      { domain: 'payments', product: 'settlements' },
    ],
    readers: ['group:fraud-analysts@acme.com'],
    products: [{ name: 'scores', description: 'Risk score of every payment', topics: ['fraud.scores'] }],
    access: {
      principals: [
        { name: 'fraud-model', scram: { password: SecretValue.fromVariable('fraud_model_kafka_password') } },
        { name: 'fraud-analysts', google: 'group:fraud-analysts@acme.com' },
      ],
      roles: [
        {
          name: 'scorer',
          grants: [
            { topic: 'payments.ledger.public.settlements', group: 'fraud.model' },
            { topic: 'fraud.scores', access: 'write' },
          ],
        },
        { name: 'analyst', grants: [{ dataset: 'fraud_models' }, { dataset: 'fraud_subscriptions' }] },
      ],
      teams: [
        { name: 'fraud-scoring', members: ['fraud-model'], roles: ['scorer'] },
        { name: 'fraud-analytics', members: ['fraud-analysts'], roles: ['analyst'] },
      ],
    },
  });
  const marketing = new DataDomain(scopes.domain('marketing'), 'marketing', {
    platform,
    name: 'marketing',
    mode: 'partial',
    datasets: [{ name: 'campaigns' }],
    subscriptions: [{ domain: 'central', product: 'merchants' }],
    readers: ['group:marketing@acme.com'],
  });
  return { payments, fraud, marketing };
}

/** Names of the company's stacks: the platform's and one per domain. */
export const DECENTRALIZED_DOMAINS = ['payments', 'fraud', 'marketing'];

const built = new WeakMap<Construct, Record<string, TerraformStack>>();

/**
 * The stacks of the decentralized company in `app`: `decentralized` (the platform) and
 * `decentralized-<domain>` for each domain, built together on first use (domain stacks reference
 * the platform's stack), so each team deploys its own stack from its own CI.
 */
export function decentralizedStacks(app: Construct, config: ReferenceStackConfig): Record<string, TerraformStack> {
  const existing = built.get(app);
  if (existing) return existing;
  const platformStack = new TerraformStack(app, 'decentralized');
  useGoogleCloud(platformStack, config);
  const stacks: Record<string, TerraformStack> = { decentralized: platformStack };
  for (const name of DECENTRALIZED_DOMAINS) {
    const stack = new TerraformStack(app, `decentralized-${name}`);
    useGoogleCloud(stack, config);
    stacks[`decentralized-${name}`] = stack;
  }
  buildDecentralizedCompany({ platform: platformStack, domain: (name) => stacks[`decentralized-${name}`] }, config);
  built.set(app, stacks);
  return stacks;
}

/** Registry entries of the decentralized company's stacks. */
export const DECENTRALIZED_STACKS: Record<string, ReferenceStackFactory> = Object.fromEntries(
  ['decentralized', ...DECENTRALIZED_DOMAINS.map((d) => `decentralized-${d}`)].map((name) => [
    name,
    ((scope, _name, config) => decentralizedStacks(scope, config)[name]) as ReferenceStackFactory,
  ]),
);

/**
 * Stage 5 of a company that already runs Kafka, Connect and a realtime pipeline with the monolith
 * (WePay at stage 4): the platform and the three domains are added beside everything, in the same
 * stack, so the upgrade destroys or replaces nothing (test/stacks/decentralized-upgrade.test.ts).
 * Teams then move their domain into its own stack with moved blocks when they want their own CI.
 */
export function decentralizeCompany(
  stack: TerraformStack,
  company: { kafka?: KafkaCluster; connect?: KafkaConnectCluster; realtime?: RealtimePipeline },
  config: ReferenceStackConfig,
): DecentralizedCompany {
  if (!company.kafka || !company.connect || !company.realtime)
    throw new Error('decentralizeCompany: the company needs Kafka, Connect and its realtime pipeline (stage 2 or later)');
  return buildDecentralizedCompany({ platform: stack, domain: () => stack }, config, {
    kafka: company.kafka,
    connect: company.connect,
    central: company.realtime,
  });
}

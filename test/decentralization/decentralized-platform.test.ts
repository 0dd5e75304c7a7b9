import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { DataDomain, DataDomainProps } from '../../constructs/decentralization/data-domain';
import { DecentralizedPlatform } from '../../constructs/decentralization/decentralized-platform';
import { buildDecentralizedCompany, decentralizedStacks } from '../../stacks/decentralized';
import { validateAll } from '../../stacks/reference-app';
import { loadReferenceStackConfig } from '../../stacks/stack-config';
import { problems, resources, synth, SynthJson } from '../helpers';
import { aclsOf, datasetGrants, memberOf } from './grants';

const config = loadReferenceStackConfig({});
const PROJECT = config.project;
const sa = (name: string) => `serviceAccount:${name}-domain@${PROJECT}.iam.gserviceaccount.com`;

/** Compares two lists as sets: both sorted. */
const expectSet = (actual: string[], expected: string[]) => expect([...actual].sort()).toEqual([...expected].sort());

const NAMESPACE = (d: string) => [
  `Allow Describe Topic:Prefixed:${d}.`,
  `Allow Read Group:Prefixed:${d}.`,
  `Allow Read Topic:Prefixed:${d}.`,
  `Allow Write Topic:Prefixed:${d}.`,
];

describe('the decentralized company in one stack', () => {
  const json = synth((stack) => {
    buildDecentralizedCompany({ platform: stack, domain: () => stack }, config);
  });

  test("each domain's applications get their namespace and exactly the topics they subscribe to", () => {
    // payments subscribes to nothing: its namespace only.
    expect(aclsOf(json, 'User:payments')).toEqual(NAMESPACE('payments'));
    // marketing subscribes to central merchants only: not one ACL on payments.* or fraud.*.
    expect(aclsOf(json, 'User:marketing')).toEqual(
      [...NAMESPACE('marketing'), 'Allow Describe Topic:Literal:monolith.wepay.merchants', 'Allow Read Topic:Literal:monolith.wepay.merchants'].sort(),
    );
    // fraud subscribes to central merchants and payments' settlements.
    expect(aclsOf(json, 'User:fraud')).toEqual(
      [
        ...NAMESPACE('fraud'),
        'Allow Describe Topic:Literal:monolith.wepay.merchants',
        'Allow Read Topic:Literal:monolith.wepay.merchants',
        'Allow Describe Topic:Literal:payments.ledger.public.settlements',
        'Allow Read Topic:Literal:payments.ledger.public.settlements',
      ].sort(),
    );
  });

  test("audit #23: a full domain's own Connect workers get its pipeline's topics, and their own group and compacted internal topics", () => {
    expectSet(aclsOf(json, 'User:payments-connect'), [
      ...['configs', 'offsets', 'status'].flatMap((t) =>
        ['Describe', 'DescribeConfigs', 'Read', 'Write'].map((op) => `Allow ${op} Topic:Literal:__connect.payments.${t}`),
      ),
      'Allow Read Group:Literal:__connect.payments',
      'Allow Describe Topic:Literal:__debezium-heartbeat.payments.ledger',
      'Allow Describe Topic:Prefixed:payments.ledger.',
      'Allow Read Group:Literal:connect-payments.ledger-bigquery-sink',
      'Allow Read Topic:Prefixed:payments.ledger.',
      'Allow Write Topic:Literal:__debezium-heartbeat.payments.ledger',
      'Allow Write Topic:Prefixed:payments.ledger.',
    ]);
  });

  test("the shared Connect workers read a product only for the partial domains that land it, each with the sink's own group", () => {
    const landing = aclsOf(json, 'User:connect').filter((a) => /connect-(fraud|marketing)-|merchants|settlements/.test(a));
    expectSet(landing, [
      'Allow Describe Topic:Literal:monolith.wepay.merchants',
      'Allow Describe Topic:Literal:payments.ledger.public.settlements',
      'Allow Read Group:Literal:connect-marketing-central-merchants-sink',
      'Allow Read Group:Literal:connect-fraud-central-merchants-sink',
      'Allow Read Group:Literal:connect-fraud-payments-settlements-sink',
      'Allow Read Topic:Literal:monolith.wepay.merchants',
      'Allow Read Topic:Literal:payments.ledger.public.settlements',
    ]);
  });

  test("the domain's access model extends its subscriptions to its own principals, and nothing more", () => {
    expectSet(aclsOf(json, 'User:fraud-model'), [
      'Allow Describe Topic:Literal:payments.ledger.public.settlements',
      'Allow Describe Topic:Literal:fraud.scores',
      'Allow Read Group:Literal:fraud.model',
      'Allow Read Topic:Literal:payments.ledger.public.settlements',
      'Allow Write Topic:Literal:fraud.scores',
    ]);
  });

  test('each domain reads exactly its own datasets and the datasets of products it subscribes to', () => {
    const of = (members: string[]) => datasetGrants(json, (m) => members.includes(m));
    expectSet(of([sa('payments'), 'serviceAccount:payments-domain@', 'group:payments-analysts@acme.com']), [
      'payments_ledger dataEditor serviceAccount:payments-domain@',
      'payments_ledger dataViewer group:payments-analysts@acme.com',
    ]);
    expectSet(of([sa('fraud'), 'serviceAccount:fraud-domain@', 'group:fraud-analysts@acme.com']), [
      'monolith_cdc dataViewer group:fraud-analysts@acme.com',
      'monolith_cdc dataViewer serviceAccount:fraud-domain@',
      'payments_ledger dataViewer group:fraud-analysts@acme.com',
      'payments_ledger dataViewer serviceAccount:fraud-domain@',
      'fraud_models dataEditor serviceAccount:fraud-domain@',
      'fraud_models dataViewer group:fraud-analysts@acme.com',
      'fraud_subscriptions dataEditor serviceAccount:fraud-domain@',
      'fraud_subscriptions dataViewer group:fraud-analysts@acme.com',
    ]);
    expectSet(of([sa('marketing'), 'serviceAccount:marketing-domain@', 'group:marketing@acme.com']), [
      'marketing_campaigns dataEditor serviceAccount:marketing-domain@',
      'marketing_subscriptions dataEditor serviceAccount:marketing-domain@',
      'monolith_cdc dataViewer group:marketing@acme.com',
      'monolith_cdc dataViewer serviceAccount:marketing-domain@',
    ]);
    // Landing datasets of partial domains are written by the shared Connect workers; the full domain's by its own.
    expectSet(of(['serviceAccount:shared-connect@', 'serviceAccount:payments-connect@']), [
      'marketing_subscriptions dataEditor serviceAccount:shared-connect@',
      'monolith_cdc dataEditor serviceAccount:shared-connect@',
      'payments_ledger dataEditor serviceAccount:payments-connect@',
      'fraud_subscriptions dataEditor serviceAccount:shared-connect@',
    ]);
  });

  test("audit #2: the shared Connect workers' account writes every dataset its sinks write (monolith_cdc too), with Job User; the full domain's workers theirs", () => {
    const writers = datasetGrants(json, (m) => /-connect@$/.test(m)).filter((g) => g.includes(' dataEditor '));
    expectSet(writers, [
      'fraud_subscriptions dataEditor serviceAccount:shared-connect@',
      'marketing_subscriptions dataEditor serviceAccount:shared-connect@',
      'monolith_cdc dataEditor serviceAccount:shared-connect@',
      'payments_ledger dataEditor serviceAccount:payments-connect@',
    ]);
    const jobUsers = resources(json, 'google_project_iam_member')
      .filter((m) => m.role === 'roles/bigquery.jobUser')
      .map((m) => memberOf(json, m.member));
    expect(jobUsers.filter((m) => m.endsWith('-connect@')).sort()).toEqual(['serviceAccount:payments-connect@', 'serviceAccount:shared-connect@']);
    // No account that nothing runs as: the sinks have none of their own.
    expect(
      resources(json, 'google_service_account')
        .map((a) => a.account_id)
        .filter((id) => id.startsWith('sink-')),
    ).toEqual([]);
  });

  test('audit #9: in one stack every grant names a domain account by reference, so Terraform creates the account first', () => {
    const literal = ['google_bigquery_dataset_iam_member', 'google_bigquery_table_iam_member', 'google_bigquery_dataset_access', 'google_project_iam_member']
      .flatMap((type) => resources(json, type))
      .map((r) => r.member ?? r.user_by_email ?? '')
      .filter((m: string) => /-(domain|connect)@/.test(m));
    expect(literal).toEqual([]);
  });

  test('partial domains land subscriptions with sinks on the shared Connect cluster; the full domain runs its own connectors', () => {
    const connectors = resources(json, 'kafka-connect_connector')
      .map((c) => `${c.provider ?? 'kafka-connect'} ${c.name} ${c.config.topics ?? c.config['table.include.list'] ?? ''}`)
      .sort();
    expectSet(connectors, [
      'kafka-connect marketing-central-merchants-sink monolith.wepay.merchants',
      'kafka-connect monolith-bigquery-sink monolith.wepay.users,monolith.wepay.merchants,monolith.wepay.payments',
      'kafka-connect monolith-mysql-source wepay.users,wepay.merchants,wepay.payments',
      'kafka-connect fraud-central-merchants-sink monolith.wepay.merchants',
      'kafka-connect fraud-payments-settlements-sink payments.ledger.public.settlements',
      'kafka-connect.payments payments.ledger-bigquery-sink payments.ledger.public.payments,payments.ledger.public.refunds,payments.ledger.public.settlements',
      'kafka-connect.payments payments.ledger-postgres-source public.payments,public.refunds,public.settlements',
    ]);
    const sink = resources(json, 'kafka-connect_connector').find((c) => c.name === 'fraud-payments-settlements-sink');
    expect(sink.config).toMatchObject({ defaultDataset: 'fraud_subscriptions', upsertEnabled: 'true', deleteEnabled: 'true', kafkaKeyFieldName: 'kafka_key' });
  });
});

/** A platform with Kafka and a shared Connect cluster in `stack`. */
function platformIn(stack: TerraformStack, products?: ConstructorParameters<typeof DecentralizedPlatform>[2]['products']): DecentralizedPlatform {
  const kafka = new KafkaCluster(stack, 'kafka', {
    bootstrapServers: ['k1:9093'],
    kafkaVersion: '3.9.0',
    brokerCount: 1,
    sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_admin_password') },
  });
  const connect = new KafkaConnectCluster(stack, 'connect', {
    url: 'https://connect:8083',
    kafka,
    kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('kafka_connect_password') },
  });
  if (products) new KafkaTopic(stack, 'central-orders', { platform: kafka, name: 'central.orders' });
  return new DecentralizedPlatform(stack, 'platform', { kafka, connect, project: 'acme-test', products });
}

const domain = (platform: DecentralizedPlatform, scope: TerraformStack, props: Partial<DataDomainProps> & { name: string }, id = props.name) =>
  new DataDomain(scope, id, { platform, mode: 'partial', ...props });

describe('sharing only where declared', () => {
  test('without a subscription a domain has no grant on another domain; with one, exactly the product', () => {
    const build = (subscribe: boolean) =>
      synth((stack) => {
        const platform = platformIn(stack);
        domain(platform, stack, {
          name: 'sales',
          topics: [{ name: 'sales.orders' }, { name: 'sales.leads' }],
          datasets: [{ name: 'orders' }, { name: 'leads' }],
          products: [{ name: 'orders', topics: ['sales.orders'], datasets: ['sales_orders'] }],
        });
        domain(platform, stack, { name: 'finance', subscriptions: subscribe ? [{ domain: 'sales', product: 'orders', land: false }] : [] });
      });
    const without = build(false);
    expect(aclsOf(without, 'User:finance')).toEqual(NAMESPACE('finance'));
    expect(datasetGrants(without, (m) => m.includes('finance'))).toEqual([]);
    const withSub = build(true);
    expect(aclsOf(withSub, 'User:finance')).toEqual(
      [...NAMESPACE('finance'), 'Allow Describe Topic:Literal:sales.orders', 'Allow Read Topic:Literal:sales.orders'].sort(),
    );
    // sales_leads is not part of the product: no grant on it.
    expect(datasetGrants(withSub, (m) => m.includes('finance'))).toEqual(['sales_orders dataViewer serviceAccount:finance-domain@']);
    // Not landed: no landing dataset, no sink.
    expect(resources(withSub, 'kafka-connect_connector')).toEqual([]);
  });

  test('a prefix product grants the prefix and lands it with a regex', () => {
    const json = synth((stack) => {
      const platform = platformIn(stack);
      domain(platform, stack, {
        name: 'sales',
        topics: [{ name: 'sales.eu.orders' }, { name: 'sales.us.orders' }],
        products: [{ name: 'eu', topicPrefix: 'sales.eu.' }],
      });
      domain(platform, stack, { name: 'finance', subscriptions: [{ domain: 'sales', product: 'eu' }] });
    });
    expect(aclsOf(json, 'User:finance')).toEqual(
      [...NAMESPACE('finance'), 'Allow Describe Topic:Prefixed:sales.eu.', 'Allow Read Topic:Prefixed:sales.eu.'].sort(),
    );
    const [sink] = resources(json, 'kafka-connect_connector');
    expect(sink.config['topics.regex']).toBe('sales\\.eu\\..*');
    expect(new RegExp(sink.config['topics.regex']).test('sales.eu.orders')).toBe(true);
    expect(new RegExp(sink.config['topics.regex']).test('sales.us.orders')).toBe(false);
  });

  test('a subscriber declared before its publisher is resolved when the publisher joins (and mutual subscriptions work)', () => {
    const json = synth((stack) => {
      const platform = platformIn(stack);
      domain(platform, stack, {
        name: 'finance',
        topics: [{ name: 'finance.ledger' }],
        products: [{ name: 'ledger', topics: ['finance.ledger'] }],
        subscriptions: [{ domain: 'sales', product: 'orders', land: false }],
      });
      domain(platform, stack, {
        name: 'sales',
        topics: [{ name: 'sales.orders' }],
        products: [{ name: 'orders', topics: ['sales.orders'] }],
        subscriptions: [{ domain: 'finance', product: 'ledger', land: false }],
      });
    });
    expect(aclsOf(json, 'User:finance')).toContain('Allow Read Topic:Literal:sales.orders');
    expect(aclsOf(json, 'User:sales')).toContain('Allow Read Topic:Literal:finance.ledger');
  });

  test("a domain's access model cannot reach another domain's topics or datasets it does not subscribe to", () => {
    const found = problems((stack) => {
      const platform = platformIn(stack);
      domain(platform, stack, { name: 'sales', topics: [{ name: 'sales.orders' }], datasets: [{ name: 'orders' }] });
      domain(platform, stack, {
        name: 'finance',
        access: {
          principals: [{ name: 'bob', google: 'user:bob@acme.com', kafkaPrincipal: 'User:bob' }],
          roles: [{ name: 'snoop', grants: [{ topic: 'sales.orders' }, { topicPrefix: 'sales.' }, { dataset: 'sales_orders' }] }],
          teams: [{ name: 'finance', members: ['bob'], roles: ['snoop'] }],
        },
      });
    });
    expect(found).toEqual([
      '[test/finance] access.roles[0].grants[0].topic: "sales.orders" is not valid; allowed: a topic under "finance.", or (read only) a topic of a product the domain subscribes to',
      '[test/finance] access.roles[0].grants[1].topicPrefix: "sales." is not valid; allowed: a prefix under "finance.", or (read only) under a prefix of a product the domain subscribes to',
      '[test/finance/access] roles[0].grants[2].dataset: "sales_orders" is not valid; allowed: the datasetId of a WarehouseDataset in stack "test" (this grant dangles): none defined',
    ]);
  });

  test('bad declarations are reported with the path, the prop, the value and what is allowed', () => {
    const found = problems((stack) => {
      const platform = platformIn(stack, [{ name: 'orders', topics: ['central.orders', 'central.nope'] }]);
      domain(platform, stack, {
        name: 'sales',
        topics: [{ name: 'sales.orders' }, { name: 'orders' }],
        products: [
          { name: 'orders', topics: ['sales.orders', 'finance.x'], datasets: ['sales_none'] },
          { name: 'Bad Name', topicPrefix: 'sales.zz.' },
        ],
        subscriptions: [
          { domain: 'nobody', product: 'x' },
          { domain: 'central', product: 'missing' },
          { domain: 'sales', product: 'orders' },
        ],
        sources: [],
        connect: { url: 'https://connect.sales:8083' },
      });
      domain(platform, stack, { name: 'sales' }, 'sales-again');
      domain(platform, stack, { name: 'ops', mode: 'full' });
    });
    expect(found).toEqual([
      '[test/platform] products[0].topics[1]: "central.nope" is not valid; allowed: a topic defined by stack "test"',
      '[test/sales] connect: "https://connect.sales:8083" is not valid; allowed: none when mode is partial (landing sinks run on the platform\'s shared Connect cluster)',
      '[test/sales] topics[1].name: "orders" is not valid; allowed: a topic under the domain\'s namespace "sales."',
      '[test/sales] products[0].topics[1]: "finance.x" is not valid; allowed: a topic of domain "sales" (under its namespace)',
      '[test/sales] products[0].datasets[0]: "sales_none" is not valid; allowed: a dataset id of domain "sales"',
      "[test/sales] products[1].name: \"Bad Name\" is not valid; allowed: a lowercase letter, then lowercase letters, digits, '-' or '_'",
      '[test/sales] products[1].topicPrefix: "sales.zz." is not valid; allowed: a prefix of at least one topic defined by domain "sales"',
      '[test/sales] subscriptions[0].domain: "nobody" is not valid; allowed: a domain of the platform: central, ops',
      '[test/sales] subscriptions[2].domain: "sales" is not valid; allowed: another domain (a domain reads its own data without subscribing)',
      '[test/sales] subscriptions[1].product: "missing" is not valid; allowed: a product of central: orders',
      '[test/sales-again] name: "sales" is not valid; allowed: a name no other domain of the platform uses, and not "central"',
      "[test/ops] connect: undefined is not valid; allowed: the domain's own Connect cluster when mode is full (a full domain runs its own connectors)",
    ]);
  });
});

describe('separate deployability', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-decentralized-'));
  const app = new App({ outdir });
  const stacks = decentralizedStacks(app, config);
  app.synth(); // cross-stack references are resolved when the whole app is synthesized
  const json = (name: string): SynthJson => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));

  test('the platform and each domain are their own stacks, valid together', () => {
    expect(Object.keys(stacks)).toEqual(['decentralized', 'decentralized-payments', 'decentralized-fraud', 'decentralized-marketing']);
    expect(validateAll(Object.values(stacks))).toEqual([]);
  });

  test("a domain's stack reaches the same brokers as its own deployer, whom the platform creates and confines to the domain's namespace", () => {
    const fraud = json('decentralized-fraud');
    expect(fraud.provider!.kafka).toEqual([
      expect.objectContaining({
        bootstrap_servers: ['kafka-1.data.internal:9093', 'kafka-2.data.internal:9093', 'kafka-3.data.internal:9093'],
        sasl_username: 'fraud-deployer',
      }),
    ]);
    const platform = json('decentralized');
    expect(
      resources(platform, 'kafka_user_scram_credential')
        .map((u) => u.username)
        .filter((u) => u.endsWith('-deployer'))
        .sort(),
    ).toEqual(['fraud-deployer', 'marketing-deployer', 'payments-deployer']);
    expectSet(aclsOf(platform, 'User:fraud-deployer'), ['Allow All Group:Prefixed:fraud.', 'Allow All Topic:Prefixed:fraud.']);
    expectSet(aclsOf(platform, 'User:payments-deployer'), [
      'Allow All Group:Prefixed:payments.',
      'Allow All Topic:Prefixed:__connect.payments.',
      'Allow All Topic:Prefixed:__debezium-heartbeat.payments.',
      'Allow All Topic:Prefixed:payments.',
      'Allow All Topic:Prefixed:schema-history.payments.',
    ]);
  });

  test('audit #28: no domain deployer holds anything on the cluster (no Alter: it cannot grant); every ACL and SCRAM user a domain declares is applied by the platform, in its stack', () => {
    const platform = json('decentralized');
    for (const domain of ['payments', 'fraud', 'marketing']) {
      expect(aclsOf(platform, `User:${domain}-deployer`).filter((a) => a.includes('Cluster:'))).toEqual([]);
      // The domain's stack creates topics (and connectors), never an ACL or a SCRAM credential.
      const own = json(`decentralized-${domain}`);
      expect(resources(own, 'kafka_acl')).toEqual([]);
      expect(resources(own, 'kafka_user_scram_credential')).toEqual([]);
    }
    // What each domain declared, applied under the platform's domain-access-<domain> scope.
    const declaredBy = (domain: string) =>
      Object.entries<any>(platform.resource.kafka_acl)
        .filter(([k]) => k.startsWith(`platform_domain-access-${domain}_`))
        .map(([, a]) => a);
    const show = (acls: any[]) =>
      acls.map((a) => `${a.acl_principal} ${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`).sort();
    expect(show(declaredBy('fraud'))).toEqual(
      [
        ...NAMESPACE('fraud').map((a) => a.replace('Allow ', 'User:fraud ')),
        'User:fraud-model Describe Topic:Literal:fraud.scores',
        'User:fraud-model Describe Topic:Literal:payments.ledger.public.settlements',
        'User:fraud-model Read Group:Literal:fraud.model',
        'User:fraud-model Read Topic:Literal:payments.ledger.public.settlements',
        'User:fraud-model Write Topic:Literal:fraud.scores',
      ].sort(),
    );
    // payments publishes settlements: the grants for its subscriber fraud (and fraud's landing sink) are payments' declaration.
    expect(show(declaredBy('payments')).filter((a) => a.includes('settlements') && !a.startsWith('User:payments'))).toEqual([
      'User:connect Describe Topic:Literal:payments.ledger.public.settlements',
      'User:connect Read Group:Literal:connect-fraud-payments-settlements-sink',
      'User:connect Read Topic:Literal:payments.ledger.public.settlements',
      'User:fraud Describe Topic:Literal:payments.ledger.public.settlements',
      'User:fraud Read Topic:Literal:payments.ledger.public.settlements',
    ]);
    expect(
      resources(platform, 'kafka_user_scram_credential')
        .map((u) => u.username)
        .sort(),
    ).toEqual(['fraud', 'fraud-deployer', 'fraud-model', 'marketing', 'marketing-deployer', 'payments', 'payments-connect', 'payments-deployer']);
    // The domains' passwords are the platform's variables (write-only: in neither plan nor state); a domain's stack needs only its deployer's.
    expect(Object.keys(json('decentralized-fraud').variable ?? {})).toEqual(['kafka_deployer_password']);
    expect(Object.keys((platform as any).variable)).toEqual(
      expect.arrayContaining(['fraud_kafka_password', 'fraud_model_kafka_password', 'payments_connect_kafka_password']),
    );
    // The platform's stack goes first.
    for (const domain of ['payments', 'fraud', 'marketing']) expect(stacks[`decentralized-${domain}`].dependencies).toContain(stacks.decentralized);
  });

  test("grants of a subscription live in the publisher's stack; a partial domain's landing dataset references the platform's Connect account across stacks", () => {
    // Declared by the publisher (payments), applied by the platform (audit #28).
    const platformAcls = json('decentralized');
    const declaredBy = (domain: string): SynthJson => ({
      resource: {
        kafka_acl: Object.fromEntries(Object.entries(platformAcls.resource.kafka_acl).filter(([k]) => k.startsWith(`platform_domain-access-${domain}_`))),
      },
    });
    expect(aclsOf(declaredBy('payments'), 'User:fraud')).toEqual([
      'Allow Describe Topic:Literal:payments.ledger.public.settlements',
      'Allow Read Topic:Literal:payments.ledger.public.settlements',
    ]);
    const fraud = json('decentralized-fraud');
    expect(aclsOf(declaredBy('fraud'), 'User:fraud')).toEqual(NAMESPACE('fraud'));
    expect(Object.keys(fraud.data!.terraform_remote_state)).toEqual(['cross-stack-reference-input-decentralized']);
    const landingWriter = resources(fraud, 'google_bigquery_dataset_iam_member').filter((r) => r.member.includes('shared-connect-account'));
    expect(landingWriter).toEqual([
      expect.objectContaining({
        role: 'roles/bigquery.dataEditor',
        member: expect.stringMatching(
          /^serviceAccount:\$\{data\.terraform_remote_state\.cross-stack-reference-input-decentralized\.outputs\.cross-stack-output-google_service_accountshared-connect-account_[0-9A-F]+email\}$/,
        ),
      }),
    ]);
    const platform = json('decentralized') as any;
    // The platform's stack exports the accounts other stacks grant: the shared Connect workers' and each domain's.
    expect(Object.keys(platform.output).map((k) => k.replace(/_[0-9A-F]+email$/, ''))).toEqual([
      'cross-stack-output-google_service_accountplatform_domain-account-fraud_account',
      'cross-stack-output-google_service_accountplatform_domain-account-marketing_account',
      'cross-stack-output-google_service_accountplatform_domain-account-payments_account',
      'cross-stack-output-google_service_accountshared-connect-account',
    ]);
    // No domain stack references another domain's stack: teams deploy independently.
    for (const name of ['decentralized-payments', 'decentralized-fraud', 'decentralized-marketing']) {
      expect(Object.keys((json(name) as any).data?.terraform_remote_state ?? {}).filter((k) => k !== 'cross-stack-reference-input-decentralized')).toEqual([]);
    }
  });

  test("audit #9: every account a stack grants is created in the platform's stack (deployed first) and named by reference, never by literal email", () => {
    const platform = json('decentralized');
    expect(
      resources(platform, 'google_service_account')
        .map((a) => a.account_id)
        .sort(),
    ).toEqual(['fraud-domain', 'marketing-domain', 'payments-domain', 'shared-connect']);
    for (const name of ['decentralized', 'decentralized-payments', 'decentralized-fraud', 'decentralized-marketing']) {
      const members = ['google_bigquery_dataset_iam_member', 'google_bigquery_table_iam_member', 'google_project_iam_member']
        .flatMap((t) => resources(json(name), t))
        .map((r) => r.member as string);
      const accounts = members.filter((m) => m.startsWith('serviceAccount:'));
      expect(accounts.length).toBeGreaterThan(0);
      // Each is a reference: to an account of the same stack, or to the platform stack's output.
      for (const m of accounts)
        expect(m).toMatch(
          /^serviceAccount:\$\{(google_service_account\.[^.]+\.email|data\.terraform_remote_state\.cross-stack-reference-input-decentralized\.outputs\.[^}]+)\}$/,
        );
    }
    // Publishers grant subscribers in their own stack: payments grants fraud's account, which the platform created.
    expect(resources(json('decentralized-payments'), 'google_bigquery_dataset_iam_member').map((r) => r.member)).toContainEqual(
      expect.stringMatching(
        /^serviceAccount:\$\{data\.terraform_remote_state\.cross-stack-reference-input-decentralized\.outputs\.cross-stack-output-google_service_accountplatform_domain-account-fraud_account_[0-9A-F]+email\}$/,
      ),
    );
  });

  test('audit #9: a grant naming by literal email an account the app creates is a synth error', () => {
    const found = problems((stack) => {
      const platform = platformIn(stack);
      const sales = domain(platform, stack, { name: 'sales', datasets: [{ name: 'orders' }] });
      domain(platform, stack, { name: 'finance' });
      sales.datasetById('sales_orders')!.grantRead('serviceAccount:finance-domain@acme-test.iam.gserviceaccount.com');
    });
    expect(found).toEqual([
      '[test/sales/dataset-orders] grant member: "serviceAccount:finance-domain@acme-test.iam.gserviceaccount.com" is not valid; allowed: the member attribute of the account test/platform/domain-account-finance/account creates (a literal email has no dependency edge: the grant races or precedes the account\'s creation)',
    ]);
  });

  test('one app can also hold everything in one stack', () => {
    const one = Testing.app();
    const stack = new TerraformStack(one, 'all');
    new GoogleProvider(stack, 'google', { project: PROJECT });
    buildDecentralizedCompany({ platform: stack, domain: () => stack }, config);
    expect(validateAll([stack])).toEqual([]);
    const all = JSON.parse(Testing.synth(stack));
    expect(all.data?.terraform_remote_state).toBeUndefined();
    expect(all.provider['kafka-connect'].map((p: any) => p.alias ?? null)).toEqual([null, 'payments']);
  });
});

test("a domain's namespace may not hold topics of the platform or of another domain", () => {
  const found = problems((stack) => {
    const platform = platformIn(stack);
    new KafkaTopic(stack, 'central-risk', { platform: platform.kafka, name: 'risk.risk.risk_scores' });
    domain(platform, stack, { name: 'risk' });
  });
  expect(found).toEqual([
    `[test/platform] domains['risk']: "risk" is not valid; allowed: a domain name whose namespace "risk." holds no topic of another owner; these are not the domain's: risk.risk.risk_scores`,
  ]);
});

describe('authorized views', () => {
  const company = (viewSources: string[]) => (stack: TerraformStack) => {
    const platform = platformIn(stack);
    domain(platform, stack, {
      name: 'sales',
      datasets: [{ name: 'orders' }, { name: 'leads' }],
      products: [
        {
          name: 'revenue',
          views: [
            { name: 'daily_revenue', query: 'SELECT day, SUM(amount) AS revenue FROM `acme-test.sales_orders.orders` GROUP BY day', sources: viewSources },
          ],
        },
      ],
    });
    domain(platform, stack, { name: 'finance', subscriptions: [{ domain: 'sales', product: 'revenue' }] });
  };

  test('a subscriber reads the view and nothing behind it; the view is authorized on the dataset it reads', () => {
    const json = synth(company(['sales_orders']));
    const view = resources(json, 'google_bigquery_table');
    expect(view).toEqual([
      expect.objectContaining({ table_id: 'daily_revenue', view: { query: expect.stringContaining('SUM(amount)'), use_legacy_sql: false } }),
    ]);
    expect(datasetGrants(json).filter((g) => g.includes('sales_products'))).toEqual([]);
    expect(resources(json, 'google_bigquery_table_iam_member').map((r) => `${r.table_id} ${r.role} ${r.member}`)).toEqual([
      expect.stringMatching(
        /^\$\{google_bigquery_table\.sales_product-views_revenue-daily_revenue_[0-9A-F]+\.table_id\} roles\/bigquery\.dataViewer serviceAccount:\$\{google_service_account\.platform_domain-account-finance_account_[0-9A-F]+\.email\}$/,
      ),
    ]);
    // finance gets nothing on sales' datasets themselves.
    expect(datasetGrants(json, (m) => m.includes('finance')).filter((g) => g.startsWith('sales_'))).toEqual([]);
    const access = resources(json, 'google_bigquery_dataset_access').filter((a) => a.view);
    expect(access).toEqual([
      expect.objectContaining({ view: expect.objectContaining({ project_id: 'acme-test', table_id: expect.stringContaining('daily_revenue') }) }),
    ]);
    expect(access[0].dataset_id).toMatch(/sales_dataset-orders_dataset/);
    expect(access[0].view.dataset_id).toMatch(/sales_product-views_dataset_[0-9A-F]+\.dataset_id/);
  });

  test('audit #10: a dataset an authorized view reads takes every grant as google_bigquery_dataset_access, earlier ones too, so IAM members never strip the view', () => {
    const json = synth(company(['sales_orders']));
    const orders = (r: any) => /sales_dataset-orders_dataset/.test(r.dataset_id);
    // No dataset IAM member on sales_orders (it would rewrite the access list without the view) ...
    expect(resources(json, 'google_bigquery_dataset_iam_member').filter(orders)).toEqual([]);
    // ... its grants are access entries beside the view's: the domain's own write, made before the view existed.
    expect(
      resources(json, 'google_bigquery_dataset_access')
        .filter(orders)
        .map((a) => (a.view ? 'view daily_revenue' : `${a.role} ${a.user_by_email ?? a.group_by_email}`)),
    ).toEqual([
      expect.stringMatching(/^roles\/bigquery\.dataEditor \$\{google_service_account\.platform_domain-account-sales_account_[0-9A-F]+\.email\}$/),
      'view daily_revenue',
    ]);
    // A dataset without views keeps IAM members.
    expect(resources(json, 'google_bigquery_dataset_iam_member').filter((r) => /sales_dataset-leads_dataset/.test(r.dataset_id))).toHaveLength(1);
  });

  test("a view's sources must be the publisher's own datasets", () => {
    expect(problems(company(['sales_orders', 'hr_salaries']))).toEqual([
      '[test/sales] products[0].views[0].sources[1]: "hr_salaries" is not valid; allowed: a dataset id of domain "sales"',
    ]);
  });
});

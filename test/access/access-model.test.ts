import { AnnotationMetadataEntryType, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { AccessModel, AccessModelProps } from '../../constructs/access/access-model';
import { IColumnAccessControl } from '../../constructs/access/access-types';
import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { DataSensitivity } from '../../constructs/sources/source-table';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { aclSet, problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster, mysqlSource, postgresSource } from '../fixtures';

/** Records column grants the way the classification taxonomy receives them. */
class RecordingColumnAccess extends Construct implements IColumnAccessControl {
  public readonly protectedLabels: readonly DataSensitivity[] = ['pii', 'pii-high', 'pci'];
  public readonly calls: string[] = [];
  public grantColumnRead(label: DataSensitivity, member: string): IConstruct {
    this.calls.push(`${label} ${member}`);
    return this;
  }
}

/** Two topics of a shop, a payments topic and two datasets, as a pipeline would define them. */
function world(stack: TerraformStack): { kafka: KafkaCluster } {
  const kafka = kafkaCluster(stack);
  new KafkaTopic(stack, 'orders', { platform: kafka, name: 'shop.public.orders' });
  new KafkaTopic(stack, 'invoices', { platform: kafka, name: 'shop.billing.invoices' });
  new KafkaTopic(stack, 'scores', { platform: kafka, name: 'risk.scores' });
  new WarehouseDataset(stack, 'shop-ds', { project: 'acme-data', datasetId: 'shop_cdc' });
  new WarehouseDataset(stack, 'risk-ds', { project: 'acme-data', datasetId: 'risk_cdc' });
  return { kafka };
}

function warningsOf(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => `[${c.node.path}] ${String(m.data)}`));
}

const password = SecretValue.fromVariable('fraud_scorer_password');

function model(stack: TerraformStack, kafka: KafkaCluster, overrides: Partial<AccessModelProps> = {}): AccessModel {
  return new AccessModel(stack, 'access', {
    kafka,
    principals: [
      { name: 'alice', google: 'user:alice@acme.com' },
      { name: 'analysts', google: 'group:analysts@acme.com' },
      { name: 'fraud-scorer', scram: { password }, google: 'serviceAccount:fraud@acme-data.iam.gserviceaccount.com' },
      { name: 'ops', kafkaPrincipal: 'User:ops', roles: ['topic-admin'] },
    ],
    roles: [
      { name: 'analyst', grants: [{ dataset: 'shop_cdc' }, { dataset: 'risk_cdc', access: 'read' }] },
      {
        name: 'scorer',
        grants: [
          { topicPrefix: 'shop.', group: 'fraud-scorer-', groupIsPrefix: true },
          { topic: 'risk.scores', access: 'write', transactionalId: 'fraud-scorer' },
          { dataset: 'risk_cdc', access: 'write' },
        ],
      },
      { name: 'topic-admin', grants: [{ topicPrefix: 'risk.', access: 'admin' }] },
    ],
    teams: [
      { name: 'analytics', members: ['alice', 'analysts'], roles: ['analyst'] },
      { name: 'fraud', members: ['fraud-scorer'], roles: ['scorer', 'analyst'] },
    ],
    ...overrides,
  });
}

describe('AccessModel', () => {
  test('derives exactly the Kafka ACLs each principal needs, once each', () => {
    let access: AccessModel | undefined;
    const json = synth((stack) => {
      const { kafka } = world(stack);
      access = model(stack, kafka);
    });
    expect(aclSet(json)).toEqual([
      'Allow User:fraud-scorer Describe Topic:Literal:risk.scores',
      'Allow User:fraud-scorer Describe Topic:Prefixed:shop.',
      'Allow User:fraud-scorer Describe TransactionalID:Literal:fraud-scorer',
      'Allow User:fraud-scorer Read Group:Prefixed:fraud-scorer-',
      'Allow User:fraud-scorer Read Topic:Prefixed:shop.',
      'Allow User:fraud-scorer Write Topic:Literal:risk.scores',
      'Allow User:fraud-scorer Write TransactionalID:Literal:fraud-scorer',
      'Allow User:ops All Topic:Prefixed:risk.',
    ]);
    expect(access!.acls).toHaveLength(8);
    resources(json, 'kafka_acl').forEach((a) => expect(a.acl_host).toBe('*'));
  });

  test('creates the SCRAM users principals ask for, passwords from secrets', () => {
    const json = synth((stack) => model(stack, world(stack).kafka));
    expect(resources(json, 'kafka_user_scram_credential')).toEqual([
      expect.objectContaining({ username: 'fraud-scorer', scram_mechanism: 'SCRAM-SHA-512', password_wo: '${var.fraud_scorer_password}' }),
    ]);
    expect(json.variable!.fraud_scorer_password.sensitive).toBe(true);
  });

  test('derives exactly one dataset IAM binding per member and dataset, write covering read', () => {
    let access: AccessModel | undefined;
    const json = synth((stack) => {
      access = model(stack, world(stack).kafka);
    });
    const members = resources(json, 'google_bigquery_dataset_iam_member')
      .map((m) => `${m.dataset_id.replace(/^\$\{google_bigquery_dataset\.([a-z]+)-ds_dataset_[0-9A-F]+\.dataset_id\}$/, '$1')} ${m.role} ${m.member}`)
      .sort();
    expect(members).toEqual([
      'risk roles/bigquery.dataEditor serviceAccount:fraud@acme-data.iam.gserviceaccount.com',
      'risk roles/bigquery.dataViewer group:analysts@acme.com',
      'risk roles/bigquery.dataViewer user:alice@acme.com',
      'shop roles/bigquery.dataViewer group:analysts@acme.com',
      'shop roles/bigquery.dataViewer serviceAccount:fraud@acme-data.iam.gserviceaccount.com',
      'shop roles/bigquery.dataViewer user:alice@acme.com',
    ]);
    expect(access!.datasetBindings.map((b) => `${b.principal} ${b.access} ${b.datasetId}`).sort()).toEqual([
      'alice read risk_cdc',
      'alice read shop_cdc',
      'analysts read risk_cdc',
      'analysts read shop_cdc',
      'fraud-scorer read shop_cdc',
      'fraud-scorer write risk_cdc',
    ]);
    expect(access!.grantsOf('ops').map((g) => g.role)).toEqual(['topic-admin']);
  });

  test('binds column grants by sensitivity through the classification, once per label and member', () => {
    let columns: RecordingColumnAccess | undefined;
    let access: AccessModel | undefined;
    synth((stack) => {
      const { kafka } = world(stack);
      columns = new RecordingColumnAccess(stack, 'classification');
      access = new AccessModel(stack, 'access', {
        kafka,
        classification: columns,
        principals: [
          { name: 'privacy', google: 'group:privacy@acme.com', roles: ['pii-reader', 'card-reader'] },
          { name: 'alice', google: 'user:alice@acme.com', roles: ['pii-reader'] },
        ],
        roles: [
          { name: 'pii-reader', grants: [{ columns: ['pii', 'pii-high'] }] },
          { name: 'card-reader', grants: [{ columns: 'pci' }, { columns: 'pii' }] },
        ],
      });
    });
    expect(columns!.calls).toEqual([
      'pii group:privacy@acme.com',
      'pii-high group:privacy@acme.com',
      'pci group:privacy@acme.com',
      'pii user:alice@acme.com',
      'pii-high user:alice@acme.com',
    ]);
    expect(access!.columnBindings).toHaveLength(5);
  });

  test('on a realtime pipeline: grants reach the topics and datasets it defines, beside its own ACLs', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      new RealtimePipeline(stack, 'rt', {
        kafka,
        connect: connectCluster(stack, kafka),
        sources: [postgresSource(stack), mysqlSource(stack)],
        warehouse: { project: 'acme-data' },
      });
      new AccessModel(stack, 'access', {
        kafka,
        principals: [{ name: 'loader', kafkaPrincipal: 'User:loader', google: 'group:loaders@acme.com', roles: ['legacy-reader'] }],
        roles: [{ name: 'legacy-reader', grants: [{ topicPrefix: 'legacy.app.' }, { dataset: 'legacy_cdc' }] }],
      });
    });
    expect(aclSet(json).filter((a) => a.includes('User:loader'))).toEqual([
      'Allow User:loader Describe Topic:Prefixed:legacy.app.',
      'Allow User:loader Read Group:Literal:loader',
      'Allow User:loader Read Topic:Prefixed:legacy.app.',
    ]);
    expect(resources(json, 'google_bigquery_dataset_iam_member').filter((m) => m.member === 'group:loaders@acme.com')).toEqual([
      expect.objectContaining({
        role: 'roles/bigquery.dataViewer',
        dataset_id: expect.stringMatching(/^\$\{google_bigquery_dataset\.rt_legacy_dataset_[0-9A-F]+\.dataset_id\}$/),
      }),
    ]);
  });

  test('denies carve exceptions out of prefixes; a deny covering a whole allow is a warning', () => {
    let stackRef: TerraformStack | undefined;
    const json = synth((stack) => {
      stackRef = stack;
      const { kafka } = world(stack);
      new AccessModel(stack, 'access', {
        kafka,
        principals: [
          { name: 'bob', kafkaPrincipal: 'User:bob', roles: ['shop-reader', 'no-orders'] },
          { name: 'carol', kafkaPrincipal: 'User:carol', roles: ['orders-reader', 'contractor'] },
        ],
        roles: [
          { name: 'shop-reader', grants: [{ topicPrefix: 'shop.' }] },
          { name: 'no-orders', grants: [{ topic: 'shop.public.orders', deny: true }] },
          { name: 'orders-reader', grants: [{ topic: 'shop.public.orders' }] },
          {
            name: 'contractor',
            grants: [
              { topicPrefix: 'shop.', deny: true },
              { topicPrefix: 'risk.', access: 'write', deny: true },
            ],
          },
        ],
      });
    });
    expect(aclSet(json)).toEqual([
      'Allow User:bob Describe Topic:Prefixed:shop.',
      'Allow User:bob Read Group:Literal:bob',
      'Allow User:bob Read Topic:Prefixed:shop.',
      'Allow User:carol Describe Topic:Literal:shop.public.orders',
      'Allow User:carol Read Group:Literal:carol',
      'Allow User:carol Read Topic:Literal:shop.public.orders',
      'Deny User:bob Read Topic:Literal:shop.public.orders',
      'Deny User:carol Read Topic:Prefixed:shop.',
      'Deny User:carol Write Topic:Prefixed:risk.',
    ]);
    expect(warningsOf(stackRef!)).toEqual([
      '[test/access] deny shadows allow: roles[2].grants[0] of role "orders-reader" lets User:carol read topic "shop.public.orders", ' +
        'but roles[3].grants[0] of role "contractor" denies User:carol Read on topics prefixed "shop.", so the allow never takes effect',
    ]);
  });

  test('grants on topics or datasets no construct in the stack defines are errors (dangling)', () => {
    const found = problems((stack) => {
      const { kafka } = world(stack);
      new AccessModel(stack, 'access', {
        kafka,
        externalTopics: ['partner.feed', 'vendor.*'],
        principals: [{ name: 'x', kafkaPrincipal: 'User:x', google: 'user:x@acme.com', roles: ['r'] }],
        roles: [
          {
            name: 'r',
            grants: [
              { topic: 'shop.public.order' },
              { topicPrefix: 'ledger.' },
              { dataset: 'ledger_cdc' },
              { topic: 'partner.feed' },
              { topic: 'vendor.prices' },
              { topicPrefix: 'vendor.' },
              { topicPrefix: 'shop.public.' },
            ],
          },
        ],
      });
    });
    expect(found).toEqual([
      '[test/access] roles[0].grants[2].dataset: "ledger_cdc" is not valid; allowed: the datasetId of a WarehouseDataset in stack "test" (this grant dangles): risk_cdc, shop_cdc',
      '[test/access] roles[0].grants[0].topic: "shop.public.order" is not valid; allowed: a topic defined in stack "test" or listed in externalTopics (no KafkaTopic is named so: the grant dangles)',
      '[test/access] roles[0].grants[1].topicPrefix: "ledger." is not valid; allowed: a prefix of a topic defined in stack "test" or listed in externalTopics (no KafkaTopic starts so: the grant dangles)',
    ]);
  });

  test('topics defined after the model are seen (the dangling check runs at synth)', () => {
    const found = problems((stack) => {
      const kafka = kafkaCluster(stack);
      new AccessModel(stack, 'access', {
        kafka,
        principals: [{ name: 'x', kafkaPrincipal: 'User:x', roles: ['r'] }],
        roles: [{ name: 'r', grants: [{ topic: 'late' }] }],
      });
      new KafkaTopic(stack, 'late', { platform: kafka, name: 'late' });
    });
    expect(found).toEqual([]);
  });

  test('reports every malformed model entry with its path', () => {
    const found = problems((stack) => {
      const { kafka } = world(stack);
      new AccessModel(stack, 'access', {
        kafka,
        principals: [
          { name: 'nobody' },
          { name: 'web', google: 'allUsers', roles: ['reader', 'ghost'] },
          { name: 'svc', kafkaPrincipal: 'svc', roles: ['reader'] },
          { name: 'web', google: 'user:w@acme.com' },
          { name: 'analyst', google: 'user:a@acme.com', roles: ['reader'] },
        ],
        roles: [
          {
            name: 'reader',
            grants: [
              { topic: 'risk.scores', dataset: 'risk_cdc' },
              { dataset: 'risk_cdc', deny: true },
              { dataset: 'shop_cdc', access: 'admin' },
              { columns: 'pii', access: 'write' },
              { topic: 'risk.scores', access: 'write', group: 'g' },
              { topic: 'shop.public.orders' },
            ],
          },
        ],
        teams: [{ name: 'team', members: ['eve'], roles: ['writer'] }],
      });
    });
    expect(found).toEqual([
      '[test/access] principals[3].name: "web" is not valid; allowed: a name no other entry of principals uses',
      '[test/access] principals[0]: "nobody" is not valid; allowed: a principal with a Google identity (google), a Kafka identity (kafkaPrincipal or scram), or both',
      "[test/access] principals[1].google: \"allUsers\" is not valid; allowed: an IAM member 'user:…', 'group:…', 'serviceAccount:…' or 'domain:…' (never allUsers or allAuthenticatedUsers)",
      "[test/access] principals[2].kafkaPrincipal: \"svc\" is not valid; allowed: 'Type:name', e.g. 'User:fraud-scorer'",
      '[test/access] principals[1].roles[1]: "ghost" is not valid; allowed: a role of the model: reader',
      '[test/access] teams[0].roles[0]: "writer" is not valid; allowed: a role of the model: reader',
      '[test/access] teams[0].members[0]: "eve" is not valid; allowed: a principal of the model: nobody, web, svc, web, analyst',
      '[test/access] roles[0].grants[0]: ["topic","dataset"] is not valid; allowed: exactly one of topic, topicPrefix, dataset and columns',
      '[test/access] roles[0].grants[1].deny: true is not valid; allowed: deny only on topics (BigQuery access is allow-only: leave the grant out)',
      '[test/access] roles[0].grants[2].access: "admin" is not valid; allowed: read or write for datasets (dataset owners are set where the dataset is defined)',
      '[test/access] roles[0].grants[3].access: "write" is not valid; allowed: read for columns (policy tags control reading only)',
      '[test/access] roles[0].grants[4].group: "g" is not valid; allowed: only with an allowed read of topics',
      '[test/access] principals[1].kafkaPrincipal: undefined is not valid; allowed: a Kafka identity (kafkaPrincipal or scram), because role "reader" grants principal "web" topics',
      '[test/access] principals[4].kafkaPrincipal: undefined is not valid; allowed: a Kafka identity (kafkaPrincipal or scram), because role "reader" grants principal "analyst" topics',
    ]);
  });

  test('topic, SCRAM and column grants without a platform or classification are problems', () => {
    const found = problems((stack) => {
      world(stack);
      new AccessModel(stack, 'access', {
        principals: [{ name: 'x', scram: { password }, google: 'user:x@acme.com', roles: ['r'] }],
        roles: [{ name: 'r', grants: [{ topic: 'shop.public.orders' }, { columns: 'pii' }] }],
      });
    });
    expect(found).toEqual([
      '[test/access] principals[0].scram: "x" is not valid; allowed: a SCRAM user only when the model has a Kafka platform (prop kafka)',
      '[test/access] kafka: undefined is not valid; allowed: a Kafka platform, because role "r" grants topics',
      '[test/access] roles[0].grants[1].columns: "pii" is not valid; allowed: column grants only when the model has a classification (prop classification) whose policy tags they bind to',
    ]);
  });

  test('a role nobody holds is a warning', () => {
    let stackRef: TerraformStack | undefined;
    synth((stack) => {
      stackRef = stack;
      const { kafka } = world(stack);
      new AccessModel(stack, 'access', {
        kafka,
        principals: [{ name: 'x', kafkaPrincipal: 'User:x' }],
        roles: [{ name: 'spare', grants: [{ topic: 'risk.scores' }] }],
      });
    });
    expect(warningsOf(stackRef!)).toEqual(['[test/access] roles[0]: role "spare" is held by no principal or team, so it grants nothing']);
  });

  test('reordering roles, teams and grants keeps every resource address', () => {
    const addresses = (json: any) =>
      Object.entries<any>(json.resource)
        .flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`))
        .sort();
    const original = synth((stack) => model(stack, world(stack).kafka));
    const reordered = synth((stack) =>
      model(stack, world(stack).kafka, {
        roles: [
          { name: 'topic-admin', grants: [{ topicPrefix: 'risk.', access: 'admin' }] },
          {
            name: 'scorer',
            grants: [
              { dataset: 'risk_cdc', access: 'write' },
              { topic: 'risk.scores', access: 'write', transactionalId: 'fraud-scorer' },
              { topicPrefix: 'shop.', group: 'fraud-scorer-', groupIsPrefix: true },
            ],
          },
          { name: 'analyst', grants: [{ dataset: 'risk_cdc', access: 'read' }, { dataset: 'shop_cdc' }] },
        ],
        teams: [
          { name: 'fraud', members: ['fraud-scorer'], roles: ['analyst', 'scorer'] },
          { name: 'analytics', members: ['analysts', 'alice'], roles: ['analyst'] },
        ],
      }),
    );
    expect(addresses(reordered)).toEqual(addresses(original));
    expect(addresses(original).filter((a) => a.startsWith('kafka_acl.'))).toContainEqual(
      expect.stringMatching(/^kafka_acl\.access_User_ops-Allow-All-Topic-Prefixed-risk__acl_[0-9A-F]{8}$/),
    );
  });
});

import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { feedsOfPipeline } from '../../constructs/catalog/data-inventory';
import { DataAutomation, DataAutomationProps } from '../../constructs/stages/data-automation';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { CdcWorkerService } from '../../constructs/runtime/cdc-worker-service';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaTopic } from '../../constructs/kafka/kafka-topic';
import { aclSet, problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster, mysqlSource, postgresSource } from '../fixtures';

/** The fixtures' realtime pipeline (shop: orders.email is pii; legacy: nothing labelled) and stage 4 beside it. */
function build(stack: TerraformStack, overrides: Partial<DataAutomationProps> = {}): { rt: RealtimePipeline; stage4: DataAutomation } {
  const kafka = kafkaCluster(stack);
  const rt = new RealtimePipeline(stack, 'rt', {
    kafka,
    connect: connectCluster(stack, kafka),
    sources: [postgresSource(stack), mysqlSource(stack)],
    warehouse: { project: 'acme-data', labels: { owner: 'data-platform', classification: 'confidential' } },
  });
  const stage4 = new DataAutomation(stack, 'automation', {
    project: 'acme-data',
    feeds: feedsOfPipeline(rt),
    kafka,
    notify: [{ kind: 'email', displayName: 'On-call', address: 'oncall@acme.com' }],
    access: {
      principals: [
        { name: 'privacy', google: 'group:privacy@acme.com', roles: ['pii-reader'] },
        { name: 'loader', kafkaPrincipal: 'User:loader', roles: ['orders-consumer'] },
      ],
      roles: [
        { name: 'pii-reader', grants: [{ dataset: 'shop_cdc' }, { columns: 'pii' }] },
        { name: 'orders-consumer', grants: [{ topic: 'shop.public.orders' }] },
      ],
    },
    ...overrides,
  });
  return { rt, stage4 };
}

describe('DataAutomation', () => {
  test('tables with labelled columns are declared with their policy tags, nothing else', () => {
    const json = synth((stack) => build(stack));
    const tables = resources(json, 'google_bigquery_table');
    expect(tables.map((t) => t.table_id)).toEqual(['shop_public_orders']);
    const schema = JSON.parse(tables[0].schema);
    // Only the tagged columns are declared; the sink owns the others (audit #8: never dropped).
    expect(schema.map((f: any) => [f.name, f.type, f.policyTags ? 'tagged' : '-'])).toEqual([['email', 'STRING', 'tagged']]);
    expect(tables[0].ignore_auto_generated_schema).toBe(true);
    expect((json as any).import).toBeUndefined();
  });

  test('every landed table is scanned; only tables expected clean publish finding counts', () => {
    const json = synth((stack) => build(stack));
    const triggers = resources(json, 'google_data_loss_prevention_job_trigger').map((t) => [
      t.trigger_id,
      t.inspect_job.actions.map((a: any) => Object.keys(a)[0]).join(','),
    ]);
    expect(triggers.sort()).toEqual([
      ['scan-legacy_cdc-legacy_app_payments', 'save_findings,pub_sub,publish_to_stackdriver'],
      ['scan-legacy_cdc-legacy_app_users', 'save_findings,pub_sub,publish_to_stackdriver'],
      ['scan-shop_cdc-shop_billing_invoices', 'save_findings,pub_sub,publish_to_stackdriver'],
      ['scan-shop_cdc-shop_public_orders', 'save_findings,pub_sub'],
    ]);
    expect(resources(json, 'google_data_loss_prevention_inspect_template')).toHaveLength(1);
    expect(resources(json, 'google_data_loss_prevention_deidentify_template')).toHaveLength(1);
    expect(resources(json, 'google_monitoring_alert_policy').map((p) => p.display_name)).toEqual(['Sensitive data where none was expected']);
  });

  test('compacted topics with personal data compact erased rows within the bound; others are untouched', () => {
    let stage4: DataAutomation | undefined;
    const json = synth((stack) => {
      stage4 = build(stack, { erasureLagDays: 3 }).stage4;
    });
    expect(stage4!.erasureBoundedTopics).toEqual(['shop.public.orders']);
    const configs = Object.fromEntries(resources(json, 'kafka_topic').map((t) => [t.name, t.config['max.compaction.lag.ms']]));
    expect(configs).toEqual({
      'shop.public.orders': String(3 * 86400000),
      'shop.billing.invoices': undefined,
      '__debezium-heartbeat.shop': undefined,
      'legacy.app.users': undefined,
      'legacy.app.payments': undefined,
      '__debezium-heartbeat.legacy': undefined,
      'schema-history.legacy': undefined,
    });
  });

  test('topics streamed elsewhere than the warehouse (streamedTopics) are bounded too when they carry personal data', () => {
    let stage4: DataAutomation | undefined;
    const json = synth((stack) => {
      const kafka = kafkaCluster(new Construct(stack, 'risk'));
      const compact = { cleanupPolicy: 'compact' as const, minInsyncReplicas: 2 };
      const toPubSub = new KafkaTopic(stack, 'to-pubsub', { platform: kafka, name: 'risk.device_events', config: compact });
      const toSearch = new KafkaTopic(stack, 'to-search', { platform: kafka, name: 'catalog.products', config: compact });
      const ip = { name: 'device_events', primaryKey: ['id'], columns: [{ name: 'ip_address', sensitivity: 'pii' as const }] };
      const products = { name: 'products', primaryKey: ['id'], columns: [{ name: 'title' }] };
      stage4 = build(stack, {
        streamedTopics: [
          { topic: toPubSub, description: ip },
          { topic: toSearch, description: products },
        ],
      }).stage4;
    });
    expect(stage4!.erasureBoundedTopics).toEqual(['shop.public.orders', 'risk.device_events']);
    const configs = Object.fromEntries(resources(json, 'kafka_topic').map((t) => [t.name, t.config['max.compaction.lag.ms']]));
    expect(configs['risk.device_events']).toBe(String(7 * 86400000));
    expect(configs['catalog.products']).toBeUndefined();
  });

  test('the access model binds to the Kafka platform and the classification', () => {
    const json = synth((stack) => build(stack));
    expect(aclSet(json).filter((a) => a.includes('User:loader'))).toEqual([
      'Allow User:loader Describe Topic:Literal:shop.public.orders',
      'Allow User:loader Read Group:Literal:loader',
      'Allow User:loader Read Topic:Literal:shop.public.orders',
    ]);
    expect(resources(json, 'google_data_catalog_policy_tag_iam_member').filter((m) => !m.member.includes('dlp-api'))).toEqual([
      expect.objectContaining({
        role: 'roles/datacatalog.categoryFineGrainedReader',
        member: 'group:privacy@acme.com',
        policy_tag: expect.stringMatching(/^\$\{google_data_catalog_policy_tag\.automation_classification_tag-pii_[0-9A-F]+\.name\}$/),
      }),
    ]);
  });

  test('the stage passes its own governance packs', () => {
    let stage4: DataAutomation | undefined;
    synth((stack) => {
      stage4 = build(stack).stage4;
    });
    expect(stage4!.governance.findings.filter((f) => f.level === 'error')).toEqual([]);
  });

  test('adopting existing tables writes import blocks for them only', () => {
    const json = synth((stack) => build(stack, { adoptExistingTables: true })) as any;
    // Imported only if the table exists (audit #8): for_each over the dataset's tables.
    expect(json.import).toEqual([
      {
        id: 'projects/acme-data/datasets/shop_cdc/tables/shop_public_orders',
        to: expect.stringMatching(/^google_bigquery_table\.automation_tables_shop_cdcshop_public_orders_table_[0-9A-F]+$/),
        for_each: expect.stringMatching(
          /^\$\{toset\(\[for t in flatten\(data\.google_bigquery_tables\.[^[]+\[\*\]\.tables\) : t\.table_id if t\.table_id == "shop_public_orders"\]\)\}$/,
        ),
      },
    ]);
  });

  test('audit #19: the DLP service agent reads the tagged columns it scans as a Fine-Grained Reader of their policy tags (only those), granted before the scan runs', () => {
    const json = synth((stack) => build(stack));
    const agent = /^serviceAccount:service-\$\{data\.google_project\.automation_dlp-findings_project_[0-9A-F]+\.number\}@dlp-api\.iam\.gserviceaccount\.com$/;
    const reads = Object.entries<any>(json.resource.google_data_catalog_policy_tag_iam_member).filter(([, m]) => agent.test(m.member));
    // shop.public.orders has one tagged column (email, pii): the agent reads the pii tag, nothing else.
    expect(reads.map(([, m]) => `${m.role} ${m.policy_tag}`)).toEqual([
      expect.stringMatching(
        /^roles\/datacatalog\.categoryFineGrainedReader \$\{google_data_catalog_policy_tag\.automation_classification_tag-pii_[0-9A-F]+\.name\}$/,
      ),
    ]);
    // The grant waits for the first DLP resource (audit #18), and the scan of that table for the grant.
    expect(reads[0][1].depends_on).toEqual([expect.stringMatching(/^google_data_loss_prevention_inspect_template\./)]);
    const trigger = resources(json, 'google_data_loss_prevention_job_trigger').find((t) => t.trigger_id === 'scan-shop_cdc-shop_public_orders');
    expect(trigger.depends_on).toContain(`google_data_catalog_policy_tag_iam_member.${reads[0][0]}`);
    // A table without tagged columns needs no tag read.
    const clean = resources(json, 'google_data_loss_prevention_job_trigger').find((t) => t.trigger_id === 'scan-legacy_cdc-legacy_app_users');
    expect(clean.depends_on.filter((d: string) => d.startsWith('google_data_catalog'))).toEqual([]);
  });

  test('audit #18: every grant to the DLP service agent waits for the inspect template, the first DLP call of the stack', () => {
    const json = synth((stack) => build(stack));
    const template = expect.stringMatching(/^google_data_loss_prevention_inspect_template\.automation_inspect_template_[0-9A-F]+$/);
    const toAgent = ['google_bigquery_dataset_iam_member', 'google_pubsub_topic_iam_member', 'google_data_catalog_policy_tag_iam_member']
      .flatMap((t) => resources(json, t))
      .filter((m) => /dlp-api\.iam\.gserviceaccount\.com$/.test(m.member));
    expect(toAgent).toHaveLength(3);
    toAgent.forEach((m) => expect(m.depends_on).toEqual([template]));
  });

  test('audit #27: CDC worker alerts only alongside the CdcWorkerService they watch; asked for without one, it is a synth error', () => {
    const json = synth((stack) => build(stack));
    expect(resources(json, 'google_logging_metric')).toEqual([]);
    expect(problems((stack) => build(stack, { cdcWorkerAlerts: true }))).toEqual([
      '[test/automation] cdcWorkerAlerts: true is not valid; allowed: true only with cdcWorkers: alerts on a CDC worker this app does not deploy can never fire',
    ]);
    const withWorker = synth((stack) => {
      const runtime = new Construct(stack, 'runtime');
      const worker = new CdcWorkerService(runtime, 'cdc', {
        project: 'acme-data',
        region: 'us-central1',
        image: 'img:1',
        kafka: kafkaCluster(runtime),
        database: postgresSource(runtime, { logicalName: 'billing', replicationPassword: SecretValue.fromSecretManager('billing-cdc') }),
        kafkaIdentity: { username: 'cdc-billing', password: SecretValue.fromSecretManager('kafka-cdc-billing') },
      });
      build(stack, { cdcWorkers: [worker] });
    });
    expect(
      resources(withWorker, 'google_monitoring_alert_policy')
        .map((p) => p.display_name)
        .sort(),
    ).toEqual([
      'CDC worker errors',
      'CDC worker restarting',
      // A PostgreSQL worker: its replication slot's alerts (issue 19, protection of the log).
      'CDC worker slot not confirming',
      'CDC worker slot retains WAL',
      'Sensitive data where none was expected',
    ]);
    expect(resources(withWorker, 'google_logging_metric').map((m) => m.filter)).toEqual([
      'jsonPayload.service="cdc-worker" AND resource.type="cloud_run_revision" AND resource.labels.service_name="cdc-billing" AND severity>=ERROR',
      // Retained WAL bytes and confirmed-flush age, both read from the slot monitor's status line.
      'jsonPayload.service="cdc-worker" AND resource.type="cloud_run_revision" AND resource.labels.service_name="cdc-billing" AND jsonPayload.msg="replication slot status"',
      'jsonPayload.service="cdc-worker" AND resource.type="cloud_run_revision" AND resource.labels.service_name="cdc-billing" AND jsonPayload.msg="replication slot status"',
      'jsonPayload.service="cdc-worker" AND resource.type="cloud_run_revision" AND resource.labels.service_name="cdc-billing" AND jsonPayload.msg="streaming started"',
    ]);
  });

  test('without feeds or channels, or with an unbounded erasure lag, it says so', () => {
    const found = problems(
      (stack) => new DataAutomation(stack, 'automation', { project: 'acme-data', feeds: [], notify: [], erasureLagDays: 90, cdcWorkerAlerts: false }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        '[test/automation] feeds: [] is not valid; allowed: at least one feed (what a pipeline lands in the warehouse)',
        '[test/automation] notify: [] is not valid; allowed: at least one notification channel: stage 4 tells people, it does not wait to be asked',
        '[test/automation] erasureLagDays: 90 is not valid; allowed: an integer from 1 to 30 days',
      ]),
    );
  });
});

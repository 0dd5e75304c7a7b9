import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing, TerraformStack } from 'cdktf';
import { validateAll } from '../../stacks/reference-app';
import { loadReferenceStackConfig } from '../../stacks/stack-config';
import { buildWePayCompany, WePayStage } from '../../stacks/wepay-stages';
import { AutomationStack } from '../../stacks/automation';
import { identity, readSynth, UpgradeSynth } from './upgrade-check';

const config = loadReferenceStackConfig({});

function synthStack(stack: TerraformStack): UpgradeSynth {
  expect(validateAll([stack])).toEqual([]);
  return readSynth(JSON.parse(Testing.synth(stack)));
}

const company = (stage: WePayStage) => {
  const stack = new TerraformStack(Testing.app(), 'wepay');
  buildWePayCompany(stack, stage, config);
  return synthStack(stack);
};

describe('the realtime company moving to stage 4 (automation) keeps every resource', () => {
  const stage4Stack = new AutomationStack(Testing.app(), 'wepay', config);
  const stage4 = synthStack(stage4Stack);
  const stages = { 2: company(2), 3: company(3) };

  test.each([2, 3] as const)('stage %i → 4: every earlier address exists with the same identifying attributes; no moved block', (from) => {
    const before = stages[from];
    const problems: string[] = [];
    for (const [address, body] of before.resources) {
      const later = stage4.resources.get(address);
      if (!later) problems.push(`${address}: gone`);
      else if (JSON.stringify(identity(address, body)) !== JSON.stringify(identity(address, later)))
        problems.push(`${address}: identifying attributes changed`);
    }
    expect(problems).toEqual([]);
    expect(stage4.json.moved ?? []).toEqual([]);
  });

  test('the only in-place change to stage 3 is the erasure bound on compacted topics carrying personal data', () => {
    const before = stages[3];
    const changed = [...before.resources]
      .filter(([address, body]) => JSON.stringify(stage4.resources.get(address)) !== JSON.stringify(body))
      .map(([address, body]) => {
        const after = stage4.resources.get(address);
        const diff = Object.keys({ ...body.config, ...after.config }).filter((k) => body.config?.[k] !== after.config?.[k]);
        const rest = JSON.stringify({ ...body, config: undefined }) === JSON.stringify({ ...after, config: undefined });
        return `${after.name} ${rest ? '' : 'OTHER '}${diff.map((k) => `${k}=${after.config[k]}`).join(',')}`;
      })
      .sort();
    expect(changed).toEqual([
      'ledger.ledger.accounts max.compaction.lag.ms=604800000',
      'monolith.wepay.merchants max.compaction.lag.ms=604800000',
      'monolith.wepay.users max.compaction.lag.ms=604800000',
      'payouts.public.payouts max.compaction.lag.ms=604800000',
      'profiles.profiles.merchant_profiles max.compaction.lag.ms=604800000',
      // Streamed to Pub/Sub, not landed in the warehouse: still personal data (ip_address), still bounded.
      'risk-events.risk.device_events max.compaction.lag.ms=604800000',
    ]);
  });

  test('what stage 4 adds: classified tables adopted by import, scans, alerts, access, and nothing of the old kinds but grants', () => {
    const added = [...stage4.resources.keys()].filter((a) => !stages[3].resources.has(a));
    const byType: Record<string, number> = {};
    for (const a of added) byType[a.slice(0, a.indexOf('.'))] = (byType[a.slice(0, a.indexOf('.'))] ?? 0) + 1;
    expect(byType).toEqual({
      google_bigquery_dataset: 1, // dlp_findings
      google_bigquery_dataset_iam_member: 13,
      google_bigquery_table: 6,
      google_data_catalog_policy_tag: 4,
      google_data_catalog_policy_tag_iam_member: 6, // the access model's three, and the DLP service agent's read of the pii, pii-high and pci tags it scans (audit #19)
      google_data_catalog_taxonomy: 1,
      google_data_loss_prevention_deidentify_template: 1,
      google_data_loss_prevention_inspect_template: 1,
      google_data_loss_prevention_job_trigger: 13,
      google_monitoring_alert_policy: 1, // no CDC worker alerts: the company deploys no CdcWorkerService (audit #27)
      google_monitoring_notification_channel: 3,
      google_pubsub_topic: 1,
      google_pubsub_topic_iam_member: 1,
      google_service_account: 2, // card-vault and fraud-scorer, which the access model names (audit #34)
      kafka_acl: 9,
      kafka_user_scram_credential: 1,
      terraform_data: 6, // the columns each adopted table had at adoption (audit #8)
    });
    const tables = [...stage4.resources].filter(([a]) => a.startsWith('google_bigquery_table.')).map(([a]) => a);
    expect(stage4.json.import.map((i: any) => i.to).sort()).toEqual(tables.sort());
    expect(stage4.json.import.map((i: any) => i.id).sort()).toEqual([
      'projects/acme-data-platform/datasets/integration_cdc/tables/payouts_public_payouts',
      'projects/acme-data-platform/datasets/integration_cdc/tables/profiles_profiles_merchant_profiles',
      'projects/acme-data-platform/datasets/ledger_cdc/tables/ledger_ledger_accounts',
      'projects/acme-data-platform/datasets/monolith_cdc/tables/monolith_wepay_merchants',
      'projects/acme-data-platform/datasets/monolith_cdc/tables/monolith_wepay_payments',
      'projects/acme-data-platform/datasets/monolith_cdc/tables/monolith_wepay_users',
    ]);
  });

  test('the access model derives exactly these ACLs and IAM bindings', () => {
    const added = (type: string) => [...stage4.resources].filter(([a]) => a.startsWith(`${type}.`) && !stages[3].resources.has(a)).map(([, b]) => b);
    expect(
      added('kafka_acl')
        .map((a) => `${a.acl_permission_type} ${a.acl_principal} ${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`)
        .sort(),
    ).toEqual([
      'Allow User:fraud-scorer Describe Topic:Literal:monolith.wepay.payments',
      'Allow User:fraud-scorer Describe Topic:Prefixed:risk.',
      'Allow User:fraud-scorer Read Group:Literal:fraud-scorer',
      'Allow User:fraud-scorer Read Topic:Literal:monolith.wepay.payments',
      'Allow User:fraud-scorer Read Topic:Prefixed:risk.',
      'Allow User:risk-contractors Describe Topic:Prefixed:risk.',
      'Allow User:risk-contractors Read Group:Literal:risk-contractors',
      'Allow User:risk-contractors Read Topic:Prefixed:risk.',
      'Deny User:risk-contractors Read Topic:Literal:monolith.wepay.payments',
    ]);
    const datasetOf = (expr: string) => expr.replace(/^\$\{google_bigquery_dataset\.(.*)_dataset_[0-9A-F]+\.dataset_id\}$/, '$1');
    const member = (m: string) =>
      m
        .replace(/\$\{data\.google_project\.[^}]+\}/, '<project-number>')
        .replace(/^serviceAccount:\$\{google_service_account\.([a-z-]+)-account_[0-9A-F]+\.email\}$/, 'serviceAccount:<$1>');
    expect(
      added('google_bigquery_dataset_iam_member')
        .map((m) => `${datasetOf(m.dataset_id)} ${m.role.replace('roles/bigquery.', '')} ${member(m.member)}`)
        .sort(),
    ).toEqual([
      'automation_dlp-findings dataEditor serviceAccount:service-<project-number>@dlp-api.iam.gserviceaccount.com',
      'automation_dlp-findings dataViewer group:privacy@wepay.example',
      'integration_sink-integration-bigquery-sink dataViewer group:analysts@wepay.example',
      'integration_sink-integration-bigquery-sink dataViewer group:privacy@wepay.example',
      'realtime_ledger dataViewer group:analysts@wepay.example',
      'realtime_ledger dataViewer group:finance@wepay.example',
      'realtime_ledger dataViewer group:privacy@wepay.example',
      'realtime_monolith dataViewer group:analysts@wepay.example',
      'realtime_monolith dataViewer group:privacy@wepay.example',
      'realtime_monolith dataViewer serviceAccount:<card-vault>',
      'realtime_risk dataEditor serviceAccount:<fraud-scorer>',
      'realtime_risk dataViewer group:analysts@wepay.example',
      'realtime_risk dataViewer group:privacy@wepay.example',
    ]);
    expect(
      added('google_data_catalog_policy_tag_iam_member')
        .map(
          (m) =>
            `${m.policy_tag.replace(/^\$\{google_data_catalog_policy_tag\.automation_classification_tag-([a-z-]+)_[0-9A-F]+\.name\}$/, '$1')} ${member(m.member)}`,
        )
        .sort(),
    ).toEqual([
      'pci serviceAccount:<card-vault>',
      'pci serviceAccount:service-<project-number>@dlp-api.iam.gserviceaccount.com',
      'pii group:privacy@wepay.example',
      'pii serviceAccount:service-<project-number>@dlp-api.iam.gserviceaccount.com',
      'pii-high group:privacy@wepay.example',
      'pii-high serviceAccount:service-<project-number>@dlp-api.iam.gserviceaccount.com',
    ]);
    expect(added('kafka_user_scram_credential').map((u) => u.username)).toEqual(['fraud-scorer']);
  });
});

describe('the automation reference stack', () => {
  test('synthesizes with its governance report: no error, the accepted findings with their reasons', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-auto-'));
    const app = new App({ outdir });
    const stack = new AutomationStack(app, 'automation', config);
    expect(validateAll([stack])).toEqual([]);
    app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'automation', 'governance-report.json'), 'utf8'));
    expect(report.summary).toEqual({ errors: 0, warnings: 0, suppressed: 1, unusedSuppressions: 0 });
    expect(report.packs.map((p: any) => p.name)).toEqual(['GDPR', 'PCI-DSS', 'HIPAA', 'DataEngineering']);
    expect(report.suppressed.map((s: any) => `${s.rule} ${s.path}`)).toEqual([
      'DataEngineering.ColumnTypesDeclared automation/automation/tables/integration_cdc.profiles_profiles_merchant_profiles',
    ]);
  });
});

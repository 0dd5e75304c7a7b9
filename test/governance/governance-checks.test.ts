import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AnnotationMetadataEntryType, App, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { GovernanceChecks } from '../../constructs/governance/governance-checks';
import { dataEngineeringPack, gdprPack, hipaaPack, pciDssPack } from '../../constructs/governance/rule-packs';
import { problems } from '../helpers';
import { shopPipeline } from './govern';

function annotations(stack: TerraformStack, type: string): string[] {
  return stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === type).map((m) => `[${c.node.path}] ${String(m.data)}`));
}

describe('GovernanceChecks', () => {
  test('packs hold the rules the issue names', () => {
    const ids = (p: { name: string; rules: readonly { id: string }[] }) => p.rules.map((r) => r.id);
    expect(ids(gdprPack())).toEqual([
      'DatasetOwnerAndClassification',
      'NoPublicAccess',
      'SensitiveTopicNoWildcardRead',
      'PiiRetention',
      'SensitiveDatasetScanned',
      'SensitiveColumnsTagged',
    ]);
    expect(ids(pciDssPack())).toEqual([
      'KafkaTls',
      'NoInlineSecret',
      'NoPublicAccess',
      'SensitiveTopicNoWildcardRead',
      'SensitiveDatasetScanned',
      'SensitiveColumnsTagged',
    ]);
    expect(ids(hipaaPack())).toEqual(['KafkaTls', 'NoPublicAccess', 'SensitiveTopicNoWildcardRead', 'SensitiveDatasetScanned', 'SensitiveColumnsTagged']);
    expect(ids(dataEngineeringPack())).toEqual([
      'DatasetOwnerAndClassification',
      'NoInlineSecret',
      'KafkaTls',
      'TopicDurability',
      'DatasetDeletionProtection',
      'ColumnTypesDeclared',
    ]);
  });

  test('errors are annotations on the construct path and stop synth with every other problem', () => {
    let stackRef: TerraformStack | undefined;
    const found = problems((stack) => {
      stackRef = stack;
      shopPipeline(stack);
      new WarehouseDataset(stack, 'scratch', {
        project: 'acme-data',
        datasetId: 'scratch',
        labels: { owner: 'x', classification: 'internal' },
        deletionProtection: false,
      });
      new GovernanceChecks(stack, 'governance', { packs: [gdprPack(), dataEngineeringPack()] });
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^\[test\/governance\] GDPR\.PiiRetention at test\/rt\/shop\/topic-public\.orders: topic "shop\.public\.orders" is compacted without max\.compaction\.lag\.ms/,
      ),
      '[test/governance] GDPR.SensitiveDatasetScanned at test/rt/shop/dataset: dataset shop_cdc receives pii/pii-high data in shop_public_orders, which no DlpTableScan covers',
      '[test/governance] GDPR.SensitiveColumnsTagged at test/rt/shop/dataset: dataset shop_cdc has columns without their policy tag: shop_public_orders.email (pii)',
    ]);
    const errors = annotations(stackRef!, AnnotationMetadataEntryType.ERROR);
    expect(errors).toHaveLength(3);
    expect(errors[1]).toBe(
      '[test/rt/shop/dataset] GDPR.SensitiveDatasetScanned: dataset shop_cdc receives pii/pii-high data in shop_public_orders, which no DlpTableScan covers. ' +
        'Every warehouse table receiving pii/pii-high data has a scheduled DLP scan. Why: Labels say what should be there; only a scan finds what is there (GDPR Art. 32, PCI DSS 12.5.2, HIPAA 164.308(a)(1)).',
    );
    expect(annotations(stackRef!, AnnotationMetadataEntryType.WARN)).toEqual([
      expect.stringMatching(/^\[test\/scratch\] DataEngineering\.DatasetDeletionProtection: dataset scratch has deletionProtection off\. /),
    ]);
  });

  test('suppressions need a reason, move findings to the report, and unused ones are listed', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-gov-'));
    const app = new App({ outdir });
    const stack = new TerraformStack(app, 'shop');
    new GoogleProvider(stack, 'google', { project: 'acme-test', region: 'us-central1' });
    const rt = shopPipeline(stack);
    GovernanceChecks.suppress(rt, 'GDPR.PiiRetention', 'orders topic is erased by a nightly compaction job outside Terraform');
    GovernanceChecks.suppress(rt.sources.shop.dataset, 'SensitiveDatasetScanned', 'scanned by the group-wide DLP discovery config');
    GovernanceChecks.suppress(rt.sources.shop.dataset, 'SensitiveColumnsTagged', 'columns tagged by the catalog team until stage 4 lands');
    GovernanceChecks.suppress(stack, 'KafkaTls', 'no platform here is plaintext, kept to show an unused suppression');
    const checks = new GovernanceChecks(stack, 'governance', { packs: [gdprPack(), dataEngineeringPack()] });
    app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'shop', 'governance-report.json'), 'utf8'));
    expect(report.summary).toEqual({ errors: 0, warnings: 0, suppressed: 3, unusedSuppressions: 1 });
    expect(report.suppressed.map((s: any) => [s.rule, s.path, s.suppressedAt, s.reason])).toEqual([
      ['GDPR.PiiRetention', 'shop/rt/shop/topic-public.orders', 'shop/rt', 'orders topic is erased by a nightly compaction job outside Terraform'],
      ['GDPR.SensitiveDatasetScanned', 'shop/rt/shop/dataset', 'shop/rt/shop/dataset', 'scanned by the group-wide DLP discovery config'],
      ['GDPR.SensitiveColumnsTagged', 'shop/rt/shop/dataset', 'shop/rt/shop/dataset', 'columns tagged by the catalog team until stage 4 lands'],
    ]);
    expect(report.unusedSuppressions).toEqual([
      { path: 'shop', rule: 'KafkaTls', reason: 'no platform here is plaintext, kept to show an unused suppression' },
    ]);
    expect(report.packs.map((p: any) => p.name)).toEqual(['GDPR', 'DataEngineering']);
    expect(report.packs[0].rules[3]).toEqual({
      id: 'GDPR.PiiRetention',
      level: 'error',
      description: expect.any(String),
      reason: expect.stringContaining('Art. 17'),
    });
    expect(checks.findings).toEqual([]);
    expect(annotations(stack, AnnotationMetadataEntryType.ERROR)).toEqual([]);
  });

  test('a suppression without a real reason is a problem', () => {
    const found = problems((stack) => {
      const ds = new WarehouseDataset(stack, 'ds', { project: 'acme-data', datasetId: 'ds', labels: { owner: 'x', classification: 'internal' } });
      GovernanceChecks.suppress(ds, 'DatasetOwnerAndClassification', 'because');
      new GovernanceChecks(stack, 'governance', { packs: [gdprPack()] });
    });
    expect(found).toEqual([
      '[test/ds] suppress DatasetOwnerAndClassification reason: "because" is not valid; allowed: why the rule does not apply here, at least 10 characters',
    ]);
  });

  test('each construct is checked once even when synth runs the aspect again', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-gov-')) });
    const stack = new TerraformStack(app, 's');
    new GoogleProvider(stack, 'google', { project: 'acme-test' });
    new WarehouseDataset(stack, 'tmp', {
      project: 'acme-data',
      datasetId: 'tmp',
      labels: { owner: 'x', classification: 'internal' },
      deletionProtection: false,
    });
    const checks = new GovernanceChecks(stack, 'governance', { packs: [dataEngineeringPack()] });
    checks.run();
    app.synth();
    expect(checks.findings.map((f) => f.rule)).toEqual(['DataEngineering.DatasetDeletionProtection']);
    expect(annotations(stack, AnnotationMetadataEntryType.WARN)).toHaveLength(1);
  });
});

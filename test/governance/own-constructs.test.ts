import { Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretValue } from '../../constructs/core/secret-value';
import { GovernanceChecks } from '../../constructs/governance/governance-checks';
import { dataEngineeringPack, gdprPack, hipaaPack, pciDssPack, RulePack } from '../../constructs/governance/rule-packs';
import { noInlineSecret } from '../../constructs/governance/rules';
import { CdcWorkerService } from '../../constructs/runtime/cdc-worker-service';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { buildReferenceApp } from '../../stacks/reference-app';
import { kafkaCluster } from '../fixtures';
import { govern } from './govern';

/** The strictest governance: every pack, every rule, warnings counted as findings. */
const strictest = (): RulePack[] => [gdprPack(), pciDssPack(), hipaaPack(), dataEngineeringPack()];

/** `rule path: message` of every finding (errors and warnings) of the strictest packs on `stack`. */
function findings(stack: TerraformStack): string[] {
  const existing = stack.node.findAll().filter((c): c is GovernanceChecks => c instanceof GovernanceChecks);
  const checks = existing.find((g) => g.packs.length === 4) ?? new GovernanceChecks(stack, 'strictest-governance', { packs: strictest() });
  return checks.run().map((f) => `${f.level} ${f.rule} ${f.path}: ${f.message}`);
}

/** Rules that are duties of stage 4 (automation): stacks below it carry sensitive data not yet scanned, tagged or bounded. */
const STAGE_4_DUTIES = /\.(PiiRetention|SensitiveDatasetScanned|SensitiveColumnsTagged) /;

describe('our own constructs under the strictest packs', () => {
  test('CdcWorkerService: its Secret Manager references (secret_key_ref) are not inline secrets; no finding at all', () => {
    const stack = new TerraformStack(Testing.app(), 'worker');
    new GoogleProvider(stack, 'google', { project: 'acme-data', region: 'us-central1' });
    const database = new ExternalSourceDatabase(stack, 'shop', {
      logicalName: 'shop',
      engine: 'postgres',
      host: '10.0.0.5',
      databaseName: 'shop',
      replicationPassword: SecretValue.fromSecretManager('shop-cdc-password'),
      tables: [{ name: 'orders', primaryKey: ['id'], columns: [{ name: 'id', type: 'bigint' }] }],
    });
    new CdcWorkerService(stack, 'cdc', {
      project: 'acme-data',
      region: 'us-central1',
      image: 'us-docker.pkg.dev/acme-data/cdc/cdc-worker:0.1.0',
      database,
      kafka: kafkaCluster(stack),
      kafkaIdentity: { username: 'cdc-shop', password: SecretValue.fromSecretManager('kafka-cdc-shop-password') },
    });
    expect(findings(stack)).toEqual([]);
  });

  test('NoInlineSecret still flags a literal password beside a secret reference', () => {
    const { CloudRunV2Service } = require('@cdktf/provider-google/lib/cloud-run-v2-service');
    const out = govern(
      (stack) =>
        new CloudRunV2Service(stack, 'svc', {
          name: 'svc',
          location: 'us-central1',
          template: { containers: [{ image: 'x', env: [{ name: 'A', valueSource: { secretKeyRef: { secret: 'a-password', version: 'latest' } } }] }] },
          // A literal that is a secret, in an attribute that holds one:
          annotations: { 'db-password': 'hunter2' },
        }),
      noInlineSecret,
    );
    expect(out).toEqual([
      expect.stringMatching(/^error T\.NoInlineSecret test\/svc: google_cloud_run_v2_service has a literal secret in annotations\.db-password;/),
    ]);
  });

  describe('every reference stack', () => {
    const { stacks } = buildReferenceApp({ outdir: require('os').tmpdir() + '/cdp-governance-own' });
    const byName = Object.fromEntries(stacks.map((s) => [s.node.id, s]));
    // What a reference stack does on purpose, suppressed with its reason as a user would.
    const deliberate: Record<string, [path: string, rule: string, reason: string][]> = {
      'talk-slides': [['kafka', 'KafkaTls', "the talk's demo broker at localhost:9092 listens in plaintext"]],
    };
    test.each(Object.keys(byName))('%s: no finding but the stage-4 duties of a stack below stage 4', (name) => {
      for (const [path, rule, reason] of deliberate[name] ?? []) GovernanceChecks.suppress(byName[name].node.findChild(path), rule, reason);
      const all = findings(byName[name]);
      expect(all.filter((f) => !STAGE_4_DUTIES.test(f))).toEqual([]);
      // Stage 4 and the domains' stage-5 stacks fulfil those duties too.
      if (name === 'automation' || name.startsWith('decentralized-')) expect(all).toEqual([]);
    });
  });
});

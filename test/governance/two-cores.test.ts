/**
 * Two copies of the core in one app: the consumer's app, stack and raw resources from one copy of
 * cdktf, this library (and its GovernanceChecks) from another, as when a library and an app sit
 * on different lines (cdktf 0.21, cdktn 0.24) or npm fails to dedupe. `instanceof` is false across
 * copies and Aspects registered through one copy are never invoked by the other, so governance
 * must recognise resources by duck typing and run from validation.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as cdktf from 'cdktf';
import { validateApp, synthApp } from '../../constructs/core/app-validation';
import { GovernanceChecks } from '../../constructs/governance/governance-checks';
import { terraformAttributes } from '../../constructs/governance/governance-rule';
import { dataEngineeringPack, gdprPack, pciDssPack } from '../../constructs/governance/rule-packs';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';

const repoModules = path.join(__dirname, '..', '..', 'node_modules');
let work: string;
let other: typeof cdktf;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-two-cores-'));
  const modules = path.join(work, 'node_modules');
  fs.mkdirSync(modules);
  // A second copy of the core (with its bundled dependencies), sharing the one copy of constructs.
  fs.cpSync(path.join(repoModules, 'cdktf'), path.join(modules, 'cdktf'), { recursive: true });
  fs.symlinkSync(path.join(repoModules, 'constructs'), path.join(modules, 'constructs'), 'dir');
  other = require(path.join(modules, 'cdktf'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Builds the consumer's app on the other copy of the core, with two raw resources that break rules and a library construct. */
function consumerApp(outdir: string) {
  const app = new other.App({ outdir });
  const stack = new other.TerraformStack(app, 'consumer');
  class Raw extends other.TerraformResource {
    constructor(
      scope: cdktf.TerraformStack,
      id: string,
      type: string,
      private readonly attrs: Record<string, unknown>,
    ) {
      super(scope, id, { terraformResourceType: type });
    }
    protected synthesizeAttributes(): Record<string, unknown> {
      return this.attrs;
    }
  }
  new Raw(stack as any, 'public-read', 'google_bigquery_dataset_iam_member', { dataset_id: 'shop_cdc', role: 'roles/bigquery.dataViewer', member: 'allUsers' });
  new Raw(stack as any, 'slack', 'google_monitoring_notification_channel', { type: 'slack', sensitive_labels: { auth_token: 'xoxb-literal' } });
  new KafkaCluster(stack as any, 'kafka', { bootstrapServers: ['k1:9093', 'k2:9093', 'k3:9093'], kafkaVersion: '3.9.0', tlsEnabled: false });
  const governance = new GovernanceChecks(stack as any, 'governance', { packs: [gdprPack(), pciDssPack(), dataEngineeringPack()] });
  return { app, stack, governance };
}

describe('governance with two copies of the core', () => {
  test('the copies really are two: instanceof is false across them', () => {
    expect(other.TerraformElement).not.toBe(cdktf.TerraformElement);
    const { stack } = consumerApp(path.join(work, 'probe'));
    const raw = stack.node.findChild('public-read');
    expect(raw instanceof cdktf.TerraformElement).toBe(false);
    expect(terraformAttributes(raw)).toMatchObject({ member: 'allUsers' });
  });

  test("the rules find the problems of the other copy's resources", () => {
    const { governance } = consumerApp(path.join(work, 'rules'));
    expect(
      governance
        .run()
        .map((f) => `${f.rule} ${f.path}`)
        .sort(),
    ).toEqual([
      'DataEngineering.KafkaTls consumer/kafka',
      'DataEngineering.NoInlineSecret consumer/slack',
      'GDPR.NoPublicAccess consumer/public-read',
      'PCI-DSS.KafkaTls consumer/kafka',
      'PCI-DSS.NoInlineSecret consumer/slack',
      'PCI-DSS.NoPublicAccess consumer/public-read',
    ]);
  });

  test("synth stops on them, though the other copy's synth never invokes this copy's Aspects", () => {
    const outdir = path.join(work, 'synth');
    const { app } = consumerApp(outdir);
    const problems = validateApp(app);
    expect(problems.filter((p) => /NoPublicAccess|NoInlineSecret/.test(p))).toHaveLength(4);
    expect(() => synthApp(app as unknown as cdktf.App)).toThrow(
      /nothing was written[\s\S]*GDPR\.NoPublicAccess at consumer\/public-read[\s\S]*NoInlineSecret at consumer\/slack/,
    );
    expect(fs.existsSync(outdir)).toBe(false);
    // The other copy's own app.synth() runs validations too, so it stops as well.
    const plain = consumerApp(path.join(work, 'plain'));
    expect(() => plain.app.synth()).toThrow(/NoPublicAccess/);
  });
});

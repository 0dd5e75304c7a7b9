import { buildReferenceApp, COMPANY_SNAPSHOTS } from '../../stacks/reference-app';
import { loadReferenceStackConfig } from '../../stacks/stack-config';

describe('reference app: alternative snapshots of one company', () => {
  const deploying = loadReferenceStackConfig({ CDP_STATE_BUCKET: 'acme-tf-state' });

  test('audit #33: with remote state (a deployment) two snapshots of the company for one project are refused, naming the way out', () => {
    expect(() => buildReferenceApp({ config: deploying, stacks: ['wepay-2017', 'automation'] })).toThrow(
      'CDP_STACKS: wepay-2017, automation are alternative snapshots of one company (the same Cloud SQL instances, datasets, service accounts, topics and connectors), so a project deploys one of them; with remote state (CDP_STATE_BUCKET) name the one you deploy, e.g. CDP_STACKS=automation (README "Reference stacks")',
    );
    // Every stack, as the example workflow synthesizes when CDP_STACKS is unset.
    expect(() => buildReferenceApp({ config: deploying })).toThrow(
      /wepay-2014, wepay-2016, wepay-2017, wepay-2019, automation, decentralized are alternative snapshots/,
    );
  });

  test('audit #33: one snapshot deploys (decentralized with its domain stacks is one); without remote state every stack still builds, for diagrams and tests', () => {
    expect(() =>
      buildReferenceApp({
        config: deploying,
        stacks: ['decentralized', 'decentralized-payments', 'decentralized-fraud', 'decentralized-marketing', 'talk-slides'],
      }),
    ).not.toThrow();
    expect(buildReferenceApp({ config: loadReferenceStackConfig({}) }).stacks.map((s) => s.node.id)).toEqual(expect.arrayContaining(COMPANY_SNAPSHOTS));
  });
});

describe('automation stack: the accounts its access model names', () => {
  test('audit #34: card-vault and fraud-scorer are created by the stack and every grant names them by reference, so a fresh project needs nothing first', () => {
    const { Testing } = require('cdktf');
    const { AutomationStack } = require('../../stacks/automation');
    const stack = new AutomationStack(Testing.app(), 'automation', loadReferenceStackConfig({}));
    const json = JSON.parse(Testing.synth(stack));
    const accounts = Object.entries<any>(json.resource.google_service_account).filter(([, a]) => ['card-vault', 'fraud-scorer'].includes(a.account_id));
    expect(accounts.map(([, a]) => a.account_id).sort()).toEqual(['card-vault', 'fraud-scorer']);
    const members = ['google_bigquery_dataset_iam_member', 'google_data_catalog_policy_tag_iam_member']
      .flatMap((t) => Object.values<any>(json.resource[t] ?? {}))
      .map((m) => m.member as string)
      .filter((m) => /card-vault|fraud-scorer/.test(m));
    expect(members.length).toBeGreaterThanOrEqual(3); // card vault: monolith_cdc and the pci tag; fraud scorer: risk_cdc
    for (const m of members) expect(m).toMatch(/^serviceAccount:\$\{google_service_account\.(card-vault|fraud-scorer)-account_[0-9A-F]+\.email\}$/);
  });
});

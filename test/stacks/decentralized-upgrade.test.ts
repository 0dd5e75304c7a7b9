import { Testing } from 'cdktf';
import { AutomationStack } from '../../stacks/automation';
import { decentralizeCompany } from '../../stacks/decentralized';
import { validateAll } from '../../stacks/reference-app';
import { loadReferenceStackConfig } from '../../stacks/stack-config';
import { IDENTIFYING, readSynth, upgradeProblems, UpgradeSynth } from './upgrade-check';

const config = loadReferenceStackConfig({});

/** The company at stage 4 (the `automation` reference stack), and at stage 5 when `decentralize`. */
function company(decentralize: boolean): UpgradeSynth {
  const stack = new AutomationStack(Testing.app(), 'wepay', config);
  if (decentralize) decentralizeCompany(stack, stack.company, config);
  expect(validateAll([stack])).toEqual([]);
  return readSynth(JSON.parse(Testing.synth(stack)));
}

describe('the company moving from stage 4 (automation) to stage 5 (decentralization) keeps every resource', () => {
  const stage4 = company(false);
  const stage5 = company(true);

  test('every stage-4 address exists at stage 5 with the same identifying attributes, no moved block, nothing changed at all', () => {
    expect(upgradeProblems(stage4, stage5)).toEqual([]);
    expect(stage5.moved).toEqual([]);
    const changed = [...stage4.resources].filter(([address, body]) => JSON.stringify(stage5.resources.get(address)) !== JSON.stringify(body)).map(([a]) => a);
    expect(changed).toEqual([]);
  });

  test('the check knows every type of stage 4 and reads attributes that are really there', () => {
    for (const [address, body] of stage4.resources) {
      const type = address.slice(0, address.indexOf('.'));
      expect(Object.keys(IDENTIFYING)).toContain(type);
      for (const key of IDENTIFYING[type])
        if (body[key] === undefined && !['region', 'host', 'project', 'location', 'display_name'].includes(key)) throw new Error(`${address}: no ${key}`);
    }
  });

  test('stage 5 adds the platform and three domains, and only additions', () => {
    const added = [...stage5.resources.keys()].filter((a) => !stage4.resources.has(a));
    const byType: Record<string, number> = {};
    for (const a of added) byType[a.slice(0, a.indexOf('.'))] = (byType[a.slice(0, a.indexOf('.'))] ?? 0) + 1;
    expect(byType).toEqual({
      google_bigquery_dataset: 5, // payments_ledger, fraud_models, fraud_subscriptions, marketing_campaigns, marketing_subscriptions
      google_bigquery_dataset_iam_member: expect.any(Number),
      google_project_iam_member: 4, // Job User of the three domain accounts and of payments' Connect workers
      google_service_account: 4, // payments-domain, payments-connect, fraud-domain, marketing-domain (the shared Connect workers keep stage 4's account)
      'kafka-connect_connector': 5, // payments' capture and sink, three landing sinks
      kafka_acl: expect.any(Number),
      kafka_topic: 8, // payments' three CDC topics, its heartbeat topic and its Connect workers' three internal topics, fraud.scores
      kafka_user_scram_credential: 5, // payments, payments-connect, fraud, fraud-model, marketing
    });
    const datasets = added
      .filter((a) => a.startsWith('google_bigquery_dataset.'))
      .map((a) => stage5.resources.get(a).dataset_id)
      .sort();
    expect(datasets).toEqual(['fraud_models', 'fraud_subscriptions', 'marketing_campaigns', 'marketing_subscriptions', 'payments_ledger']);
  });
});

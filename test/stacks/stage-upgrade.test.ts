import { Construct } from 'constructs';
import { App, Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { validateAll } from '../../stacks/reference-app';
import { loadReferenceStackConfig } from '../../stacks/stack-config';
import { buildWePayCompany, WePayStage } from '../../stacks/wepay-stages';
import { WePay2017Stack } from '../../stacks/wepay-2017';
import { WarehouseDataset } from '../../constructs/bigquery/warehouse-dataset';
import { IDENTIFYING, readSynth, upgradeProblems, UpgradeSynth } from './upgrade-check';

function synthStack(build: (stack: TerraformStack) => void): UpgradeSynth {
  const app: App = Testing.app();
  const stack = new TerraformStack(app, 'wepay');
  build(stack);
  expect(validateAll([stack])).toEqual([]);
  return readSynth(JSON.parse(Testing.synth(stack)));
}

const config = loadReferenceStackConfig({});
const company = (stage: WePayStage) => synthStack((stack) => buildWePayCompany(stack, stage, config));

describe('a company moving up a stage keeps every resource', () => {
  const stages = [company(0), company(1), company(2), company(3)];

  test('each stage adds resources and the company uses only types the check knows', () => {
    const counts = stages.map((s) => s.resources.size);
    expect(counts[0]).toBeGreaterThan(0);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]);
    for (const address of stages[3].resources.keys()) expect(Object.keys(IDENTIFYING)).toContain(address.slice(0, address.indexOf('.')));
  });

  test.each([
    [0, 1],
    [1, 2],
    [2, 3],
    [0, 3],
  ])('stage %i → %i: every earlier address exists with the same identifying attributes (or is moved)', (from, to) => {
    const before = stages[from];
    const after = stages[to];
    expect(upgradeProblems(before, after)).toEqual([]);
    // The upgrade needs no moved block: later stages are added beside the earlier constructs.
    expect(after.moved).toEqual([]);
    // Stronger still: nothing of the earlier stage changes at all, so the plan only adds.
    const changed = [...before.resources].filter(([address, body]) => JSON.stringify(after.resources.get(address)) !== JSON.stringify(body)).map(([a]) => a);
    expect(changed).toEqual([]);
  });

  test('the identifying attributes that matter are really there', () => {
    const at3 = stages[3];
    const id = (type: string, key: string) =>
      [...at3.resources]
        .filter(([a]) => a.startsWith(`${type}.`))
        .map(([, b]) => b[key])
        .sort();
    expect(id('google_sql_database_instance', 'name')).toEqual(['ledger-db', 'monolith-db', 'payouts-db', 'risk-db']);
    expect(id('google_bigquery_dataset', 'dataset_id')).toEqual([
      'integration_cdc',
      'ledger_batch',
      'ledger_cdc',
      'monolith_batch',
      'monolith_cdc',
      'risk_batch',
      'risk_cdc',
    ]);
    // The BigQuery sinks write as the Connect workers' account (audit #2): no account per sink.
    expect(id('google_service_account', 'account_id')).toEqual(['airflow-wepay-airflow', 'kafka-connect']);
    expect(id('kafka-connect_connector', 'name')).toEqual([
      'balances-spanner-source',
      'finance-reporting-sink',
      'integration-bigquery-sink',
      'ledger-bigquery-sink',
      'ledger-mysql-source',
      'merchant-search-sink',
      'monolith-bigquery-sink',
      'monolith-mysql-source',
      'payouts-postgres-source',
      'profiles-mongodb-source',
      'risk-bigquery-sink',
      'risk-events-pubsub-sink',
      'risk-graph-sink',
      'risk-mysql-source',
    ]);
    // The stage-0 databases feed every later stage through their private IPs.
    const monolithSource = [...at3.resources.values()].find((b) => b.name === 'monolith-mysql-source');
    expect(monolithSource.config['database.hostname']).toMatch(/^\$\{google_sql_database_instance\.monolith_instance_[0-9A-F]+\.private_ip_address\}$/);
  });

  test('stage 2 of the company is wepay-2017 with Cloud SQL databases: the same addresses for every part wepay-2017 has', () => {
    // wepay-2017 is its own stack class; build it under the same stack name as the company.
    const app = Testing.app();
    const legacy = readSynth(JSON.parse(Testing.synth(new WePay2017Stack(app, 'wepay', config))));
    const stage2 = stages[2];
    // Everything of wepay-2017 is in the company at stage 2 under the same address and identity;
    // only the database hosts differ (Cloud SQL private IPs instead of fixed host names).
    expect(upgradeProblems(legacy, stage2)).toEqual([]);
    const differences = [...legacy.resources]
      .filter(([address, body]) => JSON.stringify(stage2.resources.get(address)) !== JSON.stringify(body))
      .map(([address, body]) => {
        const other = stage2.resources.get(address);
        const keys = Object.keys(body.config ?? {}).filter((k) => body.config[k] !== other.config?.[k]);
        return `${address.replace(/_[0-9A-F]{8}$/, '')}: ${keys.join(',')}`;
      });
    expect(differences).toEqual([
      'kafka-connect_connector.realtime_ledger_capture_connector: database.hostname',
      'kafka-connect_connector.realtime_monolith_capture_connector: database.hostname',
      'kafka-connect_connector.realtime_risk_capture_connector: database.hostname',
    ]);
  });
});

describe('the upgrade check', () => {
  const datasetAt = (path: string[], moveFrom?: string) =>
    synthStack((stack) => {
      new GoogleProvider(stack, 'google', { project: 'acme-data' });
      let scope: Construct = stack;
      for (const part of path.slice(0, -1)) scope = new Construct(scope, part);
      const ds = new WarehouseDataset(scope, path[path.length - 1], { project: 'acme-data', datasetId: 'orders' });
      if (moveFrom) ds.dataset.moveFromId(moveFrom);
    });

  test('reports a re-parented resource without a moved block', () => {
    const before = datasetAt(['orders']);
    const after = datasetAt(['warehouse', 'orders']);
    const [address] = [...before.resources.keys()];
    expect(upgradeProblems(before, after)).toEqual([`${address}: gone, and no moved block starts from it`]);
  });

  test('accepts it with a moved block to the same dataset, and cdktf writes that block', () => {
    const before = datasetAt(['orders']);
    const [address] = [...before.resources.keys()];
    const after = datasetAt(['warehouse', 'orders'], address);
    const [target] = [...after.resources.keys()];
    expect(after.moved).toEqual([{ from: address, to: target }]);
    expect(upgradeProblems(before, after)).toEqual([]);
  });

  test('reports a changed identifying attribute', () => {
    const dataset = (datasetId: string) =>
      synthStack((stack) => {
        new GoogleProvider(stack, 'google', { project: 'acme-data' });
        new WarehouseDataset(stack, 'orders', { project: 'acme-data', datasetId });
      });
    const before = dataset('orders');
    const after = dataset('orders_v2');
    const [address] = [...before.resources.keys()];
    expect(upgradeProblems(before, after)).toEqual([
      `${address}: identifying attributes changed from {"dataset_id":"orders","project":"acme-data","location":"US"} to {"dataset_id":"orders_v2","project":"acme-data","location":"US"}`,
    ]);
  });
});

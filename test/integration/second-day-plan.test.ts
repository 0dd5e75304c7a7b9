import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TerraformStack } from 'cdktf';
import { DataPipelinesApp } from '../../constructs/core/app-validation';
import { synthReferenceApp } from '../../stacks/reference-app';
import { REFERENCE_STACKS } from '../../stacks/registry';
import { loadReferenceStackConfig } from '../../stacks/stack-config';
import { buildWePayCompany } from '../../stacks/wepay-stages';
import { AutomationStack } from '../../stacks/automation';
import { decentralizeCompany } from '../../stacks/decentralized';
import { CONSTRUCT_TEST_STACKS, synthConstructTestStacks } from './stacks/construct-stacks';
import { concurrencyLimit, offlinePlanConfig, OfflinePlanOptions, requireProviders, TerraformWorkdir } from './terraform';
import {
  applyOffline,
  describeChanges,
  planAndLosses,
  secondDay,
  SINK_ADDED_COLUMN,
  stateAfterFirstApply,
  stateResource,
  StateResource,
  TfState,
} from './plan-over-state';

/**
 * The second day, planned (plan-over-state.ts): for every reference and test stack, the state
 * after a first apply, built by the real providers from the stack's own configuration (offline,
 * so ClassifiedTable's adopt_existing_tables is false: the tables are created), then changed as
 * the world changes it (the BigQuery sink adds a column to every table it writes; Google fills
 * computed fields), and a second apply over it, simulated with `terraform plan -refresh=false`
 * until the plan is empty (applyOffline). It must delete nothing, replace nothing, and drop no
 * BigQuery column in place. Building the state already proves that a plan with nothing changed
 * outside is empty (no perpetual diff).
 *
 * The same for each stage upgrade of the reference company (stacks/wepay-stages.ts: 0 → 1 → 2
 * → 3, 3 → 4 = automation, 4 → 5 = decentralized in the same stack): stage N+1's configuration
 * over stage N's state a day later. At 3 → 4 the tables exist, made by the sink with a column of
 * its own: adoption is on, its data sources read stand-ins of those tables, and the state holds
 * them as the import blocks would leave them (every live column in `schema`).
 *
 * Needs `bash test/infra/providers.sh up`; fails with that command when the providers are missing.
 * Up to CDP_TF_PARALLEL (default 2) stacks are worked on at once.
 */
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-second-day-'));
const STAGES = [0, 1, 2, 3, 4, 5] as const;
const stageName = (stage: number) => `stage-${stage}`;

function synthAll(): void {
  synthReferenceApp({ outdir });
  synthConstructTestStacks(outdir);
  // The company at each stage, as test/stacks/stage-upgrade.test.ts and the automation and
  // decentralized upgrade tests build it (one stack growing, the same addresses throughout).
  const config = loadReferenceStackConfig({});
  const app = new DataPipelinesApp({ outdir });
  for (const stage of STAGES) {
    if (stage <= 3) buildWePayCompany(new TerraformStack(app, stageName(stage)), stage as 0 | 1 | 2 | 3, config);
    else {
      const stack = new AutomationStack(app, stageName(stage), config);
      if (stage === 5) decentralizeCompany(stack, stack.company, config);
    }
  }
  app.synth();
}

const synthesized = (name: string): any => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));

const limited = concurrencyLimit();

/** What identifies a configuration's resources (its JSON without cdktf's `//` comments). */
function configKey(json: any): string {
  const strip = (v: any): any =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== '//')
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(strip(json)))
    .digest('hex');
}

/** First-apply states by configuration: a stage that is also a reference stack is built once. */
const firstApplies = new Map<string, Promise<{ state: TfState; rounds: number }>>();
function firstApplyState(name: string): Promise<{ state: TfState; rounds: number }> {
  const offline = offlinePlanConfig(synthesized(name));
  const key = configKey(offline.json);
  let p = firstApplies.get(key);
  if (!p) {
    p = limited(async () => {
      const tf = new TerraformWorkdir(offline.json, {}, offline.files);
      try {
        await tf.init();
        return await stateAfterFirstApply(tf);
      } finally {
        tf.dispose();
      }
    });
    p.catch(() => undefined); // reported by the tests that await it
    firstApplies.set(key, p);
  }
  return p;
}

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/**
 * Applies (offline, see applyOffline) `name`'s configuration over `state`: what it changes and
 * what it loses, each change judged with its values known.
 */
async function applyOver(name: string, state: TfState, options: OfflinePlanOptions = {}): Promise<{ losses: string[]; actions: string[] }> {
  const offline = offlinePlanConfig(synthesized(name), options);
  return limited(async () => {
    const tf = new TerraformWorkdir(offline.json, {}, offline.files);
    try {
      await tf.init();
      const { losses, actions } = await applyOffline(tf, state);
      return { losses, actions };
    } finally {
      tf.dispose();
    }
  });
}

/**
 * How ClassifiedTable's adoption (`adopt_existing_tables`, import blocks with `for_each`) sees the
 * tables the sink made, for stage 3 → 4: the existing tables of each dataset and each table's
 * live columns (its declared ones, untagged as the sink made them, plus the sink's
 * {@link SINK_ADDED_COLUMN}), as data source stand-ins; and the tables as an import puts them in
 * the state (the provider reads them with no configuration: every column in `schema`).
 */
function sinkMadeTables(json: any, stage4State: TfState): { data: Record<string, unknown>; imported: StateResource[] } {
  const strip = (c: any): any => ({ name: c.name, type: c.type, mode: 'NULLABLE', ...(c.fields ? { fields: c.fields.map(strip) } : {}) });
  const prefixOf = (name: string, part: string) => name.slice(0, name.lastIndexOf(`_${part}_`));
  const liveTables = Object.entries<any>(json.data?.google_bigquery_table ?? {});
  const columns = new Map<string, any[]>();
  for (const [name] of liveTables) {
    const prefix = prefixOf(name, 'live-table');
    const local = Object.entries<any>(json.locals ?? {}).find(([k]) => prefixOf(k, 'declared-columns') === prefix);
    columns.set(prefix, [...(local ? local[1] : []).map(strip), { name: SINK_ADDED_COLUMN, type: 'STRING', mode: 'NULLABLE' }]);
  }
  const data: Record<string, unknown> = {};
  for (const [name, body] of Object.entries<any>(json.data?.google_bigquery_tables ?? {})) {
    const tables = liveTables.filter(([, t]) => t.dataset_id === body.dataset_id).map(([, t]) => ({ table_id: t.table_id, labels: {} }));
    data[`data.google_bigquery_tables.${name}`] = [{ project: body.project, dataset_id: body.dataset_id, tables }];
  }
  for (const [name, body] of liveTables)
    data[`data.google_bigquery_table.${name}`] = [
      { ...body, count: undefined, '//': undefined, schema: JSON.stringify(columns.get(prefixOf(name, 'live-table'))) },
    ];
  const imported = (json.import ?? []).map((i: any) => {
    const r = copy(stateResource(stage4State, i.to)!);
    const prefix = prefixOf(r.name, 'table');
    Object.assign(r.instances[0].attributes, {
      schema: JSON.stringify(columns.get(prefix)),
      ignore_auto_generated_schema: false,
      generated_schema_columns: '',
    });
    return r;
  });
  return { data, imported };
}

const stacks = [...Object.keys(REFERENCE_STACKS), ...Object.keys(CONSTRUCT_TEST_STACKS)];

describe('the second day: a plan over the state after the first apply loses nothing', () => {
  beforeAll(() => {
    requireProviders();
    synthAll();
    // Start every first apply now (CDP_TF_PARALLEL at a time); each test awaits its own.
    for (const name of [...stacks, ...STAGES.map(stageName)]) void firstApplyState(name).catch(() => undefined);
  }, 600_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test.each(stacks)(
    '%s: a second plan, after the sink widened its tables and Google filled computed fields, deletes, replaces and drops nothing',
    async (name) => {
      const { state } = await firstApplyState(name);
      const dayTwo = copy(state);
      secondDay(dayTwo);
      const { losses } = await applyOver(name, dayTwo);
      expect(losses).toEqual([]);
    },
    1_800_000,
  );

  test('audit #8: a second plan over a table the sink widened drops no column', async () => {
    // automation: its ClassifiedTables (policy tags on the sink's tables). KCBQ adds a column to a
    // table when its source table gains one (allowNewBigQueryFields); the next apply must keep it.
    // (Adopting the tables the sink made, with its column, is stage 3 → 4 below.)
    const { state } = await firstApplyState('automation');
    const dayTwo = copy(state);
    const widened = secondDay(dayTwo);
    const tables = Object.keys(synthesized('automation').resource.google_bigquery_table).map((n) => `google_bigquery_table.${n}`);
    expect(tables.length).toBeGreaterThan(0);
    expect([...widened].sort()).toEqual([...tables].sort());
    for (const address of widened) {
      const a = stateResource(dayTwo, address)!.instances[0].attributes;
      expect(`${a.schema} ${a.generated_schema_columns}`).toContain(`"name":"${SINK_ADDED_COLUMN}"`);
    }
    const { losses } = await applyOver('automation', dayTwo);
    expect(losses.filter((l) => l.startsWith('google_bigquery_table.'))).toEqual([]);
  }, 1_800_000);

  test.each([
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
    [4, 5],
  ])(
    'stage %i → %i: the next stage applied over this one a day later only creates and changes in place, losing nothing',
    async (from, to) => {
      const before = await firstApplyState(stageName(from));
      const dayTwo = copy(before.state);
      secondDay(dayTwo);
      const json = synthesized(stageName(to));
      let options: OfflinePlanOptions = {};
      const adopted: string[] = (json.import ?? []).filter((i: any) => !stateResource(dayTwo, i.to)).map((i: any) => i.to);
      if (adopted.length > 0) {
        // Stage 4 adopts the tables the sink made: its import blocks run (their targets are in the
        // state, as an import leaves them) and its data sources read the stand-ins of the live tables.
        const { data, imported } = sinkMadeTables(json, (await firstApplyState(stageName(to))).state);
        dayTwo.resources.push(...imported);
        options = { variables: { adopt_existing_tables: true }, data, keepImports: true };
      }
      const { losses, actions } = await applyOver(stageName(to), dayTwo, options);
      expect(losses).toEqual([]);
      expect(actions.filter((a) => !/: (create|update)$/.test(a))).toEqual([]);
      // An adopted table is imported and updated in place (tags), never created again.
      expect(actions.filter((a) => adopted.some((t) => a.startsWith(`${t}:`))).sort()).toEqual(adopted.map((t) => `${t}: update`).sort());
    },
    1_800_000,
  );
});

describe('the loss check itself', () => {
  // A plain table (no construct): the state holds columns a, b, c; the configuration declares
  // a, b and drops a dataset. The provider plans the column drop in place (6.50 drops top-level
  // columns with ALTER TABLE), and the check must see both losses whatever the constructs do.
  const config = (withScratch: boolean) => ({
    terraform: { required_providers: { google: { source: 'google', version: '6.50.0' } } },
    provider: { google: [{ project: 'acme-data-platform', region: 'us-central1' }] },
    resource: {
      google_bigquery_dataset: {
        orders: { dataset_id: 'orders', location: 'US' },
        ...(withScratch ? { scratch: { dataset_id: 'scratch', location: 'US' } } : {}),
      },
      google_bigquery_table: {
        orders: {
          dataset_id: '${google_bigquery_dataset.orders.dataset_id}',
          table_id: 'orders',
          deletion_protection: true,
          schema: JSON.stringify([
            { name: 'a', type: 'STRING', mode: 'NULLABLE' },
            { name: 'b', type: 'INTEGER', mode: 'NULLABLE' },
          ]),
        },
      },
    },
  });

  test('reports a column an in-place update drops, and a deleted dataset', async () => {
    requireProviders();
    const tf = new TerraformWorkdir(config(true));
    try {
      await tf.init();
      const { state } = await stateAfterFirstApply(tf);
      const widened = secondDay(state);
      expect(widened).toEqual(['google_bigquery_table.orders']);
      tf.setConfig(config(false));
      tf.writeState(state);
      const { losses, plan } = await planAndLosses(tf);
      expect(describeChanges(plan!).sort()).toEqual([
        'google_bigquery_dataset.scratch: delete (delete_because_no_resource_config)',
        'google_bigquery_table.orders: update',
      ]);
      expect(losses.sort()).toEqual([
        'google_bigquery_dataset.scratch: deleted (delete_because_no_resource_config)',
        `google_bigquery_table.orders: update in place drops column(s) ${SINK_ADDED_COLUMN}`,
      ]);
    } finally {
      tf.dispose();
    }
  }, 600_000);
});

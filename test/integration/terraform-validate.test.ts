import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthReferenceApp } from '../../stacks/reference-app';
import { REFERENCE_STACKS } from '../../stacks/registry';
import { CONSTRUCT_TEST_STACKS, synthConstructTestStacks } from './stacks/construct-stacks';
import { concurrencyLimit, offlinePlanConfig, requireProviders, TerraformWorkdir } from './terraform';
import { changesOf } from './plan-over-state';

/**
 * Every reference stack, and a test stack for each construct no reference stack uses
 * (test/integration/stacks/construct-stacks.ts), checked whole by the real Terraform CLI with the
 * three real providers from the harness's mirror: hashicorp/google 6.50.0 (built from
 * ../shared/vendor), Mongey/kafka 0.13.1 and Mongey/kafka-connect 0.5.0. Nothing is removed.
 *
 * - `terraform init` (mirror only) and `terraform validate` of the synthesized JSON as it is;
 * - `terraform plan -refresh=false` with no state, offline (dummy Google token, a dead HTTP proxy:
 *   planning new resources makes no API call). For the plan only, and reported by the test, what
 *   needs an API is stubbed (see offlinePlanConfig in terraform.ts): a Google data source becomes
 *   a local value, a `terraform_remote_state` reads a placeholder state file, `import` blocks go,
 *   ClassifiedTable's `adopt_existing_tables` is false (no table to adopt: its reads are off).
 *   The plan must create every resource of the stack and do nothing else.
 *
 * Needs `bash test/infra/providers.sh up` (hashicorp/google: minutes, once per machine); fails
 * with that command when the providers are missing. CDP_TF_PARALLEL (default 2) stacks at a time.
 */
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-validate-'));
const checked = new Map<string, Promise<Checked>>();
const stacks: [string, string][] = [
  ...Object.keys(REFERENCE_STACKS).map((n): [string, string] => [n, 'reference']),
  ...Object.keys(CONSTRUCT_TEST_STACKS).map((n): [string, string] => [n, 'test']),
];

describe('terraform validate and an offline plan of every reference and test stack, with the real providers', () => {
  beforeAll(() => {
    requireProviders();
    synthReferenceApp({ outdir });
    synthConstructTestStacks(outdir);
    // Every stack starts now, CDP_TF_PARALLEL at a time; each test awaits its own.
    const limited = concurrencyLimit();
    for (const [name] of stacks) {
      const p = limited(() => check(name));
      p.catch(() => undefined); // reported by the stack's test
      checked.set(name, p);
    }
  }, 600_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('the test stacks cover the constructs and options no reference stack uses', () => {
    const read = (n: string) => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', n, 'cdk.tf.json'), 'utf8'));
    const types = (names: string[]) => new Set(names.flatMap((n) => Object.keys(read(n).resource ?? {})));
    const reference = types(Object.keys(REFERENCE_STACKS));
    expect([...types(Object.keys(CONSTRUCT_TEST_STACKS))].filter((t) => !reference.has(t)).sort()).toEqual([
      'google_bigquery_connection', // BatchPipeline with scheduled queries
      'google_bigquery_connection_iam_member',
      'google_bigquery_data_transfer_config',
      'google_bigquery_dataset_access', // DataProductViews
      'google_bigquery_table_iam_member',
      'google_cloud_run_v2_service', // CdcWorkerService
      'google_logging_metric', // CdcWorkerAlerts (the slot alerts' distribution metrics, beside the error and start counters)
      'google_managed_kafka_acl', // GoogleManagedKafkaCluster, a topic and its grants
      'google_managed_kafka_cluster',
      'google_managed_kafka_topic',
      'kafka_quota', // KafkaQuota
    ]);
    // Options that are connector settings, not resource types.
    const connectors = Object.keys(CONSTRUCT_TEST_STACKS).flatMap((n) =>
      Object.values<any>(read(n).resource?.['kafka-connect_connector'] ?? {}).map((c) => c.config),
    );
    expect(connectors.some((c) => c['connector.class'] === 'io.debezium.connector.mariadb.MariaDbConnector' && c['signal.data.collection'])).toBe(true);
    expect(connectors.some((c) => c.timestampPartitionFieldName === 'created_at')).toBe(true);
    expect(connectors.some((c) => /opensearch/i.test(c['connector.class']))).toBe(true);
    // CdcWorkerService from PostgreSQL and from MariaDB (on Google Managed Kafka it is refused at synth).
    const workers = Object.values<any>(read('test-cdc-workers').resource.google_cloud_run_v2_service);
    expect(
      workers.map((w) => JSON.parse(w.template.containers[0].env.find((e: any) => e.name === 'CDC_CONFIG_JSON').value).source.engine ?? 'postgres').sort(),
    ).toEqual(['mariadb', 'postgres']);
  });

  test.each(stacks)(
    '%s (%s stack): init, validate, and an offline plan that only creates',
    async (name) => {
      const r = await checked.get(name)!;
      expect({ name, ...r.validation }).toEqual({ name, valid: true, diagnostics: [] });
      expect(r.actions.filter((a) => !a.endsWith(': create'))).toEqual([]);
      expect(r.actions.map((a) => a.slice(0, a.lastIndexOf(':'))).sort()).toEqual([...r.resources].sort());
      // What was stubbed for the plan, and only that (the list is the test's record of it).
      for (const stub of r.stubs) {
        expect(stub).toMatch(
          /^(backend local: removed|import google_bigquery_table\.\S+: dropped|variable adopt_existing_tables: false|data\.google_bigquery_tables?\.\S+: kept \(count = |data\.google_project\.\S+: replaced by local\.|data\.terraform_remote_state\.\S+: reads )/,
        );
      }
    },
    1_800_000,
  );
});

interface Checked {
  readonly validation: { valid: boolean; diagnostics: any[] };
  readonly actions: string[];
  readonly resources: string[];
  readonly stubs: string[];
}

/** init + validate of the stack as synthesized, then init + offline plan of it with the stubs. */
async function check(name: string): Promise<Checked> {
  const synthesized = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
  const resources = Object.entries<any>(synthesized.resource ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`));
  const tf = new TerraformWorkdir(synthesized);
  let validation: Checked['validation'];
  try {
    await tf.init();
    validation = await tf.validate();
  } finally {
    tf.dispose();
  }
  const offline = offlinePlanConfig(synthesized);
  const planDir = new TerraformWorkdir(offline.json, {}, offline.files);
  try {
    await planDir.init();
    const actions = changesOf(await planDir.plan()).map((c) => `${c.address}: ${c.change.actions.join('+')}`);
    return { validation, actions, resources, stubs: offline.stubs };
  } finally {
    planDir.dispose();
  }
}

/**
 * Moving a stage-2 RealtimePipeline as the README builds it (no dataset labels, columns labelled
 * with their sensitivity) to stage 4 is props on the stage only: the stage-2 code stays as it is,
 * a DataAutomation is added beside it, and the dataset's `classification` label is derived from the
 * columns' sensitivity (its `owner` from the stage's `datasetOwner`). The synth diff only adds.
 */
import { Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretValue } from '../../constructs/core/secret-value';
import { validateStacks } from '../../constructs/core/app-validation';
import { feedsOfPipeline } from '../../constructs/catalog/data-inventory';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { DataAutomation, DataAutomationProps } from '../../constructs/stages/data-automation';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { identity, readSynth, UpgradeSynth } from '../stacks/upgrade-check';

/** The README's stage-2 stack, plus (at stage 4) only a DataAutomation with these props. */
function company(
  stage4?: Omit<DataAutomationProps, 'feeds' | 'kafka' | 'project'>,
  labels?: Record<string, string>,
): { stack: TerraformStack; synth: () => UpgradeSynth } {
  const stack = new TerraformStack(Testing.app(), 'shop');
  new GoogleProvider(stack, 'google', { project: 'acme-data', region: 'us-central1' });
  const kafka = new KafkaCluster(stack, 'kafka', {
    bootstrapServers: ['kafka-1:9093', 'kafka-2:9093', 'kafka-3:9093'],
    kafkaVersion: '3.9.0',
    sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_admin_password') },
  });
  const connect = new KafkaConnectCluster(stack, 'connect', {
    url: 'https://connect:8083',
    kafka,
    kafkaCredentials: { username: 'connect', password: SecretValue.fromSecretManager('connect-kafka-password') },
    googleServiceAccount: 'kafka-connect@acme-data.iam.gserviceaccount.com',
  });
  const shop = new ExternalSourceDatabase(stack, 'shop', {
    logicalName: 'shop',
    engine: 'postgres',
    host: 'pg.internal',
    databaseName: 'shop',
    replicationPassword: SecretValue.fromVariable('shop_cdc_password'),
    tables: [
      {
        name: 'orders',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'email', type: 'text', sensitivity: 'pii' },
        ],
      },
      {
        name: 'products',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'title', type: 'text', sensitivity: 'public' },
        ],
      },
    ],
  });
  const realtime = new RealtimePipeline(stack, 'realtime', { kafka, connect, sources: [shop], warehouse: { project: 'acme-data', labels } });
  if (stage4) new DataAutomation(stack, 'automation', { project: 'acme-data', kafka, feeds: feedsOfPipeline(realtime), ...stage4 });
  return { stack, synth: () => readSynth(JSON.parse(Testing.synth(stack))) };
}

const stage4Props = { notify: [{ kind: 'email' as const, displayName: 'On-call', address: 'oncall@acme.com' }], datasetOwner: 'shop-team' };

/** Paths where `after` differs from `before` other than by adding: a changed or removed leaf. */
function nonAdditive(before: unknown, after: unknown, at = ''): string[] {
  if (before && typeof before === 'object' && after && typeof after === 'object' && Array.isArray(before) === Array.isArray(after)) {
    return Object.entries(before as Record<string, unknown>).flatMap(([k, v]) => nonAdditive(v, (after as Record<string, unknown>)[k], `${at}.${k}`));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [at];
}

describe('stage 2 → 4 of the README pipeline: props on the stage only', () => {
  test('stage 4 validates, governance included, with the dataset classification derived from the columns', () => {
    const { stack } = company(stage4Props);
    expect(validateStacks([stack])).toEqual([]);
    const dataset = readSynth(JSON.parse(Testing.synth(stack))).json.resource.google_bigquery_dataset;
    expect(Object.values<any>(dataset).find((d) => d.dataset_id === 'shop_cdc').labels).toEqual({
      classification: 'pii',
      owner: 'shop-team',
      source: 'shop',
      stage: 'realtime',
    });
  });

  test('without datasetOwner the governance check names the one label still missing', () => {
    const { stack } = company({ notify: stage4Props.notify });
    expect(validateStacks([stack]).filter((p) => p.includes('DatasetOwnerAndClassification'))).toEqual([
      expect.stringMatching(/GDPR\.DatasetOwnerAndClassification .*: dataset shop_cdc lacks the 'owner' label$/),
      expect.stringMatching(/DataEngineering\.DatasetOwnerAndClassification .*: dataset shop_cdc lacks the 'owner' label$/),
    ]);
  });

  test('the synth diff only adds: every stage-2 resource keeps its address and attributes; changes only add labels and the erasure bound', () => {
    const before = company().synth();
    const after = company(stage4Props).synth();
    const problems: string[] = [];
    const changed: string[] = [];
    for (const [address, body] of before.resources) {
      const later = after.resources.get(address);
      if (!later) {
        problems.push(`${address}: gone`);
        continue;
      }
      if (JSON.stringify(identity(address, body)) !== JSON.stringify(identity(address, later))) problems.push(`${address}: identifying attributes changed`);
      nonAdditive(body, later).forEach((p) => problems.push(`${address}${p}: changed`));
      if (JSON.stringify(body) !== JSON.stringify(later)) changed.push(`${address.split('.')[0]} ${later.name ?? later.dataset_id}`);
    }
    expect(problems).toEqual([]);
    expect(after.moved).toEqual([]);
    expect(changed.sort()).toEqual(['google_bigquery_dataset shop_cdc', 'kafka_topic shop.public.orders']);
  });

  test('labels given by hand are kept, and the labels object the user passed is not changed', () => {
    const labels = { classification: 'confidential' };
    const { stack } = company(stage4Props, labels);
    expect(validateStacks([stack])).toEqual([]);
    const dataset = Object.values<any>(JSON.parse(Testing.synth(stack)).resource.google_bigquery_dataset).find((d) => d.dataset_id === 'shop_cdc');
    expect(dataset.labels).toEqual({ classification: 'confidential', owner: 'shop-team', source: 'shop', stage: 'realtime' });
    expect(labels).toEqual({ classification: 'confidential' });
  });

  test('datasetOwner must be a label value', () => {
    const { stack } = company({ ...stage4Props, datasetOwner: 'Shop Team' });
    expect(validateStacks([stack])).toContainEqual(
      expect.stringMatching(/^\[shop\/automation\] datasetOwner: "Shop Team" is not valid; allowed: a label value/),
    );
  });
});

import { SecretValue } from '../../constructs/core/secret-value';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { CdcWorkerService } from '../../constructs/runtime/cdc-worker-service';
import { CloudSqlSourceDatabase } from '../../constructs/sources/cloud-sql-source-database';
import { BatchPipeline } from '../../constructs/stages/batch-pipeline';
import { extractModel, isPipelineStack } from '../../lib/cli/model';
import { assessStage } from '../../lib/cli/assess';
import { checkLayout, DiagramLayout, layoutDiagram } from '../../lib/cli/diagram';
import { synth } from '../helpers';
import { kafkaCluster } from '../fixtures';

const edges = (m: ReturnType<typeof extractModel>, from: string) =>
  m.edges
    .filter((e) => e.from === from)
    .map((e) => e.to)
    .sort();

test('the CDC worker on Cloud Run is a capture: its database, its table topics, its internal topics', () => {
  const json = synth(
    (stack) =>
      new CdcWorkerService(stack, 'cdc', {
        project: 'acme-data',
        region: 'us-central1',
        image: 'us-docker.pkg.dev/acme-data/cdc/cdc-worker:0.1.0',
        database: new ExternalSourceDatabase(stack, 'shop', {
          logicalName: 'shop',
          engine: 'postgres',
          host: '10.0.0.5',
          databaseName: 'shop',
          replicationPassword: SecretValue.fromSecretManager('shop-cdc-password'),
          tables: [
            { name: 'orders', primaryKey: ['id'] },
            { name: 'billing.invoices', primaryKey: ['id'] },
          ],
        }),
        kafka: kafkaCluster(stack),
        kafkaIdentity: { username: 'cdc-shop', password: SecretValue.fromSecretManager('kafka-cdc-shop-password') },
        deliveryMode: 'exactly-once',
      }),
  );
  const m = extractModel('test', json as any);
  expect(m.nodes.find((n) => n.id === 'capture:cdc-shop')).toMatchObject({ kind: 'capture', tech: 'CDC worker (Cloud Run)' });
  expect(m.edges.filter((e) => e.to === 'capture:cdc-shop')).toEqual([{ from: 'source:PostgreSQL:10.0.0.5/shop', to: 'capture:cdc-shop', kind: 'captures' }]);
  expect(edges(m, 'capture:cdc-shop')).toEqual([
    'topic:__debezium-heartbeat.shop',
    'topic:shop.billing.invoices',
    'topic:shop.cdc-worker.offsets',
    'topic:shop.public.orders',
  ]);
  expect(
    m.nodes
      .filter((n) => n.kind === 'topic' && n.internal)
      .map((n) => n.label)
      .sort(),
  ).toEqual(['__debezium-heartbeat.shop', 'shop.cdc-worker.offsets']);
  // A source, a capture, topics and no connector: realtime needs a connector or the worker, and has it.
  expect(assessStage(m).stage).toBe(2);
});

test('a stack of other resources is not ours', () => {
  expect(isPipelineStack({ resource: { aws_s3_bucket: { b: {} } } })).toBe(false);
  expect(isPipelineStack({ resource: { kafka_topic: { t: {} } } })).toBe(true);
  expect(isPipelineStack({})).toBe(false);
});

describe('checkLayout finds what makes a picture unreadable', () => {
  const node = (id: string, x: number, y: number) => ({
    node: { id, kind: 'topic' as const, label: id, details: [], paths: [], declared: true },
    lines: [id],
    x,
    y,
    width: 100,
    height: 40,
  });
  const layout = (nodes: ReturnType<typeof node>[], points: { x: number; y: number }[]): DiagramLayout => ({
    title: 't',
    width: 500,
    height: 300,
    groups: [],
    nodes,
    edges: [{ edge: { from: 'a', to: 'b', kind: 'consumes' }, points }],
  });

  test('overlapping boxes and an edge through a box', () => {
    expect(
      checkLayout(
        layout(
          [node('a', 0, 0), node('b', 300, 0), node('c', 150, 0)],
          [
            { x: 100, y: 20 },
            { x: 300, y: 20 },
          ],
        ),
      ),
    ).toEqual(['edge a → b runs through c']);
    expect(
      checkLayout(
        layout(
          [node('a', 0, 0), node('b', 50, 20)],
          [
            { x: 100, y: 20 },
            { x: 50, y: 20 },
          ],
        ),
      ),
    ).toEqual(['boxes overlap: a and b']);
  });

  test('a clean layout passes', () => {
    expect(
      checkLayout(
        layout(
          [node('a', 0, 0), node('b', 300, 0), node('c', 150, 80)],
          [
            { x: 100, y: 20 },
            { x: 300, y: 20 },
          ],
        ),
      ),
    ).toEqual([]);
  });

  test('ELK keeps a dense fan-in readable', async () => {
    const topics = Array.from({ length: 12 }, (_, i) => `t${i}`);
    const json = {
      resource: {
        kafka_topic: Object.fromEntries(topics.map((t) => [t, { name: t, partitions: 3, '//': { metadata: { path: `s/${t}/topic` } } }])),
        'kafka-connect_connector': {
          all: {
            name: 'all',
            config: { 'connector.class': 'x.y.SomeSinkConnector', topics: topics.join(','), name: 'all' },
            '//': { metadata: { path: 's/all/connector' } },
          },
        },
      },
    };
    const m = extractModel('s', json);
    expect(m.edges).toHaveLength(12);
    expect(checkLayout(await layoutDiagram(m))).toEqual([]);
  });
});

test('BigQuery scheduled queries: Cloud SQL → scheduled query → dataset, and stage 1', () => {
  const json = synth(
    (stack) =>
      new BatchPipeline(stack, 'batch', {
        project: 'acme-data',
        sources: [
          new CloudSqlSourceDatabase(stack, 'shop', {
            logicalName: 'shop',
            engine: 'postgres',
            region: 'us-central1',
            databaseName: 'shop',
            replicationPassword: SecretValue.fromVariable('shop_cdc_password'),
            tables: [{ name: 'orders', primaryKey: ['id'] }],
          }),
        ],
      }),
  );
  const m = extractModel('test', json as any);
  const batch = m.nodes.filter((n) => n.kind === 'batch');
  expect(batch).toHaveLength(1);
  expect(batch[0].tech).toBe('BigQuery scheduled query');
  const source = m.nodes.find((n) => n.kind === 'source')!;
  expect(m.edges.filter((e) => e.kind === 'loads')).toEqual([{ from: source.id, to: batch[0].id, kind: 'loads' }]);
  expect(edges(m, batch[0].id)).toEqual(['dataset:shop_batch']);
  expect(assessStage(m).stage).toBe(1);
});

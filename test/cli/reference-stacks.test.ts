import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthReferenceApp } from '../../stacks/reference-app';
import { REFERENCE_STACKS } from '../../stacks/registry';
import { extractModel, PipelineModel, sinkKinds, SynthesizedStack } from '../../lib/cli/model';
import { bundledEdges, checkLayout, DiagramLayout, drawnNodes, layoutDiagram, renderMermaid, renderSvg } from '../../lib/cli/diagram';
import { assessStage } from '../../lib/cli/assess';
import { companies } from '../../lib/cli/company';

/** The stage each reference stack shows, by name; a new reference stack must be added here. */
const KNOWN_STAGES: Record<string, number> = {
  'talk-slides': 2,
  'wepay-2014': 0,
  'wepay-2016': 1,
  'wepay-2017': 2,
  'wepay-2019': 3,
  automation: 4,
  // The decentralized company: the platform's stack and one stack per domain, assessed together.
  decentralized: 5,
  'decentralized-payments': 5,
  'decentralized-fraud': 5,
  'decentralized-marketing': 5,
};

const names = Object.keys(REFERENCE_STACKS);
let outdir: string;
const json: Record<string, SynthesizedStack> = {};
const models: Record<string, PipelineModel> = {};
const layouts: Record<string, DiagramLayout> = {};
let company: Map<string, string[]>;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'cdp-cli-'));
  synthReferenceApp({ outdir });
  for (const name of names) {
    json[name] = JSON.parse(readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));
    models[name] = extractModel(name, json[name]);
    layouts[name] = await layoutDiagram(models[name]);
  }
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
  company = companies(names.map((n) => ({ model: models[n], dependencies: manifest.stacks[n].dependencies ?? [] })));
}, 180_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const resources = (name: string, type: string): any[] => Object.values(json[name].resource?.[type] ?? {});
const nodeIds = (m: PipelineModel, kind: string) => m.nodes.filter((n) => n.kind === kind).map((n) => n.id);
const edgesInto = (m: PipelineModel, id: string, kind?: string) =>
  m.edges
    .filter((e) => e.to === id && (!kind || e.kind === kind))
    .map((e) => e.from)
    .sort();
const edgesFrom = (m: PipelineModel, id: string, kind?: string) =>
  m.edges
    .filter((e) => e.from === id && (!kind || e.kind === kind))
    .map((e) => e.to)
    .sort();
const isSinkConfig = (c: any) => c.topics !== undefined || c['topics.regex'] !== undefined;

describe.each(names)('reference stack %s', (name) => {
  test('every topic, connector, dataset and Cloud SQL source appears once', () => {
    const m = models[name];
    const ids = m.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    const topics = m.nodes
      .filter((n) => n.kind === 'topic' && n.declared)
      .map((n) => n.label)
      .sort();
    expect(topics).toEqual(
      resources(name, 'kafka_topic')
        .map((t) => t.name)
        .sort(),
    );
    const connectors = resources(name, 'kafka-connect_connector');
    expect(
      m.nodes
        .filter((n) => n.kind === 'sink')
        .map((n) => n.label)
        .sort(),
    ).toEqual(
      connectors
        .filter((c) => isSinkConfig(c.config))
        .map((c) => c.name)
        .sort(),
    );
    const connectorCaptures = m.nodes.filter((n) => n.kind === 'capture' && n.paths.some((p) => connectors.some((c) => c['//'].metadata.path === p)));
    expect(connectorCaptures.map((n) => n.label).sort()).toEqual(
      connectors
        .filter((c) => !isSinkConfig(c.config))
        .map((c) => c.name)
        .sort(),
    );
    expect(
      m.nodes
        .filter((n) => n.kind === 'dataset' && n.declared)
        .map((n) => n.label)
        .sort(),
    ).toEqual(
      resources(name, 'google_bigquery_dataset')
        .map((d) => d.dataset_id)
        .sort(),
    );
    expect(
      m.nodes
        .filter((n) => n.kind === 'source' && n.declared)
        .map((n) => n.label)
        .sort(),
    ).toEqual(
      resources(name, 'google_sql_database_instance')
        .map((i) => i.name)
        .sort(),
    );
  });

  test('edges follow the synthesized wiring', () => {
    const m = models[name];
    const topicNames = m.nodes.filter((n) => n.kind === 'topic' && !n.internal).map((n) => n.label);
    for (const c of resources(name, 'kafka-connect_connector')) {
      const cfg = c.config;
      if (isSinkConfig(cfg)) {
        const expected = cfg.topics !== undefined ? cfg.topics.split(',') : topicNames.filter((t) => new RegExp(`^(?:${cfg['topics.regex']})$`).test(t));
        expect(edgesInto(m, `sink:${c.name}`, 'consumes')).toEqual(expected.map((t: string) => `topic:${t}`).sort());
        if (cfg.defaultDataset) expect(edgesFrom(m, `sink:${c.name}`, 'writes')).toEqual([`dataset:${cfg.defaultDataset}`]);
      } else {
        const prefix = cfg['topic.prefix'];
        const data = topicNames.filter((t) => t.startsWith(`${prefix}.`)).map((t) => `topic:${t}`);
        const produced = edgesFrom(m, `capture:${c.name}`, 'produces');
        expect(produced.filter((t) => !m.nodes.find((n) => n.id === t)!.internal)).toEqual(data.sort());
        // Every capture reads exactly one source; a Cloud SQL host is the instance it interpolates.
        const from = edgesInto(m, `capture:${c.name}`, 'captures');
        expect(from).toHaveLength(1);
        const host = /google_sql_database_instance\.([\w-]+)\./.exec(cfg['database.hostname'] ?? '');
        if (host) expect(from[0]).toBe(`source:google_sql_database_instance.${host[1]}`);
      }
    }
    for (const e of m.edges) {
      expect(m.nodes.some((n) => n.id === e.from)).toBe(true);
      expect(m.nodes.some((n) => n.id === e.to)).toBe(true);
    }
    expect(m.warnings).toEqual([]);
  });

  test('the diagram draws each node once and each edge, and is readable', () => {
    const m = models[name];
    const layout = layouts[name];
    const { nodes, edges, folded } = drawnNodes(m);
    expect(layout.nodes.map((n) => n.node.id).sort()).toEqual(nodes.map((n) => n.id).sort());
    expect(layout.edges.map((e) => `${e.edge.from}→${e.edge.to}`).sort()).toEqual([...new Set(edges.map((e) => `${e.from}→${e.to}`))].sort());
    expect(checkLayout(layout)).toEqual([]);

    const svg = renderSvg(layout);
    for (const n of nodes) expect(svg.split(`data-id="${n.id.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`)).toHaveLength(2);
    // Internal topics are folded into the capture that writes them, and still named once.
    for (const t of m.nodes.filter((n) => n.kind === 'topic' && n.internal && !nodes.includes(n))) {
      expect([...folded.values()].flat().filter((x) => x === t.label)).toHaveLength(1);
    }
    const mermaid = renderMermaid(m);
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid.match(/-->\|/g) ?? []).toHaveLength(edges.length);
  });

  test('the assessment gives the known stage', () => {
    expect(Object.keys(KNOWN_STAGES)).toContain(name); // a new reference stack needs its stage here
    const a = assessStage(
      models[name],
      company.get(name)!.map((n) => models[n]),
    );
    expect(a.stage).toBe(KNOWN_STAGES[name]);
    expect(a.stages[a.stage].reached).toBe(true);
    if (a.next) expect(a.next.reached).toBe(false);
  });
});

test('wepay-2017: the picture of the talk, one pipeline per database', () => {
  if (!names.includes('wepay-2017')) return;
  const m = models['wepay-2017'];
  expect(nodeIds(m, 'capture')).toEqual(['capture:ledger-mysql-source', 'capture:monolith-mysql-source', 'capture:risk-mysql-source']);
  expect(nodeIds(m, 'sink')).toEqual(['sink:ledger-bigquery-sink', 'sink:monolith-bigquery-sink', 'sink:risk-bigquery-sink']);
  expect(nodeIds(m, 'dataset')).toEqual(['dataset:ledger_cdc', 'dataset:monolith_cdc', 'dataset:risk_cdc']);
  expect(edgesFrom(m, 'capture:ledger-mysql-source', 'produces')).toEqual([
    'topic:__debezium-heartbeat.ledger',
    'topic:ledger.ledger.accounts',
    'topic:ledger.ledger.entries',
    'topic:schema-history.ledger',
  ]);
  expect(edgesInto(m, 'sink:ledger-bigquery-sink')).toEqual(['topic:ledger.ledger.accounts', 'topic:ledger.ledger.entries']);
  expect(edgesFrom(m, 'sink:ledger-bigquery-sink')).toEqual(['dataset:ledger_cdc']);
  const a = assessStage(m);
  expect(a.next?.parts.filter((p) => !p.present).map((p) => p.id)).toEqual([
    'integration.capture-kinds',
    'integration.sink-kinds',
    'integration.nosql',
    'integration.non-warehouse-sinks',
  ]);
});

test('talk-slides: the sink reads a topic the stack does not create; the Deny ACL shows on its topic', () => {
  const m = models['talk-slides'];
  expect(m.nodes.find((n) => n.id === 'topic:orders')).toMatchObject({ declared: false });
  expect(edgesInto(m, 'sink:test-sink')).toEqual(['topic:orders']);
  expect(edgesFrom(m, 'sink:test-sink')).toEqual(['store:jdbc:sqlite:test.db']);
  expect(m.grants).toEqual([expect.objectContaining({ on: 'topic:syslog', principal: 'User:Alice', access: 'Deny Write' })]);
  expect(renderSvg(layouts['talk-slides'])).toContain('Deny Write: User:Alice');
});

test('wepay-2019: NoSQL and NewSQL captures and the routed sinks', () => {
  if (!names.includes('wepay-2019')) return;
  const m = models['wepay-2019'];
  const tech = (id: string) => m.nodes.find((n) => n.id === id)?.tech;
  expect(tech('capture:profiles-mongodb-source')).toBe('Debezium MongoDB');
  expect(tech('capture:balances-spanner-source')).toBe('Debezium Spanner');
  expect(tech('capture:risk-events-cassandra-agent')).toBe('Debezium Cassandra agent');
  expect(edgesFrom(m, 'capture:risk-events-cassandra-agent')).toEqual(['topic:risk-events.risk.device_events']);
  expect(edgesInto(m, 'sink:risk-events-pubsub-sink')).toEqual(['topic:risk-events.risk.device_events']);
  expect(edgesFrom(m, 'sink:merchant-search-sink')).toEqual(['store:https://search.data.internal:9200']);
  expect(edgesFrom(m, 'batch:wepay-airflow')).toEqual(['dataset:ledger_batch', 'dataset:monolith_batch', 'dataset:risk_batch']);
  expect(m.groups.map((g) => g.label)).toEqual(['batch', 'integration', 'realtime']);
});

/** The company one stage after another: each stack's evidence must prove its stage, not repeat the one below. */
const STAGE_CHAIN: [lower: string, upper: string][] = [
  ['wepay-2014', 'wepay-2016'],
  ['wepay-2016', 'wepay-2017'],
  ['wepay-2017', 'wepay-2019'],
  ['wepay-2019', 'automation'],
  ['automation', 'decentralized'],
];

/** The names an evidence line lists (`a, b (kind), c → d and 2 more` → a, b, c). */
const evidenceNames = (evidence: string): string[] =>
  evidence
    .replace(/ and \d+ more$/, '')
    .split(', ')
    .map((x) => x.replace(/ \(.*\)$/, '').replace(/ → .*$/, ''));

describe.each(STAGE_CHAIN)('assess evidence: %s → %s', (lower, upper) => {
  const assess = (name: string) =>
    assessStage(
      models[name],
      company.get(name)!.map((n) => models[n]),
    );

  test('the lower stack shows no part of the upper stage as present', () => {
    const stage = KNOWN_STAGES[upper];
    const present = assess(lower)
      .stages[stage].parts.filter((p) => p.present)
      .map((p) => `${p.id}: ${p.evidence}`);
    expect(present).toEqual([]);
  });

  test("the upper stage's evidence names nothing the lower stack also has", () => {
    const m = models[lower];
    // What the lower stack has: its resources and principals, and the kinds of capture and sink it uses.
    const known = new Set([
      ...m.nodes.map((n) => n.label),
      ...m.nodes.flatMap((n) => (n.tech ? [n.tech] : [])),
      ...sinkKinds(m).values(),
      ...m.grants.map((g) => g.principal),
      ...m.facts.policyTags,
      ...m.facts.alertPolicies,
    ]);
    const a = assess(upper);
    const repeated = a.stages[a.stage].parts
      .filter((p) => p.present)
      .flatMap((p) =>
        evidenceNames(p.evidence)
          .filter((n) => known.has(n))
          .map((n) => `${p.id}: ${n}`),
      );
    expect(repeated).toEqual([]);
  });
});

describe('diagram readability', () => {
  test('the title keeps the space between the stack and its stage (an offset, not spaces a renderer strips)', () => {
    const svg = renderSvg(layouts['automation'], { subtitle: 'stage 4 (automation)' });
    const title = /<text x="20" y="22"[^>]*>(.*?)<\/text>/.exec(svg)![1];
    expect(title).toMatch(/^<tspan font-weight="bold">automation<\/tspan><tspan fill="#666" dx="\d+">stage 4 \(automation\)<\/tspan>$/);
  });

  test.each(names)('%s: no edge of a DLP scan, a classification or a capture runs side by side with an unrelated edge', (name) => {
    const bundled = bundledEdges(layouts[name])
      .filter(([a, b]) => [a, b].some((e) => e.kind === 'scans' || e.kind === 'classifies' || e.kind === 'captures'))
      .map(([a, b]) => `${a.from} → ${a.to} | ${b.from} → ${b.to}`);
    expect(bundled).toEqual([]);
  });

  test('automation: DLP scans and the classification are laid out after the datasets they describe, pointing back at them', () => {
    const l = layouts['automation'];
    const box = (id: string) => l.nodes.find((n) => n.node.id === id)!;
    for (const e of l.edges.filter((x) => x.edge.kind === 'scans' || x.edge.kind === 'classifies')) {
      expect(box(e.edge.from).x).toBeGreaterThan(box(e.edge.to).x);
      const end = e.points[e.points.length - 1];
      const target = box(e.edge.to);
      expect(Math.abs(end.x - (target.x + target.width))).toBeLessThan(1); // the arrow ends on the dataset's right side
    }
  });
});

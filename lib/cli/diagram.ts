/**
 * Draws a {@link PipelineModel}: ELK's layered algorithm places nodes and routes edges
 * orthogonally (no layout of our own); this file only sizes the boxes and writes SVG or Mermaid.
 */
import { NodeKind, PipelineEdge, PipelineGrant, PipelineModel, PipelineNode } from './model';

/** A box as drawn: the node, its text lines and where ELK put it. */
export interface PlacedNode {
  readonly node: PipelineNode;
  readonly lines: string[];
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A group frame as drawn. */
export interface PlacedGroup {
  readonly id: string;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** An edge as drawn: its polyline in absolute coordinates. */
export interface PlacedEdge {
  readonly edge: PipelineEdge;
  readonly points: { x: number; y: number }[];
}

/** The laid-out diagram. */
export interface DiagramLayout {
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: PlacedNode[];
  readonly groups: PlacedGroup[];
  readonly edges: PlacedEdge[];
}

/** Font metrics: a monospace font, so a label's width is known without a browser. */
const FONT = "'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace";
const TITLE_SIZE = 12;
const LINE_SIZE = 10;
const TITLE_CHAR = 7.3; // width of one character at 12px in the fonts above (0.6 em, rounded up)
const LINE_CHAR = 6.1;
const PAD_X = 10;
const PAD_Y = 7;
const LINE_GAP = 3;
const MAX_LINE = 44;
const GROUP_LABEL = 26;
const PORT_GAP = 11;

const KIND_STYLE: Record<NodeKind, { fill: string; stroke: string; caption: string }> = {
  source: { fill: '#e8f1fb', stroke: '#3f73b5', caption: 'source database' },
  batch: { fill: '#fdf3e1', stroke: '#b7791f', caption: 'batch scheduler' },
  capture: { fill: '#eaf6ec', stroke: '#2f855a', caption: 'capture' },
  topic: { fill: '#f3ecfb', stroke: '#6b46c1', caption: 'Kafka topic' },
  sink: { fill: '#e6f6f7', stroke: '#2c7a7b', caption: 'sink connector' },
  dataset: { fill: '#fff6d6', stroke: '#b08900', caption: 'BigQuery dataset' },
  store: { fill: '#f1f1f1', stroke: '#666666', caption: 'other store' },
  consumer: { fill: '#fde8ef', stroke: '#b83280', caption: 'consumer (grant)' },
  dlp: { fill: '#fdecea', stroke: '#c53030', caption: 'DLP scan' },
  classification: { fill: '#eef0ff', stroke: '#4c51bf', caption: 'classification' },
};

const EDGE_COLOR: Record<PipelineEdge['kind'], string> = {
  captures: '#2f855a',
  loads: '#b7791f',
  produces: '#6b46c1',
  consumes: '#2c7a7b',
  writes: '#555555',
  reads: '#b83280',
  scans: '#c53030',
  classifies: '#4c51bf',
};

/** Splits text into lines of at most `max` characters, at separators where it can. */
export function wrap(text: string, max = MAX_LINE): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(window.lastIndexOf(' '), window.lastIndexOf(','), window.lastIndexOf('|'), window.lastIndexOf('/'));
    // A long name is kept whole up to 1.5 × the width, so topic names stay readable.
    const next = rest.slice(max).search(/[ ,|/]/);
    const whole = next < 0 && rest.length <= max * 1.5 ? rest.length : next >= 0 && max + next < max * 1.5 ? max + next + 1 : max;
    const at = cut > max / 3 ? cut + 1 : whole;
    out.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest) out.push(rest);
  return out;
}

const shortPrincipal = (p: string) => p.replace(/^serviceAccount:/, 'sa ');

/** What a drawn node shows: the label, then its technology and facts (including the grants on it). */
function linesOf(node: PipelineNode, folded: Map<string, string[]>, grants: Map<string, PipelineGrant[]>): string[] {
  const lines = [...wrap(node.label), ...(node.tech ? [node.tech] : [])];
  const facts = [...node.details];
  const internal = folded.get(node.id);
  if (internal?.length) facts.push(`internal: ${internal.join(' ')}`);
  for (const g of grants.get(node.id) ?? []) facts.push(`${g.access.replace(/^roles\/(bigquery|datacatalog)\./, '')}: ${shortPrincipal(g.principal)}`);
  for (const f of facts.slice(0, 5)) lines.push(...wrap(f));
  if (facts.length > 5) lines.push(`… ${facts.length - 5} more`);
  return lines;
}

/** A box fits its text, and is tall enough for every edge that ends on a side to have its own port. */
function sizeOf(lines: string[], degree = 0): { width: number; height: number } {
  const [title, ...rest] = lines;
  const w = Math.max(title.length * TITLE_CHAR, ...rest.map((l) => l.length * LINE_CHAR));
  const text = 2 * PAD_Y + TITLE_SIZE + rest.length * (LINE_SIZE + LINE_GAP) + 2;
  return { width: Math.ceil(w + 2 * PAD_X), height: Math.ceil(Math.max(text, (degree + 1) * PORT_GAP)) };
}

/**
 * Which nodes a diagram draws. Internal topics (heartbeats, schema history) are folded into the
 * capture that writes them, so the picture shows the data flow; they are still named on it.
 */
export function drawnNodes(model: PipelineModel): { nodes: PipelineNode[]; edges: PipelineEdge[]; folded: Map<string, string[]> } {
  const folded = new Map<string, string[]>();
  const hidden = new Set<string>();
  for (const n of model.nodes) {
    if (n.kind !== 'topic' || !n.internal) continue;
    const writer = model.edges.find((e) => e.to === n.id && e.kind === 'produces');
    if (!writer) continue; // nobody to fold it into: draw it
    hidden.add(n.id);
    folded.set(writer.from, [...(folded.get(writer.from) ?? []), n.label]);
  }
  return {
    nodes: model.nodes.filter((n) => !hidden.has(n.id)),
    edges: model.edges.filter((e) => !hidden.has(e.from) && !hidden.has(e.to)),
    folded,
  };
}

/** The grants drawn on a node: those that are not the pipeline's own plumbing. */
function grantsToDraw(model: PipelineModel): Map<string, PipelineGrant[]> {
  const out = new Map<string, PipelineGrant[]>();
  const consumers = new Set(model.nodes.filter((n) => n.kind === 'consumer').map((n) => n.label));
  for (const g of model.grants) {
    const onDataset = g.on.startsWith('dataset:');
    const show = onDataset ? g.write && !consumers.has(g.principal) : g.on.startsWith('classification:') || g.access.startsWith('Deny');
    if (!show) continue;
    const list = out.get(g.on) ?? [];
    if (!list.some((x) => x.principal === g.principal && x.access === g.access)) list.push(g);
    out.set(g.on, list);
  }
  return out;
}

/**
 * Edges laid out against their direction: a DLP scan or a classification describes a dataset, so it
 * is placed after the dataset (beside it) rather than before the whole flow, where its edges would
 * cross the picture side by side with unrelated ones. They are still drawn pointing at the dataset.
 */
const laidBackwards = (e: PipelineEdge): boolean => e.kind === 'scans' || e.kind === 'classifies';

/** Lays the model out with ELK (layered, left to right, orthogonal edges, groups as compound nodes). */
export async function layoutDiagram(model: PipelineModel): Promise<DiagramLayout> {
  // elkjs is loaded here only, so `assess` and `--help` start without it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ELK = require('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const { nodes, edges, folded } = drawnNodes(model);
  const grants = grantsToDraw(model);
  const lines = new Map(nodes.map((n) => [n.id, linesOf(n, folded, grants)]));
  const usedGroups = model.groups.filter((g) => nodes.some((n) => n.group === g.id));
  const groupOf = (id: string) => nodes.find((n) => n.id === id)?.group;

  const degree = (id: string) => Math.max(edges.filter((e) => e.to === id).length, edges.filter((e) => e.from === id).length);
  const elkNode = (n: PipelineNode) => ({ id: n.id, ...sizeOf(lines.get(n.id)!, degree(n.id)) });
  const layoutOptions = elkLayoutOptions();
  // An edge is defined in the lowest node holding both ends, so ELK's coordinates for it are
  // relative to that node (the root or one group); we add the group's offset below.
  const container = (e: PipelineEdge) => {
    const a = groupOf(e.from);
    const b = groupOf(e.to);
    return a && a === b ? a : 'root';
  };
  const edgeById = new Map<string, PipelineEdge>();
  const elkEdges = (where: string) =>
    edges
      .filter((e) => container(e) === where)
      .map((e) => {
        const id = `e${edgeById.size}`;
        edgeById.set(id, e);
        return laidBackwards(e) ? { id, sources: [e.to], targets: [e.from] } : { id, sources: [e.from], targets: [e.to] };
      });
  const graph = {
    id: 'root',
    layoutOptions,
    children: [
      ...nodes.filter((n) => !n.group).map(elkNode),
      ...usedGroups.map((g) => ({
        id: g.id,
        layoutOptions: { 'elk.padding': `[top=${GROUP_LABEL + 8},left=14,bottom=14,right=14]` },
        children: nodes.filter((n) => n.group === g.id).map(elkNode),
        edges: elkEdges(g.id),
      })),
    ],
    edges: elkEdges('root'),
  };
  const out = await elk.layout(graph);

  const { placedNodes, placedGroups, placedEdges } = placeLayout(out, nodes, usedGroups, lines, edgeById);
  return {
    title: model.stack,
    width: Math.ceil(out.width ?? 0),
    height: Math.ceil(out.height ?? 0),
    nodes: placedNodes,
    groups: placedGroups,
    edges: placedEdges,
  };
}

/** ELK's options for the whole diagram: layered, left to right, orthogonal edges, groups laid out with their parent. */
function elkLayoutOptions(): Record<string, string> {
  return {
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
    'elk.edgeRouting': 'ORTHOGONAL',
    'elk.layered.spacing.nodeNodeBetweenLayers': '56',
    'elk.layered.spacing.edgeNodeBetweenLayers': '18',
    'elk.layered.spacing.edgeEdgeBetweenLayers': '12',
    'elk.spacing.nodeNode': '16',
    'elk.spacing.edgeNode': '14',
    'elk.spacing.edgeEdge': '12',
    'elk.spacing.componentComponent': '40',
    'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
    'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    'elk.layered.mergeEdges': 'false',
    'elk.padding': '[top=20,left=20,bottom=20,right=20]',
  };
}

/** ELK's result as absolute positions: groups, the nodes in and outside them, and each edge's points (drawn in its own direction). */
function placeLayout(
  out: any,
  nodes: PipelineNode[],
  usedGroups: PipelineModel['groups'],
  lines: Map<string, string[]>,
  edgeById: Map<string, PipelineEdge>,
): { placedNodes: PlacedNode[]; placedGroups: PlacedGroup[]; placedEdges: PlacedEdge[] } {
  const placedNodes: PlacedNode[] = [];
  const placedGroups: PlacedGroup[] = [];
  const offset = new Map<string, { x: number; y: number }>([['root', { x: 0, y: 0 }]]);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const child of out.children ?? []) {
    const group = usedGroups.find((g) => g.id === child.id);
    if (group) {
      placedGroups.push({ id: group.id, label: group.label, x: child.x, y: child.y, width: child.width, height: child.height });
      offset.set(group.id, { x: child.x, y: child.y });
      for (const c of child.children ?? []) {
        placedNodes.push({ node: byId.get(c.id)!, lines: lines.get(c.id)!, x: child.x + c.x, y: child.y + c.y, width: c.width, height: c.height });
      }
    } else {
      placedNodes.push({ node: byId.get(child.id)!, lines: lines.get(child.id)!, x: child.x, y: child.y, width: child.width, height: child.height });
    }
  }
  const placedEdges: PlacedEdge[] = [];
  const collect = (holder: any, where: string) => {
    const o = offset.get(where)!;
    for (const e of holder.edges ?? []) {
      const edge = edgeById.get(String(e.id))!;
      for (const s of e.sections ?? []) {
        const pts = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p: { x: number; y: number }) => ({ x: p.x + o.x, y: p.y + o.y }));
        placedEdges.push({ edge, points: laidBackwards(edge) ? pts.reverse() : pts });
      }
    }
  };
  collect(out, 'root');
  for (const child of out.children ?? []) if (offset.has(child.id)) collect(child, child.id);
  return { placedNodes, placedGroups, placedEdges };
}

/**
 * Space between the stack name and the stage in a diagram's title, as an offset: SVG renderers
 * strip or collapse spaces at the start of a tspan (xml:space default), so spaces there vanish.
 */
const TITLE_GAP = 12;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (n: number) => Math.round(n * 10) / 10;

/** Writes the layout as a standalone SVG (no scripts, no external references). */
export function renderSvg(layout: DiagramLayout, options: { subtitle?: string } = {}): string {
  const head = 34;
  const kinds = [...new Set(layout.nodes.map((n) => n.node.kind))];
  const legendItems = kinds.map((k) => ({ k, w: 22 + KIND_STYLE[k].caption.length * LINE_CHAR + 18 }));
  const legendW = legendItems.reduce((s, i) => s + i.w, 0);
  const width = Math.ceil(Math.max(layout.width, legendW + 40, (layout.title.length + (options.subtitle?.length ?? 0) + 2) * 9.1 + 40));
  const height = layout.height + head + 30;
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${esc(FONT)}">`);
  o.push(`<title>${esc(`Data flow of stack ${layout.title}`)}</title>`);
  o.push('<defs>');
  for (const [kind, color] of Object.entries(EDGE_COLOR)) {
    o.push(
      `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`,
    );
  }
  o.push('</defs>');
  o.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  o.push(
    `<text x="20" y="22" font-size="15" fill="#222"><tspan font-weight="bold">${esc(layout.title)}</tspan>${options.subtitle ? `<tspan fill="#666" dx="${TITLE_GAP}">${esc(options.subtitle)}</tspan>` : ''}</text>`,
  );
  // legend
  let lx = 20;
  for (const { k, w } of legendItems) {
    const s = KIND_STYLE[k];
    o.push(`<rect x="${lx}" y="${height - 22}" width="14" height="12" rx="3" fill="${s.fill}" stroke="${s.stroke}"/>`);
    o.push(`<text x="${lx + 20}" y="${height - 12}" font-size="${LINE_SIZE}" fill="#444">${esc(s.caption)}</text>`);
    lx += w;
  }
  o.push(`<g transform="translate(0,${head})">`);
  for (const g of layout.groups) {
    o.push(
      `<g class="group" data-id="${esc(g.id)}"><rect x="${r1(g.x)}" y="${r1(g.y)}" width="${r1(g.width)}" height="${r1(g.height)}" rx="10" fill="#fafafa" stroke="#9a9a9a" stroke-dasharray="5 4"/>`,
    );
    o.push(`<text x="${r1(g.x + 12)}" y="${r1(g.y + 19)}" font-size="13" font-weight="bold" fill="#555">${esc(g.label)}</text></g>`);
  }
  for (const e of layout.edges) {
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(p.x)},${r1(p.y)}`).join(' ');
    o.push(
      `<path class="edge" data-from="${esc(e.edge.from)}" data-to="${esc(e.edge.to)}" data-kind="${e.edge.kind}" d="${d}" fill="none" stroke="${EDGE_COLOR[e.edge.kind]}" stroke-width="1.3" marker-end="url(#arrow-${e.edge.kind})"/>`,
    );
  }
  for (const n of layout.nodes) {
    const s = KIND_STYLE[n.node.kind];
    const dash = n.node.declared ? '' : ' stroke-dasharray="4 3"';
    o.push(`<g class="node" data-id="${esc(n.node.id)}" data-kind="${n.node.kind}">`);
    o.push(
      `<rect x="${r1(n.x)}" y="${r1(n.y)}" width="${r1(n.width)}" height="${r1(n.height)}" rx="6" fill="${s.fill}" stroke="${s.stroke}" stroke-width="1.4"${dash}/>`,
    );
    let y = n.y + PAD_Y + TITLE_SIZE - 1;
    n.lines.forEach((line, i) => {
      if (i === 0) {
        o.push(`<text x="${r1(n.x + PAD_X)}" y="${r1(y)}" font-size="${TITLE_SIZE}" font-weight="bold" fill="#1a1a1a">${esc(line)}</text>`);
        y += LINE_SIZE + LINE_GAP + 2;
      } else {
        o.push(`<text x="${r1(n.x + PAD_X)}" y="${r1(y)}" font-size="${LINE_SIZE}" fill="#444">${esc(line)}</text>`);
        y += LINE_SIZE + LINE_GAP;
      }
    });
    o.push('</g>');
  }
  o.push('</g>');
  o.push('</svg>');
  return `${o.join('\n')}\n`;
}

/** Mermaid flowchart text of the model (for Markdown docs); same nodes, edges and groups as the SVG. */
export function renderMermaid(model: PipelineModel): string {
  const { nodes, edges, folded } = drawnNodes(model);
  const grants = grantsToDraw(model);
  const ids = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const q = (s: string) => s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
  const shape = (n: PipelineNode) => {
    const text = `"${linesOf(n, folded, grants).map(q).join('<br/>')}"`;
    switch (n.kind) {
      case 'source':
      case 'dataset':
      case 'store':
        return `[(${text})]`;
      case 'capture':
        return `([${text}])`;
      case 'batch':
      case 'dlp':
        return `{{${text}}}`;
      case 'topic':
        return `>${text}]`;
      case 'consumer':
        return `[/${text}/]`;
      default:
        return `[${text}]`;
    }
  };
  const out = ['flowchart LR'];
  for (const n of nodes.filter((x) => !x.group)) out.push(`  ${ids.get(n.id)}${shape(n)}`);
  for (const g of model.groups) {
    const members = nodes.filter((n) => n.group === g.id);
    if (members.length === 0) continue;
    out.push(`  subgraph ${g.id.replace(/\W/g, '_')}["${q(g.label)}"]`);
    for (const n of members) out.push(`    ${ids.get(n.id)}${shape(n)}`);
    out.push('  end');
  }
  for (const e of edges) out.push(`  ${ids.get(e.from)} -->|${e.kind}| ${ids.get(e.to)}`);
  const kinds = [...new Set(nodes.map((n) => n.kind))];
  for (const k of kinds) out.push(`  classDef ${k} fill:${KIND_STYLE[k].fill},stroke:${KIND_STYLE[k].stroke}`);
  for (const k of kinds)
    out.push(
      `  class ${nodes
        .filter((n) => n.kind === k)
        .map((n) => ids.get(n.id))
        .join(',')} ${k}`,
    );
  return `${out.join('\n')}\n`;
}

interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
const overlaps = (a: Rect, b: Rect, inset = 0) =>
  a.x + inset < b.x + b.width - inset && b.x + inset < a.x + a.width - inset && a.y + inset < b.y + b.height - inset && b.y + inset < a.y + a.height - inset;
const segmentRect = (p: { x: number; y: number }, q: { x: number; y: number }): Rect => ({
  x: Math.min(p.x, q.x),
  y: Math.min(p.y, q.y),
  width: Math.abs(p.x - q.x) || 0.01,
  height: Math.abs(p.y - q.y) || 0.01,
});
/** Where a group's title is drawn. */
const groupTitle = (g: PlacedGroup): Rect => ({ x: g.x + 8, y: g.y + 4, width: g.label.length * 8.2 + 8, height: 20 });

type Point = { x: number; y: number };
/** BUNDLE_GAP px apart or closer, side by side for at least BUNDLE_RUN px: two lines read as one cable. */
const BUNDLE_GAP = 10;
const BUNDLE_RUN = 120;
/** How far two axis-parallel segments run side by side within BUNDLE_GAP of each other (0 when they do not). */
function sideBySide(a: [Point, Point], b: [Point, Point]): number {
  const run = (p: number, q: number, r: number, s: number) => Math.min(Math.max(p, q), Math.max(r, s)) - Math.max(Math.min(p, q), Math.min(r, s));
  const vertical = (u: [Point, Point]) => Math.abs(u[0].x - u[1].x) < 0.5;
  const horizontal = (u: [Point, Point]) => Math.abs(u[0].y - u[1].y) < 0.5;
  if (vertical(a) && vertical(b) && Math.abs(a[0].x - b[0].x) <= BUNDLE_GAP) return Math.max(0, run(a[0].y, a[1].y, b[0].y, b[1].y));
  if (horizontal(a) && horizontal(b) && Math.abs(a[0].y - b[0].y) <= BUNDLE_GAP) return Math.max(0, run(a[0].x, a[1].x, b[0].x, b[1].x));
  return 0;
}

/**
 * Pairs of unrelated edges (no end in common) drawn side by side, a few pixels apart, for a long
 * stretch: they read as one cable and a reader cannot tell which goes where. Edges sharing a
 * source or a target may run together; that reads as a fan.
 */
export function bundledEdges(layout: DiagramLayout): [PipelineEdge, PipelineEdge][] {
  const out: [PipelineEdge, PipelineEdge][] = [];
  const es = layout.edges;
  for (let i = 0; i < es.length; i++) {
    for (let j = i + 1; j < es.length; j++) {
      const a = es[i].edge;
      const b = es[j].edge;
      if (a.from === b.from || a.to === b.to || a.from === b.to || a.to === b.from) continue;
      const hit = es[i].points
        .slice(1)
        .some((p, k) => es[j].points.slice(1).some((q, l) => sideBySide([es[i].points[k], p], [es[j].points[l], q]) >= BUNDLE_RUN));
      if (hit) out.push([a, b]);
    }
  }
  return out;
}

/**
 * Readability checks of a layout: boxes (and so their labels) do not overlap, no edge runs through
 * a box or a group title, every box sits inside its group. Returns the problems found.
 */
export function checkLayout(layout: DiagramLayout): string[] {
  const problems: string[] = [];
  const ns = layout.nodes;
  for (let i = 0; i < ns.length; i++) {
    for (let j = i + 1; j < ns.length; j++) {
      if (overlaps(ns[i], ns[j])) problems.push(`boxes overlap: ${ns[i].node.id} and ${ns[j].node.id}`);
    }
  }
  for (const e of layout.edges) {
    for (let k = 0; k + 1 < e.points.length; k++) {
      const seg = segmentRect(e.points[k], e.points[k + 1]);
      for (const n of ns) {
        if (n.node.id === e.edge.from || n.node.id === e.edge.to) continue;
        if (overlaps(seg, n, 0.5)) problems.push(`edge ${e.edge.from} → ${e.edge.to} runs through ${n.node.id}`);
      }
      for (const g of layout.groups) if (overlaps(seg, groupTitle(g), 0.5)) problems.push(`edge ${e.edge.from} → ${e.edge.to} crosses the title of ${g.id}`);
    }
  }
  for (const n of ns) {
    const g = layout.groups.find((x) => x.id === n.node.group);
    if (n.node.group && (!g || n.x < g.x || n.y < g.y || n.x + n.width > g.x + g.width || n.y + n.height > g.y + g.height)) {
      problems.push(`${n.node.id} is not inside its group ${n.node.group}`);
    }
  }
  return problems;
}

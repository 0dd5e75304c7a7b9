/**
 * The state one model extraction builds up, and the small operations every extractor shares:
 * finding resources, adding nodes and edges, resolving a host, a topic or a dataset to its node.
 * Extractors (./extractors/) each read one family of resources and write through this builder.
 */
import { EdgeKind, PipelineEdge, PipelineGrant, PipelineNode, SynthesizedStack } from './types';

/** One synthesized resource, with what it refers to. */
export interface Res {
  readonly type: string;
  readonly name: string;
  readonly body: any;
  readonly path: string;
  /** `type.name` of every resource this one refers to. */
  readonly refs: Set<string>;
}

const REF = /\$\{[^}]*?\b((?:google|kafka)[\w-]*)\.([\w-]+)\./g;

function collectRefs(value: unknown, out: Set<string>): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(REF)) out.add(`${m[1]}.${m[2]}`);
  } else if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k !== '//') collectRefs(v, out);
  }
}

/** The first `${type.name.…}` reference of the given type in a string. */
export function refOf(value: unknown, type: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = new RegExp(`\\$\\{[^}]*?\\b${type.replace(/[-]/g, '\\-')}\\.([\\w-]+)\\.`).exec(value);
  return m ? `${type}.${m[1]}` : undefined;
}

export const isInterpolated = (s: unknown): boolean => typeof s === 'string' && s.includes('${');
export const list = (s: unknown): string[] =>
  typeof s === 'string' && s.trim() !== ''
    ? s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean)
    : [];
export const looksLikeRegex = (s: string): boolean => /[*+?()[\]{}|\\^$]/.test(s);

/** A node as an extractor adds it: details, paths and `declared` may be left out. */
export type NewNode = Omit<PipelineNode, 'details' | 'paths' | 'declared'> & Partial<Pick<PipelineNode, 'details' | 'paths' | 'declared'>>;

/** Node id of a Cloud SQL instance's source node. */
export const sqlSourceId = (addr: string): string => `source:${addr}`;
/** Node id of a topic. */
export const topicId = (name: string): string => `topic:${name}`;
/** Node id of a consumer. */
export const consumerId = (principal: string): string => `consumer:${principal}`;

/** The model under construction. */
export class ModelBuilder {
  public readonly all: Res[] = [];
  public readonly byAddr = new Map<string, Res>();
  public readonly resourceTypes: Record<string, number> = {};
  public readonly nodes = new Map<string, PipelineNode>();
  public readonly edges = new Map<string, PipelineEdge>();
  public readonly grants: PipelineGrant[] = [];
  public readonly warnings: string[] = [];
  /** Node id → group hint (top-level construct id). */
  public readonly groupHint = new Map<string, string>();

  // Facts gathered along the way, read by later extractors and by the result.
  public readonly cdcReady: string[] = [];
  public readonly datasetProjects = new Set<string>();
  public readonly domains = new Set<string>();
  public readonly policyTags: string[] = [];
  public readonly classifiedTables: string[] = [];
  /** Topics a connector's config names as its own (schema history, heartbeat, ...). */
  public readonly internalTopicNames = new Set<string>();
  /** Topics whose construct path marks them internal. */
  public readonly internalByPath = new Set<string>();
  public readonly datasetIdByAddr = new Map<string, string>();
  public readonly datasetNodeByName = new Map<string, string>();
  /** Policy tag address → its taxonomy's classification node. */
  public readonly tagToTaxonomy = new Map<string, string>();

  constructor(
    public readonly stack: string,
    public readonly json: SynthesizedStack,
  ) {
    for (const [type, named] of Object.entries(json.resource ?? {})) {
      for (const [name, body] of Object.entries(named ?? {})) {
        const refs = new Set<string>();
        collectRefs(body, refs);
        const r: Res = { type, name, body, path: body?.['//']?.metadata?.path ?? `${stack}/${name}`, refs };
        this.all.push(r);
        this.byAddr.set(`${type}.${name}`, r);
        this.resourceTypes[type] = (this.resourceTypes[type] ?? 0) + 1;
      }
    }
  }

  /** Resources of the given types, in synthesized order. */
  public ofType(...types: string[]): Res[] {
    return this.all.filter((r) => types.includes(r.type));
  }

  /** Kafka Connect connectors. */
  public get connectors(): Res[] {
    return this.ofType('kafka-connect_connector');
  }

  /** Whether a connector is a sink (reads topics) rather than a source. */
  public static isSink(c: Res): boolean {
    const cfg = c.body.config ?? {};
    return cfg.topics !== undefined || cfg['topics.regex'] !== undefined || /sink/i.test(String(cfg['connector.class'] ?? ''));
  }

  /** The top-level construct id of a construct path. */
  public topLevel(path: string): string | undefined {
    return path.split('/')[1];
  }

  /** Adds a node, or merges paths, details and `declared` into the node of that id. */
  public addNode(n: NewNode): PipelineNode {
    const existing = this.nodes.get(n.id);
    if (existing) {
      for (const p of n.paths ?? []) if (!existing.paths.includes(p)) existing.paths.push(p);
      for (const d of n.details ?? []) if (!existing.details.includes(d)) existing.details.push(d);
      if (n.declared && !existing.declared) (existing as { declared: boolean }).declared = true;
      return existing;
    }
    const node: PipelineNode = { details: [], paths: [], declared: true, ...n };
    this.nodes.set(node.id, node);
    const first = node.paths[0];
    if (first) this.groupHint.set(node.id, this.topLevel(first) ?? '');
    return node;
  }

  /** Adds an edge (once; never a loop). */
  public addEdge(from: string, to: string, kind: EdgeKind): void {
    if (from === to) return;
    this.edges.set(`${from}→${to}`, { from, to, kind });
  }

  /** A source node for a host: the Cloud SQL instance it interpolates, or an external database. */
  public sourceFor(host: unknown, engine: string, database: string | undefined, path: string): string {
    const sql = refOf(host, 'google_sql_database_instance');
    if (sql && this.nodes.has(sqlSourceId(sql))) return sqlSourceId(sql);
    const h = typeof host === 'string' && !isInterpolated(host) ? host : undefined;
    const id = `source:${engine}:${h ?? '?'}/${database ?? ''}`;
    this.addNode({ id, kind: 'source', label: database ?? h ?? engine, tech: engine, details: h ? [h] : [], paths: [], declared: false });
    this.groupHint.set(id, this.topLevel(path) ?? '');
    return id;
  }

  /** Whether a topic carries Connect's or Debezium's own records rather than data. */
  public isInternalTopic(name: string): boolean {
    return (
      name.startsWith('_') ||
      this.internalTopicNames.has(name) ||
      this.internalByPath.has(name) ||
      /^connect-(offsets|configs|status)/.test(name) ||
      /\.cdc-worker\.offsets$/.test(name)
    );
  }

  /** The node of a topic, added as "not created by this stack" when the stack only refers to it. */
  public ensureTopic(name: string, path: string): string {
    const id = topicId(name);
    if (!this.nodes.has(id)) {
      this.addNode({
        id,
        kind: 'topic',
        label: name,
        tech: 'Kafka topic',
        details: ['not created by this stack'],
        declared: false,
        internal: this.isInternalTopic(name),
      });
      this.groupHint.set(id, this.topLevel(path) ?? '');
    }
    return id;
  }

  /** Names of every topic node so far. */
  public topicNames(): string[] {
    return [...this.nodes.values()].filter((n) => n.kind === 'topic').map((n) => n.label);
  }

  /** Wires a capture to its topics: declared ones under its prefix, and those its table list implies. */
  public wireCapture(captureId: string, prefix: string | undefined, tables: string[], path: string, extraInternal: string[] = [], scope?: string): void {
    if (scope) {
      for (const n of [...this.nodes.values()])
        if (n.kind === 'topic' && n.internal && n.paths.some((p) => p.startsWith(`${scope}/`))) this.addEdge(captureId, n.id, 'produces');
    }
    if (prefix) {
      for (const name of this.topicNames())
        if (name.startsWith(`${prefix}.`) && !this.isInternalTopic(name)) this.addEdge(captureId, topicId(name), 'produces');
      for (const t of tables) if (!looksLikeRegex(t)) this.addEdge(captureId, this.ensureTopic(`${prefix}.${t}`, path), 'produces');
      const heartbeat = `__debezium-heartbeat.${prefix}`;
      if (this.nodes.has(topicId(heartbeat))) this.addEdge(captureId, topicId(heartbeat), 'produces');
    }
    for (const name of extraInternal) if (this.nodes.has(topicId(name))) this.addEdge(captureId, topicId(name), 'produces');
  }

  /** The dataset node a value names: a reference to a dataset of the stack, or a dataset id. */
  public datasetFor(value: unknown, path: string, project?: unknown): string | undefined {
    const ref = refOf(value, 'google_bigquery_dataset');
    if (ref) return this.datasetIdByAddr.get(ref);
    if (typeof value !== 'string' || value === '' || isInterpolated(value)) return undefined;
    const known = this.datasetNodeByName.get(value);
    if (known) return known;
    const id = `dataset:${value}`;
    this.addNode({
      id,
      kind: 'dataset',
      label: value,
      tech: 'BigQuery dataset',
      details: [project && !isInterpolated(project) ? `in ${project}` : 'not created by this stack'],
      declared: false,
    });
    this.groupHint.set(id, this.topLevel(path) ?? '');
    this.datasetNodeByName.set(value, id);
    return id;
  }

  /** A principal as a reader knows it: a service account by id, another stack's output by name. */
  public principalName(member: string): string {
    const sa = refOf(member, 'google_service_account');
    if (sa) {
      const acc = this.byAddr.get(sa)?.body;
      return `serviceAccount:${acc?.account_id ?? sa.split('.')[1]}`;
    }
    // Another stack's output (a cdktf cross-stack reference): name it after that stack and output.
    const remote =
      /\$\{data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.cross-stack-output-(?:google_service_account)?([\w-]+?)(?:_[0-9A-F]{8})?(?:email)?\}/.exec(
        member,
      );
    if (remote) return `${member.slice(0, member.indexOf('$'))}${remote[2].replace(/_/g, '/')} (stack ${remote[1]})`;
    return member.replace(/@[\w-]+\.iam\.gserviceaccount\.com$/, '').replace(/\$\{[^}]*\}/g, '…');
  }
}

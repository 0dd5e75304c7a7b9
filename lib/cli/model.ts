/**
 * The data-flow model of one synthesized stack: a pure function of its `cdk.tf.json`.
 * No cdktf import here: the CLI reads what `cdktf synth` wrote, so it starts fast and works on
 * any stack made with this library, whichever version of the constructs wrote it.
 *
 * source databases → capture (Debezium connector, Cassandra agent, CDC worker) or batch scheduler
 * → topics → sinks → datasets or other stores → consumers; DLP scans and classifications point
 * at the datasets they cover.
 */

/** What a node of the data flow is. */
export type NodeKind =
  | 'source' // a database changes are read from
  | 'capture' // Debezium connector, Cassandra agent or the CDC worker
  | 'batch' // a scheduler copying tables (Airflow on Composer, BigQuery scheduled queries)
  | 'topic' // a Kafka topic
  | 'sink' // a Kafka Connect sink connector
  | 'dataset' // a BigQuery dataset
  | 'store' // another sink target: search index, graph, relational database, Pub/Sub
  | 'consumer' // a principal granted read access (a team or domain)
  | 'dlp' // DLP scans of a dataset
  | 'classification'; // a policy-tag taxonomy

/** One node of the data flow. */
export interface PipelineNode {
  /** Unique within the model, stable across runs (e.g. `topic:ledger.ledger.entries`). */
  readonly id: string;
  readonly kind: NodeKind;
  /** The name a user knows it by: topic name, connector name, dataset id, instance name. */
  readonly label: string;
  /** The technology, e.g. `Debezium MySQL`, `BigQuery sink`. */
  readonly tech?: string;
  /** Short facts shown under the label: grants, tables, hosts. */
  readonly details: string[];
  /** Construct paths of the resources behind the node (empty when only referenced). */
  readonly paths: string[];
  /** Stage or domain group id, when the stack has groups. */
  group?: string;
  /** Topics: created by Debezium/Connect itself (heartbeat, schema history, sync), not data. */
  readonly internal?: boolean;
  /** False when the stack only refers to it (a topic a sink reads that this stack does not create). */
  readonly declared: boolean;
}

/** How data or control moves along an edge. */
export type EdgeKind = 'captures' | 'loads' | 'produces' | 'consumes' | 'writes' | 'reads' | 'scans' | 'classifies';

/** One edge: `from` → `to`. */
export interface PipelineEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
}

/** A group of nodes drawn together: a stage construct or a team's domain. */
export interface PipelineGroup {
  readonly id: string;
  readonly label: string;
}

/** An access grant, as synthesized. */
export interface PipelineGrant {
  /** Node the grant is on (dataset, topic, classification). */
  readonly on: string;
  /** The principal, readable (`serviceAccount:ledger-sink`, `User:connect`, `group:analysts@…`). */
  readonly principal: string;
  /** Role or operation (`roles/bigquery.dataViewer`, `Read`). */
  readonly access: string;
  /** True when it lets the principal change data (write, admin). */
  readonly write: boolean;
  readonly path: string;
}

/** What the stack holds, beyond the drawn flow, for the assessment. */
export interface PipelineFacts {
  /** Resource count per Terraform type. */
  readonly resourceTypes: Record<string, number>;
  /** Source databases whose settings make them ready for change data capture. */
  readonly cdcReadySources: string[];
  /** Kafka principals with SCRAM credentials. */
  readonly scramUsers: string[];
  /** Kafka ACL count. */
  readonly kafkaAcls: number;
  /** Policy tags, by display name. */
  readonly policyTags: string[];
  /** BigQuery tables whose columns carry policy tags. */
  readonly classifiedTables: string[];
  /** Monitoring alert policies. */
  readonly alertPolicies: string[];
  /** Google projects the datasets live in. */
  readonly datasetProjects: string[];
  /** Team domains, from the `domain` label DataDomain puts on its datasets. */
  readonly domains: string[];
  /** The SASL user this stack's Kafka provider deploys as (a domain deploys as a user its platform created). */
  readonly kafkaDeployer?: string;
}

/** The data flow of one stack. */
export interface PipelineModel {
  readonly stack: string;
  readonly nodes: PipelineNode[];
  readonly edges: PipelineEdge[];
  readonly groups: PipelineGroup[];
  readonly grants: PipelineGrant[];
  readonly facts: PipelineFacts;
  /** Things the extractor could not resolve (a sink regex that matches no topic, …). */
  readonly warnings: string[];
}

/** The synthesized JSON of a stack (the parts read here). */
export interface SynthesizedStack {
  readonly '//'?: { metadata?: { stackName?: string } };
  readonly resource?: Record<string, Record<string, any>>;
  readonly output?: Record<string, { value?: unknown; description?: string }>;
  readonly provider?: Record<string, any[]>;
}

/** Resource types this library writes; a stack with none of them is not ours. */
export const KNOWN_RESOURCE_PREFIXES = [
  'kafka_', 'kafka-connect_', 'google_bigquery_', 'google_sql_', 'google_composer_', 'google_managed_kafka_',
  'google_data_loss_prevention_', 'google_data_catalog_', 'google_cloud_run_v2_service',
];

interface Res {
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
function refOf(value: unknown, type: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = new RegExp(`\\$\\{[^}]*?\\b${type.replace(/[-]/g, '\\-')}\\.([\\w-]+)\\.`).exec(value);
  return m ? `${type}.${m[1]}` : undefined;
}

const isInterpolated = (s: unknown): boolean => typeof s === 'string' && s.includes('${');
const list = (s: unknown): string[] => (typeof s === 'string' && s.trim() !== '' ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
const looksLikeRegex = (s: string): boolean => /[*+?()[\]{}|\\^$]/.test(s);

/** Engines and sink kinds by connector class. */
const CAPTURE_TECH: [RegExp, string, boolean][] = [
  [/\.mysql\./, 'Debezium MySQL', true],
  [/\.mariadb\./, 'Debezium MariaDB', true],
  [/\.postgresql\./, 'Debezium PostgreSQL', true],
  [/\.sqlserver\./, 'Debezium SQL Server', true],
  [/\.oracle\./, 'Debezium Oracle', true],
  [/\.db2\./, 'Debezium Db2', true],
  [/\.mongodb\./, 'Debezium MongoDB', false],
  [/\.spanner\./, 'Debezium Spanner', false],
  [/\.vitess\./, 'Debezium Vitess', true],
];

/** Sink kinds: what a sink writes to. */
export type SinkKind = 'warehouse' | 'relational' | 'search' | 'graph' | 'messaging' | 'other';

function sinkKindOf(cls: string): { kind: SinkKind; tech: string } {
  if (/bigquery/i.test(cls)) return { kind: 'warehouse', tech: 'BigQuery sink' };
  if (/jdbc/i.test(cls)) return { kind: 'relational', tech: `JDBC sink (${cls.startsWith('io.debezium') ? 'Debezium' : 'Confluent'})` };
  if (/elasticsearch|opensearch/i.test(cls)) return { kind: 'search', tech: /opensearch/i.test(cls) ? 'OpenSearch sink' : 'Elasticsearch sink' };
  if (/neo4j/i.test(cls)) return { kind: 'graph', tech: 'Neo4j sink' };
  if (/pubsub/i.test(cls)) return { kind: 'messaging', tech: 'Pub/Sub sink' };
  return { kind: 'other', tech: cls.split('.').pop() ?? cls };
}

/** The sink kind recorded per sink node id (for the assessment). */
export function sinkKinds(model: PipelineModel): Map<string, SinkKind> {
  const out = new Map<string, SinkKind>();
  for (const n of model.nodes) if (n.kind === 'sink' && n.tech) out.set(n.id, sinkKindByTech(n.tech));
  return out;
}

function sinkKindByTech(tech: string): SinkKind {
  if (tech === 'BigQuery sink') return 'warehouse';
  if (tech.startsWith('JDBC')) return 'relational';
  if (/search/i.test(tech)) return 'search';
  if (/neo4j/i.test(tech)) return 'graph';
  if (/pub\/sub/i.test(tech)) return 'messaging';
  return 'other';
}

/** Whether a capture technology reads a relational database. */
export function isRelationalCapture(tech: string | undefined): boolean {
  if (!tech) return false;
  if (tech.startsWith('CDC worker')) return true;
  const hit = CAPTURE_TECH.find(([, t]) => t === tech);
  return hit ? hit[2] : false;
}

const READ_ROLES = /dataViewer|\.user$|metadataViewer|dataOwner|fineGrainedReader|bigquery\.reader/i;
const WRITE_ROLES = /dataEditor|dataOwner|admin/i;

/**
 * Builds the data-flow model of a synthesized stack.
 * @param stack the stack name (as in manifest.json)
 * @param json the parsed `cdk.tf.json`
 */
export function extractModel(stack: string, json: SynthesizedStack): PipelineModel {
  const all: Res[] = [];
  const byAddr = new Map<string, Res>();
  const resourceTypes: Record<string, number> = {};
  for (const [type, named] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(named ?? {})) {
      const refs = new Set<string>();
      collectRefs(body, refs);
      const r: Res = { type, name, body, path: body?.['//']?.metadata?.path ?? `${stack}/${name}`, refs };
      all.push(r);
      byAddr.set(`${type}.${name}`, r);
      resourceTypes[type] = (resourceTypes[type] ?? 0) + 1;
    }
  }
  const ofType = (...types: string[]) => all.filter((r) => types.includes(r.type));

  const nodes = new Map<string, PipelineNode>();
  const edges = new Map<string, PipelineEdge>();
  const grants: PipelineGrant[] = [];
  const warnings: string[] = [];
  /** Node id → group hint (top-level construct id). */
  const groupHint = new Map<string, string>();

  const topLevel = (path: string): string | undefined => path.split('/')[1];
  const addNode = (n: Omit<PipelineNode, 'details' | 'paths' | 'declared'> & Partial<Pick<PipelineNode, 'details' | 'paths' | 'declared'>>): PipelineNode => {
    const existing = nodes.get(n.id);
    if (existing) {
      for (const p of n.paths ?? []) if (!existing.paths.includes(p)) existing.paths.push(p);
      for (const d of n.details ?? []) if (!existing.details.includes(d)) existing.details.push(d);
      if (n.declared && !existing.declared) (existing as { declared: boolean }).declared = true;
      return existing;
    }
    const node: PipelineNode = { details: [], paths: [], declared: true, ...n };
    nodes.set(node.id, node);
    const first = node.paths[0];
    if (first) groupHint.set(node.id, topLevel(first) ?? '');
    return node;
  };
  const addEdge = (from: string, to: string, kind: EdgeKind) => {
    if (from === to) return;
    edges.set(`${from}→${to}`, { from, to, kind });
  };

  // ---- source databases managed here (Cloud SQL) ----
  const cdcReady: string[] = [];
  const sqlSourceId = (addr: string) => `source:${addr}`;
  for (const inst of ofType('google_sql_database_instance')) {
    const b = inst.body;
    const version: string = b.database_version ?? '';
    const engine = /^POSTGRES/.test(version) ? 'PostgreSQL' : /^MYSQL/.test(version) ? 'MySQL' : /^SQLSERVER/.test(version) ? 'SQL Server' : version;
    const dbs = ofType('google_sql_database').filter((d) => d.refs.has(`${inst.type}.${inst.name}`)).map((d) => d.body.name as string);
    const flags: { name: string; value: string }[] = [b.settings?.database_flags ?? []].flat();
    const flag = (n: string) => flags.find((f) => f.name === n)?.value;
    const ready = engine === 'MySQL'
      ? b.settings?.backup_configuration?.binary_log_enabled === true && (flag('binlog_row_image') ?? 'full') === 'full'
      : engine === 'PostgreSQL' ? flag('cloudsql.logical_decoding') === 'on' : false;
    if (ready) cdcReady.push(String(b.name ?? inst.name));
    addNode({
      id: sqlSourceId(`${inst.type}.${inst.name}`), kind: 'source', label: String(b.name ?? inst.name), tech: `Cloud SQL ${engine}`,
      details: [...(dbs.length ? [`db ${dbs.join(', ')}`] : []), ...(ready ? ['CDC-ready'] : [])], paths: [inst.path],
    });
  }
  /** A source node for a host: the Cloud SQL instance it interpolates, or an external database. */
  const sourceFor = (host: unknown, engine: string, database: string | undefined, path: string): string => {
    const sql = refOf(host, 'google_sql_database_instance');
    if (sql && nodes.has(sqlSourceId(sql))) return sqlSourceId(sql);
    const h = typeof host === 'string' && !isInterpolated(host) ? host : undefined;
    const id = `source:${engine}:${h ?? '?'}/${database ?? ''}`;
    addNode({ id, kind: 'source', label: database ?? h ?? engine, tech: engine, details: h ? [h] : [], paths: [], declared: false });
    groupHint.set(id, topLevel(path) ?? '');
    return id;
  };

  // ---- topics ----
  const topicId = (name: string) => `topic:${name}`;
  const internalTopicNames = new Set<string>();
  for (const c of ofType('kafka-connect_connector')) {
    for (const [k, v] of Object.entries<any>(c.body.config ?? {})) {
      if (typeof v === 'string' && /\.topic$/.test(k) && !/^topics?$/.test(k) && !k.startsWith('cps.') && !k.startsWith('transforms.')) internalTopicNames.add(v);
    }
  }
  const internalByPath = new Set<string>();
  for (const t of ofType('kafka_topic')) {
    if (/\/(heartbeat-topic|schema-history-topic|offsets-topic|internal-[^/]*)\/topic$/.test(t.path)) internalByPath.add(String(t.body.name));
  }
  const isInternalTopic = (name: string) => name.startsWith('_') || internalTopicNames.has(name) || internalByPath.has(name)
    || /^connect-(offsets|configs|status)/.test(name) || /\.cdc-worker\.offsets$/.test(name);
  for (const t of ofType('kafka_topic', 'google_managed_kafka_topic')) {
    const name = String(t.body.name ?? t.body.topic_id ?? t.name);
    const cfg = t.body.config ?? t.body.configs ?? {};
    const details = [`${t.body.partitions ?? t.body.partition_count ?? '?'} partitions${cfg['cleanup.policy'] ? ` · ${cfg['cleanup.policy']}` : ''}`];
    addNode({ id: topicId(name), kind: 'topic', label: name, tech: 'Kafka topic', details, paths: [t.path], internal: isInternalTopic(name) });
  }
  const ensureTopic = (name: string, path: string): string => {
    const id = topicId(name);
    if (!nodes.has(id)) {
      addNode({ id, kind: 'topic', label: name, tech: 'Kafka topic', details: ['not created by this stack'], declared: false, internal: isInternalTopic(name) });
      groupHint.set(id, topLevel(path) ?? '');
    }
    return id;
  };
  const topicNames = () => [...nodes.values()].filter((n) => n.kind === 'topic').map((n) => n.label);

  /** Wires a capture to its topics: declared ones under its prefix, and those its table list implies. */
  const wireCapture = (captureId: string, prefix: string | undefined, tables: string[], path: string, extraInternal: string[] = [], scope?: string) => {
    if (scope) {
      for (const n of [...nodes.values()]) if (n.kind === 'topic' && n.internal && n.paths.some((p) => p.startsWith(`${scope}/`))) addEdge(captureId, n.id, 'produces');
    }
    if (prefix) {
      for (const name of topicNames()) if (name.startsWith(`${prefix}.`) && !isInternalTopic(name)) addEdge(captureId, topicId(name), 'produces');
      for (const t of tables) if (!looksLikeRegex(t)) addEdge(captureId, ensureTopic(`${prefix}.${t}`, path), 'produces');
      const heartbeat = `__debezium-heartbeat.${prefix}`;
      if (nodes.has(topicId(heartbeat))) addEdge(captureId, topicId(heartbeat), 'produces');
    }
    for (const name of extraInternal) if (nodes.has(topicId(name))) addEdge(captureId, topicId(name), 'produces');
  };

  // ---- Kafka Connect connectors: captures and sinks ----
  const connectors = ofType('kafka-connect_connector');
  const isSink = (c: Res) => {
    const cfg = c.body.config ?? {};
    return cfg.topics !== undefined || cfg['topics.regex'] !== undefined || /sink/i.test(String(cfg['connector.class'] ?? ''));
  };
  for (const c of connectors.filter((x) => !isSink(x))) {
    const cfg = c.body.config ?? {};
    const cls = String(cfg['connector.class'] ?? '');
    const name = String(c.body.name ?? cfg.name ?? c.name);
    const tech = CAPTURE_TECH.find(([re]) => re.test(cls))?.[1] ?? (cls.split('.').pop() ?? cls);
    const prefix: string | undefined = cfg['topic.prefix'] ?? cfg['database.server.name'];
    let tables = list(cfg['table.include.list'] ?? cfg['collection.include.list']);
    let sourceId: string;
    if (/\.mongodb\./.test(cls)) {
      const conn = String(cfg['mongodb.connection.string'] ?? cfg['mongodb.hosts'] ?? '');
      const host = conn.replace(/^mongodb(\+srv)?:\/\//, '').replace(/^[^@]*@/, '').split(/[/?]/)[0].split(',')[0];
      sourceId = sourceFor(host || undefined, 'MongoDB', cfg['database.include.list'] ?? tables[0]?.split('.')[0], c.path);
    } else if (/\.spanner\./.test(cls)) {
      sourceId = sourceFor(`spanner ${cfg['gcp.spanner.instance.id'] ?? '?'}`, 'Spanner', cfg['gcp.spanner.database.id'], c.path);
      tables = list(cfg['table.include.list']);
    } else {
      const engine = tech.replace(/^Debezium /, '');
      sourceId = sourceFor(cfg['database.hostname'], engine, cfg['database.dbname'] ?? cfg['database.names'] ?? cfg['database.include.list'], c.path);
    }
    const id = `capture:${name}`;
    addNode({ id, kind: 'capture', label: name, tech, paths: [c.path], details: prefix ? [`prefix ${prefix}`] : [] });
    addEdge(sourceId, id, 'captures');
    const internal = Object.entries<any>(cfg).filter(([k, v]) => typeof v === 'string' && /\.topic$/.test(k) && !/^topics?$/.test(k)).map(([, v]) => String(v));
    wireCapture(id, prefix, tables, c.path, internal);
  }

  // ---- Debezium agents outside Connect (Cassandra), described by an output of properties ----
  for (const [outName, out] of Object.entries(json.output ?? {})) {
    if (typeof out?.value !== 'string' || !/^cassandra\.hosts=/m.test(out.value)) continue;
    const props = Object.fromEntries(out.value.split('\n').filter((l) => /^[\w.]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const name = props['connector.name'] ?? outName;
    const id = `capture:${name}`;
    const hosts = list(props['cassandra.hosts']);
    const path = `${stack}/${outName}`;
    addNode({ id, kind: 'capture', label: name, tech: 'Debezium Cassandra agent', details: props['topic.prefix'] ? [`prefix ${props['topic.prefix']}`] : [], paths: [] });
    groupHint.set(id, outName.split('_')[0]);
    const sourceId = sourceFor(hosts[0], 'Cassandra', props['topic.prefix'], path);
    addEdge(sourceId, id, 'captures');
    wireCapture(id, props['topic.prefix'], [], path);
  }

  // ---- the CDC worker on Cloud Run ----
  for (const svc of ofType('google_cloud_run_v2_service')) {
    const containers: any[] = [svc.body.template?.containers ?? []].flat();
    const env = containers.flatMap((ct) => [ct.env ?? []].flat());
    const raw = env.find((e) => e?.name === 'CDC_CONFIG_JSON')?.value;
    if (typeof raw !== 'string') continue;
    let cfg: any;
    try {
      cfg = JSON.parse(raw);
    } catch {
      warnings.push(`${svc.path}: CDC_CONFIG_JSON is not JSON; the worker is drawn without its tables`);
      cfg = {};
    }
    const id = `capture:${svc.body.name ?? svc.name}`;
    const prefix: string | undefined = cfg.output?.topicPrefix;
    addNode({ id, kind: 'capture', label: String(svc.body.name ?? svc.name), tech: 'CDC worker (Cloud Run)', details: prefix ? [`prefix ${prefix}`] : [], paths: [svc.path] });
    const engine = cfg.source?.kind === 'mysql' || cfg.source?.engine === 'mysql' ? 'MySQL' : 'PostgreSQL';
    addEdge(sourceFor(cfg.source?.host, engine, cfg.source?.database, svc.path), id, 'captures');
    wireCapture(id, prefix, [cfg.source?.tables ?? []].flat().map(String), svc.path, [], svc.path.slice(0, svc.path.lastIndexOf('/')));
  }

  // ---- producers that are none of the above: principals with Write ACLs on topics nobody produces ----
  const acls = ofType('kafka_acl');
  const aclMatches = (a: any, topic: string) => a.resource_type === 'Topic'
    && (a.resource_pattern_type_filter === 'Prefixed' ? topic.startsWith(a.resource_name) : a.resource_name === '*' || a.resource_name === topic);
  const produced = () => new Set([...edges.values()].filter((e) => e.kind === 'produces').map((e) => e.to));
  {
    const have = produced();
    for (const t of [...nodes.values()].filter((n) => n.kind === 'topic' && !n.internal && !have.has(n.id))) {
      const writers = acls.filter((a) => a.body.acl_permission_type === 'Allow' && a.body.acl_operation === 'Write' && aclMatches(a.body, t.label));
      for (const w of writers) {
        const principal = String(w.body.acl_principal);
        const id = `capture:producer:${principal}`;
        addNode({ id, kind: 'capture', label: principal, tech: 'Kafka producer', paths: [w.path] });
        addEdge(id, t.id, 'produces');
      }
    }
  }

  // ---- datasets ----
  const datasetIdByAddr = new Map<string, string>();
  const datasetNodeByName = new Map<string, string>();
  const datasetProjects = new Set<string>();
  const domains = new Set<string>();
  for (const d of ofType('google_bigquery_dataset')) {
    const dsId = String(d.body.dataset_id ?? d.name);
    const id = `dataset:${dsId}`;
    const labels = d.body.labels ?? {};
    const details = [
      labels.domain ? `domain ${labels.domain}` : undefined,
      labels.owner && labels.owner !== labels.domain ? `owner ${labels.owner}` : undefined,
      labels.classification ? String(labels.classification) : undefined,
    ].filter(Boolean) as string[];
    if (labels.domain) domains.add(String(labels.domain));
    if (d.body.project && !isInterpolated(d.body.project)) datasetProjects.add(String(d.body.project));
    addNode({ id, kind: 'dataset', label: dsId, tech: 'BigQuery dataset', details, paths: [d.path] });
    datasetIdByAddr.set(`${d.type}.${d.name}`, id);
    datasetNodeByName.set(dsId, id);
  }
  const datasetFor = (value: unknown, path: string, project?: unknown): string | undefined => {
    const ref = refOf(value, 'google_bigquery_dataset');
    if (ref) return datasetIdByAddr.get(ref);
    if (typeof value !== 'string' || value === '' || isInterpolated(value)) return undefined;
    const known = datasetNodeByName.get(value);
    if (known) return known;
    const id = `dataset:${value}`;
    addNode({ id, kind: 'dataset', label: value, tech: 'BigQuery dataset', details: [project && !isInterpolated(project) ? `in ${project}` : 'not created by this stack'], declared: false });
    groupHint.set(id, topLevel(path) ?? '');
    datasetNodeByName.set(value, id);
    return id;
  };

  // ---- sinks ----
  for (const c of connectors.filter(isSink)) {
    const cfg = c.body.config ?? {};
    const cls = String(cfg['connector.class'] ?? '');
    const name = String(c.body.name ?? cfg.name ?? c.name);
    const { kind, tech } = sinkKindOf(cls);
    const id = `sink:${name}`;
    addNode({ id, kind: 'sink', label: name, tech, paths: [c.path] });
    for (const t of list(cfg.topics)) addEdge(ensureTopic(t, c.path), id, 'consumes');
    if (cfg['topics.regex']) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(`^(?:${cfg['topics.regex']})$`);
      } catch {
        warnings.push(`${c.path}: topics.regex ${JSON.stringify(cfg['topics.regex'])} is not a valid regular expression`);
      }
      const hits = re ? topicNames().filter((n) => re!.test(n) && !isInternalTopic(n)) : [];
      if (re && hits.length === 0) warnings.push(`${c.path}: topics.regex ${JSON.stringify(cfg['topics.regex'])} matches no topic of this stack`);
      for (const n of hits) addEdge(topicId(n), id, 'consumes');
      (nodes.get(id)!.details).push(`regex ${cfg['topics.regex']}`);
    }
    let target: string | undefined;
    if (kind === 'warehouse') {
      const ds = cfg.defaultDataset ?? (typeof cfg.datasets === 'string' ? cfg.datasets.split('=').pop() : undefined);
      target = datasetFor(ds, c.path, cfg.project);
    } else {
      const where = cfg['connection.url'] ?? cfg['connection.urls'] ?? cfg['neo4j.uri'] ?? (cfg['cps.topic'] ? `pubsub ${cfg['cps.project'] ?? ''}/${cfg['cps.topic']}` : undefined);
      if (typeof where === 'string' && where) {
        const clean = where.split(',')[0].replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '');
        const label = clean.replace(/^jdbc:/, '').replace(/^[\w+]+:\/\//, '');
        const storeTech = { relational: 'database', search: 'search index', graph: 'graph database', messaging: 'Pub/Sub topic', warehouse: 'warehouse', other: 'store' }[kind];
        target = `store:${clean}`;
        addNode({ id: target, kind: 'store', label, tech: storeTech, paths: [], declared: false });
        groupHint.set(target, topLevel(c.path) ?? '');
      }
    }
    if (target) addEdge(id, target, 'writes');
  }

  // ---- batch schedulers ----
  for (const env of ofType('google_composer_environment')) {
    const id = `batch:${env.body.name ?? env.name}`;
    addNode({ id, kind: 'batch', label: String(env.body.name ?? env.name), tech: 'Airflow (Cloud Composer)', paths: [env.path] });
    const dags = ofType('google_storage_bucket_object').filter((o) => o.refs.has(`${env.type}.${env.name}`) && typeof o.body.content === 'string');
    for (const dag of dags) {
      const content: string = dag.body.content;
      const dataset = /^DATASET\s*=\s*"([^"]+)"/m.exec(content)?.[1];
      const source = /^SOURCE\s*=\s*"([^"]+)"/m.exec(content)?.[1];
      const dagId = /dag_id\s*=\s*"([^"]+)"/.exec(content)?.[1];
      if (dagId) nodes.get(id)!.details.push(`DAG ${dagId}`);
      if (dataset) addEdge(id, datasetFor(dataset, dag.path)!, 'writes');
      // The database a DAG reads: a resource beside the DAG (its connection secret) refers to it.
      const scope = dag.path.slice(0, dag.path.lastIndexOf('/') + 1);
      const sql = all.filter((r) => r.path.startsWith(scope)).flatMap((r) => [...r.refs]).find((a) => a.startsWith('google_sql_database_instance.'));
      if (sql && nodes.has(sqlSourceId(sql))) addEdge(sqlSourceId(sql), id, 'loads');
      else if (source) addEdge(sourceFor(undefined, 'database', source, dag.path), id, 'loads');
    }
  }
  for (const tc of ofType('google_bigquery_data_transfer_config')) {
    const id = `batch:${tc.body.display_name ?? tc.name}`;
    addNode({ id, kind: 'batch', label: String(tc.body.display_name ?? tc.name), tech: 'BigQuery scheduled query', details: tc.body.schedule ? [String(tc.body.schedule)] : [], paths: [tc.path] });
    const query = String(tc.body.params?.query ?? '');
    // Where it writes: its destination dataset, or the tables its query creates or fills.
    const targets = new Set<string>();
    if (tc.body.destination_dataset_id) targets.add(tc.body.destination_dataset_id);
    for (const m of query.matchAll(/\b(?:TABLE|INSERT\s+INTO|MERGE(?:\s+INTO)?)\s+`?(?:[\w-]+\.)?(\w+)\.\w+`?/gi)) targets.add(m[1]);
    for (const t of targets) {
      const ds = datasetFor(t, tc.path);
      if (ds) addEdge(id, ds, 'writes');
    }
    // The federated connection it queries: referenced, or named in its EXTERNAL_QUERY.
    const conns = ofType('google_bigquery_connection').filter((c) => tc.refs.has(`${c.type}.${c.name}`)
      || (typeof c.body.connection_id === 'string' && new RegExp(`EXTERNAL_QUERY\\s*\\(\\s*["'][^"']*\\b${c.body.connection_id}["']`).test(query)));
    for (const conn of conns) {
      const sql = [...conn.refs].find((a) => a.startsWith('google_sql_database_instance.'));
      if (sql && nodes.has(sqlSourceId(sql))) addEdge(sqlSourceId(sql), id, 'loads');
    }
  }

  // ---- grants: dataset IAM ----
  const principalName = (member: string): string => {
    const sa = refOf(member, 'google_service_account');
    if (sa) {
      const acc = byAddr.get(sa)?.body;
      return `serviceAccount:${acc?.account_id ?? sa.split('.')[1]}`;
    }
    // Another stack's output (a cdktf cross-stack reference): name it after that stack and output.
    const remote = /\$\{data\.terraform_remote_state\.cross-stack-reference-input-([\w-]+)\.outputs\.cross-stack-output-(?:google_service_account)?([\w-]+?)(?:_[0-9A-F]{8})?(?:email)?\}/.exec(member);
    if (remote) return `${member.slice(0, member.indexOf('$'))}${remote[2].replace(/_/g, '/')} (stack ${remote[1]})`;
    return member.replace(/@[\w-]+\.iam\.gserviceaccount\.com$/, '').replace(/\$\{[^}]*\}/g, '…');
  };
  const isServiceAgent = (member: string) => /\$\{|@(dlp-api|gcp-sa-[\w-]+|bigquery-encryption)\./.test(member);
  /** Service accounts that a sink or scheduler runs as (their writes are the pipeline's own). */
  const pipelineAccounts = new Set<string>();
  for (const r of ofType('google_composer_environment', 'google_bigquery_data_transfer_config')) {
    for (const a of r.refs) if (a.startsWith('google_service_account.')) pipelineAccounts.add(principalName(`\${${a}.email}`));
  }
  for (const r of ofType('google_service_account')) {
    // Sink accounts sit beside their connector (KCBQ runs as them); the path says so.
    const scope = r.path.split('/').slice(0, -2).join('/');
    if (connectors.some((c) => c.path.startsWith(`${scope}/`))) pipelineAccounts.add(`serviceAccount:${r.body.account_id}`);
  }
  const consumerId = (p: string) => `consumer:${p}`;
  for (const m of ofType('google_bigquery_dataset_iam_member', 'google_bigquery_dataset_iam_binding', 'google_bigquery_dataset_access')) {
    const ds = datasetFor(m.body.dataset_id, m.path);
    if (!ds) continue;
    const members: string[] = m.type === 'google_bigquery_dataset_iam_binding' ? [m.body.members ?? []].flat()
      : m.type === 'google_bigquery_dataset_access'
        ? [m.body.user_by_email && `user:${m.body.user_by_email}`, m.body.group_by_email && `group:${m.body.group_by_email}`, m.body.special_group && `special:${m.body.special_group}`].filter(Boolean)
        : [m.body.member];
    const role = String(m.body.role ?? 'roles/bigquery.dataViewer');
    for (const raw of members) {
      const principal = principalName(String(raw));
      const write = WRITE_ROLES.test(role);
      grants.push({ on: ds, principal, access: role, write, path: m.path });
      if (pipelineAccounts.has(principal) || isServiceAgent(String(raw))) continue;
      if (READ_ROLES.test(role) || write) {
        const id = consumerId(principal);
        addNode({ id, kind: 'consumer', label: principal, tech: 'consumer', paths: [m.path], declared: false });
        if (write) addEdge(id, ds, 'writes');
        else addEdge(ds, id, 'reads');
      }
    }
  }

  // ---- grants: Kafka ACLs ----
  /** Principals the pipeline itself runs as: Connect workers and capture agents. */
  const pipelinePrincipals = new Set<string>();
  const connectorNames = connectors.map((c) => String(c.body.name ?? c.body.config?.name ?? ''));
  for (const a of acls) {
    const b = a.body;
    const relatesToConnector = connectorNames.some((n) => n && String(b.resource_name).includes(n));
    if (relatesToConnector || (b.acl_operation === 'Write' && b.resource_type === 'Topic')) pipelinePrincipals.add(String(b.acl_principal));
  }
  for (const n of nodes.values()) if (n.id.startsWith('capture:producer:')) pipelinePrincipals.add(n.label);
  for (const a of acls) {
    const b = a.body;
    if (b.resource_type !== 'Topic') continue;
    // A literal ACL on a topic this stack does not create still says something about that topic.
    if (b.resource_pattern_type_filter === 'Literal' && b.resource_name !== '*') ensureTopic(String(b.resource_name), a.path);
    const principal = String(b.acl_principal);
    const topics = [...nodes.values()].filter((n) => n.kind === 'topic' && aclMatches(b, n.label));
    for (const t of topics) {
      grants.push({ on: t.id, principal, access: `${b.acl_permission_type} ${b.acl_operation}`, write: b.acl_operation !== 'Read' && b.acl_operation !== 'Describe', path: a.path });
    }
    if (b.acl_permission_type !== 'Allow' || b.acl_operation !== 'Read' || pipelinePrincipals.has(principal) || topics.every((t) => t.internal)) continue;
    const id = consumerId(principal);
    addNode({ id, kind: 'consumer', label: principal, tech: 'consumer', paths: [a.path], declared: false });
    for (const t of topics) if (!t.internal) addEdge(t.id, id, 'reads');
  }

  // ---- DLP scans, one node per scanned dataset ----
  for (const trig of ofType('google_data_loss_prevention_job_trigger')) {
    const ref = trig.body.inspect_job?.storage_config?.big_query_options?.table_reference;
    const ds = ref ? datasetFor(ref.dataset_id, trig.path, ref.project_id) : undefined;
    const key = ds ?? 'unscoped';
    const id = `dlp:${key.replace(/^dataset:/, '')}`;
    const existing = nodes.get(id);
    const table = ref?.table_id ? String(ref.table_id) : undefined;
    addNode({ id, kind: 'dlp', label: ds ? `DLP scan of ${nodes.get(ds)!.label}` : 'DLP scan', tech: 'Cloud DLP job trigger', paths: [trig.path], details: table ? [`table ${table}`] : [] });
    if (existing === undefined && ds) addEdge(id, ds, 'scans');
    // Findings saved to a BigQuery table: the scan writes there.
    for (const action of [trig.body.inspect_job?.actions ?? []].flat()) {
      const out = action?.save_findings?.output_config?.table;
      const findings = out ? datasetFor(out.dataset_id, trig.path, out.project_id) : undefined;
      if (findings && findings !== ds) addEdge(id, findings, 'writes');
    }
  }

  // ---- classification: taxonomies and the datasets whose columns carry their tags ----
  const policyTags: string[] = [];
  const tagToTaxonomy = new Map<string, string>();
  for (const tx of ofType('google_data_catalog_taxonomy')) {
    const id = `classification:${tx.body.display_name ?? tx.name}`;
    addNode({ id, kind: 'classification', label: String(tx.body.display_name ?? tx.name), tech: 'policy-tag taxonomy', paths: [tx.path] });
  }
  for (const tag of ofType('google_data_catalog_policy_tag')) {
    policyTags.push(String(tag.body.display_name ?? tag.name));
    const tx = [...tag.refs].find((a) => a.startsWith('google_data_catalog_taxonomy.'));
    const txNode = tx ? `classification:${byAddr.get(tx)?.body.display_name ?? tx.split('.')[1]}` : undefined;
    if (txNode && nodes.has(txNode)) {
      tagToTaxonomy.set(`${tag.type}.${tag.name}`, txNode);
      nodes.get(txNode)!.details.push(String(tag.body.display_name ?? tag.name));
    }
  }
  for (const m of ofType('google_data_catalog_policy_tag_iam_member', 'google_data_catalog_policy_tag_iam_binding')) {
    const tag = [...m.refs].find((a) => a.startsWith('google_data_catalog_policy_tag.'));
    const tx = tag ? tagToTaxonomy.get(tag) : undefined;
    const members: string[] = [m.body.member ?? m.body.members ?? []].flat();
    for (const raw of members) if (tx) grants.push({ on: tx, principal: principalName(String(raw)), access: String(m.body.role), write: false, path: m.path });
  }
  const classifiedTables: string[] = [];
  for (const tbl of ofType('google_bigquery_table')) {
    const txs = new Set([...tbl.refs].map((a) => tagToTaxonomy.get(a)).filter(Boolean) as string[]);
    const schema = typeof tbl.body.schema === 'string' ? tbl.body.schema : '';
    if (txs.size === 0 && !/policyTags/.test(schema)) continue;
    const ds = datasetFor(tbl.body.dataset_id, tbl.path);
    classifiedTables.push(`${ds ? nodes.get(ds)!.label : tbl.body.dataset_id}.${tbl.body.table_id}`);
    for (const tx of txs) if (ds) addEdge(tx, ds, 'classifies');
  }

  // ---- groups: the top-level constructs that hold at least two nodes ----
  const groupOf = new Map<string, string>();
  for (const n of nodes.values()) {
    if (n.kind === 'source') continue; // sources are shared by every stage
    const hint = groupHint.get(n.id);
    if (hint) groupOf.set(n.id, hint);
  }
  // A capture sits with the topics it produces; a node only referenced sits with what refers to it.
  const edgeList = [...edges.values()];
  for (const n of nodes.values()) {
    if (n.kind === 'capture' || n.kind === 'dlp') {
      const outs = edgeList.filter((e) => e.from === n.id).map((e) => groupOf.get(e.to)).filter(Boolean) as string[];
      if (outs.length) groupOf.set(n.id, majority(outs));
    }
  }
  for (const n of nodes.values()) {
    if (n.kind === 'topic' && n.internal) {
      const by = edgeList.find((e) => e.to === n.id && e.kind === 'produces');
      if (by && groupOf.get(by.from)) groupOf.set(n.id, groupOf.get(by.from)!);
    }
    if (n.kind === 'consumer' || n.kind === 'store' || (!n.declared && n.kind !== 'source')) {
      const ins = edgeList.filter((e) => e.to === n.id).map((e) => groupOf.get(e.from)).filter(Boolean) as string[];
      if (ins.length) groupOf.set(n.id, majority(ins));
      if (n.kind === 'consumer') groupOf.delete(n.id);
    }
  }
  const sizes = new Map<string, number>();
  for (const g of groupOf.values()) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const kept = [...sizes.entries()].filter(([, s]) => s >= 2).map(([g]) => g);
  const groups: PipelineGroup[] = kept.length >= 2 ? kept.sort().map((g) => ({ id: `group:${g}`, label: g })) : [];
  if (groups.length) for (const n of nodes.values()) {
    const g = groupOf.get(n.id);
    if (g && kept.includes(g)) n.group = `group:${g}`;
  }

  const scramUsers = ofType('kafka_user_scram_credential').map((r) => String(r.body.username));
  const alertPolicies = ofType('google_monitoring_alert_policy').map((r) => String(r.body.display_name ?? r.name));
  return {
    stack,
    nodes: [...nodes.values()].sort(byKindThenLabel),
    edges: edgeList.filter((e) => nodes.has(e.from) && nodes.has(e.to)),
    groups,
    grants,
    facts: {
      resourceTypes, cdcReadySources: cdcReady, scramUsers, kafkaAcls: acls.length, policyTags, classifiedTables, alertPolicies,
      datasetProjects: [...datasetProjects].sort(),
      domains: [...domains].sort(),
      kafkaDeployer: [json.provider?.kafka ?? []].flat()[0]?.sasl_username,
    },
    warnings,
  };
}

const KIND_ORDER: NodeKind[] = ['source', 'batch', 'capture', 'topic', 'sink', 'dataset', 'store', 'dlp', 'classification', 'consumer'];
function byKindThenLabel(a: PipelineNode, b: PipelineNode): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.label.localeCompare(b.label);
}

function majority(xs: string[]): string {
  const c = new Map<string, number>();
  for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
  return [...c.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
}

/** Whether a synthesized stack holds anything this library writes. */
export function isPipelineStack(json: SynthesizedStack): boolean {
  return Object.keys(json.resource ?? {}).some((t) => KNOWN_RESOURCE_PREFIXES.some((p) => t.startsWith(p)));
}

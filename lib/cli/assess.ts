/**
 * Which of the talk's six stages a stack has reached, and what the next stage still needs.
 * A pure function of the {@link PipelineModel}; each part is a small check with a reason.
 */
import { isRelationalCapture, PipelineModel, sinkKinds } from './model';

/** The six stages of "The Future of Data Engineering". */
export const STAGES = ['none', 'batch', 'realtime', 'integration', 'automation', 'decentralization'] as const;
/** A stage number, 0 to 5. */
export type StageNumber = 0 | 1 | 2 | 3 | 4 | 5;

/** One part of a stage: present or missing, with what was found. */
export interface StagePart {
  /** Stable id, e.g. `realtime.capture`. */
  readonly id: string;
  /** What the part is, in the talk's words. */
  readonly description: string;
  /** Needed to reach the stage (the others make it complete). */
  readonly required: boolean;
  readonly present: boolean;
  /** What was found (names), or what to add when missing. */
  readonly evidence: string;
}

/** The parts of one stage, checked. */
export interface StageCheck {
  readonly stage: StageNumber;
  readonly name: (typeof STAGES)[number];
  /** Every required part present (and, from stage 3, the streaming platform of stage 2). */
  readonly reached: boolean;
  readonly parts: StagePart[];
}

/** The assessment of one stack. */
export interface Assessment {
  readonly stack: string;
  /** The highest stage reached. */
  readonly stage: StageNumber;
  readonly stageName: (typeof STAGES)[number];
  /** The next stage and its parts, present and missing; absent at stage 5. */
  readonly next?: StageCheck;
  /** Every stage, checked. */
  readonly stages: StageCheck[];
  /** The other stacks of its company that the assessment counted. */
  readonly company: string[];
}

const names = (xs: string[], max = 6) => (xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`);
const part = (id: string, description: string, required: boolean, found: string[], missing: string): StagePart => ({
  id,
  description,
  required,
  present: found.length > 0,
  evidence: found.length > 0 ? names(found) : missing,
});

/**
 * Checks every stage's parts against the model and reports the highest stage reached.
 * @param company the other stacks deployed with this one (see {@link companies}); stage 5 counts
 *   the domains of them all, and their streaming platform serves this stack's stages 3 to 5.
 */
export function assessStage(model: PipelineModel, company: PipelineModel[] = []): Assessment {
  const checks = stageChecks(model, gatherEvidence(model, company));

  const requiredMet = (c: Omit<StageCheck, 'reached'>) => c.parts.filter((p) => p.required).every((p) => p.present);
  const streaming = requiredMet(checks[2]) || company.some((m) => assessStage(m).stages[2].reached);
  const stages: StageCheck[] = checks.map((c) => ({
    ...c,
    reached: c.stage === 0 ? true : requiredMet(c) && (c.stage < 3 || streaming),
  }));
  const stage = Math.max(...stages.filter((s) => s.reached).map((s) => s.stage)) as StageNumber;
  return { stack: model.stack, stage, stageName: STAGES[stage], next: stages[stage + 1], stages, company: company.map((m) => m.stack) };
}

/** What the model shows of each stage: its parts by kind, and what only later stages make. */
function gatherEvidence(model: PipelineModel, company: PipelineModel[]) {
  const of = (kind: string) => model.nodes.filter((n) => n.kind === kind);

  const sources = of('source');
  const datasets = of('dataset').filter((d) => d.declared);
  const batch = of('batch');
  const captures = of('capture');
  const topics = of('topic').filter((t) => !t.internal);
  const sinks = of('sink');
  const kinds = sinkKinds(model);
  const warehouseSinks = sinks.filter((s) => kinds.get(s.id) === 'warehouse');
  const otherSinks = sinks.filter((s) => kinds.get(s.id) !== 'warehouse');
  const sinkKindSet = [...new Set(kinds.values())];
  const captureTechs = [...new Set(captures.map((c) => c.tech ?? 'capture'))];
  const nonRelational = captures.filter((c) => c.tech !== 'Kafka producer' && !isRelationalCapture(c.tech));
  const batchDatasets = datasets.filter((d) => model.edges.some((e) => e.to === d.id && batch.some((b) => b.id === e.from)));
  const scanned = new Set(model.edges.filter((e) => e.kind === 'scans').map((e) => e.to));
  const writerGrants = model.grants.filter((g) => g.on.startsWith('dataset:') && g.write);
  const tagReaders = [...new Set(model.grants.filter((g) => g.on.startsWith('classification:')).map((g) => g.principal))];
  const consumers = of('consumer');
  const domains = [...new Set([model, ...company].flatMap((m) => m.facts.domains))].sort();
  const withCompany = company.length ? ` (with ${names(company.map((m) => m.stack))})` : '';
  // Stage 5 evidence is what only domains make: readers of a domain's data (datasets labelled with a
  // domain, topics in a domain's namespace), the domains' own principals (`User:<domain>`, the
  // `<domain>-domain` service account) reading anything; a stage-4 access model's readers prove
  // nothing about domains.
  const domainData = new Set([
    ...datasets.filter((d) => d.details.some((x) => x.startsWith('domain '))).map((d) => d.id),
    ...of('topic')
      .filter((t) => domains.some((d) => t.label.startsWith(`${d}.`)))
      .map((t) => t.id),
  ]);
  const isDomainPrincipal = (principal: string) => domains.some((d) => principal === `User:${d}` || principal === `serviceAccount:${d}-domain`);
  const domainReaders = consumers.filter((c) =>
    model.edges.some((e) => e.to === c.id && e.kind === 'reads' && (domainData.has(e.from) || isDomainPrincipal(c.label))),
  );
  const domainUsers = consumers.filter(
    (c) => domains.some((d) => c.label === `User:${d}`) && model.edges.some((e) => e.to === c.id && e.from.startsWith('topic:')),
  );
  // Stage 3 evidence is what goes beyond stage 2's one kind of capture and sink: the captures and
  // sinks of every kind but the most common one (which a stage-2 pipeline already has).
  const beyondBaseKind = <T extends { label: string }>(xs: T[], kindOf: (x: T) => string): string[] => {
    const count = new Map<string, number>();
    xs.forEach((x) => count.set(kindOf(x), (count.get(kindOf(x)) ?? 0) + 1));
    const base = [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
    return xs.filter((x) => kindOf(x) !== base).map((x) => `${x.label} (${kindOf(x)})`);
  };
  return {
    of,
    sources,
    datasets,
    batch,
    captures,
    topics,
    sinks,
    kinds,
    warehouseSinks,
    otherSinks,
    sinkKindSet,
    captureTechs,
    nonRelational,
    batchDatasets,
    scanned,
    writerGrants,
    tagReaders,
    consumers,
    domains,
    withCompany,
    domainReaders,
    domainUsers,
    beyondBaseKind,
  };
}

type Evidence = ReturnType<typeof gatherEvidence>;

/** Every stage's parts, each with the evidence found for it or what would add it. */
function stageChecks(model: PipelineModel, evidence: Evidence): Omit<StageCheck, 'reached'>[] {
  const partsOf = [noneParts, batchParts, realtimeParts, integrationParts, automationParts, decentralizationParts];
  return partsOf.map((parts, stage) => ({ stage: stage as StageNumber, name: STAGES[stage], parts: parts(model, evidence) }));
}

/** Stage 0: the source databases, described and ready for change data capture. */
function noneParts(model: PipelineModel, { sources }: Evidence): StagePart[] {
  return [
    part(
      'none.sources',
      'source databases described (tables, keys, sensitivity)',
      false,
      sources.map((s) => s.label),
      'add a CloudSqlSourceDatabase or ExternalSourceDatabase',
    ),
    part(
      'none.cdc-ready',
      'source databases ready for change data capture (row binlog / logical decoding)',
      false,
      model.facts.cdcReadySources,
      'turn on binary logging (MySQL) or cloudsql.logical_decoding (PostgreSQL)',
    ),
  ];
}

/** Stage 1: a scheduler copying tables into warehouse datasets, through dataset grants. */
function batchParts(_model: PipelineModel, { batch, batchDatasets, writerGrants }: Evidence): StagePart[] {
  return [
    part(
      'batch.scheduler',
      'a scheduler copying tables on a schedule (Airflow on Composer, BigQuery scheduled queries)',
      true,
      batch.map((b) => b.label),
      'add a BatchPipeline',
    ),
    part(
      'batch.warehouse',
      'warehouse datasets the scheduler loads',
      true,
      batchDatasets.map((d) => d.label),
      'give the BatchPipeline a warehouse',
    ),
    part(
      'batch.least-privilege',
      'the loader writes through dataset grants, not project-wide roles',
      false,
      writerGrants.filter((g) => batchDatasets.some((d) => d.id === g.on)).map((g) => `${g.principal} → ${g.on.slice(8)}`),
      'grant the loader write on its datasets only',
    ),
  ];
}

/** Stage 2: Kafka topics, connectors or the CDC worker, change data capture, a warehouse sink, ACLs. */
function realtimeParts(model: PipelineModel, { captures, topics, sinks, warehouseSinks }: Evidence): StagePart[] {
  return [
    part(
      'realtime.topics',
      'Kafka topics carrying the changes',
      true,
      topics.map((t) => t.label),
      'add a KafkaCluster and topics (RealtimePipeline derives them)',
    ),
    part(
      'realtime.connectors',
      'Kafka Connect connectors or the CDC worker moving data in or out of Kafka',
      true,
      [...captures.filter((c) => c.tech !== 'Kafka producer'), ...sinks].map((n) => n.label),
      'add a KafkaConnectCluster with a capture or a sink',
    ),
    part(
      'realtime.capture',
      'change data capture from a source database (Debezium or the CDC worker)',
      false,
      captures.filter((c) => model.edges.some((e) => e.to === c.id && e.kind === 'captures')).map((c) => c.label),
      'add a Debezium source or CdcWorkerService',
    ),
    part(
      'realtime.warehouse-sink',
      'a sink keeping the warehouse current (BigQuery sink)',
      false,
      warehouseSinks.map((s) => s.label),
      'add a BigQuerySink',
    ),
    part(
      'realtime.acls',
      'Kafka ACLs for the pipeline principals',
      false,
      model.facts.kafkaAcls > 0 ? [`${model.facts.kafkaAcls} ACLs`] : [],
      'grant produce/consume on the topics',
    ),
  ];
}

/** Stage 3: several kinds of capture and of sink on one platform, NoSQL sources, sinks beyond the warehouse. */
function integrationParts(
  _model: PipelineModel,
  { captures, sinks, kinds, otherSinks, sinkKindSet, captureTechs, nonRelational, beyondBaseKind }: Evidence,
): StagePart[] {
  return [
    part(
      'integration.capture-kinds',
      'several kinds of source capture on one platform',
      true,
      captureTechs.length >= 2 ? beyondBaseKind(captures, (c) => c.tech ?? 'capture') : [],
      `${captureTechs.length ? `only ${names(captureTechs)}` : 'no capture yet'}; add another engine (PostgreSQL, MongoDB, Cassandra, Spanner)`,
    ),
    part(
      'integration.sink-kinds',
      'several kinds of sink (warehouse, search, graph, relational, messaging)',
      true,
      sinkKindSet.length >= 2 ? beyondBaseKind(sinks, (s) => kinds.get(s.id) ?? 'other') : [],
      `${sinkKindSet.length ? `only ${names(sinkKindSet)}` : 'no sink yet'}; add a search, graph or JDBC sink`,
    ),
    part(
      'integration.nosql',
      'a NoSQL or NewSQL source (MongoDB, Cassandra, Spanner)',
      false,
      nonRelational.map((c) => `${c.label} (${c.tech})`),
      'add DebeziumMongoDbSource, DebeziumCassandraAgent or DebeziumSpannerSource',
    ),
    part(
      'integration.non-warehouse-sinks',
      'sinks beyond the warehouse',
      false,
      otherSinks.map((s) => `${s.label} (${s.tech})`),
      'add an Elasticsearch, Neo4j or JDBC sink',
    ),
  ];
}

/** Stage 4: DLP scans, a classification with policy tags, declared access, alerts, every dataset scanned. */
function automationParts(model: PipelineModel, { of, datasets, scanned, tagReaders, consumers }: Evidence): StagePart[] {
  return [
    part(
      'automation.dlp',
      'DLP scans of the warehouse datasets',
      true,
      of('dlp')
        .filter((n) => model.edges.some((e) => e.from === n.id && e.kind === 'scans'))
        .map((n) => `${n.label} (${n.details.length} table${n.details.length === 1 ? '' : 's'})`),
      'add DlpTableScan for datasets holding sensitive data',
    ),
    part('automation.classification', 'a classification taxonomy with policy tags', true, model.facts.policyTags, 'add DataClassification'),
    part(
      'automation.column-tags',
      'warehouse columns carrying policy tags (column-level security)',
      false,
      model.facts.classifiedTables,
      'declare tables with ClassifiedTable',
    ),
    part(
      'automation.access',
      'people and teams granted access by declared roles (dataset readers, topic consumers, policy-tag readers)',
      false,
      [...new Set([...consumers.map((c) => c.label), ...tagReaders])],
      'describe principals and roles with AccessModel',
    ),
    part(
      'automation.monitoring',
      'alerts for what breaks without a human noticing',
      false,
      model.facts.alertPolicies,
      'add alert policies (CDC worker errors, unexpected DLP findings)',
    ),
    part(
      'automation.dlp-coverage',
      'every dataset covered by a DLP scan',
      false,
      datasets.length > 0 && datasets.every((d) => scanned.has(d.id)) ? [`${datasets.length} of ${datasets.length} datasets`] : [],
      `${datasets.filter((d) => !scanned.has(d.id)).length} of ${datasets.length} datasets without a scan`,
    ),
  ];
}

/** Stage 5: several team domains with their own projects, topic namespaces and readers of each other's data. */
function decentralizationParts(model: PipelineModel, { domains, withCompany, domainReaders, domainUsers }: Evidence): StagePart[] {
  return [
    part(
      'decentralization.domains',
      `several team domains, each with its own microwarehouse (DataDomain)${withCompany}`,
      true,
      domains.length >= 2 ? domains : [],
      `${domains.length ? `only domain ${names(domains)}` : 'no domain yet'}; give each team a DataDomain`,
    ),
    part(
      'decentralization.consumers',
      "domains reading others' data through declared grants",
      false,
      domainReaders.map((c) => c.label),
      'publish data products and subscribe to them',
    ),
    part(
      'decentralization.projects',
      'domains in their own Google projects',
      false,
      model.facts.datasetProjects.length >= 2 ? model.facts.datasetProjects : [],
      'give domains their own projects',
    ),
    part(
      'decentralization.topic-namespaces',
      'team principals with their own topic grants',
      false,
      domainUsers.map((c) => c.label),
      'give each domain a prefixed topic namespace',
    ),
  ];
}

/** The assessment as text for a terminal. */
export function formatAssessment(a: Assessment): string {
  const lines = [`${a.stack}: stage ${a.stage} (${a.stageName})${a.company.length ? `, deployed with ${a.company.join(', ')}` : ''}`];
  const current = a.stages[a.stage];
  for (const p of current.parts) lines.push(`  ${p.present ? '✓' : '·'} ${p.description}: ${p.evidence}`);
  if (a.next) {
    const missing = a.next.parts.filter((p) => !p.present);
    lines.push(`  next: stage ${a.next.stage} (${a.next.name}) — ${a.next.parts.length - missing.length} of ${a.next.parts.length} parts present`);
    for (const p of a.next.parts) {
      lines.push(`    ${p.present ? '✓ present' : '✗ missing'} ${p.description}${p.required ? ' (required)' : ''}: ${p.evidence}`);
    }
  } else {
    lines.push('  the last stage: nothing further');
  }
  return `${lines.join('\n')}\n`;
}

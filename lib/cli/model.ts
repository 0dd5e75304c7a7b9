/**
 * The data-flow model of one synthesized stack: a pure function of its `cdk.tf.json`.
 * No cdktf import here: the CLI reads what `cdktf synth` wrote, so it starts fast and works on
 * any stack made with this library, whichever version of the constructs wrote it.
 *
 * source databases → capture (Debezium connector, Cassandra agent, CDC worker) or batch scheduler
 * → topics → sinks → datasets or other stores → consumers; DLP scans and classifications point
 * at the datasets they cover.
 */

import { ModelBuilder } from './model/builder';
import { extractComposerBatch, extractScheduledQueries } from './model/extractors/batch';
import { CAPTURE_TECH, extractCassandraAgents, extractCdcWorkers, extractConnectorCaptures, extractOtherProducers } from './model/extractors/captures';
import { extractClassification } from './model/extractors/classification';
import { extractDatasets } from './model/extractors/datasets';
import { extractDlpScans } from './model/extractors/dlp';
import { extractDatasetGrants, extractKafkaGrants } from './model/extractors/grants';
import { extractSinks } from './model/extractors/sinks';
import { extractCloudSqlSources } from './model/extractors/sources';
import { extractTopics } from './model/extractors/topics';
import { assignGroups } from './model/groups';
import { NodeKind, PipelineModel, PipelineNode, SinkKind, SynthesizedStack } from './model/types';

export * from './model/types';

/** Resource types this library writes; a stack with none of them is not ours. */
export const KNOWN_RESOURCE_PREFIXES = [
  'kafka_',
  'kafka-connect_',
  'google_bigquery_',
  'google_sql_',
  'google_composer_',
  'google_managed_kafka_',
  'google_data_loss_prevention_',
  'google_data_catalog_',
  'google_cloud_run_v2_service',
];

/**
 * The extractors, one per family of resources, in the order they run. Order matters where one
 * family points at another: captures and sinks find their topics, grants find their datasets.
 * A new kind of resource gets its own extractor here (and its own test in test/cli/model-extractors.test.ts).
 */
export const MODEL_EXTRACTORS: ReadonlyArray<{ readonly family: string; readonly extract: (b: ModelBuilder) => void }> = [
  { family: 'Cloud SQL sources', extract: extractCloudSqlSources },
  { family: 'Kafka topics', extract: extractTopics },
  { family: 'Debezium source connectors', extract: extractConnectorCaptures },
  { family: 'Debezium Cassandra agents', extract: extractCassandraAgents },
  { family: 'CDC worker on Cloud Run', extract: extractCdcWorkers },
  { family: 'other Kafka producers', extract: extractOtherProducers },
  { family: 'BigQuery datasets', extract: extractDatasets },
  { family: 'sink connectors', extract: extractSinks },
  { family: 'Cloud Composer DAGs', extract: extractComposerBatch },
  { family: 'BigQuery scheduled queries', extract: extractScheduledQueries },
  { family: 'dataset grants', extract: extractDatasetGrants },
  { family: 'Kafka ACLs', extract: extractKafkaGrants },
  { family: 'DLP scans', extract: extractDlpScans },
  { family: 'classification', extract: extractClassification },
];

/**
 * Builds the data-flow model of a synthesized stack.
 * @param stack the stack name (as in manifest.json)
 * @param json the parsed `cdk.tf.json`
 */
export function extractModel(stack: string, json: SynthesizedStack): PipelineModel {
  const b = new ModelBuilder(stack, json);
  for (const { extract } of MODEL_EXTRACTORS) extract(b);
  const edgeList = [...b.edges.values()];
  const groups = assignGroups(b, edgeList);
  return {
    stack,
    nodes: [...b.nodes.values()].sort(byKindThenLabel),
    edges: edgeList.filter((e) => b.nodes.has(e.from) && b.nodes.has(e.to)),
    groups,
    grants: b.grants,
    facts: {
      resourceTypes: b.resourceTypes,
      cdcReadySources: b.cdcReady,
      scramUsers: b.ofType('kafka_user_scram_credential').map((r) => String(r.body.username)),
      kafkaAcls: b.ofType('kafka_acl').length,
      policyTags: b.policyTags,
      classifiedTables: b.classifiedTables,
      alertPolicies: b.ofType('google_monitoring_alert_policy').map((r) => String(r.body.display_name ?? r.name)),
      datasetProjects: [...b.datasetProjects].sort(),
      domains: [...b.domains].sort(),
      kafkaDeployer: [json.provider?.kafka ?? []].flat()[0]?.sasl_username,
    },
    warnings: b.warnings,
  };
}

const KIND_ORDER: NodeKind[] = ['source', 'batch', 'capture', 'topic', 'sink', 'dataset', 'store', 'dlp', 'classification', 'consumer'];
function byKindThenLabel(a: PipelineNode, b: PipelineNode): number {
  return KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.label.localeCompare(b.label);
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

/** Whether a synthesized stack holds anything this library writes. */
export function isPipelineStack(json: SynthesizedStack): boolean {
  return Object.keys(json.resource ?? {}).some((t) => KNOWN_RESOURCE_PREFIXES.some((p) => t.startsWith(p)));
}

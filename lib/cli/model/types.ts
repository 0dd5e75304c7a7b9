/**
 * The types of the data-flow model that the CLI draws and assesses: nodes, edges, groups, grants and
 * the facts beyond the drawn flow. Built from a stack's `cdk.tf.json` by `extractModel` (../model.ts).
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

/** Sink kinds: what a sink writes to. */
export type SinkKind = 'warehouse' | 'relational' | 'search' | 'graph' | 'messaging' | 'other';

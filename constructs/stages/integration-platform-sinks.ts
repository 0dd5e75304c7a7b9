import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { KafkaConnectCluster } from '../connect/kafka-connect-cluster';
import { Connector } from '../connect/connector';
import { BigQuerySink, BigQueryKeySource } from '../connect/bigquery-sink';
import { ElasticsearchSink, ElasticsearchSinkProps } from '../connect/elasticsearch-sink';
import { Neo4jSink, Neo4jSinkProps } from '../connect/neo4j-sink';
import { JdbcSink, JdbcSinkProps } from '../connect/jdbc-sink';
import { PubSubSink, PubSubSinkProps } from '../connect/pubsub-sink';
import { addUnwrap, SinkSource, TransformChain } from '../connect/change-events';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { PipelineServiceAccount, serviceAccountId } from '../bigquery/pipeline-service-account';

// The sinks of the integration platform: their props, how selectors route tables to them, and
// the connectors built for them. IntegrationPlatform (integration-platform.ts) re-exports these.

/**
 * Which captured tables a sink subscribes to. Every field given must match (AND); a list means
 * any of its values. At least one field.
 */
export interface TopicSelector {
  /** Source logical name(s). @default any source */
  readonly source?: string | string[];
  /** Table name(s), qualified (`wepay.users`) or bare (`users`). @default any table */
  readonly table?: string | string[];
  /** Label(s); a table matches when it carries any of them. @default any labels */
  readonly label?: string | string[];
}

/** What every sink of the platform has. */
export interface IntegrationSinkCommon {
  /** Connector name, unique in the Connect cluster. */
  readonly name: string;
  /** Tables the sink subscribes to; resolved to topics at synth. */
  readonly select: TopicSelector | TopicSelector[];
  /**
   * `list`: the resolved topics, fixed at synth. `regex`: a regex that follows whole sources
   * (a selector naming only sources matches `<prefix>\..+`, so new tables flow in) and exact
   * topics otherwise. Not for jdbc and graph sinks, which configure each topic. @default 'list'
   */
  readonly topicsAs?: 'list' | 'regex';
}

/**
 * A BigQuery sink: a dataset and KCBQ. With APPLICATION_DEFAULT it writes as the Connect workers'
 * service account (`googleServiceAccount` of the Connect cluster), which gets write on the dataset
 * and Job User; with a JSON or FILE key, a service account of its own gets them (the key's account).
 */
export interface IntegrationBigQuerySink extends IntegrationSinkCommon {
  /** Kind. */
  readonly kind: 'bigquery';
  /** Dataset written to (created here). */
  readonly datasetId: string;
  /** Merge rows by key (upserts and deletes). @default true */
  readonly upsert?: boolean;
  /** Credentials of the sink. @default 'APPLICATION_DEFAULT' */
  readonly keySource?: BigQueryKeySource;
  /** Key JSON when keySource is JSON. @default none */
  readonly keyJson?: SecretValue;
}

/** A search sink (Elasticsearch or OpenSearch). */
export interface IntegrationSearchSink extends IntegrationSinkCommon {
  /** Kind. */
  readonly kind: 'search';
  /** Options of {@link ElasticsearchSink}. */
  readonly options: Omit<ElasticsearchSinkProps, 'cluster' | 'name' | 'topics' | 'topicsRegex'>;
}

/** A graph sink (Neo4j). */
export interface IntegrationGraphSink extends IntegrationSinkCommon {
  /** Kind. */
  readonly kind: 'graph';
  /** Options of {@link Neo4jSink}. */
  readonly options: Omit<Neo4jSinkProps, 'cluster' | 'name' | 'topics'>;
}

/** A JDBC sink. */
export interface IntegrationJdbcSink extends IntegrationSinkCommon {
  /** Kind. */
  readonly kind: 'jdbc';
  /** Options of {@link JdbcSink}. */
  readonly options: Omit<JdbcSinkProps, 'cluster' | 'name' | 'topics'>;
}

/** A Pub/Sub sink: the events as written, on a Pub/Sub topic created here. */
export interface IntegrationPubSubSink extends IntegrationSinkCommon {
  /** Kind. */
  readonly kind: 'pubsub';
  /** Options of {@link PubSubSink}. */
  readonly options: Omit<PubSubSinkProps, 'cluster' | 'name' | 'topics' | 'topicsRegex' | 'sources'>;
}

/** Any other sink connector. */
export interface IntegrationConnectorSink extends IntegrationSinkCommon {
  /** Kind. */
  readonly kind: 'connector';
  /** Connector class. */
  readonly connectorClass: string;
  /** Plain config (topics are set from the selector). @default none */
  readonly config?: Record<string, string>;
  /** Secret config. @default none */
  readonly sensitiveConfig?: Record<string, SecretValue>;
  /** Maximum tasks. @default 1 */
  readonly tasksMax?: number;
}

/** A sink of the integration platform. */
export type IntegrationSink =
  IntegrationBigQuerySink | IntegrationSearchSink | IntegrationGraphSink | IntegrationJdbcSink | IntegrationPubSubSink | IntegrationConnectorSink;

/** Where BigQuery sinks of the platform write. */
export interface IntegrationWarehouseOptions {
  /** Google Cloud project of the datasets. */
  readonly project: string;
  /** BigQuery location. @default 'US' */
  readonly location?: string;
  /** Labels on every dataset. @default { stage: 'integration' } */
  readonly labels?: Record<string, string>;
}

/** A table the platform can route, with its topic and labels. */
export interface RoutableTable {
  /** Source logical name. */
  readonly source: string;
  /** Kind of source (postgres, mysql, mongodb, spanner, cassandra, …). */
  readonly sourceKind: string;
  /** Topic prefix of the source. */
  readonly prefix: string;
  /** Qualified table name. */
  readonly table: string;
  /** Topic. */
  readonly topic: string;
  /** Labels of the table. */
  readonly labels: string[];
  /** Fields of the record key the source writes. @default unknown */
  readonly keyFields?: string[];
}

/** Where a sink's selector led. */
export interface SinkRoute {
  /** Tables matched. */
  readonly tables: RoutableTable[];
  /** Topics matched, in catalog order. */
  readonly topics: string[];
  /** The regex form (see `topicsAs`). */
  readonly regex: string;
  /** Topic prefixes a regex follows in full (for Prefixed ACLs). */
  readonly prefixes: string[];
}

/** Kinds of sink the platform builds. */
export const SINK_KINDS = ['bigquery', 'search', 'graph', 'jdbc', 'pubsub', 'connector'];

function asList(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when `entry` matches `selector`. */
export function selectorMatches(selector: TopicSelector, entry: RoutableTable): boolean {
  const sources = asList(selector.source);
  const tables = asList(selector.table);
  const labels = asList(selector.label);
  if (sources && !sources.includes(entry.source)) return false;
  if (tables && !tables.some((t) => t === entry.table || t === entry.table.split('.').pop())) return false;
  if (labels && !labels.some((l) => entry.labels.includes(l))) return false;
  return true;
}

/** Resolves selectors against a catalog: the tables, topics and regex of the union. */
export function resolveSelectors(selectors: TopicSelector[], catalog: RoutableTable[]): SinkRoute {
  const tables = catalog.filter((e) => selectors.some((s) => selectorMatches(s, e)));
  const whole = new Set<string>();
  for (const s of selectors) {
    if (s.table === undefined && s.label === undefined && s.source !== undefined) {
      for (const src of asList(s.source)!) {
        const e = catalog.find((x) => x.source === src);
        if (e) whole.add(e.prefix);
      }
    }
  }
  const prefixes = [...whole];
  const exact = tables.filter((t) => !prefixes.includes(t.prefix)).map((t) => escapeRegex(t.topic));
  const regex = [...prefixes.map((p) => `${escapeRegex(p)}\\..+`), ...exact].join('|');
  return { tables, topics: tables.map((t) => t.topic), regex, prefixes };
}

/**
 * The sources of a route as sinks describe them: kind, topics with their key fields, and the
 * prefix when a regex route follows the whole source.
 */
export function sinkSources(route: SinkRoute, regex: boolean): SinkSource[] {
  const bySource = new Map<string, RoutableTable[]>();
  for (const t of route.tables) bySource.set(t.source, [...(bySource.get(t.source) ?? []), t]);
  return [...bySource.values()].map((tables) => ({
    kind: tables[0].sourceKind,
    topics: tables.map((t) => ({ topic: t.topic, table: t.table, keyFields: t.keyFields ?? [] })),
    topicPrefix: regex && route.prefixes.includes(tables[0].prefix) ? tables[0].prefix : undefined,
  }));
}

/**
 * The BigQuery sink's unwrap when MongoDB topics are routed to it (ExtractNewRecordState cannot read
 * their JSON-string documents): the sink's own unwrap is off and the per-kind chain comes as
 * extra config. Nothing changes for routes without MongoDB.
 */
function bigQueryUnwrap(sources: SinkSource[], deletes: boolean): { unwrapDebezium?: boolean; extraConfig?: Record<string, string> } {
  if (!sources.some((s) => s.kind === 'mongodb')) return {};
  const chain = new TransformChain();
  addUnwrap(chain, sources, { deletes: deletes ? 'tombstone' : 'rewrite' });
  return { unwrapDebezium: false, extraConfig: chain.toConfig() };
}

/**
 * Creates a sink's connector (and, for BigQuery, its dataset and account) under `sink-<name>` in
 * `parent`, reading the route's topics, or its regex when `regex`.
 */
export function addSink(
  parent: Construct,
  sink: IntegrationSink,
  route: SinkRoute,
  regex: boolean,
  connect: KafkaConnectCluster,
  warehouseOptions: IntegrationWarehouseOptions | undefined,
): Connector {
  const scope = new Construct(parent, `sink-${sink.name}`);
  const topics = regex ? undefined : route.topics;
  const topicsRegex = regex ? route.regex : undefined;
  const sources = sinkSources(route, regex);
  switch (sink.kind) {
    case 'bigquery': {
      const warehouse = warehouseOptions!;
      const upsert = sink.upsert ?? true;
      const dataset = new WarehouseDataset(scope, 'dataset', {
        project: warehouse.project,
        datasetId: sink.datasetId,
        location: warehouse.location,
        labels: { stage: 'integration', ...(warehouse.labels ?? {}) },
        description: `Tables routed by the integration platform to sink ${sink.name}`,
      });
      if ((sink.keySource ?? 'APPLICATION_DEFAULT') !== 'APPLICATION_DEFAULT') {
        const account = new PipelineServiceAccount(scope, 'account', {
          project: warehouse.project,
          accountId: serviceAccountId(`sink-${sink.name}`),
          displayName: `BigQuery sink ${sink.name}`,
          projectRoles: ['roles/bigquery.jobUser'],
        });
        dataset.grantWrite(account.member);
      }
      const bigquery = new BigQuerySink(scope, 'sink', {
        cluster: connect,
        name: sink.name,
        project: warehouse.project,
        defaultDataset: sink.datasetId,
        topics,
        topicsRegex,
        upsertEnabled: upsert,
        deleteEnabled: upsert,
        kafkaKeyFieldName: upsert ? 'kafka_key' : undefined,
        ...bigQueryUnwrap(sources, upsert),
        keySource: sink.keySource,
        keyJson: sink.keyJson,
      });
      // APPLICATION_DEFAULT: the Connect workers' own account writes (the sink grants it Job User).
      if (bigquery.writerMember) dataset.grantWrite(bigquery.writerMember);
      return bigquery.connector;
    }
    case 'search':
      return new ElasticsearchSink(scope, 'sink', { ...sink.options, cluster: connect, name: sink.name, topics, topicsRegex, sources }).connector;
    case 'graph':
      return new Neo4jSink(scope, 'sink', { ...sink.options, cluster: connect, name: sink.name, topics: route.topics, sources }).connector;
    case 'jdbc':
      return new JdbcSink(scope, 'sink', { ...sink.options, cluster: connect, name: sink.name, topics: route.topics, sources }).connector;
    case 'pubsub':
      return new PubSubSink(scope, 'sink', { ...sink.options, cluster: connect, name: sink.name, topics, topicsRegex, sources }).connector;
    default: {
      const generic = sink as IntegrationConnectorSink;
      const config: Record<string, string> = { ...(generic.config ?? {}) };
      if (topics) config.topics = topics.join(',');
      else config['topics.regex'] = topicsRegex!;
      return new Connector(scope, 'sink', {
        cluster: connect,
        name: generic.name,
        connectorClass: generic.connectorClass,
        tasksMax: generic.tasksMax,
        config,
        sensitiveConfig: generic.sensitiveConfig,
      });
    }
  }
}

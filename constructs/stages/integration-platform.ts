import { Construct } from 'constructs';
import { TerraformResource } from 'cdktf';
import { validateProps } from '../core/validation';
import { IKafkaPlatform, KafkaAclSpec } from '../kafka/kafka-platform';
import { KafkaTopic, KafkaTopicConfig } from '../kafka/kafka-topic';
import { KafkaAcl } from '../kafka/kafka-acl';
import { aclsForIntent, KafkaAclRequirement } from '../kafka/kafka-grants';
import { idSafe } from '../kafka/kafka-principal';
import { KafkaConnectCluster } from '../connect/kafka-connect-cluster';
import { Connector } from '../connect/connector';
import { DebeziumPostgresSource } from '../connect/debezium-postgres-source';
import { DebeziumMySqlSource } from '../connect/debezium-mysql-source';
import { DebeziumSourceOptions } from '../connect/debezium-common';
import { captureDatabase } from '../connect/debezium-database-capture';
import { checkSinkSources, recordKeyFields } from '../connect/change-events';
import { ISourceCapture } from '../connect/source-capture';
import { ISourceDatabase } from '../sources/source-database';
import { RealtimePipeline } from './realtime-pipeline';
import {
  addSink,
  IntegrationSink,
  IntegrationWarehouseOptions,
  resolveSelectors,
  RoutableTable,
  selectorMatches,
  SINK_KINDS,
  SinkRoute,
  sinkSources,
  TopicSelector,
} from './integration-platform-sinks';

export type {
  IntegrationBigQuerySink,
  IntegrationConnectorSink,
  IntegrationGraphSink,
  IntegrationJdbcSink,
  IntegrationPubSubSink,
  IntegrationSearchSink,
  IntegrationSink,
  IntegrationSinkCommon,
  IntegrationWarehouseOptions,
  RoutableTable,
  SinkRoute,
  TopicSelector,
} from './integration-platform-sinks';
export { resolveSelectors, selectorMatches, sinkSources } from './integration-platform-sinks';

/** Props of {@link IntegrationPlatform}. */
export interface IntegrationPlatformProps {
  /** Kafka platform. */
  readonly kafka: IKafkaPlatform;
  /** Connect cluster running the source connectors and the sinks. */
  readonly connect: KafkaConnectCluster;
  /** A realtime pipeline (stage 2) whose sources and topics become routable; nothing of it is re-created or moved. @default none */
  readonly realtime?: RealtimePipeline;
  /** More relational sources (PostgreSQL, MySQL, MariaDB), captured here with Debezium. @default none */
  readonly databases?: ISourceDatabase[];
  /** Debezium options per database, by logical name. @default Debezium defaults chosen by the source constructs */
  readonly databaseOptions?: Record<string, DebeziumSourceOptions>;
  /** Other captures (DebeziumMongoDbSource, DebeziumSpannerSource, DebeziumCassandraAgent, …); their topics and ACLs are created here. @default none */
  readonly captures?: ISourceCapture[];
  /** Sinks, each subscribing by selector. */
  readonly sinks: IntegrationSink[];
  /** Warehouse of BigQuery sinks. @default none (needed when a BigQuery sink is given) */
  readonly warehouse?: IntegrationWarehouseOptions;
  /** Partitions of table topics created here. @default the platform's defaultPartitions */
  readonly topicPartitions?: number;
  /** Replication factor of topics created here. @default the platform's defaultReplicationFactor */
  readonly topicReplicationFactor?: number;
  /** Config of table topics created here. @default compacted, min.insync.replicas = min(2, replication factor) */
  readonly topicConfig?: KafkaTopicConfig;
}

/** Whether an existing ACL already allows what `need` asks. */
function covers(existing: KafkaAclSpec, principal: string, need: KafkaAclRequirement): boolean {
  if (existing.permission !== 'Allow' || existing.principal !== principal || existing.resourceType !== need.resourceType) return false;
  if (existing.operation !== need.operation && existing.operation !== 'All') return false;
  if (existing.patternType === 'Literal') return need.patternType === 'Literal' && existing.resourceName === need.resourceName;
  return need.resourceName.startsWith(existing.resourceName);
}

/** A selector of a sink that matches no captured table, by sink and selector index. */
interface UnmatchedSelector {
  readonly sink: number;
  readonly selector: number;
  readonly value: TopicSelector;
}

/**
 * Stage 3, integration: many sources and many sinks on one streaming platform, as in WePay's
 * 2019 picture. Sources are the tables of an adopted realtime pipeline, relational databases
 * captured here, and any other capture (MongoDB, Spanner, Cassandra…). Sinks (BigQuery, search,
 * graph, JDBC or any connector) subscribe by selector (source, table, label); the platform
 * resolves each selector to topics at synth, and a selector that matches nothing is an error.
 *
 * ```
 * MySQL ─┐                          ┌─▶ BigQuery
 * Postgres ─┤                       ├─▶ Elasticsearch / OpenSearch
 * MongoDB ──┼─▶ Kafka (topic per table) ──selectors──┼─▶ Neo4j
 * Spanner ──┤                       ├─▶ JDBC
 * Cassandra (agent) ─┘              └─▶ any connector
 * ```
 *
 * The Connect workers get exactly the ACLs the sinks need that they do not have yet: Read and
 * Describe on each routed topic (or source prefix, for regex routes) and Read on each sink's
 * consumer group `connect-<sink name>`.
 */
export class IntegrationPlatform extends Construct {
  /** Every routable table. */
  public readonly catalog: RoutableTable[] = [];
  /** Captures of sources added here, by source name. */
  public readonly captures: Record<string, ISourceCapture | DebeziumPostgresSource | DebeziumMySqlSource> = {};
  /** Topics created here, by topic name. */
  public readonly topics: Record<string, KafkaTopic> = {};
  /** Resolved route per sink name. */
  public readonly routes: Record<string, SinkRoute> = {};
  /** Sink connectors by sink name. */
  public readonly sinks: Record<string, Connector> = {};
  /** Every ACL the platform created (captures and sinks), each permission once. */
  public readonly acls: KafkaAclSpec[] = [];
  /** ACLs of the adopted realtime pipeline and of this platform, with the resource holding each. */
  private known: { spec: KafkaAclSpec; resource: TerraformResource }[] = [];

  constructor(scope: Construct, id: string, props: IntegrationPlatformProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { kafka: 'IKafkaPlatform', connect: 'KafkaConnectCluster', sinks: 'IntegrationSink[]' });
    const rf = props.topicReplicationFactor ?? props.kafka.defaultReplicationFactor;
    const topicConfig: KafkaTopicConfig = props.topicConfig ?? { cleanupPolicy: 'compact', minInsyncReplicas: Math.min(2, rf) };
    // ACLs the adopted realtime pipeline already grants; the platform adds only what is missing.
    this.known = props.realtime
      ? props.realtime.node
          .findAll()
          .filter((c): c is KafkaAcl => c instanceof KafkaAcl)
          .map((a) => ({ spec: a.spec, resource: a.resource }))
      : [];
    // Topics a sink may read, for its depends_on: the realtime pipeline's and those created here.
    const realtimeTopics = new Map(
      Object.values(props.realtime?.sources ?? {}).flatMap((parts) => Object.values(parts.topics).map((t) => [t.name, t] as const)),
    );

    const sourceNames = this.addSources(props, rf, topicConfig);
    const sinkNames = props.sinks.map((s) => s.name);
    const unmatched = this.resolveRoutes(props.sinks, sinkNames);
    this.validate(props, sourceNames, sinkNames, unmatched);
    this.addSinks(props, sinkNames, realtimeTopics);
  }

  /**
   * Adds the sources to the catalog, in order: the adopted realtime pipeline's tables, the
   * databases captured here, the other captures. Returns every source name given, repeats included.
   */
  private addSources(props: IntegrationPlatformProps, rf: number, topicConfig: KafkaTopicConfig): string[] {
    const sourceNames: string[] = [];
    // 1. Tables of the adopted realtime pipeline: routable as they are.
    for (const [name, parts] of Object.entries(props.realtime?.sources ?? {})) {
      sourceNames.push(name);
      for (const [table, topic] of Object.entries(parts.topics)) {
        this.catalog.push({
          source: name,
          sourceKind: parts.database.engine,
          prefix: parts.capture.topicPrefix,
          table,
          topic: topic.name,
          labels: parts.tables[table]?.labels ?? [],
          keyFields: recordKeyFields(parts.database.engine, parts.tables[table]?.primaryKey ?? []),
        });
      }
    }
    // 2. Relational databases captured here, 3. other captures.
    for (const db of props.databases ?? []) {
      sourceNames.push(db.logicalName);
      if (this.captures[db.logicalName] || props.realtime?.sources[db.logicalName]) continue;
      this.addDatabase(db, props, rf, topicConfig);
    }
    for (const capture of props.captures ?? []) {
      sourceNames.push(capture.sourceName);
      if (this.captures[capture.sourceName] || props.realtime?.sources[capture.sourceName]) continue;
      this.captures[capture.sourceName] = capture;
      this.addCapture(capture, props, rf, topicConfig);
    }
    return sourceNames;
  }

  /** Resolves each sink's selectors (the first sink of a name wins); returns the selectors that match no table. */
  private resolveRoutes(sinks: IntegrationSink[], sinkNames: string[]): UnmatchedSelector[] {
    const unmatched: UnmatchedSelector[] = [];
    sinks.forEach((sink, i) => {
      const selectors = Array.isArray(sink.select) ? sink.select : [sink.select];
      selectors.forEach((s, j) => {
        if (!this.catalog.some((e) => selectorMatches(s, e))) unmatched.push({ sink: i, selector: j, value: s });
      });
      if (sinkNames.indexOf(sink.name) === i) this.routes[sink.name] = resolveSelectors(selectors, this.catalog);
    });
    return unmatched;
  }

  /** Checks the sources, options and sinks, reporting selectors that match nothing last. */
  private validate(props: IntegrationPlatformProps, sourceNames: string[], sinkNames: string[], unmatched: UnmatchedSelector[]): void {
    validateProps(this, (p) => {
      p.check(sourceNames.length > 0, 'sources', sourceNames, 'at least one source: realtime, databases or captures');
      sourceNames.forEach((n, i) => p.check(sourceNames.indexOf(n) === i, 'sources', n, 'each source name once across realtime, databases and captures'));
      const dbNames = (props.databases ?? []).map((d) => d.logicalName);
      for (const key of Object.keys(props.databaseOptions ?? {})) {
        p.check(dbNames.includes(key), `databaseOptions['${key}']`, key, `the logical name of one of the databases: ${dbNames.join(', ')}`);
      }
      p.check(props.sinks.length > 0, 'sinks', props.sinks.length, 'at least one sink');
      const labels = [...new Set(this.catalog.flatMap((e) => e.labels))].sort();
      const sources = [...new Set(this.catalog.map((e) => e.source))];
      props.sinks.forEach((sink, i) => {
        p.check(sinkNames.indexOf(sink.name) === i, `sinks[${i}].name`, sink.name, 'a sink name used once');
        p.check(SINK_KINDS.includes(sink.kind), `sinks[${i}].kind`, sink.kind, SINK_KINDS.join(', '));
        const selectors = Array.isArray(sink.select) ? sink.select : [sink.select];
        p.check(selectors.length > 0, `sinks[${i}].select`, sink.select, 'at least one selector');
        selectors.forEach((s, j) => {
          const at = Array.isArray(sink.select) ? `sinks[${i}].select[${j}]` : `sinks[${i}].select`;
          p.check(s.source !== undefined || s.table !== undefined || s.label !== undefined, at, s, 'at least one of source, table and label');
        });
        const topicsAs = sink.topicsAs ?? 'list';
        p.check(['list', 'regex'].includes(topicsAs), `sinks[${i}].topicsAs`, topicsAs, 'list or regex');
        if (topicsAs === 'regex' && (sink.kind === 'jdbc' || sink.kind === 'graph')) {
          p.add(`sinks[${i}].topicsAs`, topicsAs, `'list' for ${sink.kind} sinks, which configure each topic`);
        }
        if (sink.kind === 'bigquery') p.check(props.warehouse !== undefined, `sinks[${i}]`, sink.name, 'a BigQuery sink only with the warehouse prop set');
        // The other typed sinks check the sources they are given themselves.
        if (sink.kind === 'bigquery' && this.routes[sink.name])
          checkSinkSources(p, 'bigquery', `BigQuery sink ${sink.name}`, sinkSources(this.routes[sink.name], false), () => `sinks[${i}].select`);
      });
      for (const u of unmatched) {
        const at = Array.isArray(props.sinks[u.sink].select) ? `sinks[${u.sink}].select[${u.selector}]` : `sinks[${u.sink}].select`;
        p.add(
          at,
          u.value,
          `a selector matching at least one captured table (sources: ${sources.join(', ') || 'none'}; labels: ${labels.join(', ') || 'none'})`,
        );
      }
    });
  }

  /** Creates the sinks, the ACLs they need that are missing, and each sink's dependencies. */
  private addSinks(props: IntegrationPlatformProps, sinkNames: string[], realtimeTopics: ReadonlyMap<string, KafkaTopic>): void {
    // Sinks and the ACLs they need.
    const needs: KafkaAclRequirement[] = [];
    const needsBySink = new Map<string, KafkaAclRequirement[]>();
    props.sinks.forEach((sink, i) => {
      if (sinkNames.indexOf(sink.name) !== i || !SINK_KINDS.includes(sink.kind)) return;
      const route = this.routes[sink.name];
      if (route.tables.length === 0 || (sink.kind === 'bigquery' && !props.warehouse)) return; // reported by validate()
      const regex = (sink.topicsAs ?? 'list') === 'regex' && sink.kind !== 'jdbc' && sink.kind !== 'graph';
      this.sinks[sink.name] = addSink(this, sink, route, regex, props.connect, props.warehouse);
      const group = { group: `connect-${sink.name}` };
      const own: KafkaAclRequirement[] = [];
      if (regex) route.prefixes.forEach((prefix) => own.push(...aclsForIntent('consume', `${prefix}.`, 'Prefixed', group)));
      route.tables
        .filter((t) => !(regex && route.prefixes.includes(t.prefix)))
        .forEach((t) => own.push(...aclsForIntent('consume', t.topic, 'Literal', group)));
      needs.push(...own);
      needsBySink.set(sink.name, own);
    });
    // Prefixed ACLs first, so a topic a prefix already covers gets no literal ACL whatever the sink order.
    const ordered = [...needs.filter((n) => n.patternType === 'Prefixed'), ...needs.filter((n) => n.patternType !== 'Prefixed')];
    this.allow(new Construct(this, 'sink-access'), props.kafka, props.connect.principal, ordered);
    // Each sink is created after the topics it reads and the ACLs its tasks read them with.
    for (const [name, own] of needsBySink) {
      const topics = this.routes[name].topics.map((t) => this.topics[t] ?? realtimeTopics.get(t)).filter((t): t is KafkaTopic => t !== undefined);
      this.sinks[name].addDependency(...topics.map((t) => t.resource), ...this.covering(props.connect.principal, own));
    }
  }

  /**
   * Creates the ACLs in `needs` that no ACL of this platform or of the adopted realtime pipeline
   * already allows, so each permission exists once. Returns the resources holding every need.
   */
  private allow(scope: Construct, platform: IKafkaPlatform, principal: string, needs: KafkaAclRequirement[]): TerraformResource[] {
    for (const need of needs) {
      if (this.known.some((e) => covers(e.spec, principal, need))) continue;
      const acl = new KafkaAcl(scope, idSafe(`${need.resourceType}-${need.patternType}-${need.resourceName}-${need.operation}`), {
        platform,
        principal,
        operation: need.operation,
        resourceType: need.resourceType,
        resourceName: need.resourceName,
        patternType: need.patternType,
      });
      this.acls.push(acl.spec);
      this.known.push({ spec: acl.spec, resource: acl.resource });
    }
    return this.covering(principal, needs);
  }

  /** The resources of the ACLs that allow `needs`, each once. */
  private covering(principal: string, needs: KafkaAclRequirement[]): TerraformResource[] {
    const found = needs.map((need) => this.known.find((e) => covers(e.spec, principal, need))?.resource);
    return [...new Set(found.filter((r): r is TerraformResource => r !== undefined))];
  }

  private addDatabase(db: ISourceDatabase, props: IntegrationPlatformProps, rf: number, topicConfig: KafkaTopicConfig): void {
    const scope = new Construct(this, db.logicalName);
    const capture = captureDatabase(scope, 'capture', { cluster: props.connect, database: db, options: props.databaseOptions?.[db.logicalName] });
    this.captures[db.logicalName] = capture;
    this.addCapture(capture, props, rf, topicConfig, scope);
  }

  /**
   * Creates the topics a capture describes (its table topics and internal topics) and the ACLs
   * its producer needs, and makes its connector, if it has one, wait for both.
   */
  private addCapture(capture: ISourceCapture, props: IntegrationPlatformProps, rf: number, topicConfig: KafkaTopicConfig, existingScope?: Construct): void {
    const { sourceName: source, sourceKind: kind, topicPrefix: prefix, producerPrincipal: producer } = capture;
    const scope = existingScope ?? new Construct(this, source);
    const resources: TerraformResource[] = [];
    for (const c of capture.captured) {
      if (this.topics[c.topic]) continue;
      this.topics[c.topic] = new KafkaTopic(scope, `topic-${c.table}`, {
        platform: props.kafka,
        name: c.topic,
        partitions: props.topicPartitions,
        replicationFactor: rf,
        config: topicConfig,
      });
      resources.push(this.topics[c.topic].resource);
      this.catalog.push({
        source,
        sourceKind: kind,
        prefix,
        table: c.table,
        topic: c.topic,
        labels: c.description.labels ?? [],
        keyFields: recordKeyFields(kind, c.description.primaryKey),
      });
    }
    const access = new Construct(scope, 'access');
    resources.push(...this.allow(access, props.kafka, producer, aclsForIntent('produce', `${prefix}.`, 'Prefixed')));
    for (const t of capture.internalTopics) {
      resources.push(
        new KafkaTopic(scope, `internal-${t.name}`, { platform: props.kafka, name: t.name, partitions: t.partitions, replicationFactor: rf, config: t.config })
          .resource,
      );
      resources.push(...this.allow(access, props.kafka, producer, aclsForIntent('produce', t.name, 'Literal')));
      if (t.consumed) {
        const consume = aclsForIntent('consume', t.name, 'Literal', { group: t.group ?? '-', groupIsPrefix: t.groupIsPrefix });
        resources.push(
          ...this.allow(
            access,
            props.kafka,
            producer,
            consume.filter((a) => t.group !== undefined || a.resourceType !== 'Group'),
          ),
        );
      }
      if (t.describesConfigs) resources.push(...this.allow(access, props.kafka, producer, aclsForIntent('describe-configs', t.name, 'Literal')));
    }
    // Topics and ACLs first: a task started before its ACLs fails, and Connect does not restart it.
    const connector = (capture as { connector?: unknown }).connector;
    if (connector instanceof Connector) connector.addDependency(...resources);
  }
}

import { Problems } from '../core/validation';

/**
 * Kinds of change-event source, by the shape of the events they write:
 *
 * - `postgres`, `mysql`, `mariadb`: Debezium's relational envelope (`before`/`after` structs, `op`,
 *   `source`), key = a struct of the primary-key columns. The library's CDC worker writes these same
 *   events (compared field by field with Debezium in its golden tests), so its sources are of these
 *   kinds too.
 * - `spanner`: the same envelope (Debezium's `Envelope` builder over the table's columns).
 * - `mongodb`: `before`/`after` are JSON **strings** (`io.debezium.data.Json`) and the key is
 *   `{id: <_id as JSON>}`; only `ExtractNewDocumentState` turns them into structs.
 * - `cassandra`: no `before`; `after` holds one cell struct `{value, deletion_ts, set}` per column,
 *   and a delete is an `after` with cells marked deleted. Debezium has no transform that flattens it.
 *
 * Any other kind is taken as a relational envelope.
 */
export type ChangeEventSourceKind = 'postgres' | 'mysql' | 'mariadb' | 'mongodb' | 'spanner' | 'cassandra';

/** Every kind of {@link ChangeEventSourceKind}. */
export const CHANGE_EVENT_SOURCE_KINDS: readonly ChangeEventSourceKind[] = ['postgres', 'mysql', 'mariadb', 'mongodb', 'spanner', 'cassandra'];

/** One topic a sink reads from a {@link SinkSource}. */
export interface SinkSourceTopic {
  /** Topic name. */
  readonly topic: string;
  /** Table or collection it carries, as the source names it (e.g. `wepay.users`). @default the topic's last segment */
  readonly table?: string;
  /** Fields of the record key as the source writes it (see {@link recordKeyFields}). */
  readonly keyFields: string[];
}

/** A source whose change events a sink reads: its kind, and which of its topics. */
export interface SinkSource {
  /** Kind of source that writes the events ({@link ChangeEventSourceKind}). */
  readonly kind: string;
  /** Its topics the sink reads. */
  readonly topics: SinkSourceTopic[];
  /** Prefix of all its topics, when the sink follows the whole source by regex (`<prefix>\..+`), so its new tables flow in. @default only the topics listed */
  readonly topicPrefix?: string;
}

/** Sinks whose transform chains this module knows. */
export type ChangeEventSink = 'bigquery' | 'jdbc' | 'search' | 'graph' | 'pubsub';

/**
 * The fields of the record key a source writes for a table with primary key `primaryKey`: the
 * key columns, except for MongoDB, whose key is always `{id}` (the `_id` as JSON; after
 * `ExtractNewDocumentState`, the `_id` value itself).
 */
export function recordKeyFields(kind: string, primaryKey: string[]): string[] {
  return kind === 'mongodb' ? ['id'] : [...primaryKey];
}

const CASSANDRA_REASON =
  "Debezium's Cassandra agent writes each column as a cell struct {value, deletion_ts, set} with no 'before', deletes as rows of deleted cells, and Debezium has no transform that flattens them";

/**
 * Why a sink cannot take the change events of a kind of source, or undefined when it can.
 * Pub/Sub takes every kind (it forwards the events as written); the other sinks take every kind
 * but Cassandra.
 */
export function sinkRefusal(sink: ChangeEventSink, kind: string): string | undefined {
  if (sink === 'pubsub') return undefined;
  if (kind === 'cassandra') return CASSANDRA_REASON;
  return undefined;
}

/**
 * Reports each source a sink cannot take: the property (`sources[i]` unless `at` names it), the
 * source's kind and topics, and what the sink takes instead.
 */
export function checkSinkSources(
  p: Problems,
  sink: ChangeEventSink,
  sinkName: string,
  sources: SinkSource[] | undefined,
  at: (i: number) => string = (i) => `sources[${i}]`,
): void {
  (sources ?? []).forEach((s, i) => {
    const reason = sinkRefusal(sink, s.kind);
    if (reason === undefined) return;
    const takes = CHANGE_EVENT_SOURCE_KINDS.filter((k) => sinkRefusal(sink, k) === undefined).join(', ');
    p.add(
      at(i),
      `${s.kind}: ${s.topics.map((t) => t.topic).join(', ')}`,
      `change events ${sinkName} can write: ${takes} (${reason}). Route ${s.kind} topics to a Pub/Sub sink, which forwards the events as written, or to a connector sink with a transform chain of your own`,
    );
  });
}

/** Escapes a topic name for a Java regular expression. */
export function escapeTopicRegex(topic: string): string {
  return topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Java regex matching exactly the topics of `sources` (whole prefixes where they are followed). */
export function sourcesTopicPattern(sources: SinkSource[]): string {
  return sources
    .map((s) => (s.topicPrefix !== undefined ? `${escapeTopicRegex(s.topicPrefix)}\\..+` : s.topics.map((t) => escapeTopicRegex(t.topic)).join('|')))
    .join('|');
}

/**
 * A Kafka Connect transform chain under construction: transforms in order, each optionally behind a
 * `TopicNameMatches` predicate, rendered as `transforms`, `transforms.<name>.*` and `predicates.*`.
 */
export class TransformChain {
  private readonly transforms: { name: string; config: Record<string, string>; predicate?: string; negate?: boolean }[] = [];
  private readonly predicates = new Map<string, string>();

  /** Appends a transform; `on` limits it to topics matching a pattern (or, negated, to the others). */
  public add(name: string, type: string, config: Record<string, string> = {}, on?: { predicate: string; pattern: string; negate?: boolean }): this {
    if (on) this.predicates.set(on.predicate, on.pattern);
    this.transforms.push({ name, config: { type, ...config }, predicate: on?.predicate, negate: on?.negate });
    return this;
  }

  /** True when no transform was added. */
  public get empty(): boolean {
    return this.transforms.length === 0;
  }

  /** The chain as connector config (empty when no transform). */
  public toConfig(): Record<string, string> {
    const config: Record<string, string> = {};
    if (this.transforms.length === 0) return config;
    config.transforms = this.transforms.map((t) => t.name).join(',');
    for (const t of this.transforms) {
      for (const [k, v] of Object.entries(t.config)) config[`transforms.${t.name}.${k}`] = v;
      if (t.predicate) config[`transforms.${t.name}.predicate`] = t.predicate;
      if (t.negate) config[`transforms.${t.name}.negate`] = 'true';
    }
    if (this.predicates.size > 0) {
      config.predicates = [...this.predicates.keys()].join(',');
      for (const [name, pattern] of this.predicates) {
        config[`predicates.${name}.type`] = 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches';
        config[`predicates.${name}.pattern`] = pattern;
      }
    }
    return config;
  }
}

/** How {@link addUnwrap} turns change events into rows. */
export interface UnwrapOptions {
  /** What deletes become: a tombstone (sinks that delete on them) or a row with `__deleted: true` (`rewrite`). */
  readonly deletes: 'tombstone' | 'rewrite';
  /** Unwrap relational envelopes (false for the Debezium JDBC sink, which reads them itself). @default true */
  readonly relational?: boolean;
  /**
   * Flatten MongoDB documents into top-level fields (`flatten.struct`, arrays encoded as documents)
   * for sinks that take only flat rows (JDBC, Neo4j properties). @default false
   */
  readonly flattenDocuments?: boolean;
  /** Add the source's `op` and `source.ts_ms` as `__op` and `__source_ts_ms`. @default true */
  readonly addFields?: boolean;
}

/** Predicate name of the MongoDB topics in a chain. */
export const MONGODB_TOPICS_PREDICATE = 'mongodbTopics';

/**
 * Adds the transforms that turn each source's change events into rows: Debezium's
 * `ExtractNewRecordState` (transform `unwrap`) for relational and Spanner envelopes, and the
 * MongoDB connector's `ExtractNewDocumentState` (transform `unwrapMongodb`) for MongoDB topics,
 * whose JSON-string documents `ExtractNewRecordState` cannot read. When both kinds share the sink,
 * a `TopicNameMatches` predicate on the MongoDB topics picks the transform per topic. Without
 * `sources`, every topic is taken as relational.
 * Returns the MongoDB topics' pattern (undefined when there are none) for later transforms.
 */
export function addUnwrap(chain: TransformChain, sources: SinkSource[] | undefined, options: UnwrapOptions): { mongodb?: { pattern: string; only: boolean } } {
  const mongo = (sources ?? []).filter((s) => s.kind === 'mongodb');
  const others = sources === undefined || sources.some((s) => s.kind !== 'mongodb');
  const common: Record<string, string> = { 'delete.tombstone.handling.mode': options.deletes };
  if (options.addFields ?? true) common['add.fields'] = 'op,source.ts_ms';
  const pattern = mongo.length > 0 ? sourcesTopicPattern(mongo) : undefined;
  const onMongo = pattern !== undefined && others ? { predicate: MONGODB_TOPICS_PREDICATE, pattern } : undefined;
  if (others && (options.relational ?? true)) {
    chain.add('unwrap', 'io.debezium.transforms.ExtractNewRecordState', common, onMongo ? { ...onMongo, negate: true } : undefined);
  }
  if (pattern !== undefined) {
    const documents: Record<string, string> = { ...common };
    if (options.flattenDocuments) Object.assign(documents, { 'flatten.struct': 'true', 'array.encoding': 'document' });
    chain.add('unwrapMongodb', 'io.debezium.connector.mongodb.transforms.ExtractNewDocumentState', documents, onMongo);
    return { mongodb: { pattern, only: !others } };
  }
  return {};
}

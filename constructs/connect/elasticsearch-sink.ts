import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { Problems, validateProps } from '../core/validation';
import { addUnwrap, checkSinkSources, escapeTopicRegex, MONGODB_TOPICS_PREDICATE, SinkSource, TransformChain } from './change-events';
import { Connector } from './connector';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** Which search engine (and so which sink implementation) receives the documents. */
export type SearchSinkFlavor = 'elasticsearch' | 'opensearch';

/** Props of {@link ElasticsearchSink}. */
export interface ElasticsearchSinkProps {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** Connector name. */
  readonly name: string;
  /** HTTP(S) URLs of the search cluster, without credentials. */
  readonly connectionUrls: string[];
  /** Elasticsearch (Confluent's sink) or OpenSearch (Aiven's sink). @default 'elasticsearch' */
  readonly flavor?: SearchSinkFlavor;
  /** User of the search cluster. @default no authentication */
  readonly username?: string;
  /** That user's password. @default none */
  readonly password?: SecretValue;
  /** Topics to index (one index per topic). Exactly one of `topics` and `topicsRegex`. @default none */
  readonly topics?: string[];
  /** Regex of topics to index. Exactly one of `topics` and `topicsRegex`. @default none */
  readonly topicsRegex?: string;
  /** Unwrap Debezium envelopes to the row's new state. @default true */
  readonly unwrapDebezium?: boolean;
  /**
   * The sources whose change events the topics carry: their kind picks each topic's unwrap
   * (MongoDB needs its own), their key fields the document id. Cassandra sources are refused.
   * @default every topic a relational Debezium envelope, ids from `documentIdField`
   */
  readonly sources?: SinkSource[];
  /**
   * Key field used as document id on every topic. Debezium keys are structs and the sink takes only
   * an integer or string id, so the id is this field of the key (`ExtractField$Key`). Needed with
   * `unwrapDebezium` unless `sources` give every topic a one-field key.
   * @default each topic's key field from `sources`
   */
  readonly documentIdField?: string;
  /** Upsert documents by record key instead of replacing them. @default true */
  readonly upsert?: boolean;
  /** Delete the document when its key's tombstone arrives. @default true */
  readonly deleteOnTombstone?: boolean;
  /** Maximum tasks. @default 1 */
  readonly tasksMax?: number;
  /**
   * Connector class, for a release whose class differs from the flavor's default: Aiven's
   * OpenSearch sink before 4.0 is `io.aiven.kafka.connect.opensearch.OpensearchSinkConnector`.
   * @default the flavor's class in {@link SEARCH_SINK_CLASSES}
   */
  readonly connectorClass?: string;
  /** Extra config by the sink's own key names. @default none */
  readonly extraConfig?: Record<string, string>;
}

/**
 * Connector classes per flavor. OpenSearch: Aiven's sink 4.x (`OpenSearchSinkConnector`; 4.0.0
 * renamed it from `OpensearchSinkConnector` and kept the config keys used here).
 */
export const SEARCH_SINK_CLASSES: Record<SearchSinkFlavor, string> = {
  elasticsearch: 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
  opensearch: 'io.aiven.kafka.connect.opensearch.OpenSearchSinkConnector',
};

/** Checks `topics` / `topicsRegex`: exactly one, non-empty, a valid regex. */
export function checkTopicChoice(p: Problems, topics: string[] | undefined, topicsRegex: string | undefined): void {
  p.check((topics === undefined) !== (topicsRegex === undefined), 'topics/topicsRegex', topics ?? topicsRegex, 'exactly one of topics and topicsRegex');
  if (topics) p.check(topics.length > 0, 'topics', topics, 'at least one topic');
  if (topicsRegex !== undefined) {
    let ok = topicsRegex.length > 0;
    try {
      new RegExp(topicsRegex);
    } catch {
      ok = false;
    }
    p.check(ok, 'topicsRegex', topicsRegex, 'a valid Java regular expression');
  }
}

/**
 * The search sink: indexes change events into Elasticsearch (Confluent's sink) or OpenSearch
 * (Aiven's sink), one index per topic, with the record key as document id so that updates
 * upsert and deletes remove the document.
 */
export class ElasticsearchSink extends Construct {
  /** The connector. */
  public readonly connector: Connector;
  /** Flavor in use. */
  public readonly flavor: SearchSinkFlavor;

  constructor(scope: Construct, id: string, props: ElasticsearchSinkProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', name: 'string', connectionUrls: 'string[]' });
    this.flavor = props.flavor ?? 'elasticsearch';
    const upsert = props.upsert ?? true;
    const del = props.deleteOnTombstone ?? true;
    const unwrap = props.unwrapDebezium ?? true;
    const chain = new TransformChain();
    const unwrapped = unwrap ? addUnwrap(chain, props.sources, { deletes: del ? 'tombstone' : 'rewrite' }) : {};
    if (unwrapped.mongodb) {
      // A MongoDB document carries _id, a metadata field both engines refuse inside a document
      // (mapper_parsing_exception); it is the document id already.
      const on = unwrapped.mongodb.only ? undefined : { predicate: MONGODB_TOPICS_PREDICATE, pattern: unwrapped.mongodb.pattern };
      chain.add('dropMongodbId', 'org.apache.kafka.connect.transforms.ReplaceField$Value', { exclude: '_id' }, on);
    }
    const ids = documentIds(props, unwrap);
    ids.groups.forEach(([field, topics], i) => {
      const on = ids.groups.length > 1 ? { predicate: `documentIdTopics${i}`, pattern: topics.map(escapeTopicRegex).join('|') } : undefined;
      chain.add(ids.groups.length > 1 ? `documentId${i}` : 'documentId', 'org.apache.kafka.connect.transforms.ExtractField$Key', { field }, on);
    });
    validateProps(this, (p) => {
      p.check(['elasticsearch', 'opensearch'].includes(this.flavor), 'flavor', this.flavor, 'elasticsearch or opensearch');
      p.check(props.connectionUrls.length > 0, 'connectionUrls', props.connectionUrls, 'at least one http:// or https:// URL');
      props.connectionUrls.forEach((u, i) => {
        if (p.check(/^https?:\/\/[^\s/]+(\/\S*)?$/.test(u), `connectionUrls[${i}]`, u, 'an http:// or https:// URL')) {
          p.check(
            !/^https?:\/\/[^/]*@/.test(u),
            `connectionUrls[${i}]`,
            '(hidden: contains credentials)',
            'a URL without credentials; pass username and password as props',
          );
        }
      });
      p.check((props.username === undefined) === (props.password === undefined), 'username/password', props.username, 'both or neither');
      checkTopicChoice(p, props.topics, props.topicsRegex);
      checkSinkSources(p, 'search', `search sink ${props.name}`, props.sources);
      ids.problems.forEach(([property, value, allowed]) => p.add(property, value, allowed));
    });
    const config: Record<string, string> = {
      ...(props.extraConfig ?? {}),
      'connection.url': props.connectionUrls.join(','),
      'key.ignore': 'false',
      'schema.ignore': 'true',
      'behavior.on.null.values': del ? 'delete' : 'ignore',
      [this.flavor === 'opensearch' ? 'index.write.method' : 'write.method']: upsert ? 'upsert' : 'insert',
    };
    if (props.topics) config.topics = props.topics.join(',');
    if (props.topicsRegex !== undefined) config['topics.regex'] = props.topicsRegex;
    if (props.username) config['connection.username'] = props.username;
    Object.assign(config, chain.toConfig());
    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.name,
      connectorClass: props.connectorClass ?? SEARCH_SINK_CLASSES[this.flavor] ?? SEARCH_SINK_CLASSES.elasticsearch,
      tasksMax: props.tasksMax,
      config,
      sensitiveConfig: props.password ? { 'connection.password': props.password } : undefined,
    });
  }
}

/**
 * The key field of each topic used as document id, grouped by field, and the problems found:
 * composite keys, and topics of Debezium events with no known key field.
 */
function documentIds(props: ElasticsearchSinkProps, unwrap: boolean): { groups: [string, string[]][]; problems: [string, unknown, string][] } {
  const problems: [string, unknown, string][] = [];
  if (props.documentIdField !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(props.documentIdField))
      problems.push(['documentIdField', props.documentIdField, "a field name: a letter or '_', then letters, digits or '_'"]);
    return { groups: [[props.documentIdField, []]], problems };
  }
  if (!unwrap && props.sources === undefined) return { groups: [], problems };
  const byField = new Map<string, string[]>();
  const described = new Set<string>();
  (props.sources ?? []).forEach((source, i) =>
    source.topics.forEach((t, j) => {
      described.add(t.topic);
      if (source.kind === 'cassandra') return; // refused as a whole
      if (t.keyFields.length !== 1) {
        problems.push([
          `sources[${i}].topics[${j}].keyFields`,
          t.keyFields,
          `one key field: the sink takes an integer or string document id, and ${t.topic} has a ${t.keyFields.length === 0 ? 'no' : 'composite'} key; give documentIdField, or route only tables with a one-column key`,
        ]);
        return;
      }
      byField.set(t.keyFields[0], [...(byField.get(t.keyFields[0]) ?? []), t.topic]);
    }),
  );
  const followed = (props.sources ?? []).some((s) => s.topicPrefix !== undefined);
  const missing = (props.topics ?? []).filter((t) => !described.has(t));
  if (missing.length > 0 || (props.topicsRegex !== undefined && props.sources === undefined)) {
    problems.push([
      'documentIdField',
      undefined,
      `the key field used as document id, or sources giving each topic's key fields: Debezium keys are structs, which the sink cannot use as document id (topics without one: ${missing.join(', ') || props.topicsRegex})`,
    ]);
  } else if (followed && byField.size > 1) {
    problems.push([
      'documentIdField',
      undefined,
      `one key field for every topic when the sink follows whole sources by regex (new tables get no per-topic id); the topics have ${[...byField.keys()].join(', ')}`,
    ]);
  }
  return { groups: [...byField.entries()], problems };
}

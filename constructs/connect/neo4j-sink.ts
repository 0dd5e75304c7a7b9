import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { validateProps } from '../core/validation';
import { addUnwrap, checkSinkSources, SinkSource, SinkSourceTopic, TransformChain } from './change-events';
import { Connector } from './connector';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** Props of {@link Neo4jSink}. */
export interface Neo4jSinkProps {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** Connector name. */
  readonly name: string;
  /** Neo4j URI, e.g. `neo4j+s://graph.internal:7687`, without credentials. */
  readonly uri: string;
  /** Neo4j database. @default 'neo4j' */
  readonly database?: string;
  /** User (BASIC authentication). @default no authentication */
  readonly username?: string;
  /** That user's password. @default none */
  readonly password?: SecretValue;
  /** Topics to write into the graph. */
  readonly topics: string[];
  /**
   * Cypher statement run for every message of every topic (`__key` and `__value` are the message
   * key and value). At most one of `cypher` and `pattern`; topics that neither, nor
   * `cypherByTopic`, covers get a statement generated from `sources`.
   * @default none
   */
  readonly cypher?: string;
  /** Pattern (e.g. `(:Merchant{!id, name})`) applied to every topic. @default none */
  readonly pattern?: string;
  /** Cypher per topic, overriding `cypher`/`pattern` for those topics. @default none */
  readonly cypherByTopic?: Record<string, string>;
  /**
   * The sources whose change events the topics carry. Their kind picks each topic's unwrap
   * (MongoDB documents are unwrapped and flattened, since node properties cannot be maps); for a
   * topic no statement covers, the statement is generated from its table and key fields:
   * `MERGE (n:<Label> {<key>: __key.<key>, …})`, then the node is deleted when the row was
   * deleted and takes the row's fields otherwise. Cassandra sources are refused.
   * @default every topic a relational Debezium envelope, statements from `cypher`/`pattern`
   */
  readonly sources?: SinkSource[];
  /** Node label per topic for generated statements. @default the table name in PascalCase and singular (`device_events` → `DeviceEvent`) */
  readonly labelByTopic?: Record<string, string>;
  /** Unwrap Debezium envelopes to the row's new state (deleted rows carry `__deleted = "true"`). @default true */
  readonly unwrapDebezium?: boolean;
  /** Maximum tasks. @default 1 */
  readonly tasksMax?: number;
  /** Extra config by the sink's own key names. @default none */
  readonly extraConfig?: Record<string, string>;
}

/** Class of the Neo4j Connector for Kafka (sink). */
export const NEO4J_SINK_CLASS = 'org.neo4j.connectors.kafka.sink.Neo4jConnector';

/**
 * The graph sink: the Neo4j Connector for Kafka writing change events into Neo4j with the Cypher
 * or the pattern strategy, per topic.
 */
export class Neo4jSink extends Construct {
  /** The connector. */
  public readonly connector: Connector;

  constructor(scope: Construct, id: string, props: Neo4jSinkProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', name: 'string', uri: 'string', topics: 'string[]' });
    const byTopic = props.cypherByTopic ?? {};
    const described = new Map<string, { kind: string; topic: SinkSourceTopic }>();
    for (const source of props.sources ?? []) for (const t of source.topics) described.set(t.topic, { kind: source.kind, topic: t });
    const generated = (t: string) => props.cypher === undefined && props.pattern === undefined && byTopic[t] === undefined && described.has(t);
    validateProps(this, (p) => {
      if (p.check(/^(neo4j|bolt)(\+s|\+ssc)?:\/\/\S+$/.test(props.uri), 'uri', props.uri, 'a neo4j://, neo4j+s://, bolt:// or bolt+s:// URI')) {
        p.check(
          !/^[a-z0-9+]+:\/\/[^/]*@/.test(props.uri),
          'uri',
          '(hidden: contains credentials)',
          'a URI without credentials; pass username and password as props',
        );
      }
      p.check((props.username === undefined) === (props.password === undefined), 'username/password', props.username, 'both or neither');
      p.check(props.topics.length > 0, 'topics', props.topics, 'at least one topic');
      const uncovered = props.topics.filter((t) => !(t in byTopic) && !described.has(t));
      if (props.cypher !== undefined && props.pattern !== undefined) {
        p.add('cypher/pattern', props.cypher, 'at most one of cypher and pattern');
      } else if (uncovered.length > 0 && props.cypher === undefined && props.pattern === undefined) {
        p.add('cypher/pattern', undefined, `cypher, pattern or sources describing the topics without cypherByTopic: ${uncovered.join(', ')}`);
      }
      for (const t of Object.keys(byTopic)) p.check(props.topics.includes(t), `cypherByTopic['${t}']`, t, `one of the topics: ${props.topics.join(', ')}`);
      for (const t of Object.keys(props.labelByTopic ?? {}))
        p.check(props.topics.includes(t), `labelByTopic['${t}']`, t, `one of the topics: ${props.topics.join(', ')}`);
      checkSinkSources(p, 'graph', `graph sink ${props.name}`, props.sources);
      for (const t of props.topics.filter(generated)) {
        const { kind, topic } = described.get(t)!;
        if (kind !== 'cassandra')
          p.check(
            topic.keyFields.length > 0,
            `sources (topic ${t}).keyFields`,
            topic.keyFields,
            'at least one key field: the generated statement MERGEs nodes on the key',
          );
      }
    });
    const config: Record<string, string> = {
      ...(props.extraConfig ?? {}),
      topics: props.topics.join(','),
      'neo4j.uri': props.uri,
      'neo4j.database': props.database ?? 'neo4j',
      'neo4j.authentication.type': props.username ? 'BASIC' : 'NONE',
    };
    if (props.username) config['neo4j.authentication.basic.username'] = props.username;
    for (const t of props.topics) {
      if (byTopic[t] !== undefined) config[`neo4j.cypher.topic.${t}`] = byTopic[t];
      else if (props.cypher !== undefined) config[`neo4j.cypher.topic.${t}`] = props.cypher;
      else if (props.pattern !== undefined) config[`neo4j.pattern.topic.${t}`] = props.pattern;
      else if (generated(t)) {
        const { kind, topic } = described.get(t)!;
        config[`neo4j.cypher.topic.${t}`] = mergeNodeCypher(props.labelByTopic?.[t] ?? nodeLabel(topic.table ?? t), topic.keyFields, kind);
      }
    }
    if (props.unwrapDebezium ?? true) {
      const chain = new TransformChain();
      addUnwrap(chain, props.sources, { deletes: 'rewrite', flattenDocuments: true });
      Object.assign(config, chain.toConfig());
    }
    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.name,
      connectorClass: NEO4J_SINK_CLASS,
      tasksMax: props.tasksMax,
      config,
      sensitiveConfig: props.password ? { 'neo4j.authentication.basic.password': props.password } : undefined,
    });
  }
}

/** A Cypher identifier in backticks. */
function quoted(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`';
}

/**
 * The node label of a table: its last name segment in PascalCase, made singular by the common
 * English endings (`device_events` → `DeviceEvent`, `entries` → `Entry`, `addresses` → `Address`).
 */
export function nodeLabel(table: string): string {
  const words = (table.split('.').pop() ?? table).split(/[_\s-]+/).filter((w) => w.length > 0);
  const last = words.length - 1;
  return words
    .map((w, i) => {
      let word = w;
      if (i === last) {
        if (/ies$/i.test(word)) word = word.slice(0, -3) + 'y';
        else if (/(ss|x|ch|sh)es$/i.test(word)) word = word.slice(0, -2);
        else if (/[^su]s$/i.test(word) && !/is$/i.test(word)) word = word.slice(0, -1);
      }
      return word.charAt(0).toUpperCase() + word.slice(1);
    })
    .join('');
}

/**
 * The statement for one topic of unwrapped change events: MERGE the node on its label and key
 * fields (taken from `__key`, a map of the key struct), DETACH DELETE it when the row was deleted
 * (`__deleted` is "true" from ExtractNewRecordState, true from ExtractNewDocumentState), and set
 * the row's fields on it otherwise. MongoDB nodes keep the document's `_id` (the key's `id`).
 */
export function mergeNodeCypher(label: string, keyFields: string[], kind = 'postgres'): string {
  const keys = keyFields.map((k) => `${quoted(kind === 'mongodb' && k === 'id' ? '_id' : k)}: __key.${quoted(k)}`).join(', ');
  const deleted = "toString(row.__deleted) = 'true'";
  return (
    `MERGE (n:${quoted(label)} {${keys}}) WITH n, __value AS row ` +
    `FOREACH (_ IN CASE WHEN ${deleted} THEN [1] ELSE [] END | DETACH DELETE n) ` +
    `FOREACH (_ IN CASE WHEN ${deleted} THEN [] ELSE [1] END | SET n += row)`
  );
}

import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { validateProps } from '../core/validation';
import { Connector } from './connector';
import { debeziumUnwrapConfig } from './elasticsearch-sink';
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
  /** Cypher statement run for every message of every topic (`__value` is the message value). Exactly one of `cypher` and `pattern`, unless `cypherByTopic` covers every topic. @default none */
  readonly cypher?: string;
  /** Pattern (e.g. `(:Merchant{!id, name})`) applied to every topic. @default none */
  readonly pattern?: string;
  /** Cypher per topic, overriding `cypher`/`pattern` for those topics. @default none */
  readonly cypherByTopic?: Record<string, string>;
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
    const byTopic = props.cypherByTopic ?? {};
    validateProps(this, (p) => {
      if (p.check(/^(neo4j|bolt)(\+s|\+ssc)?:\/\/\S+$/.test(props.uri), 'uri', props.uri, "a neo4j://, neo4j+s://, bolt:// or bolt+s:// URI")) {
        p.check(!/^[a-z0-9+]+:\/\/[^/]*@/.test(props.uri), 'uri', '(hidden: contains credentials)', 'a URI without credentials; pass username and password as props');
      }
      p.check((props.username === undefined) === (props.password === undefined), 'username/password', props.username, 'both or neither');
      p.check(props.topics.length > 0, 'topics', props.topics, 'at least one topic');
      const uncovered = props.topics.filter((t) => !(t in byTopic));
      if (uncovered.length > 0) {
        p.check((props.cypher === undefined) !== (props.pattern === undefined), 'cypher/pattern', props.cypher ?? props.pattern, `exactly one of cypher and pattern for topics without cypherByTopic: ${uncovered.join(', ')}`);
      }
      for (const t of Object.keys(byTopic)) p.check(props.topics.includes(t), `cypherByTopic['${t}']`, t, `one of the topics: ${props.topics.join(', ')}`);
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
    }
    if (props.unwrapDebezium ?? true) Object.assign(config, debeziumUnwrapConfig(false));
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

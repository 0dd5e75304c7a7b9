import { SecretValue } from '../../constructs/core/secret-value';
import { Neo4jSink } from '../../constructs/connect/neo4j-sink';
import { problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

describe('Neo4jSink', () => {
  test('one Cypher statement per topic, BASIC authentication with the password in config_sensitive', () => {
    const json = synth((stack) => {
      new Neo4jSink(stack, 'graph', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'risk-graph',
        uri: 'neo4j+s://graph:7687',
        username: 'writer',
        password: SecretValue.fromVariable('graph_password'),
        topics: ['shop.public.users', 'shop.public.payments'],
        cypher: 'MERGE (n:Row {id: __value.id}) SET n += __value',
        cypherByTopic: { 'shop.public.payments': 'MERGE (p:Payment {id: __value.id})' },
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toEqual({
      name: 'risk-graph',
      'connector.class': 'org.neo4j.connectors.kafka.sink.Neo4jConnector',
      'tasks.max': '1',
      topics: 'shop.public.users,shop.public.payments',
      'neo4j.uri': 'neo4j+s://graph:7687',
      'neo4j.database': 'neo4j',
      'neo4j.authentication.type': 'BASIC',
      'neo4j.authentication.basic.username': 'writer',
      'neo4j.cypher.topic.shop.public.users': 'MERGE (n:Row {id: __value.id}) SET n += __value',
      'neo4j.cypher.topic.shop.public.payments': 'MERGE (p:Payment {id: __value.id})',
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
      'transforms.unwrap.add.fields': 'op,source.ts_ms',
    });
    expect(c.config_sensitive).toEqual({ 'neo4j.authentication.basic.password': '${var.graph_password}' });
  });

  test('the pattern strategy and no authentication', () => {
    const json = synth((stack) => {
      new Neo4jSink(stack, 'graph', { cluster: connectCluster(stack, kafkaCluster(stack)), name: 'g', uri: 'bolt://graph:7687', database: 'risk', topics: ['t'], pattern: '(:Merchant{!id, name})', unwrapDebezium: false });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toEqual({
      name: 'g',
      'connector.class': 'org.neo4j.connectors.kafka.sink.Neo4jConnector',
      'tasks.max': '1',
      topics: 't',
      'neo4j.uri': 'bolt://graph:7687',
      'neo4j.database': 'risk',
      'neo4j.authentication.type': 'NONE',
      'neo4j.pattern.topic.t': '(:Merchant{!id, name})',
    });
  });

  test('each bad prop is reported', () => {
    const found = problems((stack) => {
      const cluster = connectCluster(stack, kafkaCluster(stack));
      new Neo4jSink(stack, 'a', { cluster, name: 'a', uri: 'http://graph', password: SecretValue.fromVariable('p'), topics: ['t1', 't2'], cypher: 'x', pattern: 'y', cypherByTopic: { t3: 'z' } });
      new Neo4jSink(stack, 'b', { cluster, name: 'b', uri: 'neo4j://u:p@graph', topics: [] });
    });
    expect(found).toEqual([
      '[test/a] uri: "http://graph" is not valid; allowed: a neo4j://, neo4j+s://, bolt:// or bolt+s:// URI',
      '[test/a] username/password: undefined is not valid; allowed: both or neither',
      '[test/a] cypher/pattern: "x" is not valid; allowed: exactly one of cypher and pattern for topics without cypherByTopic: t1, t2',
      "[test/a] cypherByTopic['t3']: \"t3\" is not valid; allowed: one of the topics: t1, t2",
      '[test/b] uri: "(hidden: contains credentials)" is not valid; allowed: a URI without credentials; pass username and password as props',
      '[test/b] topics: [] is not valid; allowed: at least one topic',
    ]);
  });
});

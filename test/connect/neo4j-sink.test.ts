import { SecretValue } from '../../constructs/core/secret-value';
import { Neo4jSink, nodeLabel } from '../../constructs/connect/neo4j-sink';
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

  test("audit #14: with the sources described and no cypher, one statement per topic MERGEs on that table's label and key fields", () => {
    // The old single statement `MERGE (n:Record {key: toString(__key)})` fails on a map key (toString of a map
    // is an error) and puts users id 1 and payments id 1 in one node. The Cypher strategy binds __key and
    // __value to the Connect key and value converted to maps (neo4j-kafka-connector CypherEventTransformer).
    const json = synth((stack) => {
      new Neo4jSink(stack, 'graph', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'risk-graph',
        uri: 'neo4j+s://graph:7687',
        topics: ['shop.public.users', 'shop.public.payments', 'balances.Holds', 'profiles.profiles.merchant_profiles'],
        sources: [
          {
            kind: 'postgres',
            topics: [
              { topic: 'shop.public.users', table: 'public.users', keyFields: ['id'] },
              { topic: 'shop.public.payments', table: 'public.payments', keyFields: ['id'] },
            ],
          },
          { kind: 'spanner', topics: [{ topic: 'balances.Holds', table: 'Holds', keyFields: ['AccountId', 'HoldId'] }] },
          { kind: 'mongodb', topics: [{ topic: 'profiles.profiles.merchant_profiles', table: 'profiles.merchant_profiles', keyFields: ['id'] }] },
        ],
        labelByTopic: { 'shop.public.payments': 'CardPayment' },
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    const upsertOrDelete =
      "WITH n, __value AS row FOREACH (_ IN CASE WHEN toString(row.__deleted) = 'true' THEN [1] ELSE [] END | DETACH DELETE n) FOREACH (_ IN CASE WHEN toString(row.__deleted) = 'true' THEN [] ELSE [1] END | SET n += row)";
    expect(c.config['neo4j.cypher.topic.shop.public.users']).toBe(`MERGE (n:\`User\` {\`id\`: __key.\`id\`}) ${upsertOrDelete}`);
    expect(c.config['neo4j.cypher.topic.shop.public.payments']).toBe(`MERGE (n:\`CardPayment\` {\`id\`: __key.\`id\`}) ${upsertOrDelete}`);
    expect(c.config['neo4j.cypher.topic.balances.Holds']).toBe(
      `MERGE (n:\`Hold\` {\`AccountId\`: __key.\`AccountId\`, \`HoldId\`: __key.\`HoldId\`}) ${upsertOrDelete}`,
    );
    // MongoDB: the key is {id: <_id>} after ExtractNewDocumentState; the node keeps the document's _id, and
    // documents are flattened (node properties cannot be maps).
    expect(c.config['neo4j.cypher.topic.profiles.profiles.merchant_profiles']).toBe(`MERGE (n:\`MerchantProfile\` {\`_id\`: __key.\`id\`}) ${upsertOrDelete}`);
    expect(c.config).toMatchObject({
      transforms: 'unwrap,unwrapMongodb',
      'transforms.unwrap.predicate': 'mongodbTopics',
      'transforms.unwrap.negate': 'true',
      'transforms.unwrapMongodb.type': 'io.debezium.connector.mongodb.transforms.ExtractNewDocumentState',
      'transforms.unwrapMongodb.flatten.struct': 'true',
      'transforms.unwrapMongodb.array.encoding': 'document',
      'predicates.mongodbTopics.pattern': 'profiles\\.profiles\\.merchant_profiles',
    });
    expect(JSON.stringify(c.config)).not.toContain('toString(__key)');
  });

  test('labels of generated statements: the table name in PascalCase and singular', () => {
    expect(['risk.device_events', 'public.users', 'entries', 'addresses', 'Holds', 'status', 'merchant_profiles', 'boxes'].map(nodeLabel)).toEqual([
      'DeviceEvent',
      'User',
      'Entry',
      'Address',
      'Hold',
      'Status',
      'MerchantProfile',
      'Box',
    ]);
  });

  test('the pattern strategy and no authentication', () => {
    const json = synth((stack) => {
      new Neo4jSink(stack, 'graph', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'g',
        uri: 'bolt://graph:7687',
        database: 'risk',
        topics: ['t'],
        pattern: '(:Merchant{!id, name})',
        unwrapDebezium: false,
      });
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
      new Neo4jSink(stack, 'a', {
        cluster,
        name: 'a',
        uri: 'http://graph',
        password: SecretValue.fromVariable('p'),
        topics: ['t1', 't2'],
        cypher: 'x',
        pattern: 'y',
        cypherByTopic: { t3: 'z' },
      });
      new Neo4jSink(stack, 'b', { cluster, name: 'b', uri: 'neo4j://u:p@graph', topics: [] });
      new Neo4jSink(stack, 'c', {
        cluster,
        name: 'c',
        uri: 'bolt://graph:7687',
        topics: ['shop.public.users', 'events.risk.device_events', 'x'],
        labelByTopic: { y: 'Y' },
        sources: [
          { kind: 'cassandra', topics: [{ topic: 'events.risk.device_events', keyFields: ['device_id'] }] },
          { kind: 'postgres', topics: [{ topic: 'shop.public.users', keyFields: [] }] },
        ],
      });
    });
    expect(found).toEqual([
      '[test/a] uri: "http://graph" is not valid; allowed: a neo4j://, neo4j+s://, bolt:// or bolt+s:// URI',
      '[test/a] username/password: undefined is not valid; allowed: both or neither',
      '[test/a] cypher/pattern: "x" is not valid; allowed: at most one of cypher and pattern',
      '[test/a] cypherByTopic[\'t3\']: "t3" is not valid; allowed: one of the topics: t1, t2',
      '[test/b] uri: "(hidden: contains credentials)" is not valid; allowed: a URI without credentials; pass username and password as props',
      '[test/b] topics: [] is not valid; allowed: at least one topic',
      '[test/c] cypher/pattern: undefined is not valid; allowed: cypher, pattern or sources describing the topics without cypherByTopic: x',
      '[test/c] labelByTopic[\'y\']: "y" is not valid; allowed: one of the topics: shop.public.users, events.risk.device_events, x',
      "[test/c] sources[0]: \"cassandra: events.risk.device_events\" is not valid; allowed: change events graph sink c can write: postgres, mysql, mariadb, mongodb, spanner (Debezium's Cassandra agent writes each column as a cell struct {value, deletion_ts, set} with no 'before', deletes as rows of deleted cells, and Debezium has no transform that flattens them). Route cassandra topics to a Pub/Sub sink, which forwards the events as written, or to a connector sink with a transform chain of your own",
      '[test/c] sources (topic shop.public.users).keyFields: [] is not valid; allowed: at least one key field: the generated statement MERGEs nodes on the key',
    ]);
  });
});

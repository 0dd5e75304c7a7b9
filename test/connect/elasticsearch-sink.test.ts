import { SecretValue } from '../../constructs/core/secret-value';
import { ElasticsearchSink, SEARCH_SINK_CLASSES } from '../../constructs/connect/elasticsearch-sink';
import { problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

describe('ElasticsearchSink', () => {
  test('Elasticsearch: upserts by record key, deletes on tombstones, Debezium envelopes unwrapped', () => {
    const json = synth((stack) => {
      new ElasticsearchSink(stack, 'search', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'merchant-search',
        connectionUrls: ['https://es-1:9200', 'https://es-2:9200'],
        username: 'connect',
        password: SecretValue.fromVariable('es_password'),
        topics: ['shop.public.merchants'],
        documentIdField: 'id',
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toEqual({
      name: 'merchant-search',
      'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
      'tasks.max': '1',
      'connection.url': 'https://es-1:9200,https://es-2:9200',
      'connection.username': 'connect',
      'key.ignore': 'false',
      'schema.ignore': 'true',
      'behavior.on.null.values': 'delete',
      'write.method': 'upsert',
      topics: 'shop.public.merchants',
      transforms: 'unwrap,documentId',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone',
      'transforms.unwrap.add.fields': 'op,source.ts_ms',
      'transforms.documentId.type': 'org.apache.kafka.connect.transforms.ExtractField$Key',
      'transforms.documentId.field': 'id',
    });
    expect(c.config_sensitive).toEqual({ 'connection.password': '${var.es_password}' });
  });

  test("OpenSearch: Aiven's sink and its key for the write method; inserts and ignored deletes when asked", () => {
    const json = synth((stack) => {
      new ElasticsearchSink(stack, 'search', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'os',
        flavor: 'opensearch',
        connectionUrls: ['https://os:9200'],
        topicsRegex: 'shop\\..+',
        upsert: false,
        deleteOnTombstone: false,
        unwrapDebezium: false,
        tasksMax: 3,
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toEqual({
      name: 'os',
      'connector.class': 'io.aiven.kafka.connect.opensearch.OpenSearchSinkConnector',
      'tasks.max': '3',
      'connection.url': 'https://os:9200',
      'key.ignore': 'false',
      'schema.ignore': 'true',
      'behavior.on.null.values': 'ignore',
      'index.write.method': 'insert',
      'topics.regex': 'shop\\..+',
    });
    expect(c.config_sensitive).toBeUndefined();
  });

  test('audit #22: OpenSearch defaults to the class of Aiven 4.x (OpenSearchSinkConnector); the pre-4.0 class can be set', () => {
    // Aiven-Open/opensearch-connector-for-apache-kafka: v3.1.1 has OpensearchSinkConnector.java,
    // v4.0.0 renamed it to OpenSearchSinkConnector.java; the config keys used here are unchanged.
    const json = synth((stack) => {
      const cluster = connectCluster(stack, kafkaCluster(stack));
      new ElasticsearchSink(stack, 'v4', {
        cluster,
        name: 'os4',
        flavor: 'opensearch',
        connectionUrls: ['https://os:9200'],
        topics: ['t'],
        unwrapDebezium: false,
      });
      new ElasticsearchSink(stack, 'v3', {
        cluster,
        name: 'os3',
        flavor: 'opensearch',
        connectionUrls: ['https://os:9200'],
        topics: ['t'],
        unwrapDebezium: false,
        connectorClass: 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector',
      });
    });
    const cls = Object.fromEntries(resources(json, 'kafka-connect_connector').map((c) => [c.name, c.config['connector.class']]));
    expect(cls).toEqual({ os4: 'io.aiven.kafka.connect.opensearch.OpenSearchSinkConnector', os3: 'io.aiven.kafka.connect.opensearch.OpensearchSinkConnector' });
    expect(SEARCH_SINK_CLASSES.opensearch).toBe('io.aiven.kafka.connect.opensearch.OpenSearchSinkConnector');
  });

  test('audit #5: Debezium struct keys become a string or integer document id (ExtractField$Key per key field); composite keys are refused at synth', () => {
    // confluentinc/kafka-connect-elasticsearch DataConverter.convertKey and Aiven Utils.convertKey take
    // only INT8..INT64 and STRING keys: "STRUCT is not supported as the document id."
    const json = synth((stack) => {
      new ElasticsearchSink(stack, 'search', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'search',
        connectionUrls: ['https://es:9200'],
        topics: ['shop.public.merchants', 'shop.public.shops', 'crm.crm.accounts'],
        sources: [
          {
            kind: 'postgres',
            topics: [
              { topic: 'shop.public.merchants', keyFields: ['id'] },
              { topic: 'shop.public.shops', keyFields: ['id'] },
            ],
          },
          { kind: 'mysql', topics: [{ topic: 'crm.crm.accounts', keyFields: ['account_no'] }] },
        ],
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toMatchObject({
      transforms: 'unwrap,documentId0,documentId1',
      'transforms.documentId0.type': 'org.apache.kafka.connect.transforms.ExtractField$Key',
      'transforms.documentId0.field': 'id',
      'transforms.documentId0.predicate': 'documentIdTopics0',
      'transforms.documentId1.type': 'org.apache.kafka.connect.transforms.ExtractField$Key',
      'transforms.documentId1.field': 'account_no',
      'transforms.documentId1.predicate': 'documentIdTopics1',
      predicates: 'documentIdTopics0,documentIdTopics1',
      'predicates.documentIdTopics0.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.documentIdTopics0.pattern': 'shop\\.public\\.merchants|shop\\.public\\.shops',
      'predicates.documentIdTopics1.pattern': 'crm\\.crm\\.accounts',
    });
    // One key field for every topic: one transform, no predicate; documentIdField says it for topics without sources.
    const one = synth((stack) => {
      new ElasticsearchSink(stack, 'search', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 's',
        connectionUrls: ['https://es:9200'],
        topicsRegex: 'shop\\..+',
        documentIdField: 'id',
      });
    });
    expect(resources(one, 'kafka-connect_connector')[0].config).toMatchObject({
      transforms: 'unwrap,documentId',
      'transforms.documentId.type': 'org.apache.kafka.connect.transforms.ExtractField$Key',
      'transforms.documentId.field': 'id',
    });
    const found = problems((stack) => {
      const cluster = connectCluster(stack, kafkaCluster(stack));
      new ElasticsearchSink(stack, 'a', {
        cluster,
        name: 'a',
        connectionUrls: ['https://es:9200'],
        topics: ['balances.Holds'],
        sources: [{ kind: 'spanner', topics: [{ topic: 'balances.Holds', keyFields: ['AccountId', 'HoldId'] }] }],
      });
      new ElasticsearchSink(stack, 'b', { cluster, name: 'b', connectionUrls: ['https://es:9200'], topics: ['shop.public.merchants'] });
    });
    expect(found).toEqual([
      '[test/a] sources[0].topics[0].keyFields: ["AccountId","HoldId"] is not valid; allowed: one key field: the sink takes an integer or string document id, and balances.Holds has a composite key; give documentIdField, or route only tables with a one-column key',
      "[test/b] documentIdField: undefined is not valid; allowed: the key field used as document id, or sources giving each topic's key fields: Debezium keys are structs, which the sink cannot use as document id (topics without one: shop.public.merchants)",
    ]);
  });

  test('each bad prop is reported', () => {
    const found = problems((stack) => {
      const cluster = connectCluster(stack, kafkaCluster(stack));
      new ElasticsearchSink(stack, 'a', {
        cluster,
        name: 'a',
        flavor: 'solr' as any,
        connectionUrls: ['es:9200', 'https://u:p@es:9200'],
        username: 'u',
        topics: ['t'],
        topicsRegex: '(',
        documentIdField: 'id',
      });
      new ElasticsearchSink(stack, 'b', { cluster, name: 'b', connectionUrls: [], topics: [] });
    });
    expect(found).toEqual([
      '[test/a] flavor: "solr" is not valid; allowed: elasticsearch or opensearch',
      '[test/a] connectionUrls[0]: "es:9200" is not valid; allowed: an http:// or https:// URL',
      '[test/a] connectionUrls[1]: "(hidden: contains credentials)" is not valid; allowed: a URL without credentials; pass username and password as props',
      '[test/a] username/password: "u" is not valid; allowed: both or neither',
      '[test/a] topics/topicsRegex: ["t"] is not valid; allowed: exactly one of topics and topicsRegex',
      '[test/a] topicsRegex: "(" is not valid; allowed: a valid Java regular expression',
      '[test/b] connectionUrls: [] is not valid; allowed: at least one http:// or https:// URL',
      '[test/b] topics: [] is not valid; allowed: at least one topic',
    ]);
  });
});

import { SecretValue } from '../../constructs/core/secret-value';
import { BigQuerySink } from '../../constructs/connect/bigquery-sink';
import { JdbcSink } from '../../constructs/connect/jdbc-sink';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

describe('BigQuerySink', () => {
  test('unwraps Debezium envelopes and merges by key when upserts and deletes are on', () => {
    const json = synth((stack) => {
      new BigQuerySink(stack, 's', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'shop-bq',
        project: 'acme-data',
        defaultDataset: 'shop_cdc',
        topics: ['shop.public.orders'],
        upsertEnabled: true,
        deleteEnabled: true,
        kafkaKeyFieldName: 'kafka_key',
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toEqual({
      name: 'shop-bq',
      'connector.class': 'com.wepay.kafka.connect.bigquery.BigQuerySinkConnector',
      'tasks.max': '1',
      project: 'acme-data',
      defaultDataset: 'shop_cdc',
      keySource: 'APPLICATION_DEFAULT',
      autoCreateTables: 'true',
      allowNewBigQueryFields: 'true',
      allowBigQueryRequiredFieldRelaxation: 'true',
      sanitizeTopics: 'true',
      topics: 'shop.public.orders',
      upsertEnabled: 'true',
      deleteEnabled: 'true',
      mergeIntervalMs: '60000',
      kafkaKeyFieldName: 'kafka_key',
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.delete.tombstone.handling.mode': 'tombstone',
      'transforms.unwrap.add.fields': 'op,source.ts_ms',
    });
    expect(c.config_sensitive).toBeUndefined();
  });

  test('a JSON key goes to config_sensitive only', () => {
    const json = synth((stack) => {
      new BigQuerySink(stack, 's', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'bq',
        project: 'acme-data',
        defaultDataset: 'd',
        topicsRegex: 'shop\\..*',
        keySource: 'JSON',
        keyJson: SecretValue.fromSecretManager('kcbq-key'),
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config['topics.regex']).toBe('shop\\..*');
    expect(c.config.keyfile).toBeUndefined();
    expect(c.config_sensitive.keyfile).toMatch(/^\$\{data\.google_secret_manager_secret_version\.[^}]+\.secret_data\}$/);
    expect(resources(json, 'kafka-connect_connector')).toHaveLength(1);
    expect(Object.values(json.data!.google_secret_manager_secret_version)[0]).toMatchObject({ secret: 'kcbq-key', version: 'latest' });
  });

  test('upsert or delete without kafkaKeyFieldName is refused, as are both or neither topic selectors', () => {
    const found = problems((stack) => {
      const cluster = connectCluster(stack, kafkaCluster(stack));
      new BigQuerySink(stack, 'a', { cluster, name: 'a', project: 'acme-data', defaultDataset: 'd', topics: ['t'], upsertEnabled: true });
      new BigQuerySink(stack, 'b', {
        cluster,
        name: 'b',
        project: 'acme-data',
        defaultDataset: 'bad-dataset',
        topics: ['t'],
        topicsRegex: 'x',
        keySource: 'JSON',
      });
    });
    expect(found).toEqual([
      '[test/a] upsertEnabled: true is not valid; allowed: only with kafkaKeyFieldName set: the sink merges rows by the record key',
      '[test/b] topics/topicsRegex: ["t"] is not valid; allowed: exactly one of topics and topicsRegex',
      '[test/b] defaultDataset: "bad-dataset" is not valid; allowed: letters, digits and \'_\' (BigQuery dataset ids)',
      '[test/b] keyJson: undefined is not valid; allowed: a SecretValue holding the key JSON when keySource is JSON',
    ]);
  });
});

describe('JdbcSink', () => {
  test("reproduces the talk's sqlite sink", () => {
    const json = synth((stack) => {
      new JdbcSink(stack, 'sqlite-sink', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'test-sink',
        topics: ['orders'],
        connectionUrl: 'jdbc:sqlite:test.db',
        autoCreate: true,
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.name).toBe('test-sink');
    expect(c.config).toEqual({
      name: 'test-sink',
      'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
      'tasks.max': '1',
      topics: 'orders',
      'connection.url': 'jdbc:sqlite:test.db',
      'auto.create': 'true',
    });
  });

  test('Debezium flavor upserting into PostgreSQL with the password in config_sensitive', () => {
    const json = synth((stack) => {
      new JdbcSink(stack, 'pg', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'pg-sink',
        flavor: 'debezium',
        topics: ['a'],
        connectionUrl: 'jdbc:postgresql://db:5432/app',
        connectionUser: 'sink',
        connectionPassword: SecretValue.fromVariable('sink_pw'),
        insertMode: 'upsert',
        deleteEnabled: true,
        autoCreate: true,
      });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toMatchObject({
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      'insert.mode': 'upsert',
      'primary.key.mode': 'record_key',
      'delete.enabled': 'true',
      'connection.username': 'sink',
      'schema.evolution': 'basic',
    });
    expect(c.config_sensitive).toEqual({ 'connection.password': '${var.sink_pw}' });
  });

  test('with the sources described: the Confluent flavor unwraps envelopes, the Debezium flavor reads them itself, MongoDB documents are unwrapped and flattened in both', () => {
    const sources = [
      { kind: 'postgres', topics: [{ topic: 'shop.public.orders', keyFields: ['id'] }] },
      { kind: 'mongodb', topics: [{ topic: 'profiles.profiles.merchants', keyFields: ['id'] }] },
    ];
    const json = synth((stack) => {
      const cluster = connectCluster(stack, kafkaCluster(stack));
      const common = {
        cluster,
        topics: ['shop.public.orders', 'profiles.profiles.merchants'],
        connectionUrl: 'jdbc:postgresql://db:5432/app',
        insertMode: 'upsert' as const,
        deleteEnabled: true,
        sources,
      };
      new JdbcSink(stack, 'c', { ...common, name: 'confluent' });
      new JdbcSink(stack, 'd', { ...common, name: 'debezium', flavor: 'debezium' });
    });
    const config = (name: string) => resources(json, 'kafka-connect_connector').find((c) => c.name === name).config;
    expect(config('confluent')).toMatchObject({
      transforms: 'unwrap,unwrapMongodb',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.negate': 'true',
      'transforms.unwrapMongodb.type': 'io.debezium.connector.mongodb.transforms.ExtractNewDocumentState',
      'transforms.unwrapMongodb.flatten.struct': 'true',
      'transforms.unwrapMongodb.delete.tombstone.handling.mode': 'tombstone',
      'predicates.mongodbTopics.pattern': 'profiles\\.profiles\\.merchants',
    });
    expect(config('debezium')).toMatchObject({ transforms: 'unwrapMongodb', 'transforms.unwrapMongodb.predicate': 'mongodbTopics' });
    expect(config('debezium')['transforms.unwrap.type']).toBeUndefined();
    const found = problems((stack) => {
      new JdbcSink(stack, 'x', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'x',
        topics: ['e.risk.events'],
        connectionUrl: 'jdbc:postgresql://db:5432/app',
        sources: [{ kind: 'cassandra', topics: [{ topic: 'e.risk.events', keyFields: ['id'] }] }],
      });
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^\[test\/x\] sources\[0\]: "cassandra: e\.risk\.events" is not valid; allowed: change events JDBC sink x can write: postgres, mysql, mariadb, mongodb, spanner /,
      ),
    ]);
  });

  test('no password in the URL, upsert needs a key', () => {
    const found = problems((stack) => {
      new JdbcSink(stack, 'x', {
        cluster: connectCluster(stack, kafkaCluster(stack)),
        name: 'x',
        topics: ['a'],
        connectionUrl: 'jdbc:mysql://db/app?password=hunter2',
        insertMode: 'upsert',
        primaryKeyMode: 'none',
      });
    });
    expect(found).toEqual([
      '[test/x] connectionUrl: "(hidden: contains a password)" is not valid; allowed: a URL without credentials; pass connectionPassword as a SecretValue',
      '[test/x] primaryKeyMode: "none" is not valid; allowed: record_key, record_value or kafka with insertMode upsert',
    ]);
  });
});

describe('BigQuerySink identity (audit #2)', () => {
  const bareConnect = (stack: any) =>
    new KafkaConnectCluster(stack, 'connect', {
      url: 'https://connect:8083',
      kafka: kafkaCluster(stack),
      kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('cp') },
    });

  test("audit #2: APPLICATION_DEFAULT without the Connect workers' Google identity is a synth error, not a 403 at the first write", () => {
    expect(
      problems(
        (stack) => new BigQuerySink(stack, 's', { cluster: bareConnect(stack), name: 'bq', project: 'acme-data', defaultDataset: 'shop_cdc', topics: ['t'] }),
      ),
    ).toEqual([
      "[test/s] keySource: \"APPLICATION_DEFAULT\" is not valid; allowed: JSON or FILE, or 'APPLICATION_DEFAULT' with googleServiceAccount set on KafkaConnectCluster test/connect: the sink writes as the Connect workers' own Google identity, which must get write on dataset shop_cdc and BigQuery Job User",
    ]);
    // With a key the sink runs as the key's account: nothing of the workers' is needed.
    expect(
      problems(
        (stack) =>
          new BigQuerySink(stack, 's', {
            cluster: bareConnect(stack),
            name: 'bq',
            project: 'acme-data',
            defaultDataset: 'd',
            topics: ['t'],
            keySource: 'JSON',
            keyJson: SecretValue.fromSecretManager('k'),
          }),
      ),
    ).toEqual([]);
  });

  test("audit #2: the sink's writer is the workers' account, granted BigQuery Job User once per project however many sinks", () => {
    let sinks: BigQuerySink[] = [];
    const json = synth((stack) => {
      const cluster = connectCluster(stack, kafkaCluster(stack));
      sinks = ['a', 'b'].map((n) => new BigQuerySink(stack, n, { cluster, name: n, project: 'acme-data', defaultDataset: n, topics: [n] }));
    });
    expect(sinks.map((s) => s.writerMember)).toEqual([
      'serviceAccount:kafka-connect@acme-data.iam.gserviceaccount.com',
      'serviceAccount:kafka-connect@acme-data.iam.gserviceaccount.com',
    ]);
    expect(resources(json, 'google_project_iam_member').map((m) => `${m.project} ${m.role} ${m.member}`)).toEqual([
      'acme-data roles/bigquery.jobUser serviceAccount:kafka-connect@acme-data.iam.gserviceaccount.com',
    ]);
  });

  test('audit #2: a cluster that gets its identity after a sink was created is reported on that sink', () => {
    expect(
      problems((stack) => {
        const cluster = bareConnect(stack);
        new BigQuerySink(stack, 's', { cluster, name: 'bq', project: 'acme-data', defaultDataset: 'd', topics: ['t'] });
        cluster.useGoogleServiceAccount('late@acme-data.iam.gserviceaccount.com');
      }),
    ).toEqual([
      '[test/s] keySource: "APPLICATION_DEFAULT" is not valid; allowed: a sink created after its cluster\'s googleServiceAccount is set (KafkaConnectCluster test/connect got it later): set it when declaring the cluster',
    ]);
  });
});

import { SecretValue } from '../../constructs/core/secret-value';
import { DebeziumMongoDbSource, DebeziumMongoDbSourceProps } from '../../constructs/connect/debezium-mongodb-source';
import { problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster } from '../fixtures';

const props = (stack: any, overrides: Partial<DebeziumMongoDbSourceProps> = {}): DebeziumMongoDbSourceProps => ({
  cluster: connectCluster(stack, kafkaCluster(stack)),
  logicalName: 'profiles',
  connectionString: 'mongodb://m1:27017,m2:27017/?replicaSet=rs0&tls=true',
  databaseName: 'profiles',
  collections: [
    { name: 'merchants', primaryKey: ['_id'], labels: ['search'] },
    { name: 'archive.old_merchants', primaryKey: ['_id'] },
  ],
  user: 'debezium',
  password: SecretValue.fromVariable('mongo_password'),
  ...overrides,
});

describe('DebeziumMongoDbSource', () => {
  test('reads change streams into <prefix>.<database>.<collection>, password only in config_sensitive', () => {
    let source!: DebeziumMongoDbSource;
    const json = synth((stack) => {
      source = new DebeziumMongoDbSource(stack, 'mongo', props(stack));
    });
    expect(source.topics).toEqual(['profiles.profiles.merchants', 'profiles.archive.old_merchants']);
    expect(source.captured.map((c) => [c.table, c.description.labels])).toEqual([
      ['profiles.merchants', ['search']],
      ['archive.old_merchants', undefined],
    ]);
    expect(source.sourceKind).toBe('mongodb');
    expect(source.producerPrincipal).toBe('User:connect');
    expect(source.internalTopics).toEqual([
      { name: '__debezium-heartbeat.profiles', partitions: 1, config: { cleanupPolicy: 'delete', retentionMs: 86400000 }, consumed: false },
    ]);
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.name).toBe('profiles-mongodb-source');
    expect(c.config).toEqual({
      name: 'profiles-mongodb-source',
      'connector.class': 'io.debezium.connector.mongodb.MongoDbConnector',
      'tasks.max': '1',
      'mongodb.connection.string': 'mongodb://m1:27017,m2:27017/?replicaSet=rs0&tls=true',
      'topic.prefix': 'profiles',
      'database.include.list': 'profiles,archive',
      'collection.include.list': 'profiles.merchants,archive.old_merchants',
      'capture.mode': 'change_streams_update_full',
      'snapshot.mode': 'initial',
      'heartbeat.interval.ms': '10000',
      'tombstones.on.delete': 'true',
      'mongodb.user': 'debezium',
      'mongodb.authsource': 'admin',
    });
    expect(c.config_sensitive).toEqual({ 'mongodb.password': '${var.mongo_password}' });
  });

  test('without authentication and heartbeats: no user keys, no internal topics', () => {
    let source!: DebeziumMongoDbSource;
    const json = synth((stack) => {
      source = new DebeziumMongoDbSource(
        stack,
        'mongo',
        props(stack, { user: undefined, password: undefined, heartbeatIntervalMs: 0, topicPrefix: 'crm', captureMode: 'change_streams' }),
      );
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.name).toBe('crm-mongodb-source');
    expect(c.config['mongodb.user']).toBeUndefined();
    expect(c.config['capture.mode']).toBe('change_streams');
    expect(c.config_sensitive).toBeUndefined();
    expect(source.internalTopics).toEqual([]);
    expect(source.topics[0]).toBe('crm.profiles.merchants');
  });

  test('each bad prop is reported', () => {
    const found = problems((stack) => {
      new DebeziumMongoDbSource(
        stack,
        'a',
        props(stack, {
          logicalName: '_p',
          connectionString: 'mongodb://admin:s3cret@m1:27017',
          databaseName: 'bad db',
          user: 'x',
          password: undefined,
          captureMode: 'oplog' as any,
          snapshotMode: 'always' as any,
          heartbeatIntervalMs: -1,
          collections: [
            { name: 'a b', primaryKey: [] },
            { name: 'profiles.merchants', primaryKey: ['_id'], columns: [{ name: 'e', sensitivity: 'secret' as any }] },
            { name: 'profiles.merchants', primaryKey: ['_id'] },
          ],
          extraConfig: { 'mongodb.password': 'x', 'snapshot.mode': 'never' },
        }),
      );
    });
    expect(found).toEqual([
      "[test/a] logicalName: \"_p\" is not valid; allowed: a letter, then letters, digits, '_' or '-'",
      '[test/a] connectionString: "(hidden: contains credentials)" is not valid; allowed: a connection string without user or password; pass user and password as props',
      "[test/a] databaseName: \"bad db\" is not valid; allowed: 1-63 letters, digits, '_' or '-'",
      "[test/a] collections[0].name: \"a b\" is not valid; allowed: 'collection' or 'database.collection' of letters, digits, '_' and '-'",
      '[test/a] collections[0].primaryKey: [] is not valid; allowed: at least one key field (CDC keys events by it)',
      '[test/a] collections[1].columns[0].sensitivity: "secret" is not valid; allowed: public, internal, confidential, pii, pii-high, pci, phi',
      '[test/a] collections[2].name: "profiles.merchants" is not valid; allowed: each one once',
      '[test/a] user/password: "x" is not valid; allowed: both or neither',
      '[test/a] captureMode: "oplog" is not valid; allowed: change_streams, change_streams_update_full, change_streams_with_pre_image, change_streams_update_full_with_pre_image',
      '[test/a] snapshotMode: "always" is not valid; allowed: initial, initial_only, no_data, when_needed',
      '[test/a] heartbeatIntervalMs: -1 is not valid; allowed: 0 (off) or a positive integer of milliseconds',
      '[test/a] extraConfig[\'mongodb.password\']: "x" is not valid; allowed: a key this construct does not set itself; use the matching prop',
      '[test/a] extraConfig[\'snapshot.mode\']: "never" is not valid; allowed: a key this construct does not set itself; use the matching prop',
      '[test/a/connector] config[\'mongodb.password\']: "(hidden)" is not valid; allowed: no secret in plain config: pass it in sensitiveConfig as a SecretValue',
    ]);
    const more = problems((stack) => new DebeziumMongoDbSource(stack, 'b', props(stack, { connectionString: 'http://m1', collections: [] })));
    expect(more).toEqual([
      "[test/b] connectionString: \"http://m1\" is not valid; allowed: a 'mongodb://' or 'mongodb+srv://' connection string",
      '[test/b] collections: [] is not valid; allowed: at least one',
    ]);
  });
});

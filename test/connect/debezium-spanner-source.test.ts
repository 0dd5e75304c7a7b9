import { SecretValue } from '../../constructs/core/secret-value';
import { DebeziumSpannerSource, DebeziumSpannerSourceProps } from '../../constructs/connect/debezium-spanner-source';
import { aclSet, problems, resources, synth } from '../helpers';
import { IntegrationPlatform } from '../../constructs/stages/integration-platform';
import { connectCluster, kafkaCluster } from '../fixtures';

const props = (stack: any, overrides: Partial<DebeziumSpannerSourceProps> = {}): DebeziumSpannerSourceProps => ({
  cluster: connectCluster(stack, kafkaCluster(stack)),
  logicalName: 'balances',
  project: 'acme-data',
  instanceId: 'ledger-spanner',
  databaseId: 'balances',
  changeStream: 'balances_changes',
  tables: [
    { name: 'Balances', primaryKey: ['AccountId'], labels: ['finance'] },
    { name: 'Holds', primaryKey: ['AccountId', 'HoldId'] },
  ],
  ...overrides,
});

describe('DebeziumSpannerSource', () => {
  test('reads the change stream into <prefix>.<Table>, coordinating through its sync and rebalancing topics', () => {
    let source!: DebeziumSpannerSource;
    const json = synth((stack) => {
      source = new DebeziumSpannerSource(stack, 'spanner', props(stack));
    });
    expect(source.topics).toEqual(['balances.Balances', 'balances.Holds']);
    expect(source.sourceKind).toBe('spanner');
    expect(source.internalTopics).toEqual([
      {
        name: '_sync_topic_spanner_connector_balances-spanner-source',
        partitions: 1,
        config: { cleanupPolicy: 'compact' },
        consumed: true,
        group: 'balances-spanner-source',
        groupIsPrefix: true,
      },
      {
        name: '_rebalancing_topic_spanner_connector_balances-spanner-source',
        partitions: 2,
        config: { cleanupPolicy: 'delete', retentionMs: 86400000 },
        consumed: true,
        group: 'balances-spanner-source',
        groupIsPrefix: true,
      },
      { name: '__debezium-heartbeat.balances', partitions: 1, config: { cleanupPolicy: 'delete', retentionMs: 86400000 }, consumed: false },
    ]);
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toEqual({
      name: 'balances-spanner-source',
      'connector.class': 'io.debezium.connector.spanner.SpannerConnector',
      'tasks.max': '2',
      'gcp.spanner.project.id': 'acme-data',
      'gcp.spanner.instance.id': 'ledger-spanner',
      'gcp.spanner.database.id': 'balances',
      'gcp.spanner.change.stream': 'balances_changes',
      'topic.prefix': 'balances',
      'table.include.list': 'Balances,Holds',
      'tombstones.on.delete': 'true',
      'connector.spanner.sync.kafka.bootstrap.servers': 'b1:9093,b2:9093,b3:9093',
      'connector.spanner.sync.topic': '_sync_topic_spanner_connector_balances-spanner-source',
      'connector.spanner.rebalancing.topic': '_rebalancing_topic_spanner_connector_balances-spanner-source',
      'kafka.internal.client.security.protocol': 'SASL_SSL',
      'kafka.internal.client.sasl.mechanism': 'SCRAM-SHA-512',
    });
    expect(c.config_sensitive).toEqual({
      'kafka.internal.client.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="${var.connect_password}";',
    });
  });

  test('audit #7: the heartbeat topic the connector always writes (__debezium-heartbeat.<prefix>) is created and the workers may produce to it', () => {
    // debezium-connector-spanner SpannerHeartbeat.isEnabled() returns true and every change-stream
    // heartbeat record is dispatched (SpannerStreamingChangeEventSource: alwaysDispatchHeartbeatEvent),
    // to the topic naming strategy's heartbeatTopic(): `__debezium-heartbeat.<topic.prefix>`.
    let source!: DebeziumSpannerSource;
    const json = synth((stack) => {
      const p = props(stack);
      source = new DebeziumSpannerSource(stack, 'spanner', p);
      new IntegrationPlatform(stack, 'integration', {
        kafka: p.cluster.kafka,
        connect: p.cluster,
        captures: [source],
        sinks: [{ kind: 'connector', name: 'any', select: { source: 'balances' }, connectorClass: 'com.acme.Sink' }],
      });
    });
    expect(source.heartbeatTopic).toBe('__debezium-heartbeat.balances');
    expect(source.internalTopics).toContainEqual({
      name: '__debezium-heartbeat.balances',
      partitions: 1,
      config: { cleanupPolicy: 'delete', retentionMs: 86400000 },
      consumed: false,
    });
    expect(resources(json, 'kafka_topic').map((t) => t.name)).toContain('__debezium-heartbeat.balances');
    expect(aclSet(json).filter((a) => a.includes('__debezium-heartbeat'))).toEqual([
      'Allow User:connect Describe Topic:Literal:__debezium-heartbeat.balances',
      'Allow User:connect Write Topic:Literal:__debezium-heartbeat.balances',
    ]);
  });

  test('a key JSON from Secret Manager goes to config_sensitive', () => {
    const json = synth(
      (stack) => new DebeziumSpannerSource(stack, 'spanner', props(stack, { credentialsJson: SecretValue.fromSecretManager('spanner-cdc-key'), tasksMax: 4 })),
    );
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config_sensitive['gcp.spanner.credentials.json']).toMatch(/^\$\{data\.google_secret_manager_secret_version\..*\.secret_data\}$/);
    expect(JSON.stringify(c.config)).not.toContain('credentials');
    expect(c.config['tasks.max']).toBe('4');
  });

  test('each bad prop is reported', () => {
    const found = problems((stack) => {
      new DebeziumSpannerSource(
        stack,
        's',
        props(stack, {
          project: 'ACME',
          instanceId: 'Ledger',
          databaseId: 'b',
          changeStream: '1stream',
          tasksMax: 0,
          tables: [
            { name: 'bad.table', primaryKey: ['id'] },
            { name: 'Holds', primaryKey: [] },
          ],
          extraConfig: { 'gcp.spanner.credentials.path': '/key.json', 'topic.prefix': 'x' },
        }),
      );
    });
    expect(found).toEqual([
      '[test/s] project: "ACME" is not valid; allowed: a Google Cloud project id (6-30 lowercase letters, digits, hyphens)',
      '[test/s] instanceId: "Ledger" is not valid; allowed: 2-64 lowercase letters, digits or \'-\', starting with a letter',
      "[test/s] databaseId: \"b\" is not valid; allowed: 2-30 lowercase letters, digits, '_' or '-', starting with a letter",
      '[test/s] changeStream: "1stream" is not valid; allowed: a Spanner identifier: a letter, then letters, digits or \'_\'',
      '[test/s] tables[0].name: "bad.table" is not valid; allowed: a Spanner table name: a letter, then letters, digits or \'_\'',
      '[test/s] tables[1].primaryKey: [] is not valid; allowed: at least one key field (CDC keys events by it)',
      '[test/s] tasksMax: 0 is not valid; allowed: an integer from 1 to 1000',
      '[test/s] extraConfig[\'gcp.spanner.credentials.path\']: "/key.json" is not valid; allowed: a key this construct does not set itself; use the matching prop',
      '[test/s] extraConfig[\'topic.prefix\']: "x" is not valid; allowed: a key this construct does not set itself; use the matching prop',
      '[test/s/connector] tasksMax: 0 is not valid; allowed: an integer from 1 to 1000',
      '[test/s/connector] config[\'gcp.spanner.credentials.path\']: "(hidden)" is not valid; allowed: no secret in plain config: pass it in sensitiveConfig as a SecretValue',
    ]);
  });
});

import { DebeziumPostgresSource } from '../../constructs/connect/debezium-postgres-source';
import { DebeziumMySqlSource, stableServerId } from '../../constructs/connect/debezium-mysql-source';
import { CloudSqlSourceDatabase } from '../../constructs/sources/cloud-sql-source-database';
import { SecretValue } from '../../constructs/core/secret-value';
import { problems, resources, synth } from '../helpers';
import { connectCluster, kafkaCluster, mysqlSource, postgresSource } from '../fixtures';

describe('DebeziumPostgresSource', () => {
  test('captures the tables with pgoutput into <prefix>.<schema>.<table> topics', () => {
    let source!: DebeziumPostgresSource;
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      source = new DebeziumPostgresSource(stack, 'pg', {
        cluster: connectCluster(stack, kafka),
        database: postgresSource(stack),
        signalTable: 'debezium_signal',
      });
    });
    expect(source.topics).toEqual(['shop.public.orders', 'shop.billing.invoices']);
    expect(source.heartbeatTopic).toBe('__debezium-heartbeat.shop');
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.name).toBe('shop-postgres-source');
    expect(c.config).toEqual({
      name: 'shop-postgres-source',
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'database.hostname': 'pg.internal',
      'database.port': '5432',
      'database.user': 'cdc',
      'database.dbname': 'shop',
      'topic.prefix': 'shop',
      'plugin.name': 'pgoutput',
      'slot.name': 'shop_debezium',
      'publication.name': 'shop_publication',
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.orders,billing.invoices',
      'snapshot.mode': 'initial',
      'tombstones.on.delete': 'true',
      'decimal.handling.mode': 'precise',
      'heartbeat.interval.ms': '10000',
      'signal.data.collection': 'public.debezium_signal',
    });
    expect(c.config_sensitive).toEqual({ 'database.password': '${var.pg_password}' });
  });

  test('validates engine, tables, slot and snapshot mode together', () => {
    const found = problems((stack) => {
      const kafka = kafkaCluster(stack);
      new DebeziumPostgresSource(stack, 'pg', {
        cluster: connectCluster(stack, kafka),
        database: mysqlSource(stack),
        tables: ['nope'],
        slotName: 'Bad-Slot',
        snapshotMode: 'recovery',
        extraConfig: { 'slot.name': 'x' },
      });
    });
    expect(found).toEqual([
      '[test/pg] database.engine: "mysql" is not valid; allowed: postgres (use DebeziumMySqlSource for mysql/mariadb)',
      '[test/pg] slotName: "Bad-Slot" is not valid; allowed: 1-63 lowercase letters, digits or \'_\' (PostgreSQL slot names)',
      '[test/pg] snapshotMode: "recovery" is not valid; allowed: initial, initial_only, no_data, never, when_needed, always',
      '[test/pg] tables[0]: "public.nope" is not valid; allowed: a table of database legacy: public.users, public.payments',
      '[test/pg] extraConfig[\'slot.name\']: "x" is not valid; allowed: a key this construct does not set itself; use the matching prop',
    ]);
  });
});

describe('DebeziumPostgresSource on a database with its own publication', () => {
  const cloudSql = (stack: import('cdktf').TerraformStack) =>
    new CloudSqlSourceDatabase(stack, 'shop', {
      logicalName: 'shop',
      engine: 'postgres',
      region: 'us-central1',
      databaseName: 'shop',
      replicationPassword: SecretValue.fromVariable('shop_cdc_password'),
      tables: [{ name: 'orders', primaryKey: ['id'] }],
    });

  test('audit #17: uses the publication the setup SQL creates, and never asks Debezium to create or alter one', () => {
    let db!: CloudSqlSourceDatabase;
    const json = synth((stack) => {
      db = cloudSql(stack);
      new DebeziumPostgresSource(stack, 'pg', { cluster: connectCluster(stack, kafkaCluster(stack)), database: db });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(db.cdcPublication).toBe('shop_publication');
    expect(db.cdcSetupSql).toContain('CREATE PUBLICATION "shop_publication"');
    expect(c.config).toMatchObject({ 'publication.name': 'shop_publication', 'publication.autocreate.mode': 'disabled' });
  });

  test("audit #17: another publication name than the database's is refused at synth", () => {
    const found = problems((stack) => {
      new DebeziumPostgresSource(stack, 'pg', { cluster: connectCluster(stack, kafkaCluster(stack)), database: cloudSql(stack), publicationName: 'mine' });
    });
    expect(found).toEqual([
      '[test/pg] publicationName: "mine" is not valid; allowed: unset or "shop_publication": database shop has that publication already, and its replication user cannot create another (it does not own the tables)',
    ]);
  });
});

describe('DebeziumPostgresSource heartbeat action query (issue 19)', () => {
  const emit = "SELECT pg_logical_emit_message(false, 'heartbeat', now()::varchar)";

  test('heartbeat.action.query goes into the connector config beside heartbeat.interval.ms', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      new DebeziumPostgresSource(stack, 'pg', { cluster: connectCluster(stack, kafka), database: postgresSource(stack), heartbeatActionQuery: emit });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toMatchObject({ 'heartbeat.interval.ms': '10000', 'heartbeat.action.query': emit });
  });

  test('without heartbeats, or empty, it is refused', () => {
    const found = problems((stack) => {
      const kafka = kafkaCluster(stack);
      new DebeziumPostgresSource(stack, 'pg', {
        cluster: connectCluster(stack, kafka),
        database: postgresSource(stack),
        heartbeatIntervalMs: 0,
        heartbeatActionQuery: emit,
      });
    });
    expect(found).toEqual([
      `[test/pg] heartbeatActionQuery: ${JSON.stringify(emit)} is not valid; allowed: a SQL statement, with heartbeatIntervalMs > 0 (it runs at each heartbeat)`,
    ]);
  });
});

describe('DebeziumMySqlSource', () => {
  test('keeps schema history in Kafka with the Connect credentials in config_sensitive', () => {
    let source!: DebeziumMySqlSource;
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      source = new DebeziumMySqlSource(stack, 'my', { cluster: connectCluster(stack, kafka), database: mysqlSource(stack), serverId: 5401 });
    });
    expect(source.topics).toEqual(['legacy.app.users', 'legacy.app.payments']);
    expect(source.schemaHistoryTopic).toBe('schema-history.legacy');
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toMatchObject({
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'database.server.id': '5401',
      'database.include.list': 'app',
      'table.include.list': 'app.users,app.payments',
      'schema.history.internal.kafka.bootstrap.servers': 'b1:9093,b2:9093,b3:9093',
      'schema.history.internal.kafka.topic': 'schema-history.legacy',
      'schema.history.internal.producer.security.protocol': 'SASL_SSL',
      'schema.history.internal.producer.sasl.mechanism': 'SCRAM-SHA-512',
      'schema.history.internal.consumer.security.protocol': 'SASL_SSL',
      'tombstones.on.delete': 'true',
    });
    expect(Object.keys(c.config_sensitive).sort()).toEqual([
      'database.password',
      'schema.history.internal.consumer.sasl.jaas.config',
      'schema.history.internal.producer.sasl.jaas.config',
    ]);
    expect(c.config_sensitive['schema.history.internal.producer.sasl.jaas.config']).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="connect" password="${var.connect_password}";',
    );
    expect(JSON.stringify(c.config)).not.toContain('jaas');
  });

  test('uses the MariaDB connector for mariadb and a stable default server id', () => {
    const json = synth((stack) => {
      const kafka = kafkaCluster(stack);
      new DebeziumMySqlSource(stack, 'my', { cluster: connectCluster(stack, kafka), database: mysqlSource(stack, { engine: 'mariadb' }) });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config['connector.class']).toBe('io.debezium.connector.mariadb.MariaDbConnector');
    expect(c.config['database.server.id']).toBe(String(stableServerId('legacy')));
    expect(stableServerId('legacy')).toBe(stableServerId('legacy'));
    expect(stableServerId('legacy')).not.toBe(stableServerId('legacy2'));
  });
});

describe('DebeziumMySqlSource on Google Managed Kafka', () => {
  test('schema history clients authenticate with Google credentials (OAUTHBEARER), no password', () => {
    const { GoogleManagedKafkaCluster } = require('../../constructs/kafka/google-managed-kafka-cluster');
    const { KafkaConnectCluster } = require('../../constructs/connect/kafka-connect-cluster');
    const json = synth((stack) => {
      const kafka = new GoogleManagedKafkaCluster(stack, 'mk', {
        project: 'acme-data',
        region: 'us-central1',
        clusterId: 'events',
        subnets: ['projects/acme-data/regions/us-central1/subnetworks/default'],
      });
      const cluster = new KafkaConnectCluster(stack, 'connect', {
        url: 'https://connect:8083',
        kafka,
        workerPrincipal: 'User:connect@acme-data.iam.gserviceaccount.com',
        googleServiceAccount: 'connect@acme-data.iam.gserviceaccount.com',
      });
      new DebeziumMySqlSource(stack, 'my', { cluster, database: mysqlSource(stack) });
    });
    const [c] = resources(json, 'kafka-connect_connector');
    expect(c.config).toMatchObject({
      'schema.history.internal.kafka.bootstrap.servers': 'bootstrap.events.us-central1.managedkafka.acme-data.cloud.goog:9092',
      'schema.history.internal.producer.security.protocol': 'SASL_SSL',
      'schema.history.internal.producer.sasl.mechanism': 'OAUTHBEARER',
      'schema.history.internal.producer.sasl.login.callback.handler.class': 'com.google.cloud.hosted.kafka.auth.GcpLoginCallbackHandler',
    });
    expect(c.config_sensitive['schema.history.internal.consumer.sasl.jaas.config']).toBe(
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    );
  });
});

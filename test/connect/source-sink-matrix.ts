/**
 * Every source kind × every sink, through the constructs a user would use: the CDC worker's topics
 * go to the sink constructs themselves (the worker is not a Connect capture), Debezium's sources
 * through the IntegrationPlatform. Each cell either synthesizes with the transform chain that
 * source's events need, or is refused at synth. The README's table "Sources and sinks that work
 * together" is this matrix; test/connect/source-sink-matrix.test.ts checks each cell's config and
 * test/integration/sink-matrix-chains.test.ts runs each allowed cell's sink on that source's events.
 */
import { TerraformStack } from 'cdktf';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { BigQuerySink } from '../../constructs/connect/bigquery-sink';
import { JdbcSink } from '../../constructs/connect/jdbc-sink';
import { ElasticsearchSink } from '../../constructs/connect/elasticsearch-sink';
import { Neo4jSink } from '../../constructs/connect/neo4j-sink';
import { PubSubSink } from '../../constructs/connect/pubsub-sink';
import { SinkSource } from '../../constructs/connect/change-events';
import { DebeziumMongoDbSource } from '../../constructs/connect/debezium-mongodb-source';
import { DebeziumSpannerSource } from '../../constructs/connect/debezium-spanner-source';
import { DebeziumCassandraAgent } from '../../constructs/connect/debezium-cassandra-agent';
import { ISourceCapture } from '../../constructs/connect/source-capture';
import { CdcWorkerService } from '../../constructs/runtime/cdc-worker-service';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { IntegrationPlatform, IntegrationSink } from '../../constructs/stages/integration-platform';
import { connectCluster, kafkaCluster } from '../fixtures';

/** A source kind (a row of the matrix). */
export type SourceRow =
  'worker-postgres' | 'worker-mysql' | 'worker-mariadb' | 'debezium-postgres' | 'debezium-mysql' | 'debezium-mariadb' | 'mongodb' | 'spanner' | 'cassandra';
/** A sink (a column of the matrix). */
export type SinkColumn = 'bigquery' | 'jdbc' | 'search' | 'graph' | 'pubsub';

export const ROWS: SourceRow[] = [
  'worker-postgres',
  'worker-mysql',
  'worker-mariadb',
  'debezium-postgres',
  'debezium-mysql',
  'debezium-mariadb',
  'mongodb',
  'spanner',
  'cassandra',
];
export const COLUMNS: SinkColumn[] = ['bigquery', 'jdbc', 'search', 'graph', 'pubsub'];
const PUBLISHER = 'serviceAccount:kafka-connect@acme-data.iam.gserviceaccount.com';

/** What each cell must do: the transform that turns that source's events into rows, or a refusal. */
export const EXPECTED: Record<SourceRow, Record<SinkColumn, string>> = {
  'worker-postgres': {
    bigquery: 'ExtractNewRecordState',
    jdbc: 'envelope read by the sink',
    search: 'ExtractNewRecordState',
    graph: 'ExtractNewRecordState',
    pubsub: 'as written',
  },
  'worker-mysql': {
    bigquery: 'ExtractNewRecordState',
    jdbc: 'envelope read by the sink',
    search: 'ExtractNewRecordState',
    graph: 'ExtractNewRecordState',
    pubsub: 'as written',
  },
  'worker-mariadb': {
    bigquery: 'ExtractNewRecordState',
    jdbc: 'envelope read by the sink',
    search: 'ExtractNewRecordState',
    graph: 'ExtractNewRecordState',
    pubsub: 'as written',
  },
  'debezium-postgres': {
    bigquery: 'ExtractNewRecordState',
    jdbc: 'envelope read by the sink',
    search: 'ExtractNewRecordState',
    graph: 'ExtractNewRecordState',
    pubsub: 'as written',
  },
  'debezium-mysql': {
    bigquery: 'ExtractNewRecordState',
    jdbc: 'envelope read by the sink',
    search: 'ExtractNewRecordState',
    graph: 'ExtractNewRecordState',
    pubsub: 'as written',
  },
  'debezium-mariadb': {
    bigquery: 'ExtractNewRecordState',
    jdbc: 'envelope read by the sink',
    search: 'ExtractNewRecordState',
    graph: 'ExtractNewRecordState',
    pubsub: 'as written',
  },
  mongodb: {
    bigquery: 'ExtractNewDocumentState',
    jdbc: 'ExtractNewDocumentState',
    search: 'ExtractNewDocumentState',
    graph: 'ExtractNewDocumentState',
    pubsub: 'as written',
  },
  spanner: {
    bigquery: 'ExtractNewRecordState',
    jdbc: 'envelope read by the sink',
    search: 'ExtractNewRecordState',
    graph: 'ExtractNewRecordState',
    pubsub: 'as written',
  },
  cassandra: { bigquery: 'refused', jdbc: 'refused', search: 'refused', graph: 'refused', pubsub: 'as written' },
};

function database(stack: TerraformStack, engine: 'postgres' | 'mysql' | 'mariadb', secretManager: boolean): ExternalSourceDatabase {
  return new ExternalSourceDatabase(stack, `db-${engine}`, {
    logicalName: 'app',
    engine,
    host: 'db.internal',
    databaseName: 'app',
    replicationPassword: secretManager ? SecretValue.fromSecretManager('app-cdc-password') : SecretValue.fromVariable('app_cdc_password'),
    tables: [{ name: 'users', primaryKey: ['id'] }],
  });
}

/** The worker's topics handed to the sink constructs directly. */
function workerCell(
  stack: TerraformStack,
  kafka: KafkaCluster,
  connect: KafkaConnectCluster,
  engine: 'postgres' | 'mysql' | 'mariadb',
  sink: SinkColumn,
): void {
  const db = database(stack, engine, true);
  const worker = new CdcWorkerService(stack, 'worker', {
    project: 'acme-data',
    region: 'us-central1',
    image: 'us-docker.pkg.dev/acme-data/cdc/cdc-worker:1',
    database: db,
    kafka,
    kafkaIdentity: { username: 'cdc-app', password: SecretValue.fromSecretManager('kafka-cdc-app-password') },
  });
  const topics = Object.values(worker.topicsByTable);
  const sources: SinkSource[] = [{ kind: engine, topics: topics.map((topic) => ({ topic, keyFields: ['id'] })) }];
  const common = { cluster: connect, name: `${sink}-sink`, topics };
  if (sink === 'bigquery')
    new BigQuerySink(stack, 'sink', {
      ...common,
      project: 'acme-data',
      defaultDataset: 'lake',
      upsertEnabled: true,
      deleteEnabled: true,
      kafkaKeyFieldName: 'kafka_key',
    });
  if (sink === 'jdbc')
    new JdbcSink(stack, 'sink', {
      ...common,
      sources,
      connectionUrl: 'jdbc:postgresql://reporting:5432/r',
      flavor: 'debezium',
      insertMode: 'upsert',
      deleteEnabled: true,
    });
  if (sink === 'search') new ElasticsearchSink(stack, 'sink', { ...common, sources, connectionUrls: ['https://search:9200'] });
  if (sink === 'graph') new Neo4jSink(stack, 'sink', { ...common, sources, uri: 'neo4j+s://graph:7687' });
  if (sink === 'pubsub') new PubSubSink(stack, 'sink', { ...common, sources, project: 'acme-data', pubsubTopic: 'app-events', publisherMember: PUBLISHER });
}

/** A Debezium source captured and routed by the integration platform. */
function platformCell(stack: TerraformStack, kafka: KafkaCluster, connect: KafkaConnectCluster, row: SourceRow, sink: SinkColumn): void {
  const captures: ISourceCapture[] = [];
  const databases: ExternalSourceDatabase[] = [];
  if (row === 'debezium-postgres') databases.push(database(stack, 'postgres', false));
  if (row === 'debezium-mysql') databases.push(database(stack, 'mysql', false));
  if (row === 'debezium-mariadb') databases.push(database(stack, 'mariadb', false));
  if (row === 'mongodb') {
    captures.push(
      new DebeziumMongoDbSource(stack, 'mongo', {
        cluster: connect,
        logicalName: 'app',
        connectionString: 'mongodb://m1:27017/?replicaSet=rs0',
        databaseName: 'app',
        collections: [{ name: 'users', primaryKey: ['_id'] }],
      }),
    );
  }
  if (row === 'spanner') {
    captures.push(
      new DebeziumSpannerSource(stack, 'spanner', {
        cluster: connect,
        logicalName: 'app',
        project: 'acme-data',
        instanceId: 'app-spanner',
        databaseId: 'app',
        changeStream: 'app_changes',
        tables: [{ name: 'Users', primaryKey: ['UserId'] }],
      }),
    );
  }
  if (row === 'cassandra') {
    captures.push(
      new DebeziumCassandraAgent(stack, 'cassandra', {
        kafka,
        logicalName: 'app',
        cassandraHosts: ['c1'],
        tables: [{ name: 'app.users', primaryKey: ['id'] }],
        kafkaPassword: SecretValue.fromVariable('agent_password'),
      }),
    );
  }
  const name = `${sink}-sink`;
  const select = { source: 'app' };
  const sinks: Record<SinkColumn, IntegrationSink> = {
    bigquery: { kind: 'bigquery', name, select, datasetId: 'lake' },
    jdbc: {
      kind: 'jdbc',
      name,
      select,
      options: { connectionUrl: 'jdbc:postgresql://reporting:5432/r', flavor: 'debezium', insertMode: 'upsert', deleteEnabled: true },
    },
    search: { kind: 'search', name, select, options: { connectionUrls: ['https://search:9200'] } },
    graph: { kind: 'graph', name, select, options: { uri: 'neo4j+s://graph:7687' } },
    pubsub: { kind: 'pubsub', name, select, options: { project: 'acme-data', pubsubTopic: 'app-events', publisherMember: PUBLISHER } },
  };
  new IntegrationPlatform(stack, 'integration', { kafka, connect, databases, captures, sinks: [sinks[sink]], warehouse: { project: 'acme-data' } });
}

/** A stack holding one cell: the row's source and the column's sink connector, named `<sink>-sink`. */
export function build(row: SourceRow, sink: SinkColumn) {
  return (stack: TerraformStack) => {
    const kafka = kafkaCluster(stack);
    const connect = connectCluster(stack, kafka);
    if (row.startsWith('worker-')) workerCell(stack, kafka, connect, row.slice('worker-'.length) as 'postgres' | 'mysql' | 'mariadb', sink);
    else platformCell(stack, kafka, connect, row, sink);
  };
}

/** What the cell's sink connector does with the events, read from its synthesized config. */
export function outcome(config: Record<string, string>): string {
  if (config['value.converter'] === 'org.apache.kafka.connect.converters.ByteArrayConverter') return 'as written';
  const types = Object.entries(config)
    .filter(([k]) => /^transforms\.[^.]+\.type$/.test(k))
    .map(([, v]) => v);
  if (types.some((t) => t.endsWith('.ExtractNewDocumentState'))) return 'ExtractNewDocumentState';
  if (types.some((t) => t.endsWith('.ExtractNewRecordState'))) return 'ExtractNewRecordState';
  if (config['connector.class'] === 'io.debezium.connector.jdbc.JdbcSinkConnector') return 'envelope read by the sink';
  return 'nothing';
}

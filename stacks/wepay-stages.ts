import { TerraformStack } from 'cdktf';
import { SecretValue } from '../constructs/core/secret-value';
import { KafkaCluster } from '../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../constructs/connect/kafka-connect-cluster';
import { PipelineServiceAccount } from '../constructs/bigquery/pipeline-service-account';
import { DebeziumMongoDbSource } from '../constructs/connect/debezium-mongodb-source';
import { DebeziumSpannerSource } from '../constructs/connect/debezium-spanner-source';
import { DebeziumCassandraAgent } from '../constructs/connect/debezium-cassandra-agent';
import { CloudSqlSourceDatabase } from '../constructs/sources/cloud-sql-source-database';
import { BatchPipeline } from '../constructs/stages/batch-pipeline';
import { RealtimePipeline } from '../constructs/stages/realtime-pipeline';
import { IntegrationPlatform, IntegrationPlatformProps } from '../constructs/stages/integration-platform';
import { ReferenceStackConfig, useGoogleCloud } from './stack-config';
import { balanceTables, ledgerTables, merchantProfileCollections, monolithTables, payoutsTables, riskEventTables, riskTables } from './wepay-company';

/** Maturity stages this builder knows: none, batch, realtime, integration. */
export type WePayStage = 0 | 1 | 2 | 3;

/** What {@link buildWePayCompany} built, stage by stage. */
export interface WePayCompany {
  /** Stage 0: the CDC-ready Cloud SQL databases of the monolith and the first two services. */
  readonly databases: CloudSqlSourceDatabase[];
  /** Stage 1: Airflow on Cloud Composer copying them into BigQuery. */
  readonly batch?: BatchPipeline;
  /** Stage 2: Kafka. */
  readonly kafka?: KafkaCluster;
  /** Stage 2: Kafka Connect. */
  readonly connect?: KafkaConnectCluster;
  /** Stage 2: Debezium → Kafka → BigQuery. */
  readonly realtime?: RealtimePipeline;
  /** Stage 3: more sources and sinks on the same platform. */
  readonly integration?: IntegrationPlatform;
}

/**
 * The same company at any stage from 0 to 3. Each stage adds constructs beside the earlier ones
 * under ids that never change, so moving up a stage keeps every existing Terraform address:
 * `terraform plan` shows additions only (test/stacks/stage-upgrade.test.ts proves it).
 *
 * - 0 (2014): the monolith's and two services' MySQL on Cloud SQL, CDC-ready from day one.
 * - 1 (2016): Airflow on Cloud Composer loads them into BigQuery every day.
 * - 2 (2017): Debezium → Kafka → KCBQ keeps BigQuery current (as in `wepay-2017`).
 * - 3 (2019): plus a PostgreSQL payouts service, MongoDB merchant profiles, balances on Spanner
 *   and risk events on Cassandra; sinks for BigQuery, search, graph, a reporting database and
 *   Pub/Sub, routed by selector.
 */
export function buildWePayCompany(stack: TerraformStack, stage: WePayStage, config: ReferenceStackConfig): WePayCompany {
  useGoogleCloud(stack, config);
  // The network and its Private Services Access (the peering Cloud SQL private IPs need) belong
  // to the network team: prerequisites of these stacks, declared as such ('existing').
  const network = `projects/${config.project}/global/networks/data-platform`;
  const databases = buildWePayDatabases(stack, config, network);
  if (stage < 1) return { databases };

  const labels = { owner: 'data-platform', classification: 'confidential' };
  const batch = new BatchPipeline(stack, 'batch', {
    sources: databases,
    project: config.project,
    region: config.region,
    scheduler: 'composer',
    labels,
    composer: { environmentName: 'wepay-airflow', network, subnetwork: `projects/${config.project}/regions/${config.region}/subnetworks/data-platform` },
  });
  if (stage < 2) return { databases, batch };

  const { kafka, connect } = buildWePayStreaming(stack, config);
  const realtime = new RealtimePipeline(stack, 'realtime', {
    kafka,
    connect,
    sources: databases,
    warehouse: { project: config.project, location: 'US', labels },
  });
  if (stage < 3) return { databases, batch, kafka, connect, realtime };

  const integration = buildWePayIntegration(stack, config, { network, labels, kafka, connect, realtime });
  return { databases, batch, kafka, connect, realtime, integration };
}

/** Stage 0: the monolith's and the first two services' MySQL databases on Cloud SQL, CDC-ready. */
function buildWePayDatabases(stack: TerraformStack, config: ReferenceStackConfig, network: string): CloudSqlSourceDatabase[] {
  const replicationPassword = SecretValue.fromVariable('mysql_cdc_password');
  const cloudSql = (id: string, logicalName: string, databaseName: string, tables = monolithTables) =>
    new CloudSqlSourceDatabase(stack, id, {
      logicalName,
      engine: 'mysql',
      region: config.region,
      databaseName,
      tables,
      replicationPassword,
      privateNetwork: network,
      privateServiceAccess: 'existing',
      labels: { owner: 'data-platform' },
    });
  return [
    cloudSql('monolith', 'monolith', 'wepay'),
    cloudSql('risk-service', 'risk', 'risk', riskTables),
    cloudSql('ledger-service', 'ledger', 'ledger', ledgerTables),
  ];
}

/** Stage 2: the Kafka cluster and the Connect workers (with the Google account they run as). */
function buildWePayStreaming(stack: TerraformStack, config: ReferenceStackConfig): { kafka: KafkaCluster; connect: KafkaConnectCluster } {
  const kafka = new KafkaCluster(stack, 'kafka', {
    bootstrapServers: ['kafka-1.data.internal:9093', 'kafka-2.data.internal:9093', 'kafka-3.data.internal:9093'],
    kafkaVersion: '3.9.0',
    brokerCount: 3,
    sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_admin_password') },
  });
  // The Connect workers run as this account: the BigQuery sinks write as it (KCBQ's APPLICATION_DEFAULT).
  const connectAccount = new PipelineServiceAccount(stack, 'connect-account', {
    project: config.project,
    accountId: 'kafka-connect',
    displayName: 'Kafka Connect workers',
  });
  const connect = new KafkaConnectCluster(stack, 'connect', {
    url: 'https://connect.data.internal:8083',
    kafka,
    workerPrincipal: 'User:connect',
    kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('kafka_connect_password') },
    googleServiceAccount: connectAccount.email,
    // Connectors hold ${secrets:…} references, resolved on the workers from mounted Secret Manager files (audit #32).
    secrets: { mountPath: '/etc/kafka-connect/secrets' },
  });
  return { kafka, connect };
}

/** What stage 3 builds on: the shared network and labels and the stage-2 platform. */
interface WePayPlatform {
  readonly network: string;
  readonly labels: Record<string, string>;
  readonly kafka: KafkaCluster;
  readonly connect: KafkaConnectCluster;
  readonly realtime: RealtimePipeline;
}

/** Stage 3: the new services' sources and the sinks they are routed to, on the stage-2 platform. */
function buildWePayIntegration(stack: TerraformStack, config: ReferenceStackConfig, platform: WePayPlatform): IntegrationPlatform {
  const { network, labels, kafka, connect, realtime } = platform;
  const payouts = new CloudSqlSourceDatabase(stack, 'payouts-service', {
    logicalName: 'payouts',
    engine: 'postgres',
    region: config.region,
    databaseName: 'payouts',
    tables: payoutsTables,
    replicationPassword: SecretValue.fromVariable('payouts_cdc_password'),
    privateNetwork: network,
    privateServiceAccess: 'existing',
    labels: { owner: 'payouts' },
  });
  const profiles = new DebeziumMongoDbSource(stack, 'merchant-profiles', {
    cluster: connect,
    logicalName: 'profiles',
    connectionString: 'mongodb://profiles-1.data.internal:27017,profiles-2.data.internal:27017,profiles-3.data.internal:27017/?replicaSet=profiles&tls=true',
    databaseName: 'profiles',
    collections: merchantProfileCollections,
    user: 'debezium',
    password: SecretValue.fromVariable('mongodb_cdc_password'),
  });
  const balances = new DebeziumSpannerSource(stack, 'balances', {
    cluster: connect,
    logicalName: 'balances',
    project: config.project,
    instanceId: 'ledger-spanner',
    databaseId: 'balances',
    changeStream: 'balances_changes',
    tables: balanceTables,
  });
  const riskEvents = new DebeziumCassandraAgent(stack, 'risk-events', {
    kafka,
    logicalName: 'risk-events',
    cassandraHosts: ['cassandra-1.data.internal', 'cassandra-2.data.internal', 'cassandra-3.data.internal'],
    tables: riskEventTables,
    kafkaPassword: SecretValue.fromVariable('cassandra_agent_kafka_password'),
  });
  return new IntegrationPlatform(stack, 'integration', {
    kafka,
    connect,
    realtime,
    databases: [payouts],
    captures: [profiles, balances, riskEvents],
    warehouse: { project: config.project, location: 'US', labels },
    sinks: wePayIntegrationSinks(config),
  });
}

/** Stage 3's sinks, each with the selectors that route topics to it. */
function wePayIntegrationSinks(config: ReferenceStackConfig): IntegrationPlatformProps['sinks'] {
  return [
    // Every new source lands in BigQuery; new tables of these sources follow automatically. Not the
    // Cassandra risk events: their rows are cell structs no BigQuery sink chain can flatten (they go to Pub/Sub).
    {
      kind: 'bigquery',
      name: 'integration-bigquery-sink',
      select: { source: ['payouts', 'profiles', 'balances'] },
      topicsAs: 'regex',
      datasetId: 'integration_cdc',
    },
    {
      kind: 'search',
      name: 'merchant-search-sink',
      select: [{ label: 'search' }, { source: 'monolith', table: 'merchants' }],
      options: { connectionUrls: ['https://search.data.internal:9200'], username: 'connect', password: SecretValue.fromVariable('search_password') },
    },
    {
      kind: 'graph',
      name: 'risk-graph-sink',
      // One statement per table, generated from its label and key: MERGE (n:User {id: __key.id}) …
      select: [
        { label: 'risk', source: ['risk', 'balances'] },
        { source: 'monolith', table: ['users', 'payments'] },
      ],
      options: {
        uri: 'neo4j+s://graph.data.internal:7687',
        username: 'connect',
        password: SecretValue.fromVariable('graph_password'),
      },
    },
    {
      kind: 'jdbc',
      name: 'finance-reporting-sink',
      select: { label: 'finance' },
      options: {
        connectionUrl: 'jdbc:postgresql://reporting-db.data.internal:5432/reporting',
        connectionUser: 'connect',
        connectionPassword: SecretValue.fromVariable('reporting_db_password'),
        flavor: 'debezium',
        insertMode: 'upsert',
        primaryKeyMode: 'record_key',
        deleteEnabled: true,
        autoCreate: true,
      },
    },
    {
      // The events as the agent wrote them, on a Pub/Sub topic created here; the Connect workers publish.
      kind: 'pubsub',
      name: 'risk-events-pubsub-sink',
      select: { source: 'risk-events' },
      options: { project: config.project, pubsubTopic: 'risk-events', labels: { owner: 'risk' } },
    },
  ];
}

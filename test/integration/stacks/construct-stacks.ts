/**
 * Stacks for the constructs (and construct options) that no reference stack uses, so that
 * `terraform validate` and the offline plan (terraform-validate.test.ts, second-day-plan.test.ts)
 * cover every resource the library can write. Each stack is small and uses the construct the
 * way its documentation shows; names are the stacks' names in the synthesized output.
 */
import { TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { DataPipelinesApp } from '../../../constructs/core/app-validation';
import { SecretValue } from '../../../constructs/core/secret-value';
import { KafkaCluster } from '../../../constructs/kafka/kafka-cluster';
import { KafkaQuota } from '../../../constructs/kafka/kafka-quota';
import { KafkaTopic } from '../../../constructs/kafka/kafka-topic';
import { PipelineServiceAccount } from '../../../constructs/bigquery/pipeline-service-account';
import { GoogleManagedKafkaCluster } from '../../../constructs/kafka/google-managed-kafka-cluster';
import { KafkaConnectCluster } from '../../../constructs/connect/kafka-connect-cluster';
import { DebeziumMySqlSource } from '../../../constructs/connect/debezium-mysql-source';
import { BigQuerySink } from '../../../constructs/connect/bigquery-sink';
import { ElasticsearchSink } from '../../../constructs/connect/elasticsearch-sink';
import { CloudSqlSourceDatabase } from '../../../constructs/sources/cloud-sql-source-database';
import { ExternalSourceDatabase } from '../../../constructs/sources/source-database';
import { BatchPipeline } from '../../../constructs/stages/batch-pipeline';
import { CdcWorkerService } from '../../../constructs/runtime/cdc-worker-service';
import { AlertChannel } from '../../../constructs/monitoring/alert-channel';
import { CdcWorkerAlerts } from '../../../constructs/monitoring/cdc-worker-alerts';
import { WarehouseDataset } from '../../../constructs/bigquery/warehouse-dataset';
import { DataProductViews } from '../../../constructs/decentralization/data-product-views';

const PROJECT = 'acme-data-platform';
const REGION = 'us-central1';
const NETWORK = `projects/${PROJECT}/global/networks/data-platform`;

function kafkaCluster(stack: TerraformStack): KafkaCluster {
  return new KafkaCluster(stack, 'kafka', {
    bootstrapServers: ['kafka-1.data.internal:9093', 'kafka-2.data.internal:9093', 'kafka-3.data.internal:9093'],
    kafkaVersion: '3.9.0',
    brokerCount: 3,
    sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_admin_password') },
  });
}

/** The test stacks, by name: what each covers is in its comment. */
export const CONSTRUCT_TEST_STACKS: Record<string, (stack: TerraformStack) => void> = {
  // BatchPipeline with its default scheduler: BigQuery scheduled queries over federated Cloud SQL
  // connections (the reference stacks use Composer), from a PostgreSQL and a MySQL instance.
  'test-batch-scheduled-queries': (stack) => {
    new GoogleProvider(stack, 'google', { project: PROJECT, region: REGION });
    const sources = [
      // BigQuery's federation reaches Cloud SQL through a public IP only (no authorized network).
      new CloudSqlSourceDatabase(stack, 'orders', {
        logicalName: 'orders',
        engine: 'postgres',
        region: REGION,
        databaseName: 'orders',
        publicIp: true,
        tables: [
          {
            name: 'orders',
            primaryKey: ['id'],
            columns: [
              { name: 'id', type: 'bigint' },
              { name: 'email', type: 'text', sensitivity: 'pii' },
            ],
          },
        ],
        replicationPassword: SecretValue.fromVariable('orders_cdc_password'),
      }),
      new CloudSqlSourceDatabase(stack, 'shop', {
        logicalName: 'shop',
        engine: 'mysql',
        region: REGION,
        databaseName: 'shop',
        publicIp: true,
        tables: [{ name: 'carts', primaryKey: ['id'] }],
        replicationPassword: SecretValue.fromVariable('shop_cdc_password'),
      }),
    ];
    new BatchPipeline(stack, 'batch', { sources, project: PROJECT, region: REGION, everyHours: 6 });
  },

  // CdcWorkerService on a self-managed KafkaCluster, from PostgreSQL and from MariaDB (on Google's
  // managed Kafka the construct refuses it at synth: the worker speaks SASL/SCRAM only); a
  // GoogleManagedKafkaCluster with a topic and its grants (managed topics and ACLs); a KafkaQuota.
  'test-cdc-workers': (stack) => {
    new GoogleProvider(stack, 'google', { project: PROJECT, region: REGION });
    const kafka = kafkaCluster(stack);
    const managed = new GoogleManagedKafkaCluster(stack, 'managed-kafka', {
      project: PROJECT,
      region: REGION,
      clusterId: 'events',
      subnets: [`projects/${PROJECT}/regions/${REGION}/subnetworks/data-platform`],
    });
    const network = { network: NETWORK, subnetwork: `projects/${PROJECT}/regions/${REGION}/subnetworks/data-platform` };
    const pg = new ExternalSourceDatabase(stack, 'billing', {
      logicalName: 'billing',
      engine: 'postgres',
      host: '10.20.0.5',
      databaseName: 'billing',
      tables: [{ name: 'invoices', primaryKey: ['id'] }],
      replicationPassword: SecretValue.fromSecretManager('billing-cdc-password'),
    });
    const maria = new ExternalSourceDatabase(stack, 'legacy', {
      logicalName: 'legacy',
      engine: 'mariadb',
      host: '10.20.0.9',
      databaseName: 'app',
      tables: [{ name: 'users', primaryKey: ['id'] }],
      replicationPassword: SecretValue.fromSecretManager('legacy-cdc-password'),
    });
    // issue 19: signals (topic and ACLs), the heartbeat action query, and the slot alerts (distribution metrics, percentile policies)
    const billing = new CdcWorkerService(stack, 'billing-cdc', {
      project: PROJECT,
      region: REGION,
      image: 'us-docker.pkg.dev/acme-data-platform/cdc/cdc-worker:0.1.0',
      database: pg,
      kafka,
      network,
      kafkaIdentity: { username: 'cdc-billing', password: SecretValue.fromSecretManager('kafka-cdc-billing-password') },
      signals: {},
      heartbeatActionQuery: "SELECT pg_logical_emit_message(false, 'heartbeat', now()::text)",
    });
    const legacy = new CdcWorkerService(stack, 'legacy-cdc', {
      project: PROJECT,
      region: REGION,
      image: 'us-docker.pkg.dev/acme-data-platform/cdc/cdc-worker:0.1.0',
      database: maria,
      kafka,
      network,
      serverId: 4242,
      kafkaIdentity: { username: 'cdc-legacy', password: SecretValue.fromSecretManager('kafka-cdc-legacy-password') },
    });
    const oncall = new AlertChannel(stack, 'oncall', { project: PROJECT, kind: 'email', displayName: 'Data on-call', address: 'data-oncall@example.com' });
    new CdcWorkerAlerts(stack, 'cdc-alerts', { project: PROJECT, channels: [oncall], workers: [billing, legacy], maxRetainedWalBytes: 5368709120 });
    const events = new KafkaTopic(stack, 'events', { platform: managed, name: 'billing.events', partitions: 3 });
    events.grantProduce(`User:cdc-billing@${PROJECT}.iam.gserviceaccount.com`);
    events.grantConsume(`User:analytics@${PROJECT}.iam.gserviceaccount.com`, { group: 'analytics' });
    new KafkaQuota(stack, 'analytics-quota', {
      cluster: kafka,
      entityType: 'user',
      entityName: 'analytics',
      producerByteRate: 1048576,
      consumerByteRate: 2097152,
    });
  },

  // Connect options no reference stack sets: a MariaDB source with a signal table, a BigQuery sink
  // partitioning by a timestamp field, the OpenSearch flavour of the search sink; and the
  // authorized views of a data product (DataProductViews).
  'test-connect-options': (stack) => {
    new GoogleProvider(stack, 'google', { project: PROJECT, region: REGION });
    const kafka = kafkaCluster(stack);
    // The workers' Google identity: the BigQuery sink (keySource APPLICATION_DEFAULT) writes as it.
    const workers = new PipelineServiceAccount(stack, 'connect-account', {
      project: PROJECT,
      accountId: 'kafka-connect',
      displayName: 'Kafka Connect workers',
    });
    const cluster = new KafkaConnectCluster(stack, 'connect', {
      url: 'https://connect.data.internal:8083',
      kafka,
      workerPrincipal: 'User:connect',
      googleServiceAccount: workers.email,
      kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('kafka_connect_password') },
    });
    const maria = new ExternalSourceDatabase(stack, 'legacy', {
      logicalName: 'legacy',
      engine: 'mariadb',
      host: 'mariadb.data.internal',
      databaseName: 'app',
      tables: [
        { name: 'users', primaryKey: ['id'] },
        { name: 'debezium_signal', primaryKey: ['id'] },
      ],
      replicationPassword: SecretValue.fromVariable('legacy_cdc_password'),
    });
    new DebeziumMySqlSource(stack, 'legacy-capture', { cluster, database: maria, signalTable: 'debezium_signal' });
    new BigQuerySink(stack, 'orders-sink', {
      cluster,
      name: 'orders-bigquery-sink',
      project: PROJECT,
      defaultDataset: 'orders_cdc',
      topics: ['legacy.app.users'],
      upsertEnabled: true,
      deleteEnabled: true,
      kafkaKeyFieldName: 'kafka_key',
      timestampPartitionFieldName: 'created_at',
      clusteringFieldNames: ['id'],
    });
    new ElasticsearchSink(stack, 'search', {
      cluster,
      name: 'users-opensearch-sink',
      flavor: 'opensearch',
      connectionUrls: ['https://search.data.internal:9200'],
      topics: ['legacy.app.users'],
      documentIdField: 'id',
      username: 'connect',
      password: SecretValue.fromVariable('search_password'),
    });
    const source = new WarehouseDataset(stack, 'payments', { project: PROJECT, datasetId: 'payments_ledger' });
    const views = new DataProductViews(stack, 'product-views', {
      project: PROJECT,
      datasetId: 'payments_products',
      products: [
        {
          name: 'daily-volume',
          datasets: ['payments_ledger'],
          views: [
            {
              name: 'daily_volume',
              query: 'SELECT DATE(created_at) AS day, SUM(amount) AS volume FROM `acme-data-platform.payments_ledger.payments` GROUP BY day',
              sources: ['payments_ledger'],
            },
          ],
        },
      ],
      datasetById: (id) => (id === 'payments_ledger' ? source : undefined),
    });
    views.grantRead('daily-volume', 'group:analysts@wepay.example');
  },
};

/** Synthesizes the test stacks (validated like the reference app) into `outdir`/stacks/<name>. */
export function synthConstructTestStacks(outdir: string): string[] {
  const app = new DataPipelinesApp({ outdir });
  for (const [name, build] of Object.entries(CONSTRUCT_TEST_STACKS)) build(new TerraformStack(app, name));
  app.synth();
  return Object.keys(CONSTRUCT_TEST_STACKS);
}

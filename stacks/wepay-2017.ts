import { Construct } from 'constructs';
import { TerraformStack } from 'cdktf';
import { SecretValue } from '../constructs/core/secret-value';
import { KafkaCluster } from '../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../constructs/connect/kafka-connect-cluster';
import { PipelineServiceAccount } from '../constructs/bigquery/pipeline-service-account';
import { ExternalSourceDatabase } from '../constructs/sources/source-database';
import { RealtimePipeline } from '../constructs/stages/realtime-pipeline';
import { ReferenceStackConfig, useGoogleCloud } from './stack-config';
import { monolithTables, ledgerTables, riskTables } from './wepay-company';

/**
 * WePay in 2017 (stage 2, realtime): the MySQL monolith and two MySQL services are captured by
 * Debezium into Kafka, and the Kafka Connect BigQuery sink loads BigQuery.
 */
export class WePay2017Stack extends TerraformStack {
  /** The realtime pipeline. */
  public readonly pipeline: RealtimePipeline;

  constructor(scope: Construct, id: string, config: ReferenceStackConfig) {
    super(scope, id);
    useGoogleCloud(this, config);
    const kafka = new KafkaCluster(this, 'kafka', {
      bootstrapServers: ['kafka-1.data.internal:9093', 'kafka-2.data.internal:9093', 'kafka-3.data.internal:9093'],
      kafkaVersion: '3.9.0',
      brokerCount: 3,
      sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_admin_password') },
    });
    // The Connect workers run as this account: the BigQuery sinks write as it (KCBQ's APPLICATION_DEFAULT).
    const connectAccount = new PipelineServiceAccount(this, 'connect-account', {
      project: config.project,
      accountId: 'kafka-connect',
      displayName: 'Kafka Connect workers',
    });
    const connect = new KafkaConnectCluster(this, 'connect', {
      url: 'https://connect.data.internal:8083',
      kafka,
      workerPrincipal: 'User:connect',
      kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('kafka_connect_password') },
      googleServiceAccount: connectAccount.email,
      // Connectors hold ${secrets:…} references, resolved on the workers from mounted Secret Manager files (audit #32).
      secrets: { mountPath: '/etc/kafka-connect/secrets' },
    });
    const replicationPassword = SecretValue.fromVariable('mysql_cdc_password');
    const sources = [
      new ExternalSourceDatabase(this, 'monolith', {
        logicalName: 'monolith',
        engine: 'mysql',
        host: 'monolith-db.internal',
        databaseName: 'wepay',
        tables: monolithTables,
        replicationPassword,
      }),
      new ExternalSourceDatabase(this, 'risk-service', {
        logicalName: 'risk',
        engine: 'mysql',
        host: 'risk-db.internal',
        databaseName: 'risk',
        tables: riskTables,
        replicationPassword,
      }),
      new ExternalSourceDatabase(this, 'ledger-service', {
        logicalName: 'ledger',
        engine: 'mysql',
        host: 'ledger-db.internal',
        databaseName: 'ledger',
        tables: ledgerTables,
        replicationPassword,
      }),
    ];
    this.pipeline = new RealtimePipeline(this, 'realtime', {
      kafka,
      connect,
      sources,
      warehouse: { project: config.project, location: 'US', labels: { owner: 'data-platform', classification: 'confidential' } },
    });
  }
}

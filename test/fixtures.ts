import { Construct } from 'constructs';
import { SecretValue } from '../constructs/core/secret-value';
import { KafkaCluster, KafkaClusterProps } from '../constructs/kafka/kafka-cluster';
import { KafkaConnectCluster } from '../constructs/connect/kafka-connect-cluster';
import { ExternalSourceDatabase, ExternalSourceDatabaseProps } from '../constructs/sources/source-database';

/** A SASL/SCRAM cluster with three brokers. */
export function kafkaCluster(scope: Construct, overrides: Partial<KafkaClusterProps> = {}): KafkaCluster {
  return new KafkaCluster(scope, 'kafka', {
    bootstrapServers: ['b1:9093', 'b2:9093', 'b3:9093'],
    kafkaVersion: '3.9.0',
    sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_password') },
    ...overrides,
  });
}

/** A Connect cluster on that Kafka. */
export function connectCluster(scope: Construct, kafka: KafkaCluster): KafkaConnectCluster {
  return new KafkaConnectCluster(scope, 'connect', {
    url: 'https://connect:8083',
    kafka,
    kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('connect_password') },
    // The workers' Google identity: BigQuery sinks (APPLICATION_DEFAULT) write as it.
    googleServiceAccount: 'kafka-connect@acme-data.iam.gserviceaccount.com',
  });
}

/** A PostgreSQL source with two tables. */
export function postgresSource(scope: Construct, overrides: Partial<ExternalSourceDatabaseProps> = {}): ExternalSourceDatabase {
  return new ExternalSourceDatabase(scope, overrides.logicalName ?? 'shop', {
    logicalName: 'shop',
    engine: 'postgres',
    host: 'pg.internal',
    databaseName: 'shop',
    replicationPassword: SecretValue.fromVariable('pg_password'),
    tables: [
      { name: 'orders', primaryKey: ['id'], columns: [{ name: 'email', sensitivity: 'pii' }] },
      { name: 'billing.invoices', primaryKey: ['id'] },
    ],
    ...overrides,
  });
}

/** A MySQL source with two tables. */
export function mysqlSource(scope: Construct, overrides: Partial<ExternalSourceDatabaseProps> = {}): ExternalSourceDatabase {
  return new ExternalSourceDatabase(scope, overrides.logicalName ?? 'legacy', {
    logicalName: 'legacy',
    engine: 'mysql',
    host: 'mysql.internal',
    databaseName: 'app',
    replicationPassword: SecretValue.fromVariable('mysql_password'),
    tables: [
      { name: 'users', primaryKey: ['id'] },
      { name: 'payments', primaryKey: ['id'] },
    ],
    ...overrides,
  });
}

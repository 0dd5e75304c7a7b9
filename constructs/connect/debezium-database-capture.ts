import { Construct } from 'constructs';
import { ISourceDatabase } from '../sources/source-database';
import { DebeziumSourceOptions } from './debezium-common';
import { DebeziumMySqlSource } from './debezium-mysql-source';
import { DebeziumPostgresSource } from './debezium-postgres-source';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** The Debezium capture of a relational database: PostgreSQL, or MySQL/MariaDB. */
export type DebeziumDatabaseCapture = DebeziumPostgresSource | DebeziumMySqlSource;

/** Props of {@link captureDatabase}. */
export interface CaptureDatabaseProps {
  /** Connect cluster the connector runs on. */
  readonly cluster: KafkaConnectCluster;
  /** The database. */
  readonly database: ISourceDatabase;
  /** Debezium options. @default Debezium defaults chosen by the source constructs */
  readonly options?: DebeziumSourceOptions;
}

/**
 * The Debezium capture of a relational database, by engine: the one place every stage builds it.
 * The capture describes its table topics (`captured`) and the topics it needs besides them
 * (`internalTopics`: heartbeats, schema history and the group it is read back with), so a stage
 * creates exactly those topics and grants, whichever stage it is.
 */
export function captureDatabase(scope: Construct, id: string, props: CaptureDatabaseProps): DebeziumDatabaseCapture {
  const { cluster, database, options = {} } = props;
  return database.engine === 'postgres'
    ? new DebeziumPostgresSource(scope, id, { cluster, database, ...options })
    : new DebeziumMySqlSource(scope, id, { cluster, database, ...options });
}

import { Construct } from 'constructs';
import { validateProps } from '../core/validation';
import { checkTables, ISourceDatabase } from '../sources/source-database';
import { Connector } from './connector';
import {
  checkExtraConfig,
  checkHeartbeatInterval,
  debeziumRelationalSettings,
  DebeziumSourceOptions,
  heartbeatInternalTopic,
  SNAPSHOT_MODES,
} from './debezium-common';
import { KafkaConnectCluster } from './kafka-connect-cluster';
import { CaptureInternalTopic, CapturedTable, ISourceCapture } from './source-capture';

/** Props of {@link DebeziumPostgresSource}. */
export interface DebeziumPostgresSourceProps extends DebeziumSourceOptions {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** The PostgreSQL database to capture. */
  readonly database: ISourceDatabase;
  /** Connector name. @default `<topicPrefix>-postgres-source` */
  readonly connectorName?: string;
  /** Replication slot name (lowercase letters, digits, '_'). @default `<topicPrefix>_debezium` sanitized */
  readonly slotName?: string;
  /**
   * Publication name. When the database names a publication that already exists
   * ({@link ISourceDatabase.cdcPublication}, e.g. one the setup SQL of a `CloudSqlSourceDatabase`
   * creates), the connector uses that one as it is and this must be unset or the same name.
   * @default the database's `cdcPublication`, else `<topicPrefix>_publication` sanitized
   */
  readonly publicationName?: string;
  /**
   * Debezium's `heartbeat.action.query`, run on the database at each heartbeat (`heartbeatIntervalMs`
   * must be on). `SELECT pg_logical_emit_message(false, 'heartbeat', now()::varchar)` needs no table
   * and no grant: it writes WAL, so the slot keeps advancing when the captured database is quiet
   * while others on the same server are busy (their WAL is the slot's too). An INSERT into a
   * heartbeat table works too, but needs that table and an INSERT grant, which Terraform cannot
   * create in the database. @default none (heartbeats move the offsets without touching the database)
   */
  readonly heartbeatActionQuery?: string;
}

/**
 * Debezium's PostgreSQL connector (pgoutput logical decoding) capturing the given tables into
 * one topic each. It creates a filtered publication for exactly those tables, unless the database
 * already has one ({@link ISourceDatabase.cdcPublication}): then it uses that publication with
 * `publication.autocreate.mode=disabled`, because creating or altering a publication needs
 * ownership of the tables, which a replication user on Cloud SQL does not have. The connector is
 * created after the database's {@link ISourceDatabase.captureDependencies} (Debezium connects
 * to the database when the connector is created).
 */
export class DebeziumPostgresSource extends Construct implements ISourceCapture {
  /** The database's logical name. */
  public readonly sourceName: string;
  /** `postgres`. */
  public readonly sourceKind: string;
  /** Topic prefix. */
  public readonly topicPrefix: string;
  /** Table (`schema.table`) → topic. */
  public readonly topicsByTable: Record<string, string>;
  /** The captured tables, their topics and descriptions. */
  public readonly captured: CapturedTable[];
  /** Heartbeat topic, or undefined when heartbeats are off. */
  public readonly heartbeatTopic?: string;
  /** Topics besides the table topics: the heartbeat topic, when heartbeats are on. */
  public readonly internalTopics: CaptureInternalTopic[];
  /** The Connect workers' principal, which writes the topics. */
  public readonly producerPrincipal: string;
  /** The connector. */
  public readonly connector: Connector;

  constructor(scope: Construct, id: string, props: DebeziumPostgresSourceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', database: 'ISourceDatabase' });
    const db = props.database;
    const common = debeziumRelationalSettings(db, props, 'postgres');
    this.sourceName = db.logicalName;
    this.sourceKind = db.engine;
    this.topicPrefix = common.topicPrefix;
    this.topicsByTable = common.topicsByTable;
    this.captured = common.captured;
    this.heartbeatTopic = common.heartbeatTopic;
    this.internalTopics = common.heartbeatTopic ? [heartbeatInternalTopic(this.topicPrefix)] : [];
    this.producerPrincipal = props.cluster.principal;
    const prefixId = this.topicPrefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    const slot = props.slotName ?? `${prefixId}_debezium`;
    const existingPublication = db.cdcPublication;
    const publication = props.publicationName ?? existingPublication ?? `${prefixId}_publication`;
    const base: Record<string, string> = {
      ...common.config,
      'database.dbname': db.databaseName,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': publication,
      'publication.autocreate.mode': existingPublication ? 'disabled' : 'filtered',
      ...(props.heartbeatActionQuery !== undefined ? { 'heartbeat.action.query': props.heartbeatActionQuery } : {}),
    };

    validateProps(this, (p) => {
      p.check(db.engine === 'postgres', 'database.engine', db.engine, 'postgres (use DebeziumMySqlSource for mysql/mariadb)');
      p.check(/^[A-Za-z0-9._-]+$/.test(this.topicPrefix), 'topicPrefix', this.topicPrefix, "letters, digits, '.', '_' and '-'");
      p.check(/^[a-z0-9_]{1,63}$/.test(slot), 'slotName', slot, "1-63 lowercase letters, digits or '_' (PostgreSQL slot names)");
      p.check(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(publication), 'publicationName', publication, "a PostgreSQL identifier of letters, digits and '_'");
      if (existingPublication) {
        p.check(
          publication === existingPublication,
          'publicationName',
          publication,
          `unset or "${existingPublication}": database ${db.logicalName} has that publication already, and its replication user cannot create another (it does not own the tables)`,
        );
      }
      p.check(SNAPSHOT_MODES.postgres.includes(common.snapshotMode), 'snapshotMode', common.snapshotMode, SNAPSHOT_MODES.postgres.join(', '));
      checkHeartbeatInterval(p, common.heartbeatMs);
      if (props.heartbeatActionQuery !== undefined) {
        const q = props.heartbeatActionQuery;
        p.check(
          q.trim() !== '' && common.heartbeatMs > 0,
          'heartbeatActionQuery',
          q,
          'a SQL statement, with heartbeatIntervalMs > 0 (it runs at each heartbeat)',
        );
      }
      common.selected.forEach((t, i) =>
        p.check(common.known.has(t), `tables[${i}]`, t, `a table of database ${db.logicalName}: ${[...common.known].join(', ')}`),
      );
      checkTables(p, 'postgres', db.tables);
      checkExtraConfig(p, props.extraConfig, base);
    });

    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.connectorName ?? `${this.topicPrefix}-postgres-source`,
      connectorClass: 'io.debezium.connector.postgresql.PostgresConnector',
      tasksMax: 1,
      config: { ...(props.extraConfig ?? {}), ...base },
      sensitiveConfig: { 'database.password': db.replicationPassword },
    });
    this.connector.addDependency(...(db.captureDependencies ?? []));
  }

  /** Every topic this source writes to. */
  public get topics(): string[] {
    return Object.values(this.topicsByTable);
  }
}

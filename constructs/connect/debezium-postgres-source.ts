import { Construct } from 'constructs';
import { isIntIn, validateProps } from '../core/validation';
import { checkTables, ISourceDatabase, qualifiedTableName } from '../sources/source-database';
import { Connector } from './connector';
import { cdcTopicName, DebeziumSourceOptions, heartbeatTopicName, SNAPSHOT_MODES } from './debezium-common';
import { KafkaConnectCluster } from './kafka-connect-cluster';

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
  /** Publication name. @default `<topicPrefix>_publication` sanitized */
  readonly publicationName?: string;
}

/**
 * Debezium's PostgreSQL connector (pgoutput logical decoding) capturing the given tables into
 * one topic each. It creates a filtered publication for exactly those tables.
 */
export class DebeziumPostgresSource extends Construct {
  /** Topic prefix. */
  public readonly topicPrefix: string;
  /** Table (`schema.table`) → topic. */
  public readonly topicsByTable: Record<string, string>;
  /** Heartbeat topic, or undefined when heartbeats are off. */
  public readonly heartbeatTopic?: string;
  /** The connector. */
  public readonly connector: Connector;

  constructor(scope: Construct, id: string, props: DebeziumPostgresSourceProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', database: 'ISourceDatabase' });
    const db = props.database;
    this.topicPrefix = props.topicPrefix ?? db.logicalName;
    const prefixId = this.topicPrefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    const slot = props.slotName ?? `${prefixId}_debezium`;
    const publication = props.publicationName ?? `${prefixId}_publication`;
    const snapshotMode = props.snapshotMode ?? 'initial';
    const heartbeatMs = props.heartbeatIntervalMs ?? 10000;
    const selected = (props.tables ?? db.tables.map((t) => t.name)).map((t) => qualifiedTableName('postgres', db.databaseName, t));
    const known = new Set(db.tables.map((t) => qualifiedTableName('postgres', db.databaseName, t.name)));
    this.topicsByTable = Object.fromEntries(selected.map((t) => [t, cdcTopicName(this.topicPrefix, t)]));
    this.heartbeatTopic = heartbeatMs > 0 ? heartbeatTopicName(this.topicPrefix) : undefined;

    validateProps(this, (p) => {
      p.check(db.engine === 'postgres', 'database.engine', db.engine, 'postgres (use DebeziumMySqlSource for mysql/mariadb)');
      p.check(/^[A-Za-z0-9._-]+$/.test(this.topicPrefix), 'topicPrefix', this.topicPrefix, "letters, digits, '.', '_' and '-'");
      p.check(/^[a-z0-9_]{1,63}$/.test(slot), 'slotName', slot, "1-63 lowercase letters, digits or '_' (PostgreSQL slot names)");
      p.check(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(publication), 'publicationName', publication, "a PostgreSQL identifier of letters, digits and '_'");
      p.check(SNAPSHOT_MODES.postgres.includes(snapshotMode), 'snapshotMode', snapshotMode, SNAPSHOT_MODES.postgres.join(', '));
      p.check(isIntIn(heartbeatMs, 0), 'heartbeatIntervalMs', heartbeatMs, '0 (off) or a positive integer of milliseconds');
      selected.forEach((t, i) => p.check(known.has(t), `tables[${i}]`, t, `a table of database ${db.logicalName}: ${[...known].join(', ')}`));
      checkTables(p, 'postgres', db.tables);
      for (const key of Object.keys(props.extraConfig ?? {})) {
        if (key in base) p.add(`extraConfig['${key}']`, props.extraConfig![key], 'a key this construct does not set itself; use the matching prop');
      }
    });

    const base: Record<string, string> = {
      'database.hostname': db.host,
      'database.port': String(db.port),
      'database.user': db.replicationUser,
      'database.dbname': db.databaseName,
      'topic.prefix': this.topicPrefix,
      'plugin.name': 'pgoutput',
      'slot.name': slot,
      'publication.name': publication,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': selected.join(','),
      'snapshot.mode': snapshotMode,
      'tombstones.on.delete': String(props.tombstonesOnDelete ?? true),
      'decimal.handling.mode': props.decimalHandlingMode ?? 'precise',
      'heartbeat.interval.ms': String(heartbeatMs),
    };
    if (props.signalTable) base['signal.data.collection'] = qualifiedTableName('postgres', db.databaseName, props.signalTable);
    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.connectorName ?? `${this.topicPrefix}-postgres-source`,
      connectorClass: 'io.debezium.connector.postgresql.PostgresConnector',
      tasksMax: 1,
      config: { ...(props.extraConfig ?? {}), ...base },
      sensitiveConfig: { 'database.password': db.replicationPassword },
    });
  }

  /** Every topic this source writes to. */
  public get topics(): string[] {
    return Object.values(this.topicsByTable);
  }
}

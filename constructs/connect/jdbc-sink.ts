import { Construct } from 'constructs';
import { SecretValue } from '../core/secret-value';
import { validateProps } from '../core/validation';
import { addUnwrap, checkSinkSources, SinkSource, TransformChain } from './change-events';
import { Connector } from './connector';
import { KafkaConnectCluster } from './kafka-connect-cluster';

/** Which JDBC sink implementation runs on the Connect cluster. */
export type JdbcSinkFlavor = 'confluent' | 'debezium';

/** Props of {@link JdbcSink}. */
export interface JdbcSinkProps {
  /** Connect cluster. */
  readonly cluster: KafkaConnectCluster;
  /** Connector name. */
  readonly name: string;
  /** Topics to write. */
  readonly topics: string[];
  /** JDBC URL, e.g. `jdbc:postgresql://db:5432/app` or `jdbc:sqlite:test.db`. No credentials in it. */
  readonly connectionUrl: string;
  /** Database user. @default none (URL-only databases such as SQLite) */
  readonly connectionUser?: string;
  /** Database password. @default none */
  readonly connectionPassword?: SecretValue;
  /** Implementation: Confluent's `io.confluent.connect.jdbc.JdbcSinkConnector` or Debezium's. @default 'confluent' */
  readonly flavor?: JdbcSinkFlavor;
  /** Create missing tables. @default false */
  readonly autoCreate?: boolean;
  /** insert, upsert or update. @default 'insert' (the sink's own default; not written to config) */
  readonly insertMode?: 'insert' | 'upsert' | 'update';
  /** Where the primary key comes from. @default 'none' for insert, 'record_key' otherwise */
  readonly primaryKeyMode?: 'none' | 'record_key' | 'record_value' | 'kafka';
  /** Primary key columns. @default all key fields */
  readonly primaryKeyFields?: string[];
  /** Delete rows on tombstones (needs primaryKeyMode record_key). @default false */
  readonly deleteEnabled?: boolean;
  /**
   * The sources whose change events the topics carry. Given, the sink turns them into rows: the
   * Debezium flavor reads relational envelopes itself, the Confluent flavor gets
   * `ExtractNewRecordState`; MongoDB topics get `ExtractNewDocumentState` with documents flattened
   * into columns in both. Deletes become tombstones with `deleteEnabled`, `__deleted` rows
   * otherwise. Cassandra sources are refused.
   * @default plain records: no transforms
   */
  readonly sources?: SinkSource[];
  /** Maximum tasks. @default 1 */
  readonly tasksMax?: number;
  /** Extra config by the sink's own key names. @default none */
  readonly extraConfig?: Record<string, string>;
}

/** Connector classes per flavor. */
export const JDBC_SINK_CLASSES: Record<JdbcSinkFlavor, string> = {
  confluent: 'io.confluent.connect.jdbc.JdbcSinkConnector',
  debezium: 'io.debezium.connector.jdbc.JdbcSinkConnector',
};

/** A JDBC sink writing topics into a relational database (the talk's `sqlite-sink`). */
export class JdbcSink extends Construct {
  /** The connector. */
  public readonly connector: Connector;

  constructor(scope: Construct, id: string, props: JdbcSinkProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { cluster: 'KafkaConnectCluster', name: 'string', topics: 'string[]', connectionUrl: 'string' });
    const flavor = props.flavor ?? 'confluent';
    const insertMode = props.insertMode ?? 'insert';
    const pkMode = props.primaryKeyMode ?? (insertMode === 'insert' ? 'none' : 'record_key');
    const del = props.deleteEnabled ?? false;
    validateProps(this, (p) => {
      p.check(props.topics.length > 0, 'topics', props.topics, 'at least one topic');
      p.check(/^jdbc:[a-z0-9]+:/.test(props.connectionUrl), 'connectionUrl', props.connectionUrl, "a JDBC URL such as 'jdbc:postgresql://host:5432/db'");
      p.check(
        !/(password|pwd)=/i.test(props.connectionUrl),
        'connectionUrl',
        '(hidden: contains a password)',
        'a URL without credentials; pass connectionPassword as a SecretValue',
      );
      p.check(['confluent', 'debezium'].includes(flavor), 'flavor', flavor, 'confluent or debezium');
      p.check(['insert', 'upsert', 'update'].includes(insertMode), 'insertMode', insertMode, 'insert, upsert or update');
      if (insertMode !== 'insert') p.check(pkMode !== 'none', 'primaryKeyMode', pkMode, `record_key, record_value or kafka with insertMode ${insertMode}`);
      if (del) p.check(pkMode === 'record_key', 'deleteEnabled', del, "only with primaryKeyMode 'record_key'");
      p.check(
        props.connectionPassword === undefined || props.connectionUser !== undefined,
        'connectionUser',
        props.connectionUser,
        'a user name when connectionPassword is given',
      );
      checkSinkSources(p, 'jdbc', `JDBC sink ${props.name}`, props.sources);
    });
    const config: Record<string, string> = { ...(props.extraConfig ?? {}), topics: props.topics.join(','), 'connection.url': props.connectionUrl };
    if (props.insertMode !== undefined) config['insert.mode'] = insertMode;
    if (flavor === 'confluent') {
      config['auto.create'] = String(props.autoCreate ?? false);
      if (pkMode !== 'none') config['pk.mode'] = pkMode;
      if (props.primaryKeyFields) config['pk.fields'] = props.primaryKeyFields.join(',');
      if (del) config['delete.enabled'] = 'true';
      if (props.connectionUser) config['connection.user'] = props.connectionUser;
    } else {
      config['schema.evolution'] = props.autoCreate ? 'basic' : 'none';
      config['primary.key.mode'] = pkMode;
      if (props.primaryKeyFields) config['primary.key.fields'] = props.primaryKeyFields.join(',');
      if (del) config['delete.enabled'] = 'true';
      if (props.connectionUser) config['connection.username'] = props.connectionUser;
    }
    if (props.sources) {
      const chain = new TransformChain();
      addUnwrap(chain, props.sources, { deletes: del ? 'tombstone' : 'rewrite', relational: flavor !== 'debezium', flattenDocuments: true });
      Object.assign(config, chain.toConfig());
    }
    this.connector = new Connector(this, 'connector', {
      cluster: props.cluster,
      name: props.name,
      connectorClass: JDBC_SINK_CLASSES[flavor],
      tasksMax: props.tasksMax,
      config,
      sensitiveConfig: props.connectionPassword ? { 'connection.password': props.connectionPassword } : undefined,
    });
  }
}

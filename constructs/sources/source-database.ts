import { Construct, IConstruct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { SecretValue } from '../core/secret-value';
import { isIntIn, Problems, validateProps } from '../core/validation';
import { DATA_SENSITIVITIES, SourceTable } from './source-table';

/** Database engines the pipelines capture from. */
export type SourceEngine = 'postgres' | 'mysql' | 'mariadb';

/** What every stage needs to know about a source database, managed by this stack or not. */
export interface ISourceDatabase extends IConstruct {
  /** Logical name; the default topic prefix. Letters, digits, '_' and '-'. */
  readonly logicalName: string;
  /** Engine. */
  readonly engine: SourceEngine;
  /** Host name or IP that the capture process reaches. */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Database (PostgreSQL: the database; MySQL: the default schema of bare table names). */
  readonly databaseName: string;
  /** Tables to capture. */
  readonly tables: SourceTable[];
  /** User with replication rights that CDC logs in as. */
  readonly replicationUser: string;
  /** That user's password. */
  readonly replicationPassword: SecretValue;
  /**
   * Resources a capture's connector must be created after: Debezium connects to the database when
   * the connector is created, so the database and its replication user must exist by then.
   * @default none (a database managed outside the stack)
   */
  readonly captureDependencies?: ITerraformDependable[];
  /**
   * PostgreSQL: a publication of the captured tables that already exists (a DBA created it, as
   * `CloudSqlSourceDatabase.cdcSetupSql` says). A capture then uses it as it is
   * (`publication.autocreate.mode=disabled`): creating or altering a publication needs ownership of
   * the tables, which a replication user does not have.
   * @default none: the capture creates its own publication
   */
  readonly cdcPublication?: string;
}

/** Props of {@link ExternalSourceDatabase}. */
export interface ExternalSourceDatabaseProps {
  /** Logical name, used as the default topic prefix. Letters, digits, '_' and '-'. */
  readonly logicalName: string;
  /** Engine. */
  readonly engine: SourceEngine;
  /** Host the capture process reaches. */
  readonly host: string;
  /** Port. @default 5432 for postgres, 3306 for mysql and mariadb */
  readonly port?: number;
  /** Database name. */
  readonly databaseName: string;
  /** Tables to capture (at least one). */
  readonly tables: SourceTable[];
  /** Replication user. @default 'cdc' */
  readonly replicationUser?: string;
  /** Replication user's password, from a sensitive variable or Secret Manager. */
  readonly replicationPassword: SecretValue;
}

/** Checks a table list: names, keys, labels, duplicates. */
export function checkTables(p: Problems, engine: SourceEngine, tables: SourceTable[]): void {
  p.check(tables.length > 0, 'tables', tables, 'at least one table');
  const seen = new Set<string>();
  tables.forEach((t, i) => {
    const at = `tables[${i}]`;
    const parts = t.name.split('.');
    p.check(
      parts.length <= 2 && parts.every((x) => /^[A-Za-z_][A-Za-z0-9_$]*$/.test(x)),
      `${at}.name`,
      t.name,
      engine === 'postgres' ? "'table' or 'schema.table' of letters, digits, '_' and '$'" : "'table' or 'database.table' of letters, digits, '_' and '$'",
    );
    const key = qualifiedTableName(engine, '', t.name);
    p.check(!seen.has(key), `${at}.name`, t.name, 'each table once');
    seen.add(key);
    p.check(t.primaryKey.length > 0, `${at}.primaryKey`, t.primaryKey, 'at least one key column (CDC keys events by it)');
    (t.columns ?? []).forEach((c, j) => {
      if (c.sensitivity !== undefined) {
        p.check(DATA_SENSITIVITIES.includes(c.sensitivity), `${at}.columns[${j}].sensitivity`, c.sensitivity, DATA_SENSITIVITIES.join(', '));
      }
    });
  });
}

/** `schema.table` (PostgreSQL, default schema public) or `database.table` (MySQL). */
export function qualifiedTableName(engine: SourceEngine, databaseName: string, table: string): string {
  if (table.includes('.')) return table;
  return engine === 'postgres' ? `public.${table}` : databaseName ? `${databaseName}.${table}` : table;
}

/** Default port per engine. */
export function defaultPort(engine: SourceEngine): number {
  return engine === 'postgres' ? 5432 : 3306;
}

/**
 * A source database this stack does not manage (on-premises, another team's Cloud SQL, RDS…),
 * described so that capture and sinks can be derived from it.
 */
export class ExternalSourceDatabase extends Construct implements ISourceDatabase {
  public readonly logicalName: string;
  public readonly engine: SourceEngine;
  public readonly host: string;
  public readonly port: number;
  public readonly databaseName: string;
  public readonly tables: SourceTable[];
  public readonly replicationUser: string;
  public readonly replicationPassword: SecretValue;

  constructor(scope: Construct, id: string, props: ExternalSourceDatabaseProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      logicalName: 'string',
      engine: 'SourceEngine',
      host: 'string',
      databaseName: 'string',
      tables: 'SourceTable[]',
      replicationPassword: 'SecretValue',
    });
    this.logicalName = props.logicalName;
    this.engine = props.engine;
    this.host = props.host;
    this.port = props.port ?? defaultPort(props.engine);
    this.databaseName = props.databaseName;
    this.tables = props.tables;
    this.replicationUser = props.replicationUser ?? 'cdc';
    this.replicationPassword = props.replicationPassword;
    validateProps(this, (p) => {
      p.check(/^[A-Za-z][A-Za-z0-9_-]*$/.test(props.logicalName), 'logicalName', props.logicalName, "a letter, then letters, digits, '_' or '-'");
      p.check(['postgres', 'mysql', 'mariadb'].includes(props.engine), 'engine', props.engine, 'postgres, mysql or mariadb');
      p.check(props.host.length > 0, 'host', props.host, 'a host name or IP');
      p.check(isIntIn(this.port, 1, 65535), 'port', this.port, 'an integer from 1 to 65535');
      p.check(props.databaseName.length > 0, 'databaseName', props.databaseName, 'a database name');
      checkTables(p, props.engine, props.tables);
    });
  }
}

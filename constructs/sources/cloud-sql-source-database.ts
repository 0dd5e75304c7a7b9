import { Construct } from 'constructs';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import { SqlDatabase } from '@cdktf/provider-google/lib/sql-database';
import { SqlUser } from '@cdktf/provider-google/lib/sql-user';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { checkTables, defaultPort, ISourceDatabase } from './source-database';
import { SourceTable } from './source-table';

/** Engines a Cloud SQL source database can run. */
export type CloudSqlEngine = 'mysql' | 'postgres';

/** Props of {@link CloudSqlSourceDatabase}. */
export interface CloudSqlSourceDatabaseProps {
  /** Logical name, used as the default topic prefix and dataset name. A letter, then letters, digits, '_' or '-'. */
  readonly logicalName: string;
  /** Engine: Cloud SQL for MySQL or for PostgreSQL. */
  readonly engine: CloudSqlEngine;
  /** Cloud SQL `database_version`. @default 'MYSQL_8_0' for mysql, 'POSTGRES_16' for postgres */
  readonly databaseVersion?: string;
  /** Instance name: lowercase letters, digits and '-', starting with a letter, at most 98 characters. @default `<logicalName>-db` */
  readonly instanceName?: string;
  /** Google Cloud project. @default the provider's project */
  readonly project?: string;
  /** Region of the instance. */
  readonly region: string;
  /** Machine tier. @default 'db-custom-2-7680' */
  readonly tier?: string;
  /** `REGIONAL` (high availability) or `ZONAL`. @default 'REGIONAL' */
  readonly availabilityType?: 'REGIONAL' | 'ZONAL';
  /** Database the tables live in; created on the instance. */
  readonly databaseName: string;
  /** Tables, with keys, columns, sensitivity labels and selector labels (at least one). */
  readonly tables: SourceTable[];
  /** Replication user CDC and batch loads log in as. @default 'cdc' */
  readonly replicationUser?: string;
  /** That user's password, from a sensitive variable or Secret Manager. */
  readonly replicationPassword: SecretValue;
  /**
   * Days Cloud SQL keeps binary logs (MySQL) or WAL (PostgreSQL) for point-in-time recovery;
   * a capture that is down longer than this must snapshot again. @default 7
   */
  readonly logRetentionDays?: number;
  /** VPC network (self link or `projects/p/global/networks/n`) for a private IP; the capture then reaches the private IP. @default no private IP: public IP with no authorized networks, TLS required */
  readonly privateNetwork?: string;
  /** Refuse deletion (Cloud SQL's own deletion protection and Terraform's). @default true */
  readonly deletionProtection?: boolean;
  /** Extra database flags (name → value); the CDC flags set here cannot be overridden. @default none */
  readonly extraFlags?: Record<string, string>;
  /** User labels on the instance. @default none */
  readonly labels?: Record<string, string>;
}

/** Database flags that make each engine ready for change data capture. */
export const CDC_FLAGS: Record<CloudSqlEngine, Record<string, string>> = {
  // Cloud SQL writes row-based binary logs; `full` row images carry every column of the row.
  mysql: { binlog_row_image: 'full' },
  // Logical decoding lets Debezium read the WAL through pgoutput.
  postgres: { 'cloudsql.logical_decoding': 'on' },
};

/**
 * Stage 0: a Cloud SQL for MySQL or PostgreSQL instance that is ready for change data capture
 * from its first day, so that moving to the realtime stage later needs no restart:
 * - MySQL: binary logging on (Cloud SQL's binlog is row-based), `binlog_row_image=full`,
 *   binary logs kept `logRetentionDays` days;
 * - PostgreSQL: `cloudsql.logical_decoding=on`, WAL kept for point-in-time recovery.
 *
 * It creates the database and a replication user whose password comes from a {@link SecretValue}.
 * It describes its tables like {@link ExternalSourceDatabase}, so every later stage can use it.
 *
 * The user is created through the Cloud SQL API; on PostgreSQL it still needs
 * `ALTER USER cdc WITH REPLICATION;` once (Cloud SQL users are not replication users by default).
 */
export class CloudSqlSourceDatabase extends Construct implements ISourceDatabase {
  public readonly logicalName: string;
  public readonly engine: CloudSqlEngine;
  /** The instance's private IP when `privateNetwork` is set, its public IP otherwise. */
  public readonly host: string;
  public readonly port: number;
  public readonly databaseName: string;
  public readonly tables: SourceTable[];
  public readonly replicationUser: string;
  public readonly replicationPassword: SecretValue;
  /** Instance name. */
  public readonly instanceName: string;
  /** Connection name `project:region:instance`, for BigQuery federated queries and the Cloud SQL Auth Proxy. */
  public readonly connectionName: string;
  /** Region of the instance. */
  public readonly region: string;
  /** Database flags set on the instance. */
  public readonly flags: Record<string, string>;
  /** The instance resource. */
  public readonly instance: SqlDatabaseInstance;

  constructor(scope: Construct, id: string, props: CloudSqlSourceDatabaseProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { logicalName: 'string', engine: 'CloudSqlEngine', region: 'string', databaseName: 'string', tables: 'SourceTable[]', replicationPassword: 'SecretValue' });
    this.logicalName = props.logicalName;
    this.engine = props.engine;
    this.port = defaultPort(props.engine);
    this.databaseName = props.databaseName;
    this.tables = props.tables;
    this.replicationUser = props.replicationUser ?? 'cdc';
    this.replicationPassword = props.replicationPassword;
    this.instanceName = props.instanceName ?? `${props.logicalName.toLowerCase().replace(/_/g, '-')}-db`;
    this.region = props.region;
    const version = props.databaseVersion ?? (props.engine === 'mysql' ? 'MYSQL_8_0' : 'POSTGRES_16');
    const retention = props.logRetentionDays ?? 7;
    const protect = props.deletionProtection ?? true;
    const cdcFlags = CDC_FLAGS[props.engine] ?? {};
    this.flags = { ...(props.extraFlags ?? {}), ...cdcFlags };

    validateProps(this, (p) => {
      p.check(/^[A-Za-z][A-Za-z0-9_-]*$/.test(props.logicalName), 'logicalName', props.logicalName, "a letter, then letters, digits, '_' or '-'");
      p.check(['mysql', 'postgres'].includes(props.engine), 'engine', props.engine, 'mysql or postgres (Cloud SQL engines Debezium captures)');
      const family = props.engine === 'mysql' ? 'MYSQL_' : 'POSTGRES_';
      p.check(version.startsWith(family), 'databaseVersion', version, `a ${family}* version matching engine ${props.engine}`);
      if (props.engine === 'mysql') {
        p.check(version !== 'MYSQL_5_6', 'databaseVersion', version, 'MYSQL_5_7 or later (Debezium needs 5.7+)');
      } else if (props.engine === 'postgres') {
        const major = Number(version.replace(/^POSTGRES_/, ''));
        p.check(Number.isInteger(major) && major >= 10, 'databaseVersion', version, 'POSTGRES_10 or later (pgoutput needs 10+)');
      }
      p.check(/^[a-z]([-a-z0-9]{0,96}[a-z0-9])?$/.test(this.instanceName), 'instanceName', this.instanceName, "1-98 lowercase letters, digits or '-', starting with a letter");
      p.check(props.databaseName.length > 0 && /^[A-Za-z_][A-Za-z0-9_$-]{0,63}$/.test(props.databaseName), 'databaseName', props.databaseName, "a database name of letters, digits, '_', '$' or '-'");
      p.check(/^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(this.replicationUser), 'replicationUser', this.replicationUser, "1-32 letters, digits or '_', not starting with a digit");
      p.check(isIntIn(retention, 1, 7), 'logRetentionDays', retention, 'an integer from 1 to 7 (Cloud SQL keeps transaction logs at most 7 days)');
      p.check(['REGIONAL', 'ZONAL'].includes(props.availabilityType ?? 'REGIONAL'), 'availabilityType', props.availabilityType, 'REGIONAL or ZONAL');
      for (const key of Object.keys(props.extraFlags ?? {})) {
        if (key in cdcFlags) p.add(`extraFlags['${key}']`, props.extraFlags![key], 'a flag this construct does not set itself: CDC needs ' + `${key}=${cdcFlags[key]}`);
      }
      checkTables(p, props.engine, props.tables);
    });

    this.instance = new SqlDatabaseInstance(this, 'instance', {
      name: this.instanceName,
      project: props.project,
      region: props.region,
      databaseVersion: version,
      deletionProtection: protect,
      lifecycle: protect ? { preventDestroy: true } : undefined,
      settings: {
        tier: props.tier ?? 'db-custom-2-7680',
        availabilityType: props.availabilityType ?? 'REGIONAL',
        deletionProtectionEnabled: protect,
        userLabels: props.labels,
        databaseFlags: Object.entries(this.flags).map(([name, value]) => ({ name, value })),
        backupConfiguration:
          props.engine === 'mysql'
            ? { enabled: true, binaryLogEnabled: true, transactionLogRetentionDays: retention }
            : { enabled: true, pointInTimeRecoveryEnabled: true, transactionLogRetentionDays: retention },
        ipConfiguration: props.privateNetwork
          ? { ipv4Enabled: false, privateNetwork: props.privateNetwork, sslMode: 'ENCRYPTED_ONLY' }
          : { ipv4Enabled: true, sslMode: 'ENCRYPTED_ONLY' },
      },
    });
    this.host = props.privateNetwork ? this.instance.privateIpAddress : this.instance.publicIpAddress;
    this.connectionName = this.instance.connectionName;
    new SqlDatabase(this, 'database', { project: props.project, instance: this.instance.name, name: props.databaseName });
    new SqlUser(this, 'replication-user', {
      project: props.project,
      instance: this.instance.name,
      name: this.replicationUser,
      password: props.replicationPassword.resolve(this),
      host: props.engine === 'mysql' ? '%' : undefined,
      // A PostgreSQL user that owns a replication slot or publication cannot be dropped by the API.
      deletionPolicy: props.engine === 'postgres' ? 'ABANDON' : undefined,
    });
  }
}

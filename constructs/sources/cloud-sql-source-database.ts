import { Construct } from 'constructs';
import { ITerraformDependable, TerraformOutput } from 'cdktf';
import { SqlDatabaseInstance } from '@cdktf/provider-google/lib/sql-database-instance';
import { SqlDatabase } from '@cdktf/provider-google/lib/sql-database';
import { SqlUser } from '@cdktf/provider-google/lib/sql-user';
import { SecretValue } from '../core/secret-value';
import { isIntIn, validateProps } from '../core/validation';
import { checkTables, defaultPort, ISourceDatabase } from './source-database';
import { SourceTable } from './source-table';
import { PrivateServiceAccess } from './private-service-access';

/** Engines a Cloud SQL source database can run. */
export type CloudSqlEngine = 'mysql' | 'postgres';

/** Cloud SQL editions. Enterprise Plus runs only on `db-perf-optimized-N-*` tiers. */
export type CloudSqlEdition = 'ENTERPRISE' | 'ENTERPRISE_PLUS';

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
  /**
   * Cloud SQL edition, always written to `settings.edition`. Left out, the API would choose, and it
   * chooses Enterprise Plus for PostgreSQL 16 and later, which refuses `db-custom-*` tiers.
   * @default 'ENTERPRISE'
   */
  readonly edition?: CloudSqlEdition;
  /**
   * Machine tier; must suit the edition: Enterprise Plus takes `db-perf-optimized-N-<vCPUs>` only,
   * Enterprise any other tier (for PostgreSQL: `db-custom-<vCPUs>-<MB>`, `db-f1-micro` or `db-g1-small`).
   * @default 'db-custom-2-7680' (Enterprise), 'db-perf-optimized-N-2' (Enterprise Plus)
   */
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
   * a capture that is down longer than this must snapshot again. 1 to 7 on Enterprise; up to 35 on
   * Enterprise Plus for PostgreSQL. @default 7
   */
  readonly logRetentionDays?: number;
  /**
   * VPC network (self link or `projects/p/global/networks/n`) for a private IP; the capture then
   * reaches the private IP. Needs Private Services Access on the network: say how in
   * `privateServiceAccess`. @default the network of `privateServiceAccess` when it is a
   * PrivateServiceAccess, otherwise no private IP: public IP with no authorized networks, TLS required
   */
  readonly privateNetwork?: string;
  /**
   * Private Services Access of `privateNetwork`, without which Cloud SQL cannot give the instance a
   * private IP: a {@link PrivateServiceAccess} this stack creates (the instance waits for its
   * peering), or `'existing'` when the network already has it (a prerequisite, set up by whoever
   * owns the network). Required with a private IP.
   * @default none (no private IP)
   */
  readonly privateServiceAccess?: PrivateServiceAccess | 'existing';
  /**
   * Keep a public IP beside the private one. BigQuery's Cloud SQL federation (`EXTERNAL_QUERY`, the
   * scheduled-query batch loads) reaches only instances with a public IP; with no authorized
   * networks the instance is still unreachable from the internet (Google's advice for federation).
   * @default true without a private IP, false with one
   */
  readonly publicIp?: boolean;
  /**
   * PostgreSQL: name of the publication a DBA creates for the captured tables (see
   * {@link CloudSqlSourceDatabase.cdcSetupSql}). @default `<logicalName>_publication` with
   * characters other than lowercase letters, digits and '_' replaced by '_' (what a Debezium capture
   * names its publication by default)
   */
  readonly publicationName?: string;
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
 * What is decided at synth rather than left to fail at apply:
 * - the edition is always explicit (`ENTERPRISE` unless told otherwise: left out, the API picks
 *   Enterprise Plus for PostgreSQL 16+, which refuses the `db-custom-*` tiers), and a tier or a log
 *   retention the edition refuses is a synth error;
 * - a private IP needs Private Services Access on its network: either a
 *   {@link PrivateServiceAccess} of this stack (the instance depends on its peering) or
 *   `'existing'`, a prerequisite owned by whoever owns the network;
 * - `publicIp` keeps a public IP (no authorized networks) beside a private one, which BigQuery
 *   federated queries need.
 *
 * PostgreSQL prerequisite, which no Terraform resource can do: the Cloud SQL API creates the
 * replication user without the REPLICATION attribute (Debezium only logs that during validation,
 * so apply passes and the connector task fails at start), and publishing a table needs its owner.
 * The exact SQL is {@link CloudSqlSourceDatabase.cdcSetupSql}, also a Terraform output
 * (`cdc-setup-sql`): a DBA runs it once, before the capture starts. The publication it creates is
 * {@link CloudSqlSourceDatabase.cdcPublication}; captures use it as it is (Debezium
 * `publication.autocreate.mode=disabled`) rather than create or alter one.
 */
export class CloudSqlSourceDatabase extends Construct implements ISourceDatabase {
  public readonly logicalName: string;
  public readonly engine: CloudSqlEngine;
  /** The instance's private IP when it has one, its public IP otherwise. */
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
  /** The edition. */
  public readonly edition: CloudSqlEdition;
  /** Whether the instance has a public IP (BigQuery federated queries need one). */
  public readonly publicIpEnabled: boolean;
  /** The private network, when the instance has a private IP. */
  public readonly privateNetwork?: string;
  /**
   * PostgreSQL: the publication of the captured tables that {@link cdcSetupSql} creates; captures
   * use it as it is. Undefined on MySQL.
   */
  public readonly cdcPublication?: string;
  /**
   * PostgreSQL: SQL a DBA runs once before the capture starts (REPLICATION for the replication user,
   * read access and the publication of the captured tables). Also the stack output
   * `cdc-setup-sql`. Undefined on MySQL, whose Cloud SQL users can already replicate.
   */
  public readonly cdcSetupSql?: string;
  /** The database and the replication user: a capture's connector is created after both. */
  public readonly captureDependencies: ITerraformDependable[];

  constructor(scope: Construct, id: string, props: CloudSqlSourceDatabaseProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      logicalName: 'string',
      engine: 'CloudSqlEngine',
      region: 'string',
      databaseName: 'string',
      tables: 'SourceTable[]',
      replicationPassword: 'SecretValue',
    });
    this.logicalName = props.logicalName;
    this.engine = props.engine;
    this.port = defaultPort(props.engine);
    this.databaseName = props.databaseName;
    this.tables = props.tables;
    this.replicationUser = props.replicationUser ?? 'cdc';
    this.replicationPassword = props.replicationPassword;
    this.instanceName = props.instanceName ?? `${props.logicalName.toLowerCase().replace(/_/g, '-')}-db`;
    this.region = props.region;
    this.edition = props.edition ?? 'ENTERPRISE';
    const s = resolveInstanceSettings(props, this.edition);
    this.privateNetwork = props.privateNetwork ?? (s.psa instanceof PrivateServiceAccess ? s.psa.network : undefined);
    this.publicIpEnabled = props.publicIp ?? this.privateNetwork === undefined;
    this.flags = { ...(props.extraFlags ?? {}), ...s.cdcFlags };
    this.validate(props, s);

    this.instance = this.createInstance(props, s);
    this.host = this.privateNetwork ? this.instance.privateIpAddress : this.instance.publicIpAddress;
    this.connectionName = this.instance.connectionName;
    this.captureDependencies = this.createDatabaseAndUser(props);

    if (props.engine === 'postgres') {
      this.cdcPublication = props.publicationName ?? `${props.logicalName.toLowerCase().replace(/[^a-z0-9_]/g, '_')}_publication`;
      this.cdcSetupSql = postgresCdcSetupSql(
        this.instanceName,
        props.databaseName,
        this.replicationUser,
        this.cdcPublication,
        props.tables.map((t) => t.name),
      );
      new TerraformOutput(this, 'cdc-setup-sql', {
        value: this.cdcSetupSql,
        description:
          `CDC prerequisite of Cloud SQL instance ${this.instanceName}: run this SQL once before the capture starts ` +
          '(REPLICATION for the replication user and the publication of the captured tables; no Terraform resource can).',
      });
    }
  }

  /** Registers the synth-time checks of the props (all problems reported at once). */
  private validate(props: CloudSqlSourceDatabaseProps, s: InstanceSettings): void {
    const { version, plus, tier, psa, retention, maxRetention, cdcFlags } = s;
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
      p.check(
        /^[a-z]([-a-z0-9]{0,96}[a-z0-9])?$/.test(this.instanceName),
        'instanceName',
        this.instanceName,
        "1-98 lowercase letters, digits or '-', starting with a letter",
      );
      p.check(
        props.databaseName.length > 0 && /^[A-Za-z_][A-Za-z0-9_$-]{0,63}$/.test(props.databaseName),
        'databaseName',
        props.databaseName,
        "a database name of letters, digits, '_', '$' or '-'",
      );
      p.check(
        /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(this.replicationUser),
        'replicationUser',
        this.replicationUser,
        "1-32 letters, digits or '_', not starting with a digit",
      );
      if (!['ENTERPRISE', 'ENTERPRISE_PLUS'].includes(this.edition)) {
        p.add('edition', this.edition, 'ENTERPRISE or ENTERPRISE_PLUS');
      } else if (plus) {
        p.check(/^db-perf-optimized-N-\d+$/.test(tier), 'tier', tier, 'a db-perf-optimized-N-<vCPUs> tier: Cloud SQL Enterprise Plus refuses other tiers');
      } else if (tier.startsWith('db-perf-optimized-')) {
        p.add('tier', tier, "a tier of the ENTERPRISE edition (db-perf-optimized-* tiers are Enterprise Plus only; set edition: 'ENTERPRISE_PLUS')");
      } else if (props.engine === 'postgres') {
        p.check(
          /^db-(custom-\d+-\d+|f1-micro|g1-small)$/.test(tier),
          'tier',
          tier,
          'db-custom-<vCPUs>-<MB>, db-f1-micro or db-g1-small (Cloud SQL Enterprise for PostgreSQL takes only custom and shared-core machine types)',
        );
      }
      const retentionRule = !plus
        ? 'Cloud SQL Enterprise keeps transaction logs at most 7 days'
        : props.engine === 'postgres'
          ? 'Cloud SQL Enterprise Plus for PostgreSQL keeps transaction logs at most 35 days'
          : 'the provider documents 35 days for PostgreSQL and SQL Server Enterprise Plus only';
      p.check(isIntIn(retention, 1, maxRetention), 'logRetentionDays', retention, `an integer from 1 to ${maxRetention} (${retentionRule})`);
      if (psa === 'existing' && props.privateNetwork === undefined) {
        p.add('privateServiceAccess', psa, 'only with privateNetwork (or a PrivateServiceAccess, whose network it then uses)');
      } else if (psa instanceof PrivateServiceAccess && props.privateNetwork !== undefined && psa.network !== props.privateNetwork) {
        p.add('privateServiceAccess', psa.network, `a PrivateServiceAccess of privateNetwork ${props.privateNetwork}`);
      } else if (psa === undefined && this.privateNetwork !== undefined) {
        p.add(
          'privateServiceAccess',
          undefined,
          `a PrivateServiceAccess of network ${this.privateNetwork} (this stack creates the peering) or 'existing' (the network already has Private Services Access): a private IP fails at apply without it`,
        );
      }
      if (this.privateNetwork === undefined)
        p.check(this.publicIpEnabled, 'publicIp', props.publicIp, 'true without privateNetwork (an instance needs a public or a private IP)');
      p.check(['REGIONAL', 'ZONAL'].includes(props.availabilityType ?? 'REGIONAL'), 'availabilityType', props.availabilityType, 'REGIONAL or ZONAL');
      for (const key of Object.keys(props.extraFlags ?? {})) {
        if (key in cdcFlags)
          p.add(`extraFlags['${key}']`, props.extraFlags![key], 'a flag this construct does not set itself: CDC needs ' + `${key}=${cdcFlags[key]}`);
      }
      checkTables(p, props.engine, props.tables);
    });
  }

  /** The Cloud SQL instance, with the CDC flags and log retention, and no authorized networks. */
  private createInstance(props: CloudSqlSourceDatabaseProps, s: InstanceSettings): SqlDatabaseInstance {
    const { version, tier, psa, retention, protect } = s;
    return new SqlDatabaseInstance(this, 'instance', {
      name: this.instanceName,
      project: props.project,
      region: props.region,
      databaseVersion: version,
      deletionProtection: protect,
      lifecycle: protect ? { preventDestroy: true } : undefined,
      // The provider's docs: the instance does not reference the peering, so it must depend on it.
      dependsOn: psa instanceof PrivateServiceAccess ? [psa.connection] : undefined,
      settings: {
        edition: this.edition,
        tier,
        availabilityType: props.availabilityType ?? 'REGIONAL',
        deletionProtectionEnabled: protect,
        userLabels: props.labels,
        databaseFlags: Object.entries(this.flags).map(([name, value]) => ({ name, value })),
        backupConfiguration:
          props.engine === 'mysql'
            ? { enabled: true, binaryLogEnabled: true, transactionLogRetentionDays: retention }
            : { enabled: true, pointInTimeRecoveryEnabled: true, transactionLogRetentionDays: retention },
        // A public IP never has authorized networks: only the Cloud SQL connectors, the Auth Proxy
        // and BigQuery federation reach it.
        ipConfiguration: this.privateNetwork
          ? { ipv4Enabled: this.publicIpEnabled, privateNetwork: this.privateNetwork, sslMode: 'ENCRYPTED_ONLY' }
          : { ipv4Enabled: true, sslMode: 'ENCRYPTED_ONLY' },
      },
    });
  }

  /** The database and the replication user on the instance; returns both (the capture dependencies). */
  private createDatabaseAndUser(props: CloudSqlSourceDatabaseProps): ITerraformDependable[] {
    const database = new SqlDatabase(this, 'database', { project: props.project, instance: this.instance.name, name: props.databaseName });
    const user = new SqlUser(this, 'replication-user', {
      project: props.project,
      instance: this.instance.name,
      name: this.replicationUser,
      password: props.replicationPassword.resolve(this),
      host: props.engine === 'mysql' ? '%' : undefined,
      // A PostgreSQL user that owns a replication slot or publication cannot be dropped by the API.
      deletionPolicy: props.engine === 'postgres' ? 'ABANDON' : undefined,
    });
    return [database, user];
  }
}

/** The instance props with their defaults applied, and what is derived from them. */
interface InstanceSettings {
  readonly version: string;
  /** Enterprise Plus edition. */
  readonly plus: boolean;
  readonly tier: string;
  readonly psa?: PrivateServiceAccess | 'existing';
  /** Log retention in days, and the most the edition and engine allow. */
  readonly retention: number;
  readonly maxRetention: number;
  /** Deletion protection. */
  readonly protect: boolean;
  /** The engine's CDC flags. */
  readonly cdcFlags: Record<string, string>;
}

function resolveInstanceSettings(props: CloudSqlSourceDatabaseProps, edition: CloudSqlEdition): InstanceSettings {
  const plus = edition === 'ENTERPRISE_PLUS';
  return {
    version: props.databaseVersion ?? (props.engine === 'mysql' ? 'MYSQL_8_0' : 'POSTGRES_16'),
    plus,
    tier: props.tier ?? (plus ? 'db-perf-optimized-N-2' : 'db-custom-2-7680'),
    psa: props.privateServiceAccess,
    retention: props.logRetentionDays ?? 7,
    // Provider 6.50 docs of transaction_log_retention_days: 1-7, "For PostgreSQL Enterprise Plus
    // and SQL Server Enterprise Plus instances … from 1 to 35".
    maxRetention: plus && props.engine === 'postgres' ? 35 : 7,
    protect: props.deletionProtection ?? true,
    cdcFlags: CDC_FLAGS[props.engine] ?? {},
  };
}

/** A PostgreSQL identifier, double-quoted. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The SQL that makes a Cloud SQL for PostgreSQL database capturable by a replication user the
 * Cloud SQL API created: REPLICATION (only a `cloudsqlsuperuser` member can give it), read access,
 * and a publication of exactly the captured tables (only their owner can create it).
 */
export function postgresCdcSetupSql(instanceName: string, databaseName: string, user: string, publication: string, tables: string[]): string {
  const qualified = tables.map((t) => (t.includes('.') ? t.split('.') : ['public', t]));
  const schemas = [...new Set(qualified.map(([schema]) => schema))];
  const list = qualified.map((parts) => parts.map(quoteIdent).join('.')).join(', ');
  return [
    `-- CDC setup of Cloud SQL instance ${instanceName}, database ${databaseName}: run once before the CDC connector starts.`,
    '-- Terraform cannot: the Cloud SQL API creates users without REPLICATION, and only a table owner may publish a table.',
    '-- 1. As the postgres user (cloudsqlsuperuser):',
    `ALTER ROLE ${quoteIdent(user)} WITH REPLICATION;`,
    '-- 2. As the owner of the tables:',
    `GRANT USAGE ON SCHEMA ${schemas.map(quoteIdent).join(', ')} TO ${quoteIdent(user)};`,
    `GRANT SELECT ON TABLE ${list} TO ${quoteIdent(user)};`,
    `CREATE PUBLICATION ${quoteIdent(publication)} FOR TABLE ${list};`,
  ].join('\n');
}

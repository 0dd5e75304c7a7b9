import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { BigqueryConnection } from '@cdktf/provider-google/lib/bigquery-connection';
import { BigqueryConnectionIamMember } from '@cdktf/provider-google/lib/bigquery-connection-iam-member';
import { BigqueryDataTransferConfig } from '@cdktf/provider-google/lib/bigquery-data-transfer-config';
import { ComposerEnvironment } from '@cdktf/provider-google/lib/composer-environment';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object';
import { isIntIn, validateProps } from '../core/validation';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { PipelineServiceAccount } from '../bigquery/pipeline-service-account';
import { CloudSqlSourceDatabase } from '../sources/cloud-sql-source-database';
import { ISourceDatabase, qualifiedTableName } from '../sources/source-database';
import { serviceAccountId } from '../bigquery/pipeline-service-account';
import { BatchDagTable, dagFileName, renderBatchDag, selectAllSql } from './batch-dag';

/** What runs the batch loads. */
export type BatchScheduler = 'scheduled-query' | 'composer';

/** Default Composer image: an alias the Composer API resolves to its current Composer 2 / Airflow 2 release. */
export const DEFAULT_COMPOSER_IMAGE = 'composer-2-airflow-2';

/** The image version pattern of the Composer API and of the provider's `image_version` check. */
const COMPOSER_IMAGE = /^composer-(([0-9]+)(\.[0-9]+\.[0-9]+(-preview\.[0-9]+)?)?|latest)-airflow-(([0-9]+)((\.[0-9]+)(\.[0-9]+)?)?(-build\.[0-9]+)?)$/;

/** Cloud Composer (Airflow) settings, used when the scheduler is `composer`. */
export interface BatchComposerOptions {
  /** Environment name: lowercase letters, digits and '-', starting with a letter, at most 64 characters. @default 'batch-airflow' */
  readonly environmentName?: string;
  /**
   * Composer image version. The default is an alias the Composer API resolves, at creation, to its
   * current Composer 2 release with the latest Airflow 2 (the provider suppresses the diff between
   * the alias and the resolved version, so it never re-plans); a pinned image goes out of support
   * and the API then refuses to create environments with it. Google recommends Composer 3 for new
   * environments (`'composer-3-airflow-2'`); an existing Composer 2 environment cannot be moved to 3
   * in place (the provider refuses: "upgrade to composer 3 is not yet supported"), it needs a new
   * environment. Composer 1 and 2.0.x images are refused (end of life on 2026-09-15).
   * @default 'composer-2-airflow-2'
   */
  readonly imageVersion?: string;
  /** Environment size. @default 'ENVIRONMENT_SIZE_SMALL' */
  readonly environmentSize?: 'ENVIRONMENT_SIZE_SMALL' | 'ENVIRONMENT_SIZE_MEDIUM' | 'ENVIRONMENT_SIZE_LARGE';
  /** VPC network the workers run in (to reach private database IPs). @default the environment's default network */
  readonly network?: string;
  /** Subnetwork of that network. @default the environment's default subnetwork */
  readonly subnetwork?: string;
  /** Retries of each task. @default 2 */
  readonly retries?: number;
}

/** Props of {@link BatchPipeline}. */
export interface BatchPipelineProps {
  /** Source databases to copy, each with its tables. The scheduled-query scheduler needs {@link CloudSqlSourceDatabase}s. */
  readonly sources: ISourceDatabase[];
  /** Google Cloud project of the warehouse and the scheduler. */
  readonly project: string;
  /** Region of the Composer environment. @default 'us-central1' */
  readonly region?: string;
  /** BigQuery location of datasets, connections and transfers. @default 'US' */
  readonly location?: string;
  /** `scheduled-query` (BigQuery scheduled queries over a federated Cloud SQL connection, the light default) or `composer` (Airflow). @default 'scheduled-query' */
  readonly scheduler?: BatchScheduler;
  /** Hours between loads, 1 to 168. @default 24 */
  readonly everyHours?: number;
  /** Dataset id for a source. @default `<logicalName>_batch` with '-' → '_' */
  readonly datasetIdFor?: (source: ISourceDatabase) => string;
  /** Labels on datasets and the Composer environment. @default { stage: 'batch' } plus `source` on datasets */
  readonly labels?: Record<string, string>;
  /** Dataset deletion protection. @default true */
  readonly deletionProtection?: boolean;
  /** Composer settings (scheduler `composer` only). @default the defaults of {@link BatchComposerOptions} */
  readonly composer?: BatchComposerOptions;
}

/** What the batch pipeline built for one source. */
export interface BatchSourceParts {
  /** The source. */
  readonly database: ISourceDatabase;
  /** Its dataset. */
  readonly dataset: WarehouseDataset;
  /** Source table → destination table. */
  readonly tables: Record<string, string>;
  /** The scheduled query's SQL (scheduler `scheduled-query`). */
  readonly query?: string;
  /** The DAG file's content (scheduler `composer`). */
  readonly dag?: string;
  /** The loader's service account (scheduler `scheduled-query`; Composer uses one account for all). */
  readonly serviceAccount?: PipelineServiceAccount;
}

const SCHEDULERS: readonly BatchScheduler[] = ['scheduled-query', 'composer'];

/** What the per-scheduler builders of a source share. */
interface SourceParts {
  readonly scope: Construct;
  readonly db: ISourceDatabase;
  readonly props: BatchPipelineProps;
  readonly dataset: WarehouseDataset;
  readonly datasetId: string;
  readonly tables: BatchDagTable[];
  readonly tableMap: Record<string, string>;
}

/**
 * Stage 1, batch: a scheduler copies every table of every source into a BigQuery dataset per
 * source, on a schedule.
 *
 * ```
 * scheduled-query:  Cloud SQL ◀─federated connection─ BigQuery scheduled query ──▶ dataset
 * composer:         DB ──Airflow DAG (extract Parquet to GCS, load)──▶ dataset
 * ```
 *
 * - `scheduled-query` (default): per source a `google_bigquery_connection` to Cloud SQL, and a
 *   `google_bigquery_data_transfer_config` running one script of `CREATE OR REPLACE TABLE … AS
 *   SELECT * FROM EXTERNAL_QUERY(…)` as the source's own service account, which may only use
 *   that connection and write that dataset.
 * - `composer`: a Cloud Composer environment (Airflow, as WePay ran it in 2016) whose service
 *   account writes the batch datasets, one generated DAG per source uploaded to the environment's
 *   `dags/` folder, and per source an Airflow connection kept in Secret Manager.
 */
export class BatchPipeline extends Construct {
  /** Parts per source, by logical name. */
  public readonly sources: Record<string, BatchSourceParts> = {};
  /** Scheduler in use. */
  public readonly scheduler: BatchScheduler;
  /** The Composer environment (scheduler `composer`). */
  public readonly composer?: ComposerEnvironment;
  /** The Airflow workers' service account (scheduler `composer`). */
  public readonly composerServiceAccount?: PipelineServiceAccount;

  constructor(scope: Construct, id: string, props: BatchPipelineProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { sources: 'ISourceDatabase[]', project: 'string' });
    this.scheduler = props.scheduler ?? 'scheduled-query';
    const everyHours = props.everyHours ?? 24;
    const location = props.location ?? 'US';
    const region = props.region ?? 'us-central1';
    const composerOptions = props.composer ?? {};
    const environmentName = composerOptions.environmentName ?? 'batch-airflow';
    const retries = composerOptions.retries ?? 2;
    const imageVersion = composerOptions.imageVersion ?? DEFAULT_COMPOSER_IMAGE;
    const names = props.sources.map((s) => s.logicalName);

    this.validate(props, { names, everyHours, environmentName, retries, imageVersion });

    if (this.scheduler === 'composer') {
      this.composerServiceAccount = new PipelineServiceAccount(this, 'airflow-account', {
        project: props.project,
        accountId: serviceAccountId(`airflow-${environmentName}`),
        displayName: `Airflow workers of ${environmentName}`,
        projectRoles: ['roles/composer.worker', 'roles/bigquery.jobUser'],
      });
      this.composer = new ComposerEnvironment(this, 'composer', {
        project: props.project,
        region,
        name: environmentName,
        labels: { stage: 'batch', ...(props.labels ?? {}) },
        config: {
          environmentSize: composerOptions.environmentSize ?? 'ENVIRONMENT_SIZE_SMALL',
          softwareConfig: {
            imageVersion,
            airflowConfigOverrides: {
              // Airflow connections (with the database passwords) are read from Secret Manager.
              'secrets-backend': 'airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend',
              'secrets-backend_kwargs': JSON.stringify({ connections_prefix: 'airflow-connections', sep: '-' }),
            },
          },
          nodeConfig: {
            serviceAccount: this.composerServiceAccount.email,
            network: composerOptions.network,
            subnetwork: composerOptions.subnetwork,
          },
        },
      });
    }

    for (const db of props.sources) {
      if (this.sources[db.logicalName]) continue; // reported above
      this.sources[db.logicalName] = this.addSource(db, props, location, everyHours, retries);
    }
  }

  private addSource(db: ISourceDatabase, props: BatchPipelineProps, location: string, everyHours: number, retries: number): BatchSourceParts {
    const scope = new Construct(this, db.logicalName);
    const datasetId = props.datasetIdFor ? props.datasetIdFor(db) : `${db.logicalName.replace(/-/g, '_')}_batch`;
    const dataset = new WarehouseDataset(scope, 'dataset', {
      project: props.project,
      datasetId,
      location,
      labels: { stage: 'batch', source: db.logicalName.toLowerCase().replace(/[^a-z0-9_-]/g, '_'), ...(props.labels ?? {}) },
      deletionProtection: props.deletionProtection,
      description: `Scheduled full copies of ${db.engine} database ${db.logicalName}`,
    });
    const tables = batchTables(db);
    const tableMap = Object.fromEntries(tables.map((t) => [t.source, t.destination]));

    if (this.scheduler === 'composer') return this.addComposerSource({ scope, db, props, dataset, datasetId, tables, tableMap }, everyHours, retries);

    // scheduled-query: checked above that db is Cloud SQL; build nothing for others.
    if (!(db instanceof CloudSqlSourceDatabase)) return { database: db, dataset, tables: tableMap };
    return this.addScheduledQuerySource({ scope, db, props, dataset, datasetId, tables, tableMap }, db, location, everyHours);
  }

  /** Every prop checked at once: the scheduler's options, and what each source must be for it. */
  private validate(
    props: BatchPipelineProps,
    v: { names: string[]; everyHours: number; environmentName: string; retries: number; imageVersion: string },
  ): void {
    const { names, everyHours, environmentName, retries, imageVersion } = v;
    const composerOptions = props.composer ?? {};
    validateProps(this, (p) => {
      p.check(props.sources.length > 0, 'sources', names, 'at least one source database');
      names.forEach((n, i) => p.check(names.indexOf(n) === i, `sources[${i}].logicalName`, n, 'a logical name used by one source only'));
      p.check(SCHEDULERS.includes(this.scheduler), 'scheduler', this.scheduler, SCHEDULERS.join(' or '));
      p.check(isIntIn(everyHours, 1, 168), 'everyHours', everyHours, 'an integer from 1 to 168');
      if (this.scheduler === 'scheduled-query') {
        props.sources.forEach((s, i) => {
          if (!(s instanceof CloudSqlSourceDatabase)) {
            p.add(
              `sources[${i}]`,
              s.logicalName,
              "a CloudSqlSourceDatabase: BigQuery federated queries reach only Cloud SQL; use scheduler 'composer' for other databases",
            );
          } else if (!s.publicIpEnabled) {
            // BigQuery docs: "BigQuery Cloud SQL federation only supports Cloud SQL instances with public IP connectivity."
            p.add(
              `sources[${i}]`,
              s.logicalName,
              "a Cloud SQL instance with a public IP: BigQuery's Cloud SQL federation (EXTERNAL_QUERY) reaches no private IP; set publicIp: true on it (no authorized networks, so not reachable from the internet) or use scheduler 'composer'",
            );
          }
        });
        if (props.composer !== undefined) p.add('composer', props.composer, "only with scheduler 'composer'");
      } else {
        p.check(
          /^[a-z]([-a-z0-9]{0,62}[a-z0-9])?$/.test(environmentName),
          'composer.environmentName',
          environmentName,
          "1-64 lowercase letters, digits or '-', starting with a letter",
        );
        p.check(isIntIn(retries, 0, 10), 'composer.retries', retries, 'an integer from 0 to 10');
        if (composerOptions.subnetwork) p.check(!!composerOptions.network, 'composer.network', composerOptions.network, 'the network of composer.subnetwork');
        const image = COMPOSER_IMAGE.exec(imageVersion);
        if (!image) {
          p.add(
            'composer.imageVersion',
            imageVersion,
            'composer-<major or a.b.c or latest>-airflow-<x, x.y or x.y.z>[-build.N] (the pattern of the Composer API)',
          );
        } else if (image[2] === '1' || /^2\.0\./.test(image[1])) {
          p.add('composer.imageVersion', imageVersion, 'a Composer 2.1+ or 3 image: Composer 1 and 2.0.x reached end of life on 2026-09-15');
        }
      }
    });
  }

  /** Scheduler `composer`: the source's Airflow connection in Secret Manager and its generated DAG in the environment's bucket. */
  private addComposerSource(source: SourceParts, everyHours: number, retries: number): BatchSourceParts {
    const { scope, db, props, dataset, datasetId, tables, tableMap } = source;
    const account = this.composerServiceAccount!;
    dataset.grantWrite(account.member);
    const connectionId = `${db.logicalName.replace(/-/g, '_')}_db`;
    const secret = new SecretManagerSecret(scope, 'airflow-connection', {
      project: props.project,
      secretId: `airflow-connections-${connectionId}`,
      replication: { auto: {} },
      labels: { stage: 'batch' },
    });
    const scheme = db.engine === 'postgres' ? 'postgresql' : 'mysql';
    new SecretManagerSecretVersion(scope, 'airflow-connection-version', {
      secret: secret.id,
      secretData: `${scheme}://${db.replicationUser}:${Fn.urlencode(db.replicationPassword.resolve(scope))}@${db.host}:${db.port}/${db.databaseName}`,
    });
    new SecretManagerSecretIamMember(scope, 'airflow-connection-access', {
      project: props.project,
      secretId: secret.secretId,
      role: 'roles/secretmanager.secretAccessor',
      member: account.member,
    });
    const dag = renderBatchDag({
      dagId: `${db.logicalName.replace(/-/g, '_')}_batch`,
      source: db.logicalName,
      engine: db.engine,
      connectionId,
      project: props.project,
      dataset: datasetId,
      tables,
      everyHours,
      owner: 'data-platform',
      retries,
    });
    new StorageBucketObject(scope, 'dag', {
      // dag_gcs_prefix is gs://<bucket>/dags
      bucket: Fn.element(Fn.split('/', this.composer!.config.dagGcsPrefix), 2),
      name: `dags/${dagFileName(`${db.logicalName}_batch`)}`,
      content: dag,
      contentType: 'text/x-python',
    });
    return { database: db, dataset, tables: tableMap, dag };
  }

  /** Scheduler `scheduled-query`: a federated connection to the Cloud SQL instance and a scheduled query run as the source's own account. */
  private addScheduledQuerySource(source: SourceParts, db: CloudSqlSourceDatabase, location: string, everyHours: number): BatchSourceParts {
    const { scope, props, dataset, datasetId, tables, tableMap } = source;
    const account = new PipelineServiceAccount(scope, 'loader-account', {
      project: props.project,
      accountId: serviceAccountId(`load-${db.logicalName}`),
      displayName: `Scheduled batch loads of ${db.logicalName}`,
      projectRoles: ['roles/bigquery.jobUser'],
    });
    dataset.grantWrite(account.member);
    const connectionId = `${db.logicalName.replace(/-/g, '_')}_batch`;
    const connection = new BigqueryConnection(scope, 'connection', {
      project: props.project,
      location,
      connectionId,
      friendlyName: `${db.logicalName} (Cloud SQL)`,
      description: `Federated connection to Cloud SQL database ${db.databaseName} for batch loads`,
      cloudSql: {
        instanceId: db.connectionName,
        database: db.databaseName,
        type: db.engine === 'postgres' ? 'POSTGRES' : 'MYSQL',
        credential: { username: db.replicationUser, password: db.replicationPassword.resolve(scope) },
      },
    });
    // BigQuery's connection service agent reaches the instance as a Cloud SQL client.
    new ProjectIamMember(scope, 'connection-agent-cloudsql-client', {
      project: props.project,
      role: 'roles/cloudsql.client',
      member: `serviceAccount:${connection.cloudSql.serviceAccountId}`,
    });
    new BigqueryConnectionIamMember(scope, 'connection-user', {
      project: props.project,
      location,
      connectionId: connection.connectionId,
      role: 'roles/bigquery.connectionUser',
      member: account.member,
    });
    const query = scheduledQuery(props.project, location, connectionId, datasetId, db, tables);
    new BigqueryDataTransferConfig(scope, 'scheduled-query', {
      project: props.project,
      location,
      displayName: `Batch copy of ${db.logicalName}`,
      dataSourceId: 'scheduled_query',
      schedule: `every ${everyHours} hours`,
      serviceAccountName: account.email,
      params: { query },
    });
    return { database: db, dataset, tables: tableMap, query, serviceAccount: account };
  }
}

/** Tables of a source with their destination names: the default schema or database is dropped, other dots become '_'. */
export function batchTables(db: ISourceDatabase): BatchDagTable[] {
  return db.tables.map((t) => {
    const source = qualifiedTableName(db.engine, db.databaseName, t.name);
    const [first, ...rest] = source.split('.');
    const isDefault = db.engine === 'postgres' ? first === 'public' : first === db.databaseName;
    const destination = (isDefault && rest.length > 0 ? rest : [first, ...rest]).join('_');
    return { source, destination };
  });
}

/** The scheduled query's script: one full refresh per table through EXTERNAL_QUERY. */
export function scheduledQuery(
  project: string,
  location: string,
  connectionId: string,
  datasetId: string,
  db: ISourceDatabase,
  tables: BatchDagTable[],
): string {
  const connection = `${project}.${location.toLowerCase()}.${connectionId}`;
  const statements = tables.map(
    (t) =>
      `CREATE OR REPLACE TABLE \`${project}.${datasetId}.${t.destination}\` AS\n` +
      `SELECT * FROM EXTERNAL_QUERY('${connection}', '${selectAllSql(db.engine, t.source)}');`,
  );
  return [`-- Full copy of ${db.logicalName} into ${datasetId}; generated by cdktf-data-pipelines (BatchPipeline).`, ...statements].join('\n');
}

import { Construct } from 'constructs';
import { dependable, TerraformResource } from 'cdktf';
import { validateProps } from '../core/validation';
import { AccessModel, AccessModelProps } from '../access/access-model';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { BigQuerySink } from '../connect/bigquery-sink';
import { ClassifiedTable, fieldsAddedBySink } from '../catalog/classified-table';
import { DataClassification } from '../catalog/data-classification';
import { labelFedDatasets } from '../catalog/dataset-labels';
import { DataInventory, IWarehouseFeeds, sensitiveLabelsOf, WarehouseFeed, WarehouseFeedTable } from '../catalog/data-inventory';
import { DlpCustomInfoType, DlpInspectTemplate } from '../dlp/dlp-inspect-template';
import { DlpDeidentifyTemplate } from '../dlp/dlp-deidentify-template';
import { DlpFindings } from '../dlp/dlp-findings';
import { DlpTableScan } from '../dlp/dlp-table-scan';
import { GovernanceChecks } from '../governance/governance-checks';
import { dataEngineeringPack, gdprPack, hipaaPack, pciDssPack, RulePack } from '../governance/rule-packs';
import { IKafkaPlatform } from '../kafka/kafka-platform';
import { KafkaTopic } from '../kafka/kafka-topic';
import { AlertChannel, AlertChannelProps } from '../monitoring/alert-channel';
import { CdcWorkerAlerts } from '../monitoring/cdc-worker-alerts';
import { CdcWorkerService } from '../runtime/cdc-worker-service';
import { DlpFindingAlerts } from '../monitoring/dlp-finding-alerts';
import { ISourceDatabase, qualifiedTableName } from '../sources/source-database';
import { SourceTable } from '../sources/source-table';
import { IntegrationPlatform, RoutableTable } from './integration-platform';

/** DLP settings of stage 4. */
export interface DataAutomationDlpOptions {
  /** DLP location of templates and scans. @default 'global' */
  readonly location?: string;
  /** Hours between scans of each table. @default 24 */
  readonly everyHours?: number;
  /** Percentage of rows each scan samples. @default 10 */
  readonly rowsPercent?: number;
  /** Also scan tables whose source declares no sensitive column, and alert on what they hold. @default true */
  readonly scanUnlabelledTables?: boolean;
  /** The organisation's own detectors. @default none */
  readonly customInfoTypes?: DlpCustomInfoType[];
  /** Days findings are kept. @default 365 */
  readonly findingsRetentionDays?: number;
}

/** A topic and the source table it carries. */
export interface DescribedTopic {
  /** The topic. */
  readonly topic: KafkaTopic;
  /** The source table: key, columns and sensitivity labels. */
  readonly description: SourceTable;
}

/** Props of {@link DataAutomation}. */
export interface DataAutomationProps {
  /** Google Cloud project of the warehouse. */
  readonly project: string;
  /** What the pipelines land in the warehouse (see feedsOfPipeline and feedsOfIntegrationPlatform). */
  readonly feeds: WarehouseFeed[];
  /** Location of the warehouse datasets; the taxonomy lives there too. @default 'US' */
  readonly location?: string;
  /** The Kafka platform of the pipelines, for the access model's ACLs and SCRAM users. @default none */
  readonly kafka?: IKafkaPlatform;
  /** Who may read or write what. The model gets the Kafka platform and the classification. @default no access model */
  readonly access?: Omit<AccessModelProps, 'kafka' | 'classification'>;
  /** Where alerts go (at least one). */
  readonly notify: Omit<AlertChannelProps, 'project'>[];
  /** DLP settings. @default daily 10% scans of every landed table, global templates */
  readonly dlp?: DataAutomationDlpOptions;
  /** The CDC workers ({@link CdcWorkerService}) this app deploys, whose errors and restarts are alerted on. @default none: no CDC worker alerts */
  readonly cdcWorkers?: CdcWorkerService[];
  /** Alert on errors and restarts of `cdcWorkers` (their logs in this project); only with workers. @default true when cdcWorkers are given */
  readonly cdcWorkerAlerts?: boolean;
  /**
   * Topics the pipelines carry that no warehouse feed lands (streamed to Pub/Sub, a search index or a
   * graph), each with the source table it carries, so the erasure bound covers them as it covers the
   * feeds' topics (see describedTopicsOfIntegrationPlatform).
   * @default none: only the feeds' topics
   */
  readonly streamedTopics?: DescribedTopic[];
  /** Days after which a row erased at the source is gone from compacted topics carrying personal data (max.compaction.lag.ms). @default 7 */
  readonly erasureLagDays?: number;
  /** Governance rule packs checked at synth. @default GDPR, PCI DSS, HIPAA and data-engineering practices */
  readonly packs?: RulePack[];
  /** Take over warehouse tables the sinks already created (import blocks), as a running company does. @default false */
  readonly adoptExistingTables?: boolean;
  /**
   * `owner` label of each fed dataset that has none (governance requires one). Each fed dataset
   * without a `classification` label gets one derived from its columns' sensitivity, so a stage-2
   * pipeline moves here by these props alone. Labels given by hand are kept.
   * @default no owner label added
   */
  readonly datasetOwner?: string;
}

/**
 * Stage 4, automation: nobody touches the platform during normal operations. From what the
 * pipelines land in the warehouse and the sensitivity labels of the source tables, it derives:
 *
 * - classification: a taxonomy with a policy tag per sensitive label, and every landed table with a
 *   labelled column declared with its columns tagged (column-level security follows the labels);
 * - DLP: inspect and de-identify templates, and a scheduled scan of every landed table (findings to
 *   BigQuery and Pub/Sub; finding counts of tables expected clean to Cloud Monitoring); the DLP
 *   service agent reads tagged columns as a Fine-Grained Reader of their policy tags, and its grants
 *   wait for the inspect template (the agent exists only once DLP is first used; see DlpFindings);
 * - monitoring: notification channels, alerts on sensitive data where none was expected and, for
 *   the CDC workers given (`cdcWorkers`), on their errors and restarts;
 * - erasure: compacted topics carrying personal data compact erased rows within `erasureLagDays`;
 * - access: an {@link AccessModel} bound to the Kafka platform and the classification;
 * - governance: rule packs checked at synth, with a report.
 *
 * Everything is added beside the earlier stages; nothing of theirs moves.
 *
 * ```
 * source labels ──▶ policy tags on columns ──▶ fine-grained readers (access model)
 *        └────────▶ DLP scans ──▶ findings (BigQuery, Pub/Sub) ──▶ alerts
 * ```
 */
export class DataAutomation extends Construct implements IWarehouseFeeds {
  /** The feeds, as given. */
  public readonly warehouseFeeds: WarehouseFeed[];
  /** Taxonomy and policy tags. */
  public readonly classification: DataClassification;
  /** Tables declared with tagged columns, by `dataset.table`. */
  public readonly classifiedTables: Record<string, ClassifiedTable> = {};
  /** What scans look for. */
  public readonly inspectTemplate: DlpInspectTemplate;
  /** How findings are de-identified. */
  public readonly deidentifyTemplate: DlpDeidentifyTemplate;
  /** Where findings go. */
  public readonly findings: DlpFindings;
  /** Scans, by `dataset.table`. */
  public readonly scans: Record<string, DlpTableScan> = {};
  /** Notification channels. */
  public readonly channels: AlertChannel[];
  /** CDC worker alerts, when on. */
  public readonly cdcWorkerAlerts?: CdcWorkerAlerts;
  /** Alert on unexpected sensitive data. */
  public readonly dlpAlerts: DlpFindingAlerts;
  /** The access model, when given. */
  public readonly access?: AccessModel;
  /** The governance checks. */
  public readonly governance: GovernanceChecks;
  /** Topics whose compaction lag this stage bounded. */
  public readonly erasureBoundedTopics: string[] = [];

  constructor(scope: Construct, id: string, props: DataAutomationProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', feeds: 'WarehouseFeed[]', notify: 'Omit<AlertChannelProps, "project">[]' });
    this.warehouseFeeds = props.feeds;
    const location = props.location ?? 'US';
    const dlp = props.dlp ?? {};
    const erasureDays = props.erasureLagDays ?? 7;
    const inventory = new DataInventory(props.feeds);
    const unbounded: string[] = [];
    validateProps(this, (p) => {
      p.check(props.feeds.length > 0, 'feeds', [], 'at least one feed (what a pipeline lands in the warehouse)');
      p.check(props.notify.length > 0, 'notify', [], 'at least one notification channel: stage 4 tells people, it does not wait to be asked');
      p.check(Number.isInteger(erasureDays) && erasureDays >= 1 && erasureDays <= 30, 'erasureLagDays', erasureDays, 'an integer from 1 to 30 days');
      if (props.cdcWorkerAlerts === true)
        p.check(
          (props.cdcWorkers ?? []).length > 0,
          'cdcWorkerAlerts',
          true,
          'true only with cdcWorkers: alerts on a CDC worker this app does not deploy can never fire',
        );
      unbounded.forEach((t) => p.add('feeds', t, 'topics carrying personal data created with some topic config (the erasure bound is added to it)'));
    });

    // Dataset labels governance requires: classification from the columns' sensitivity, owner from the props.
    labelFedDatasets(this, props.feeds, props.datasetOwner);

    // Classification: a taxonomy where the datasets are, tables whose labelled columns carry tags.
    this.classification = new DataClassification(this, 'classification', { project: props.project, region: location.toLowerCase() });
    this.classifyTables(inventory, props.adoptExistingTables);

    // DLP: templates, findings, a scan per landed table.
    this.inspectTemplate = new DlpInspectTemplate(this, 'inspect', {
      project: props.project,
      location: dlp.location,
      templateId: 'warehouse-sensitive-data',
      displayName: 'Sensitive data in the warehouse',
      customInfoTypes: dlp.customInfoTypes,
    });
    this.deidentifyTemplate = new DlpDeidentifyTemplate(this, 'deidentify', {
      project: props.project,
      location: dlp.location,
      templateId: 'warehouse-deidentify',
      displayName: 'De-identify warehouse extracts',
    });
    // The DLP service agent is created lazily: grants to it wait for the stack's first DLP resource.
    const afterDlp = [this.inspectTemplate.template];
    this.findings = new DlpFindings(this, 'dlp-findings', {
      project: props.project,
      location,
      retentionDays: dlp.findingsRetentionDays,
      grantsAfter: afterDlp,
    });
    this.scanTables(inventory, props.project, dlp, afterDlp);

    // Monitoring.
    this.channels = props.notify.map((n, i) => new AlertChannel(this, `channel-${i}`, { ...n, project: props.project }));
    const workers = props.cdcWorkers ?? [];
    if ((props.cdcWorkerAlerts ?? true) && workers.length > 0) {
      this.cdcWorkerAlerts = new CdcWorkerAlerts(this, 'cdc-worker-alerts', { project: props.project, channels: this.channels, workers });
    }
    this.dlpAlerts = new DlpFindingAlerts(this, 'dlp-alerts', { project: props.project, channels: this.channels, scans: Object.values(this.scans) });

    // Erasure: compacted topics with personal data compact within the bound. Kafka changes topic
    // configs in place; the topic resource reads its config map at synth.
    this.boundErasure([...props.feeds.flatMap((f) => f.tables), ...(props.streamedTopics ?? [])], erasureDays, unbounded);

    // Access, bound to the platform and the classification.
    if (props.access) {
      this.access = new AccessModel(this, 'access', { ...props.access, kafka: props.kafka, classification: this.classification });
    }

    this.governance = new GovernanceChecks(this, 'governance', { packs: props.packs ?? [gdprPack(), pciDssPack(), hipaaPack(), dataEngineeringPack()] });
  }

  /** A classified table per landed table with labelled columns, each once. */
  private classifyTables(inventory: DataInventory, adoptExisting: DataAutomationProps['adoptExistingTables']): void {
    const tables = new Construct(this, 'tables');
    for (const t of inventory.tables) {
      const key = `${t.datasetId}.${t.tableId}`;
      if (t.labels.length === 0 || this.classifiedTables[key]) continue;
      this.classifiedTables[key] = new ClassifiedTable(tables, key, {
        dataset: t.dataset,
        tableId: t.tableId,
        classification: this.classification,
        columns: t.description.columns ?? [],
        extraFields: fieldsAddedBySink(t.sinkConfig, t.description.primaryKey, t.description.columns),
        adoptExisting,
      });
    }
  }

  /** A DLP scan per landed table (unlabelled ones unless turned off), each once. */
  private scanTables(inventory: DataInventory, project: string, dlp: DataAutomationDlpOptions, afterDlp: TerraformResource[]): void {
    const scans = new Construct(this, 'scans');
    for (const t of inventory.tables) {
      const key = `${t.datasetId}.${t.tableId}`;
      if (this.scans[key] || (t.labels.length === 0 && dlp.scanUnlabelledTables === false)) continue;
      // Scanning a column under column-level access control needs Fine-Grained Reader on its tag.
      const tagReads = [...new Set(Object.values(this.classifiedTables[key]?.taggedColumns ?? {}))].map((label) => {
        const read = this.classification.grantColumnRead(label, this.findings.serviceAgent) as TerraformResource;
        read.dependsOn = [...new Set([...(read.dependsOn ?? []), ...afterDlp.map((d) => dependable(d))])];
        return read;
      });
      this.scans[key] = new DlpTableScan(scans, key, {
        dependsOn: tagReads,
        project,
        inspectTemplate: this.inspectTemplate,
        dataset: t.dataset,
        tableId: t.tableId,
        expectSensitive: t.labels.length > 0,
        everyHours: dlp.everyHours,
        rowsPercent: dlp.rowsPercent,
        findings: this.findings,
      });
    }
  }

  /** Bounds the compaction lag of compacted topics with personal data; records those it cannot bound in `unbounded`. */
  private boundErasure(carried: DescribedTopic[], erasureDays: number, unbounded: string[]): void {
    const lagMs = String(erasureDays * 86400000);
    const seen = new Set<KafkaTopic>();
    for (const t of carried) {
      if (seen.has(t.topic) || !sensitiveLabelsOf(t.description).some((l) => l === 'pii' || l === 'pii-high')) continue;
      seen.add(t.topic);
      const config = t.topic.config;
      if ((config['cleanup.policy'] ?? 'delete') === 'compact') {
        if (Object.keys(config).length === 0) unbounded.push(t.topic.name);
        else {
          config['max.compaction.lag.ms'] = lagMs;
          this.erasureBoundedTopics.push(t.topic.name);
        }
      }
    }
  }
}

/** A relational source's table descriptions by topic, for {@link feedsOfIntegrationPlatform}. */
export function describeDatabaseTopics(db: ISourceDatabase, topicPrefix = db.logicalName): Record<string, SourceTable> {
  const out: Record<string, SourceTable> = {};
  for (const t of db.tables) out[`${topicPrefix}.${qualifiedTableName(db.engine, db.databaseName, t.name)}`] = t;
  return out;
}

/** The captured topics' source tables: `descriptions` first, then what the platform's captures say. */
function describedTopicNames(platform: IntegrationPlatform, descriptions: Record<string, SourceTable>): Record<string, SourceTable> {
  const described: Record<string, SourceTable> = { ...descriptions };
  for (const capture of Object.values(platform.captures)) {
    for (const c of (capture as { captured?: { topic: string; description: SourceTable }[] }).captured ?? []) described[c.topic] ??= c.description;
  }
  return described;
}

/**
 * Every topic of an {@link IntegrationPlatform} whose source table is known (from the platform's
 * captures and from `descriptions`, topic → source table), whichever sink reads it: what
 * DataAutomation's `streamedTopics` takes, so topics streamed elsewhere than the warehouse are
 * bounded for erasure too. `topics` adds topics the platform reads but does not own.
 */
export function describedTopicsOfIntegrationPlatform(
  platform: IntegrationPlatform,
  descriptions: Record<string, SourceTable> = {},
  topics: KafkaTopic[] = [],
): DescribedTopic[] {
  const described = describedTopicNames(platform, descriptions);
  const all = [...Object.values(platform.topics), ...topics];
  return all.filter((t, i) => all.indexOf(t) === i && described[t.name]).map((topic) => ({ topic, description: described[topic.name] }));
}

/**
 * The feeds of an {@link IntegrationPlatform}'s BigQuery sinks: for each, the dataset and the
 * tables its selectors route there, described from the platform's captures and from
 * `descriptions` (topic → source table) for the relational databases it captures.
 */
export function feedsOfIntegrationPlatform(
  platform: IntegrationPlatform,
  descriptions: Record<string, SourceTable> = {},
  topics: KafkaTopic[] = [],
): WarehouseFeed[] {
  const described = describedTopicNames(platform, descriptions);
  const topicOf = (name: string): KafkaTopic | undefined => platform.topics[name] ?? topics.find((t) => t.name === name);
  const feeds: WarehouseFeed[] = [];
  for (const [name, route] of Object.entries(platform.routes)) {
    const scope = platform.node.tryFindChild(`sink-${name}`);
    const dataset = scope?.node.tryFindChild('dataset');
    const sink = scope?.node.tryFindChild('sink');
    if (!(dataset instanceof WarehouseDataset) || !(sink instanceof BigQuerySink)) continue;
    const tables: WarehouseFeedTable[] = [];
    for (const entry of route.tables as RoutableTable[]) {
      const topic = topicOf(entry.topic);
      const description = described[entry.topic];
      if (topic && description) tables.push({ topic, description });
    }
    feeds.push({ dataset, tables, sinkConfig: sink.connector.config });
  }
  return feeds;
}

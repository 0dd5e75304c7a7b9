import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { DataLossPreventionJobTrigger, DataLossPreventionJobTriggerInspectJobActions } from '@cdktf/provider-google/lib/data-loss-prevention-job-trigger';
import { isIntIn, validateProps } from '../core/validation';
import { WarehouseDataset } from '../bigquery/warehouse-dataset';
import { DlpFindings } from './dlp-findings';
import { DlpInspectTemplate } from './dlp-inspect-template';
import { DLP_RESOURCE_ID, dlpResourceId } from './info-types';

/** Props of {@link DlpTableScan}. */
export interface DlpTableScanProps {
  /** Google Cloud project the scan runs in. */
  readonly project: string;
  /** What to look for. The scan runs in the template's location. */
  readonly inspectTemplate: DlpInspectTemplate;
  /** Dataset of the table. */
  readonly dataset: WarehouseDataset;
  /** Table to scan. */
  readonly tableId: string;
  /**
   * Whether the table is expected to hold sensitive data (a source column is labelled so).
   * Findings in a table expected clean are published to Cloud Monitoring as
   * `dlp.googleapis.com/finding_count`, where an alert policy watches them.
   */
  readonly expectSensitive: boolean;
  /** Hours between scans (24 to 1440; DLP schedules between one and sixty days). @default 24 */
  readonly everyHours?: number;
  /** Percentage of rows sampled (1-100; 100 scans everything). @default 10 */
  readonly rowsPercent?: number;
  /** Where findings are saved and notified. @default findings are kept only in the DLP job */
  readonly findings?: DlpFindings;
  /** Columns that identify a row in findings (e.g. the primary key). @default none */
  readonly identifyingFields?: string[];
  /** Trigger id. @default `scan-<dataset>-<table>` */
  readonly triggerId?: string;
  /**
   * Grants the scan needs before its first run, besides those of `findings` (which it always waits
   * for), e.g. the DLP service agent's Fine-Grained Reader on the policy tags of the table's
   * columns: without it, inspecting a column under column-level access control is denied.
   * @default none
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A scheduled DLP scan of one warehouse table (`google_data_loss_prevention_job_trigger`): the
 * inspect template's info types, sampled rows, findings saved to BigQuery, a Pub/Sub
 * notification when it finishes, and, for tables expected to be clean, finding counts
 * published to Cloud Monitoring.
 */
export class DlpTableScan extends Construct {
  /** The trigger. */
  public readonly trigger: DataLossPreventionJobTrigger;
  /** Trigger id. */
  public readonly triggerId: string;
  /** Dataset id scanned. */
  public readonly datasetId: string;
  /** Table id scanned. */
  public readonly tableId: string;
  /** Whether sensitive data is expected there. */
  public readonly expectSensitive: boolean;

  constructor(scope: Construct, id: string, props: DlpTableScanProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, {
      project: 'string',
      inspectTemplate: 'DlpInspectTemplate',
      dataset: 'WarehouseDataset',
      tableId: 'string',
      expectSensitive: 'boolean',
    });
    this.datasetId = props.dataset.datasetId;
    this.tableId = props.tableId;
    this.expectSensitive = props.expectSensitive;
    this.triggerId = props.triggerId ?? dlpResourceId(`scan-${props.dataset.datasetId}-${props.tableId}`);
    const everyHours = props.everyHours ?? 24;
    const rowsPercent = props.rowsPercent ?? 10;
    validateProps(this, (p) => {
      p.check(DLP_RESOURCE_ID.test(this.triggerId), 'triggerId', this.triggerId, "1-100 letters, digits, '-' or '_'");
      p.check(/^[A-Za-z0-9_]{1,1024}$/.test(props.tableId), 'tableId', props.tableId, "1-1024 letters, digits or '_'");
      p.check(isIntIn(everyHours, 24, 1440), 'everyHours', everyHours, 'an integer from 24 to 1440 (one to sixty days)');
      p.check(isIntIn(rowsPercent, 1, 100), 'rowsPercent', rowsPercent, 'an integer from 1 to 100');
    });
    const actions: DataLossPreventionJobTriggerInspectJobActions[] = [];
    if (props.findings) {
      actions.push({
        saveFindings: {
          outputConfig: {
            table: { projectId: props.findings.project, datasetId: props.findings.dataset.dataset.datasetId, tableId: props.findings.tableId },
            outputSchema: 'BASIC_COLUMNS',
          },
        },
      });
      actions.push({ pubSub: { topic: props.findings.topicId } });
    }
    if (!props.expectSensitive) actions.push({ publishToStackdriver: {} });
    const location = props.inspectTemplate.location;
    // The first scheduled run writes findings and reads the table as the DLP service agent.
    const before = [...(props.findings?.agentGrants ?? []), ...(props.dependsOn ?? [])];
    this.trigger = new DataLossPreventionJobTrigger(this, 'trigger', {
      dependsOn: before.length > 0 ? before : undefined,
      parent: `projects/${props.project}/locations/${location}`,
      triggerId: this.triggerId,
      displayName: `Scan ${props.dataset.datasetId}.${props.tableId}`,
      description: props.expectSensitive
        ? `Finds sensitive data in ${props.dataset.datasetId}.${props.tableId}, which holds labelled sensitive columns.`
        : `Checks that ${props.dataset.datasetId}.${props.tableId}, expected to hold no sensitive data, holds none.`,
      status: 'HEALTHY',
      triggers: [{ schedule: { recurrencePeriodDuration: `${everyHours * 3600}s` } }],
      inspectJob: {
        inspectTemplateName: props.inspectTemplate.templateName,
        storageConfig: {
          bigQueryOptions: {
            tableReference: { projectId: props.dataset.project, datasetId: props.dataset.dataset.datasetId, tableId: props.tableId },
            ...(rowsPercent < 100 ? { rowsLimitPercent: rowsPercent, sampleMethod: 'RANDOM_START' } : {}),
            identifyingFields: props.identifyingFields?.map((name) => ({ name })),
          },
        },
        actions: actions.length > 0 ? actions : undefined,
      },
    });
  }
}

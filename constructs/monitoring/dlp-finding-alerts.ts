import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { DlpTableScan } from '../dlp/dlp-table-scan';
import { requireProps } from '../core/validation';
import { AlertChannel } from './alert-channel';
import { ThresholdAlert } from './threshold-alert';

/** Cloud Monitoring metric DLP publishes finding counts to. */
export const DLP_FINDING_COUNT_METRIC = 'dlp.googleapis.com/finding_count';

/** Props of {@link DlpFindingAlerts}. */
export interface DlpFindingAlertsProps {
  /** Google Cloud project the scans run in. */
  readonly project: string;
  /** Where to notify. */
  readonly channels: AlertChannel[];
  /** The scans; those of tables expected clean are the ones that publish finding counts. */
  readonly scans: DlpTableScan[];
}

/**
 * An alert on DLP findings in tables that were not expected to hold sensitive data. Only scans
 * of tables expected clean publish `dlp.googleapis.com/finding_count` (see {@link DlpTableScan}),
 * so any count is a surprise: a column carrying data its source labels do not admit, or a
 * label that is wrong.
 */
export class DlpFindingAlerts extends Construct {
  /** The alert. */
  public readonly alert: ThresholdAlert;
  /** Tables watched, as `dataset.table`. */
  public readonly watchedTables: string[];

  constructor(scope: Construct, id: string, props: DlpFindingAlertsProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    requireProps(this, props, { project: 'string', channels: 'AlertChannel[]', scans: 'DlpTableScan[]' });
    this.watchedTables = props.scans.filter((s) => !s.expectSensitive).map((s) => `${s.datasetId}.${s.tableId}`);
    if (this.watchedTables.length === 0) {
      Annotations.of(this).addWarning('scans: no scan is of a table expected clean, so this alert can never fire');
    }
    this.alert = new ThresholdAlert(this, 'alert', {
      project: props.project,
      displayName: 'Sensitive data where none was expected',
      filter: `metric.type="${DLP_FINDING_COUNT_METRIC}"`,
      threshold: 0,
      windowSeconds: 3600,
      channels: props.channels,
      severity: 'CRITICAL',
      runbook:
        'A DLP scan found sensitive data in a table whose source declares no sensitive column. ' +
        'The findings dataset says which info type and where (metric label `info_type`). Either label the column on the source table ' +
        '(so it gets a policy tag and access follows) or stop the data at its source.\n\nTables watched: ' +
        (this.watchedTables.join(', ') || 'none'),
      userLabels: { component: 'dlp' },
    });
  }
}

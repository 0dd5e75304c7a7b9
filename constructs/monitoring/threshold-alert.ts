import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy';
import { isIntIn, validateProps } from '../core/validation';
import { AlertChannel } from './alert-channel';

/** Props of {@link ThresholdAlert}. */
export interface ThresholdAlertProps {
  /** Google Cloud project. */
  readonly project: string;
  /** Display name of the policy. */
  readonly displayName: string;
  /** Cloud Monitoring filter of the time series, e.g. `metric.type="logging.googleapis.com/user/x"`. */
  readonly filter: string;
  /** Alert when the sum over the window exceeds this. @default 0 (any occurrence) */
  readonly threshold?: number;
  /** Window in seconds over which occurrences are summed (60 to 86400). @default 300 */
  readonly windowSeconds?: number;
  /** Where to notify (at least one). */
  readonly channels: AlertChannel[];
  /** What to do, in Markdown: the runbook for whoever is paged. */
  readonly runbook: string;
  /** Severity. @default 'ERROR' */
  readonly severity?: 'CRITICAL' | 'ERROR' | 'WARNING';
  /** Labels on the policy. @default none */
  readonly userLabels?: Record<string, string>;
  /**
   * How each time series is aligned over the window: `ALIGN_SUM` adds a counter's occurrences;
   * `ALIGN_PERCENTILE_99` takes a distribution's (e.g. a value logged each minute) near-highest
   * value, series by series (no cross-series reduction), so the alert names the one above.
   * @default 'ALIGN_SUM'
   */
  readonly aligner?: 'ALIGN_SUM' | 'ALIGN_PERCENTILE_99';
  /** Resources the policy is created after, e.g. the log-based metric its filter names. @default none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An alert policy (`google_monitoring_alert_policy`) that fires when a counter summed over a
 * window goes above a threshold, notifies its channels, carries its runbook and closes itself a
 * day after the condition clears.
 */
export class ThresholdAlert extends Construct {
  /** The policy. */
  public readonly policy: MonitoringAlertPolicy;

  constructor(scope: Construct, id: string, props: ThresholdAlertProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', displayName: 'string', filter: 'string', channels: 'AlertChannel[]', runbook: 'string' });
    const threshold = props.threshold ?? 0;
    const windowSeconds = props.windowSeconds ?? 300;
    const severity = props.severity ?? 'ERROR';
    const aligner = props.aligner ?? 'ALIGN_SUM';
    validateProps(this, (p) => {
      p.check(props.channels.length > 0, 'channels', [], 'at least one AlertChannel: an alert nobody receives is no alert');
      p.check(Number.isFinite(threshold) && threshold >= 0, 'threshold', threshold, 'a number >= 0');
      p.check(isIntIn(windowSeconds, 60, 86400), 'windowSeconds', windowSeconds, 'an integer from 60 to 86400');
      p.check(/metric\.type\s*=/.test(props.filter), 'filter', props.filter, 'a Monitoring filter naming metric.type');
      p.check(props.runbook.trim().length > 0, 'runbook', props.runbook, 'what the person notified should do');
      p.check(['CRITICAL', 'ERROR', 'WARNING'].includes(severity), 'severity', severity, 'CRITICAL, ERROR or WARNING');
      p.check(['ALIGN_SUM', 'ALIGN_PERCENTILE_99'].includes(aligner), 'aligner', aligner, 'ALIGN_SUM or ALIGN_PERCENTILE_99');
    });
    this.policy = new MonitoringAlertPolicy(this, 'policy', {
      dependsOn: props.dependsOn && props.dependsOn.length > 0 ? props.dependsOn : undefined,
      project: props.project,
      displayName: props.displayName,
      combiner: 'OR',
      severity,
      conditions: [
        {
          displayName: props.displayName,
          conditionThreshold: {
            filter: props.filter,
            comparison: 'COMPARISON_GT',
            thresholdValue: threshold,
            duration: '0s',
            aggregations: [
              aligner === 'ALIGN_SUM'
                ? { alignmentPeriod: `${windowSeconds}s`, perSeriesAligner: 'ALIGN_SUM', crossSeriesReducer: 'REDUCE_SUM' }
                : { alignmentPeriod: `${windowSeconds}s`, perSeriesAligner: aligner },
            ],
            trigger: { count: 1 },
          },
        },
      ],
      notificationChannels: props.channels.map((c) => c.channelName),
      documentation: { content: props.runbook, mimeType: 'text/markdown', subject: props.displayName },
      alertStrategy: { autoClose: '86400s' },
      userLabels: props.userLabels,
    });
  }
}

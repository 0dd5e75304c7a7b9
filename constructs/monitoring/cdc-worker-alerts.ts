import { Construct } from 'constructs';
import { isIntIn, validateProps } from '../core/validation';
import { CdcWorkerService } from '../runtime/cdc-worker-service';
import { AlertChannel } from './alert-channel';
import { LogBasedMetric } from './log-based-metric';
import { ThresholdAlert } from './threshold-alert';

/** Props of {@link CdcWorkerAlerts}. */
export interface CdcWorkerAlertsProps {
  /** Google Cloud project the worker logs to. */
  readonly project: string;
  /** Where to notify. */
  readonly channels: AlertChannel[];
  /**
   * The workers watched (at least one): their Cloud Run services' logs are what the metrics count.
   * An alert on a worker nobody deploys never fires, so there are no alerts without one.
   */
  readonly workers: CdcWorkerService[];
  /** Cloud Logging filter selecting the worker's entries, within the workers' Cloud Run services. @default 'jsonPayload.service="cdc-worker"' (the worker's pino logs) */
  readonly logFilter?: string;
  /** Prefix of the log-based metric names. @default 'cdc_worker' */
  readonly metricPrefix?: string;
  /** Starts per hour above which the worker counts as crash-looping. @default 3 */
  readonly maxStartsPerHour?: number;
}

/**
 * Alerts for CDC workers ({@link CdcWorkerService}) failing without anyone noticing: log-based
 * metrics counting their errors (severity ERROR and above) and their starts (each start logs
 * `streaming started`), in the logs of their Cloud Run services, and alert policies on any error
 * within five minutes and on more starts per hour than a healthy worker makes (a crash loop).
 *
 * Each policy depends on its metric. Cloud Monitoring may still answer "The metric referenced by
 * the provided filter is unknown" for a metric created seconds before (hashicorp/terraform-provider-google
 * #10325; provider 6.50 retries only concurrent-edit errors); a second apply then creates the policy.
 */
export class CdcWorkerAlerts extends Construct {
  /** Counter of error entries. */
  public readonly errors: LogBasedMetric;
  /** Counter of starts. */
  public readonly starts: LogBasedMetric;
  /** Alert on errors. */
  public readonly errorAlert: ThresholdAlert;
  /** Alert on restarts. */
  public readonly restartAlert: ThresholdAlert;

  constructor(scope: Construct, id: string, props: CdcWorkerAlertsProps) {
    super(scope, id);
    // Required props checked at run time too (plain JavaScript, ts-node --transpile-only).
    validateProps.required(this, props, { project: 'string', channels: 'AlertChannel[]', workers: 'CdcWorkerService[]' });
    const workers = props.workers ?? [];
    const services = workers.map((w) => `resource.labels.service_name="${w.serviceName}"`);
    const within =
      services.length === 0 ? '' : ` AND resource.type="cloud_run_revision" AND ${services.length === 1 ? services[0] : `(${services.join(' OR ')})`}`;
    const base = `${props.logFilter ?? 'jsonPayload.service="cdc-worker"'}${within}`;
    const prefix = props.metricPrefix ?? 'cdc_worker';
    const maxStarts = props.maxStartsPerHour ?? 3;
    validateProps(this, (p) => {
      p.check(workers.length > 0, 'workers', [], 'at least one CdcWorkerService: alerts on a worker this app does not deploy can never fire');
      p.check(isIntIn(maxStarts, 1, 1000), 'maxStartsPerHour', maxStarts, 'an integer from 1 to 1000');
    });
    this.errors = new LogBasedMetric(this, 'errors', {
      project: props.project,
      name: `${prefix}_errors`,
      description: 'CDC worker log entries at severity ERROR or above, by error kind.',
      filter: `${base} AND severity>=ERROR`,
      labelExtractors: { kind: 'EXTRACT(jsonPayload.kind)' },
    });
    this.starts = new LogBasedMetric(this, 'starts', {
      project: props.project,
      name: `${prefix}_starts`,
      description: 'CDC worker starts (each start logs "streaming started").',
      filter: `${base} AND jsonPayload.msg="streaming started"`,
    });
    this.errorAlert = new ThresholdAlert(this, 'error-alert', {
      project: props.project,
      displayName: 'CDC worker errors',
      filter: `metric.type="${this.errors.metricType}"`,
      threshold: 0,
      windowSeconds: 300,
      channels: props.channels,
      severity: 'ERROR',
      runbook:
        'The CDC worker logged an error. A fatal error stops it without acknowledging undelivered changes, so nothing is lost, ' +
        'but the replication slot retains WAL until it is back. Read the entries (`' +
        base +
        ' AND severity>=ERROR`), fix the cause, and check `cdc_lag_seconds`.',
      userLabels: { component: 'cdc-worker' },
      dependsOn: [this.errors.metric],
    });
    this.restartAlert = new ThresholdAlert(this, 'restart-alert', {
      project: props.project,
      displayName: 'CDC worker restarting',
      filter: `metric.type="${this.starts.metricType}"`,
      threshold: maxStarts,
      windowSeconds: 3600,
      channels: props.channels,
      severity: 'CRITICAL',
      runbook: `The CDC worker started more than ${maxStarts} times in an hour: it is crash-looping. Its last error entries say why; while it loops, the source database keeps WAL for its slot.`,
      userLabels: { component: 'cdc-worker' },
      dependsOn: [this.starts.metric],
    });
  }
}

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
  /**
   * PostgreSQL workers: WAL their replication slot may make the server keep (the worker's
   * `retainedWalBytes`, `pg_current_wal_lsn() - restart_lsn`) before the alert fires. WAL a slot
   * holds fills the database's disk. @default 10737418240 (10 GiB)
   */
  readonly maxRetainedWalBytes?: number;
  /**
   * PostgreSQL workers: seconds WAL may wait for the slot's confirmed flush position (the worker's
   * `confirmedFlushAgeSeconds`; 0 while caught up) before the alert fires. @default 900
   */
  readonly maxConfirmedFlushAgeSeconds?: number;
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
  /** PostgreSQL workers: distribution of the slot's retained WAL, from the `replication slot status` lines. */
  public readonly slotRetainedWal?: LogBasedMetric;
  /** PostgreSQL workers: distribution of the slot's confirmed-flush age, from the `replication slot status` lines. */
  public readonly slotConfirmedFlushAge?: LogBasedMetric;
  /** PostgreSQL workers: alert on the slot's retained WAL. */
  public readonly retainedWalAlert?: ThresholdAlert;
  /** PostgreSQL workers: alert on WAL waiting too long for the slot's confirmation. */
  public readonly confirmedFlushAgeAlert?: ThresholdAlert;

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
    const maxWal = props.maxRetainedWalBytes ?? 10737418240;
    const maxAge = props.maxConfirmedFlushAgeSeconds ?? 900;
    validateProps(this, (p) => {
      p.check(workers.length > 0, 'workers', [], 'at least one CdcWorkerService: alerts on a worker this app does not deploy can never fire');
      p.check(isIntIn(maxStarts, 1, 1000), 'maxStartsPerHour', maxStarts, 'an integer from 1 to 1000');
      p.check(isIntIn(maxWal, 1048576), 'maxRetainedWalBytes', maxWal, 'an integer of bytes, at least 1048576 (1 MiB)');
      p.check(isIntIn(maxAge, 60, 86400), 'maxConfirmedFlushAgeSeconds', maxAge, 'an integer from 60 to 86400');
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
    // The replication slot (PostgreSQL workers only: a binlog reader holds nothing on its server).
    if (workers.some((w) => (w.workerConfig.source.engine ?? 'postgres') === 'postgres')) {
      const slot = this.slotAlerts(props, `${base} AND jsonPayload.msg="replication slot status"`, prefix, maxWal, maxAge);
      [this.slotRetainedWal, this.slotConfirmedFlushAge, this.retainedWalAlert, this.confirmedFlushAgeAlert] = slot;
    }
  }

  /**
   * Distributions of the values each worker logs with `replication slot status` (every
   * `source.slotMonitorIntervalMs`, 30 s by default) and an alert on each, per worker (per series),
   * when its near-highest value (99th percentile) over five minutes is above the threshold.
   */
  private slotAlerts(
    props: CdcWorkerAlertsProps,
    filter: string,
    prefix: string,
    maxWal: number,
    maxAge: number,
  ): [LogBasedMetric, LogBasedMetric, ThresholdAlert, ThresholdAlert] {
    const services = { service: 'EXTRACT(resource.labels.service_name)' };
    const wal = new LogBasedMetric(this, 'slot-retained-wal', {
      project: props.project,
      name: `${prefix}_slot_retained_wal_bytes`,
      description: "WAL the CDC worker's replication slot makes PostgreSQL keep (pg_current_wal_lsn() - restart_lsn), as the worker reads it.",
      filter,
      labelExtractors: services,
      valueExtractor: 'EXTRACT(jsonPayload.retainedWalBytes)',
      unit: 'By',
      buckets: { scale: 1048576, growthFactor: 1.25, count: 150 },
    });
    const age = new LogBasedMetric(this, 'slot-confirmed-flush-age', {
      project: props.project,
      name: `${prefix}_slot_confirmed_flush_age_seconds`,
      description: "Seconds WAL has waited for the CDC worker's replication slot to confirm it (0 while caught up).",
      filter,
      labelExtractors: services,
      valueExtractor: 'EXTRACT(jsonPayload.confirmedFlushAgeSeconds)',
      unit: 's',
      buckets: { scale: 1, growthFactor: 1.25, count: 100 },
    });
    const alert = (id: string, displayName: string, metric: LogBasedMetric, threshold: number, runbook: string) =>
      new ThresholdAlert(this, id, {
        project: props.project,
        displayName,
        filter: `metric.type="${metric.metricType}"`,
        threshold,
        windowSeconds: 300,
        aligner: 'ALIGN_PERCENTILE_99',
        channels: props.channels,
        severity: 'CRITICAL',
        runbook,
        userLabels: { component: 'cdc-worker' },
        dependsOn: [metric.metric],
      });
    const walAlert = alert(
      'slot-retained-wal-alert',
      'CDC worker slot retains WAL',
      wal,
      maxWal,
      `The CDC worker's replication slot makes PostgreSQL keep more than ${maxWal} bytes of WAL, which fills the database's disk. ` +
        'Is the worker running and streaming (`cdc_lag_seconds`, its error entries)? Is Kafka accepting its batches? ' +
        'A slot nobody reads any more must be dropped (`SELECT pg_drop_replication_slot(...)`), after which the worker needs a new snapshot.',
    );
    const ageAlert = alert(
      'slot-confirmed-flush-age-alert',
      'CDC worker slot not confirming',
      age,
      maxAge,
      `WAL has waited more than ${maxAge} s for the CDC worker's replication slot to confirm it: the worker is down, stuck, or held back by Kafka. ` +
        'Its `replication slot status` and error entries say which; `cdc_buffered_records` and `cdc_lag_seconds` show what it holds.',
    );
    return [wal, age, walAlert, ageAlert];
  }
}

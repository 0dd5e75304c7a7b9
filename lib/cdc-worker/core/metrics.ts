/**
 * The worker's prom-client metrics (served at /metrics by http.ts). Two of them are PostgreSQL's
 * (`cdc_confirmed_lsn`, `cdc_transactions_skipped_total`); they are registered for every engine, as
 * they always were, so that /metrics does not change.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DetectionMetrics } from '../detect/metrics';

export interface MetricSources {
  lagSeconds(): number;
  lagBytes(): number;
  buffered(): number;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  /** Read at scrape time. */
  sources: MetricSources = { lagSeconds: () => 0, lagBytes: () => 0, buffered: () => 0 };
  /** Sensitive-data detection counters (`cdc_detect_*`), when detection is on. */
  detection?: DetectionMetrics;
  readonly events = new Counter({
    name: 'cdc_events_total',
    help: 'Change events produced, by table and op',
    labelNames: ['table', 'op'],
    registers: [this.registry],
  });
  readonly acked = new Counter({
    name: 'cdc_records_acked_total',
    help: 'Kafka records acknowledged (events, tombstones, heartbeats)',
    registers: [this.registry],
  });
  readonly ackedBytes = new Counter({ name: 'cdc_records_acked_bytes_total', help: 'Bytes of acknowledged Kafka record values', registers: [this.registry] });
  readonly errors = new Counter({ name: 'cdc_errors_total', help: 'Errors, by kind', labelNames: ['kind'], registers: [this.registry] });
  readonly lagBytes = gauge(this, 'cdc_lag_bytes', 'Server WAL position minus the acknowledged (confirmed) position', (s) => s.lagBytes());
  readonly lagSeconds = gauge(this, 'cdc_lag_seconds', 'Age of the oldest commit not yet acknowledged by Kafka (0 when caught up)', (s) => s.lagSeconds());
  readonly buffered = gauge(this, 'cdc_buffered_records', 'Records decoded and not yet acknowledged', (s) => s.buffered());
  readonly confirmedLsn = new Gauge({ name: 'cdc_confirmed_lsn', help: 'LSN last reported to PostgreSQL as flushed', registers: [this.registry] });
  readonly skipped = new Counter({
    name: 'cdc_transactions_skipped_total',
    help: 'Exactly-once: transactions sent again by PostgreSQL that Kafka already had',
    registers: [this.registry],
  });
  readonly snapshotRows = new Counter({
    name: 'cdc_snapshot_rows_total',
    help: 'Rows read by the initial snapshot',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'cdc_produce_batch_seconds',
    help: 'Kafka produce round trip per batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly commitToReceive = new Histogram({
    name: 'cdc_commit_to_receive_seconds',
    help: 'From PostgreSQL commit to the worker receiving the transaction (the PostgreSQL side of the latency)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly commitToAck = new Histogram({
    name: 'cdc_commit_to_ack_seconds',
    help: "From PostgreSQL commit to Kafka acknowledgement of the transaction's last event",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

function gauge(m: WorkerMetrics, name: string, help: string, read: (s: MetricSources) => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [m.registry],
    collect() {
      this.set(read(m.sources));
    },
  });
}

/**
 * The contracts of the worker, whatever the database:
 *
 * - {@link CdcWorker}: what main.ts and other callers hold (start, stop, fail, probes, metrics).
 * - {@link SourceEngine}: what one database engine implements (postgres/, mysql/): connect,
 *   snapshot and stream from its source, turn changes into records, confirm or store positions.
 * - {@link EngineContext}: what the engine gets from the core lifecycle (lifecycle.ts): the
 *   configuration, the sink, metrics, the phase, and `fail`.
 *
 * The lifecycle (start, fail, stop, shutdown, drain) is written once, in lifecycle.ts; an engine
 * only fills in its hooks.
 */
import type { Logger } from 'pino';
import type { ResolvedCdcWorkerConfig } from './config';
import type { SourceLease } from './lease';
import type { WorkerMetrics } from './metrics';
import type { OutRecord } from './records';
import type { CdcSink, RecordItem, SinkEvents } from './sink';

/** Where the worker is: `snapshot` while an initial snapshot is read, `failed` after a fatal error. */
export type WorkerPhase = 'starting' | 'snapshot' | 'streaming' | 'stopping' | 'failed' | 'stopped';

/** One worker: a source engine behind the common lifecycle. */
export interface CdcWorker {
  /** Resolves with the exit code when the worker has stopped: 0 after {@link stop}, 1 after a fatal error. */
  readonly finished: Promise<number>;
  /** The worker's metrics (served at /metrics). */
  readonly metrics: WorkerMetrics;
  /** Serves the probes, connects, snapshots if needed and starts streaming; rejects if that fails. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM): stop reading, deliver what was read, confirm it, exit 0. */
  stop(): Promise<void>;
  /** A fatal error of `kind` (`kafka`, `decode`, `startup`, the engine's): stop without confirming anything undelivered, exit 1. */
  fail(err: Error, kind: string): void;
  /** /healthz: false once failed. */
  healthy(): boolean;
  /** /readyz: true while streaming. */
  ready(): boolean;
  /** The probes' JSON body: phase, the engine's confirmed position, buffered records, the error. */
  status(): Record<string, unknown>;
}

/** What the lifecycle gives an engine. */
export interface EngineContext {
  readonly cfg: ResolvedCdcWorkerConfig;
  readonly log: Logger;
  readonly metrics: WorkerMetrics;
  readonly phase: WorkerPhase;
  /** The fatal error, once there is one (a snapshot checks it between rows). */
  readonly fatalError: Error | null;
  /** The sink, once {@link openSink} has been called. */
  readonly sink: CdcSink;
  /**
   * Creates and connects the sink, and creates the topics: the tables', the heartbeat topic when
   * heartbeats are on, and `extraTopics`. Checkpoints the sink reports go to the engine's
   * {@link SourceEngine.onCheckpoint}.
   */
  openSink(extraTopics?: string[]): Promise<CdcSink>;
  /** The initial snapshot starts (phase `snapshot`). */
  enterSnapshot(): void;
  /** A record with its size; throws when it is above `output.maxEventBytes`. */
  record(record: OutRecord): RecordItem;
  /**
   * Takes the engine's lease on its source (core/lease.ts), waiting while another worker holds it;
   * call it before reading any position, once the session that holds the lease is open.
   */
  acquireLease(lease: SourceLease): Promise<void>;
  /** A source transaction committed at this time was received (for `cdc_lag_seconds`). */
  commitSeen(commitTimeMicros: number): void;
  fail(err: Error, kind: string): void;
  /** Graceful stop, as on SIGTERM (e.g. `snapshotMode: initial_only` once the snapshot is read). */
  stop(): Promise<void>;
}

/**
 * One database engine. The lifecycle calls `start` once; then, while streaming,
 * `confirmPosition` every `delivery.statusIntervalMs` and `afterHeartbeat` after each heartbeat;
 * `onCheckpoint` whenever Kafka has acknowledged everything up to a checkpoint the engine pushed.
 * To stop: `pauseSource`, then (graceful stop only) `drain`, `beforeSinkClose`, the sink closes,
 * then `close`.
 */
export interface SourceEngine {
  /** The key of this source's position in Kafka (the offsets topic, exactly-once records): one per source. */
  readonly positionKey: string;
  /** The engine's own words in the log lines the lifecycle writes. */
  readonly lines: {
    /** The fatal error's line (what is not done with undelivered changes). */
    readonly fatal: string;
    /** The graceful stop's first line. */
    readonly stopping: string;
  };
  /** Connects, prepares the source, snapshots if needed, starts streaming; resolves with the fields of the `streaming started` line. */
  start(): Promise<Record<string, unknown>>;
  /** Everything pushed up to the checkpoint at `position` is acknowledged by Kafka. */
  onCheckpoint(position: bigint): void;
  /** Confirms (PostgreSQL: to the slot) or stores (MySQL/MariaDB: in the offsets topic) the acknowledged position. */
  confirmPosition(): void;
  /** After a heartbeat record was pushed. */
  afterHeartbeat?(): void;
  /** How far the source is ahead of the acknowledged position, in bytes (0 when unknown). */
  lagBytes(): number;
  /** Stops reading from the source (the first step of a stop). */
  pauseSource(): void;
  /** Resolves once everything read has been turned into records and pushed. */
  drain(): Promise<void>;
  /** Before the sink closes. */
  beforeSinkClose?(): Promise<void>;
  /** After the sink has closed: confirm exactly what Kafka acknowledged, close the source connections. */
  close(): Promise<void>;
  /** The engine's fields of the probes' body (its confirmed position). */
  status(): Record<string, unknown>;
  /** The position fields of the fatal error's line and of the `stopped` line. */
  positionFields(line: 'fatal' | 'stopped'): Record<string, unknown>;
}

/** Creates the sink the lifecycle hands to the engine (kafka/open-sink.ts; a fake in tests). */
export type SinkFactory = (args: {
  cfg: ResolvedCdcWorkerConfig;
  log: Logger;
  metrics: WorkerMetrics;
  positionKey: string;
  events: SinkEvents;
  /** A sensitive-data screening error (fatal). */
  onDetectFatal: (err: Error) => void;
}) => CdcSink;

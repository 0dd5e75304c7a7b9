/**
 * The worker's lifecycle, the same for every engine: serve the probes, start the engine, keep
 * confirming positions and sending heartbeats while streaming, and stop, gracefully or on a fatal
 * error, confirming nothing Kafka has not acknowledged.
 *
 *   starting ─▶ (snapshot) ─▶ streaming ─▶ stopping ─▶ stopped   (stop(): exit 0)
 *        └───────────┴────────────┴──────▶ failed                 (fail(): exit 1)
 */
import type { Server } from 'http';
import type { Logger } from 'pino';
import type { ResolvedCdcWorkerConfig } from './config';
import { heartbeatRecord } from './envelope';
import { startHttpServer } from './http';
import { SourceLease, acquireLease } from './lease';
import { WorkerMetrics } from './metrics';
import type { OutRecord } from './records';
import type { CdcSink, RecordItem } from './sink';
import { withTimeout } from './time';
import type { CdcWorker, EngineContext, SinkFactory, SourceEngine, WorkerPhase } from './worker';

/** How long the sink gets to deliver what it holds when the worker stops. */
const SINK_CLOSE_TIMEOUT_MS = 20000;

export class WorkerLifecycle implements CdcWorker, EngineContext {
  readonly metrics = new WorkerMetrics();
  readonly finished: Promise<number>;
  /** The source engine (exposed for tests and diagnostics). */
  readonly engine: SourceEngine;
  private sinkRef: CdcSink | null = null;
  private http: Server | null = null;
  private timers: NodeJS.Timeout[] = [];
  private phaseValue: WorkerPhase = 'starting';
  private fatal: Error | null = null;
  private stopping: Promise<void> | null = null;
  private done!: (code: number) => void;
  /** Commit time of the oldest source transaction not yet acknowledged by Kafka (microseconds). */
  private oldestUnackedCommit: number | null = null;

  constructor(
    readonly cfg: ResolvedCdcWorkerConfig,
    readonly log: Logger,
    engine: (ctx: EngineContext) => SourceEngine,
    private readonly createSink: SinkFactory,
  ) {
    this.engine = engine(this);
    this.finished = new Promise((r) => (this.done = r));
  }

  get phase(): WorkerPhase {
    return this.phaseValue;
  }

  get fatalError(): Error | null {
    return this.fatal;
  }

  get sink(): CdcSink {
    if (!this.sinkRef) throw new Error('the sink is not open yet');
    return this.sinkRef;
  }

  async start(): Promise<void> {
    const { http, delivery, output } = this.cfg;
    this.http = await startHttpServer(http.host, http.port, this.metrics, this, this.log);
    this.metrics.sources = {
      lagSeconds: () => (this.oldestUnackedCommit === null ? 0 : Math.max(0, Date.now() / 1000 - this.oldestUnackedCommit / 1e6)),
      lagBytes: () => this.engine.lagBytes(),
      buffered: () => (this.sinkRef ? this.sinkRef.pendingRecords : 0),
    };
    const from = await this.engine.start();
    if (this.phaseValue === 'failed') return;
    this.phaseValue = 'streaming';
    this.log.info(from, 'streaming started');
    this.timers.push(setInterval(() => this.engine.confirmPosition(), delivery.statusIntervalMs));
    if (output.heartbeatIntervalMs > 0) this.timers.push(setInterval(() => this.heartbeat(), output.heartbeatIntervalMs));
  }

  // ----- what the engine uses -----

  async openSink(extraTopics: string[] = []): Promise<CdcSink> {
    const { source, output } = this.cfg;
    const sink = this.createSink({
      cfg: this.cfg,
      log: this.log,
      metrics: this.metrics,
      positionKey: this.engine.positionKey,
      events: {
        onCheckpoint: (position, commitTimeMicros) => this.onCheckpoint(position, commitTimeMicros),
        onBatch: (n, bytes, ms) => {
          this.metrics.acked.inc(n);
          this.metrics.ackedBytes.inc(bytes);
          this.metrics.batchSeconds.observe(ms / 1000);
        },
        onFatal: (e) => this.fail(e, 'kafka'),
      },
      onDetectFatal: (e) => this.fail(e, 'detect'),
    });
    this.sinkRef = sink;
    await sink.connect();
    const topics = source.tables.map((t) => `${output.topicPrefix}.${t}`);
    if (output.heartbeatIntervalMs > 0) topics.push(`${output.heartbeatTopicsPrefix}.${output.topicPrefix}`);
    topics.push(...extraTopics);
    try {
      await sink.ensureTopics(topics);
    } catch (e) {
      this.log.warn({ err: (e as Error).message, topics }, 'could not create topics; they must exist already');
    }
    return sink;
  }

  enterSnapshot(): void {
    this.phaseValue = 'snapshot';
  }

  record(record: OutRecord): RecordItem {
    const bytes = (record.value ? Buffer.byteLength(record.value) : 0) + (record.key ? Buffer.byteLength(record.key) : 0);
    if (bytes > this.cfg.output.maxEventBytes) {
      throw new Error(`event for ${record.topic} is ${bytes} bytes, above output.maxEventBytes (${this.cfg.output.maxEventBytes})`);
    }
    return { record, bytes };
  }

  acquireLease(lease: SourceLease): Promise<void> {
    return acquireLease(lease, this.log, () => this.phaseValue === 'starting');
  }

  commitSeen(commitTimeMicros: number): void {
    if (this.oldestUnackedCommit === null) this.oldestUnackedCommit = commitTimeMicros;
  }

  private onCheckpoint(position: bigint, commitTimeMicros: number): void {
    this.engine.onCheckpoint(position);
    this.metrics.commitToAck.observe(Math.max(0, Date.now() * 1000 - commitTimeMicros) / 1e6);
    this.oldestUnackedCommit = this.sink.idle ? null : commitTimeMicros;
  }

  /** Debezium's heartbeat record; the engine may follow it with a checkpoint. */
  private heartbeat(): void {
    const { output } = this.cfg;
    this.sink.push(this.record(heartbeatRecord(output.heartbeatTopicsPrefix, output, Date.now())));
    this.engine.afterHeartbeat?.();
  }

  // ----- probes -----

  healthy(): boolean {
    return this.phaseValue !== 'failed';
  }

  ready(): boolean {
    return this.phaseValue === 'streaming';
  }

  status(): Record<string, unknown> {
    return {
      phase: this.phaseValue,
      ...this.engine.status(),
      bufferedRecords: this.sinkRef?.pendingRecords ?? 0,
      error: this.fatal?.message,
    };
  }

  // ----- stopping -----

  fail(err: Error, kind: string): void {
    if (this.phaseValue === 'failed' || this.phaseValue === 'stopped' || this.phaseValue === 'stopping') {
      this.log.debug({ err: err.message, kind }, 'error while stopping');
      return;
    }
    this.metrics.errors.inc({ kind });
    this.fatal = err;
    this.log.error({ err: err.message, kind, ...this.engine.positionFields('fatal') }, this.engine.lines.fatal);
    this.phaseValue = 'failed';
    void this.shutdown(1);
  }

  stop(): Promise<void> {
    if (this.phaseValue === 'failed') return this.stopping ?? Promise.resolve();
    this.log.info(this.engine.lines.stopping);
    this.phaseValue = 'stopping';
    return this.shutdown(0);
  }

  /** Stop reading; after a graceful stop, drain what was read; let the sink deliver; confirm; close. */
  private shutdown(code: number): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.timers.forEach((t) => clearInterval(t));
      this.engine.pauseSource();
      if (code === 0) await this.engine.drain();
      await this.engine.beforeSinkClose?.();
      try {
        if (this.sinkRef) await withTimeout(this.sinkRef.close(), SINK_CLOSE_TIMEOUT_MS);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'kafka close');
      }
      await this.engine.close();
      await new Promise<void>((r) => (this.http ? this.http.close(() => r()) : r()));
      this.log.info({ ...this.engine.positionFields('stopped'), code }, 'stopped');
      if (this.phaseValue !== 'failed') this.phaseValue = 'stopped';
      this.done(code);
    })();
    return this.stopping;
  }
}

/**
 * Incremental snapshots, engine-neutral: the queue of tables to snapshot (from `execute-snapshot`
 * signals), the chunk loop (low watermark, chunk read, high watermark; see snapshot-window.ts), the
 * progress (table, last key, chunk) kept in the offset store, signals, progress log lines and
 * metrics. The engine supplies a {@link ChunkSource} (reads chunks, writes watermarks) and feeds
 * the stream's watermarks, changes and signals in.
 *
 * Progress is stored only once Kafka has acknowledged the chunk it counts (the engine reports the
 * acknowledged position through {@link IncrementalSnapshots.onCheckpoint}), so a kill -9 resumes
 * from the last delivered chunk: a chunk may be sent twice, never skipped. Every signal acted on is
 * stored with its id, so a signal the source sends again after a restart is not acted on twice.
 */
import { randomUUID } from 'crypto';
import { Counter, Gauge } from 'prom-client';
import type { OffsetStore } from './offsets';
import type { Signal, SnapshotCollection } from './signals';
import { ChunkRow, ClosedChunk, SnapshotWindow, closeId } from './snapshot-window';
import type { EngineContext } from './worker';

/** How far one table's snapshot is. Keys are the key columns' text, in key order. */
export interface TableProgress {
  readonly table: string;
  readonly filter?: string;
  /** The largest key when the table's snapshot started: chunks stop there (later rows come from the stream). */
  readonly maxKey: string[];
  /** The last key of the last delivered chunk (null: none yet). */
  lastKey: string[] | null;
  chunk: number;
  rows: number;
  /** Chunk rows not emitted because a streamed change of their key came inside the window. */
  superseded: number;
  /** The table's estimated row count, for the ETA. */
  readonly estimate: number;
  readonly startedAtMs: number;
}

/** What the offset store keeps. */
export interface IncrementalSnapshotState {
  /** Ids of the last signals acted on. */
  signals: string[];
  queue: SnapshotCollection[];
  current: TableProgress | null;
  paused: boolean;
}

/** A table that cannot be snapshotted (no primary key, a bad filter): it is skipped, the others go on. */
export class SnapshotTableError extends Error {}

/** The engine's side of the chunk loop. */
export interface ChunkSource<R> {
  /** The table's largest key (null: no row) and estimated row count; throws {@link SnapshotTableError}. */
  prepare(c: SnapshotCollection): Promise<{ maxKey: string[] | null; estimate: number }>;
  /** Up to `limit` rows with keys above `after` (all, when null) and at most `maxKey`, in key order. */
  readChunk(c: SnapshotCollection, after: string[] | null, maxKey: string[], limit: number): Promise<{ key: string[]; row: R }[]>;
  /**
   * The transactions the last {@link readChunk} could not see although they may have committed
   * (in progress at its snapshot), by the id the stream gives them; their changes supersede chunk rows.
   */
  invisibleAtRead?(): string[];
  /** Writes a watermark row (and removes the previous one, `previous`). */
  writeWatermark(id: string, kind: 'open' | 'close', previous: string | null): Promise<void>;
  /** Tables a signal may name (a name that is not one is tried as an anchored regular expression over them). */
  tables(): Promise<string[]>;
}

/** The signals a user sends (not the watermarks). */
type UserSignal = Exclude<Signal, { type: 'snapshot-window-open' | 'snapshot-window-close' }>;

const KEPT_SIGNAL_IDS = 100;
const PROGRESS_LOG_MS = 10000;
const WATERMARK_WARN_MS = 30000;

export const emptySnapshotState = (): IncrementalSnapshotState => ({ signals: [], queue: [], current: null, paused: false });

function snapshotMetrics(ctx: EngineContext) {
  const registers = [ctx.metrics.registry];
  return {
    rows: new Counter({ name: 'cdc_incremental_snapshot_rows_total', help: 'Rows emitted by incremental snapshots (op r)', labelNames: ['table'], registers }),
    dropped: new Counter({
      name: 'cdc_incremental_snapshot_superseded_rows_total',
      help: 'Chunk rows not emitted because the stream carried a newer change of their key inside the window',
      labelNames: ['table'],
      registers,
    }),
    chunks: new Counter({ name: 'cdc_incremental_snapshot_chunks_total', help: 'Incremental snapshot chunks delivered', labelNames: ['table'], registers }),
    remaining: new Gauge({ name: 'cdc_incremental_snapshot_tables_remaining', help: 'Tables queued or being read by incremental snapshots', registers }),
    paused: new Gauge({ name: 'cdc_incremental_snapshot_paused', help: '1 while incremental snapshots are paused (pause-snapshot)', registers }),
    progress: new Gauge({
      name: 'cdc_incremental_snapshot_progress_ratio',
      help: 'Rows read over the estimated rows of the table being snapshotted',
      labelNames: ['table'],
      registers,
    }),
  };
}

export class IncrementalSnapshots<R> {
  readonly window = new SnapshotWindow<R>();
  private state: IncrementalSnapshotState = emptySnapshotState();
  private readonly metrics: ReturnType<typeof snapshotMetrics>;
  private stopped = false;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private lastClose: string | null = null;
  private closed: { id: string; resolve: (c: { at: bigint; chunk: ClosedChunk<R> }) => void } | null = null;
  /** Position of the last chunk counted in the state; acknowledged positions at or past it allow a save. */
  private progressAt = 0n;
  private acked = 0n;
  private pending: { at: bigint; state: string; done: (() => void)[] }[] = [];
  private saving: Promise<void> = Promise.resolve();
  private lastLog = 0;

  constructor(
    private readonly ctx: EngineContext,
    private readonly source: ChunkSource<R>,
    private readonly store: OffsetStore<IncrementalSnapshotState>,
    private readonly chunkSize: number,
  ) {
    this.metrics = snapshotMetrics(ctx);
  }

  /** Loads the stored progress (before the stream starts) and starts the chunk loop. */
  async start(): Promise<void> {
    await this.store.ensureTopic();
    const stored = await this.store.load();
    if (stored) this.state = { ...emptySnapshotState(), ...stored };
    const s = this.state;
    if (s.current || s.queue.length) {
      this.ctx.log.info(
        { table: s.current?.table, lastKey: s.current?.lastKey, chunk: s.current?.chunk, queued: s.queue.map((q) => q.table), paused: s.paused },
        'incremental snapshot: resuming from the stored progress',
      );
    }
    this.updateGauges();
    this.running = this.run().catch((e) => {
      if (!this.stopped) this.ctx.fail(e as Error, 'snapshot');
    });
  }

  /** The current state (a copy), for tests and the probes. */
  get snapshotState(): IncrementalSnapshotState {
    return JSON.parse(JSON.stringify(this.state));
  }

  /** Stops the chunk loop (the stop of the worker); a chunk in flight is not counted. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  // ----- from the stream -----

  /**
   * A signal seen in the stream (or the worker's own, e.g. a table added at start). Resolves once
   * what it changed is stored (the stream waits, so the source cannot confirm past it before).
   */
  async onSignal(signal: Signal): Promise<void> {
    if (signal.type === 'snapshot-window-open' || signal.type === 'snapshot-window-close') return;
    if (this.state.signals.includes(signal.id)) {
      this.ctx.log.info({ id: signal.id, type: signal.type }, 'signal already acted on; ignored');
      return;
    }
    await this.apply(signal as UserSignal);
    this.state.signals = [...this.state.signals, signal.id].slice(-KEPT_SIGNAL_IDS);
    this.updateGauges();
    this.wake?.();
    await this.save();
  }

  /** The high watermark of the expected chunk was emitted at `at` (its transaction's commit position). */
  chunkEmitted(at: bigint, chunk: ClosedChunk<R>): void {
    if (this.closed?.id !== chunk.id) return;
    this.closed.resolve({ at, chunk });
    this.closed = null;
  }

  /** Kafka acknowledged everything up to `position`: stores the newest progress that counts only delivered chunks. */
  onCheckpoint(position: bigint): void {
    if (position > this.acked) this.acked = position;
    let last = -1;
    for (let i = 0; i < this.pending.length; i++) if (this.pending[i].at <= this.acked) last = i;
    if (last < 0) return;
    const ready = this.pending.splice(0, last + 1);
    const state = JSON.parse(ready[ready.length - 1].state) as IncrementalSnapshotState;
    const done = ready.flatMap((r) => r.done);
    this.saving = this.saving.then(async () => {
      try {
        await this.store.save(state);
      } catch (e) {
        if (!this.stopped)
          this.ctx.fail(new Error(`cannot store the incremental snapshot's progress in ${this.store.topic}: ${(e as Error).message}`), 'kafka');
        return;
      }
      done.forEach((d) => d());
    });
  }

  /** Queues the current state for storing once its chunks are delivered; resolves when stored. */
  private save(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.pending.push({ at: this.progressAt, state: JSON.stringify(this.state), done: [resolve] });
      this.onCheckpoint(this.acked);
    });
  }

  // ----- signals -----

  private async apply(signal: UserSignal): Promise<void> {
    const { log } = this.ctx;
    const s = this.state;
    switch (signal.type) {
      case 'log':
        log.info({ id: signal.id, signal: 'log' }, signal.message);
        return;
      case 'pause-snapshot':
        s.paused = true;
        log.info({ id: signal.id, table: s.current?.table, lastKey: s.current?.lastKey }, 'incremental snapshot paused');
        return;
      case 'resume-snapshot':
        s.paused = false;
        log.info({ id: signal.id }, 'incremental snapshot resumed');
        return;
      case 'stop-snapshot':
        return this.stopTables(signal.id, signal.tables);
      case 'execute-snapshot': {
        const collections = await this.resolve(signal.id, signal.collections);
        const known = new Set([s.current?.table, ...s.queue.map((q) => q.table)]);
        const added = collections.filter((c) => !known.has(c.table));
        s.queue.push(...added);
        log.info(
          { id: signal.id, tables: added.map((c) => c.table), filters: added.filter((c) => c.filter).length, queued: s.queue.length },
          'incremental snapshot requested',
        );
        return;
      }
    }
  }

  private stopTables(id: string, tables: string[] | null): void {
    const s = this.state;
    const stops = (t: string) => tables === null || tables.includes(t);
    const stopped = [...(s.current && stops(s.current.table) ? [s.current.table] : []), ...s.queue.filter((q) => stops(q.table)).map((q) => q.table)];
    s.queue = s.queue.filter((q) => !stops(q.table));
    if (s.current && stops(s.current.table)) s.current = null;
    this.ctx.log.info({ id, tables: stopped }, 'incremental snapshot stopped');
  }

  /** The signal's names: a table the source has, or else an anchored regular expression over them (as Debezium reads `data-collections`). */
  private async resolve(id: string, wanted: SnapshotCollection[]): Promise<SnapshotCollection[]> {
    const all = await this.source.tables();
    const out: SnapshotCollection[] = [];
    for (const c of wanted) {
      if (all.includes(c.table)) {
        out.push(c);
        continue;
      }
      let re: RegExp | null = null;
      try {
        re = new RegExp(`^(?:${c.table})$`);
      } catch {
        re = null;
      }
      const hits = re ? all.filter((t) => re!.test(t)) : [];
      if (!hits.length) this.ctx.log.error({ id, table: c.table, known: all }, 'signal names a table that is not captured; skipped');
      out.push(...hits.map((t) => ({ ...c, table: t })));
    }
    return out;
  }

  // ----- the chunk loop -----

  private async run(): Promise<void> {
    while (!this.stopped) {
      const s = this.state;
      if (s.paused || (!s.current && !s.queue.length)) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = null;
        continue;
      }
      if (!s.current) await this.startTable(s.queue[0]);
      else await this.chunk(s.current);
      const wait = this.ctx.phase === 'streaming' ? this.ctx.sink.waitForSpace() : null;
      if (wait) await wait;
    }
  }

  private async startTable(c: SnapshotCollection): Promise<void> {
    let prepared: { maxKey: string[] | null; estimate: number };
    try {
      prepared = await this.source.prepare(c);
    } catch (e) {
      if (!(e instanceof SnapshotTableError)) throw e;
      this.ctx.log.error({ table: c.table, err: e.message }, 'incremental snapshot of table skipped');
      prepared = { maxKey: null, estimate: 0 };
    }
    if (this.state.queue[0] !== c) return; // stopped meanwhile
    this.state.queue.shift();
    if (prepared.maxKey) {
      this.state.current = {
        ...c,
        maxKey: prepared.maxKey,
        lastKey: null,
        chunk: 0,
        rows: 0,
        superseded: 0,
        estimate: prepared.estimate,
        startedAtMs: Date.now(),
      };
      this.ctx.log.info({ table: c.table, filter: c.filter, estimatedRows: prepared.estimate }, 'incremental snapshot of table started');
    } else {
      this.ctx.log.info({ table: c.table }, 'incremental snapshot of table: nothing to read');
    }
    this.updateGauges();
    void this.save();
  }

  /** One chunk: low watermark, read, high watermark, then wait for the stream to emit it. */
  private async chunk(t: TableProgress): Promise<void> {
    const id = randomUUID();
    this.window.expect(id, t.table);
    await this.source.writeWatermark(id, 'open', this.lastClose);
    const read = await this.source.readChunk(t, t.lastKey, t.maxKey, this.chunkSize);
    this.window.fill(
      id,
      read.map((r): ChunkRow<R> => ({ key: JSON.stringify(r.key), row: r.row })),
      this.source.invisibleAtRead?.() ?? [],
    );
    const emitted = new Promise<{ at: bigint; chunk: ClosedChunk<R> }>((resolve) => (this.closed = { id, resolve }));
    await this.source.writeWatermark(closeId(id), 'close', id);
    this.lastClose = closeId(id);
    const done = await this.waitForStream(emitted, t.table);
    if (!done || this.state.current !== t) return;
    this.progressAt = done.at;
    t.chunk++;
    t.rows += done.chunk.rows.length;
    t.superseded = (t.superseded ?? 0) + done.chunk.dropped;
    if (read.length) t.lastKey = read[read.length - 1].key;
    this.metrics.rows.inc({ table: t.table }, done.chunk.rows.length);
    this.metrics.dropped.inc({ table: t.table }, done.chunk.dropped);
    this.metrics.chunks.inc({ table: t.table });
    // the last chunk: short, or ending at the largest key (no empty chunk read after it)
    const finished = read.length < this.chunkSize || JSON.stringify(read[read.length - 1].key) === JSON.stringify(t.maxKey);
    if (finished) this.state.current = null;
    this.logProgress(t, finished);
    this.updateGauges();
    void this.save();
  }

  /** Waits for the stream to reach the high watermark, warning while it does not. */
  private async waitForStream<T>(emitted: Promise<T>, table: string): Promise<T | null> {
    const started = Date.now();
    let lastWarn = started;
    while (!this.stopped) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((r) => (timer = setTimeout(() => r('tick'), 1000)));
      const woken = new Promise<'woken'>((r) => (this.wake = () => r('woken')));
      const got = await Promise.race([emitted, tick, woken]);
      clearTimeout(timer);
      this.wake = null;
      if (got !== 'tick' && got !== 'woken') return got;
      if (Date.now() - lastWarn < WATERMARK_WARN_MS) continue;
      lastWarn = Date.now();
      this.ctx.log.warn(
        { table, waitedMs: lastWarn - started },
        "incremental snapshot: the chunk's high watermark has not come through the stream yet (is the signal table captured?)",
      );
    }
    return null;
  }

  private logProgress(t: TableProgress, finished: boolean): void {
    const now = Date.now();
    if (!finished && now - this.lastLog < PROGRESS_LOG_MS) return;
    this.lastLog = now;
    const secs = Math.max(0.001, (now - t.startedAtMs) / 1000);
    const rate = t.rows / secs;
    const left = Math.max(0, t.estimate - t.rows);
    this.metrics.progress.set({ table: t.table }, finished ? 1 : t.estimate ? Math.min(1, t.rows / t.estimate) : 0);
    this.ctx.log.info(
      {
        table: t.table,
        rows: t.rows,
        superseded: t.superseded,
        estimatedRows: t.estimate,
        chunks: t.chunk,
        rowsPerSecond: Math.round(rate),
        etaSeconds: finished ? 0 : rate > 0 && t.estimate > 0 ? Math.round(left / rate) : null,
      },
      finished ? 'incremental snapshot of table finished' : 'incremental snapshot progress',
    );
  }

  private updateGauges(): void {
    this.metrics.remaining.set(this.state.queue.length + (this.state.current ? 1 : 0));
    this.metrics.paused.set(this.state.paused ? 1 : 0);
  }

  /** Resolves when the chunk loop has returned (after {@link stop}). */
  get finished(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

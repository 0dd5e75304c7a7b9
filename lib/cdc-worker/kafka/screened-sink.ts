/**
 * Sensitive-data detection on the stream, as a decorator around the Kafka sink: it takes the same
 * pushes as the Kafka sink (kafka/sink.ts: change records and checkpoints, in source order), screens change
 * events with a {@link SensitiveDataScreen} (consecutive events of one table in one call) and
 * forwards, in the same order:
 *
 * - `deliver`: the record with the transformed `before`/`after` images (and, with schemas, the
 *   image schemas adjusted: a transformed non-string column becomes an optional string, a dropped
 *   column leaves the schema) and the `cdc.findings` header (`encodeFlags`) when there were findings;
 *   records without findings go through byte for byte;
 * - `quarantine`: the original record to the policy's quarantine topic (with the header), except
 *   for its key (below);
 * - checkpoints only once every record pushed before them has been forwarded, so the source
 *   position never moves past a change that was not screened.
 *
 * Keys. The record key (primary-key columns, `{"schema":..,"payload":{..}}` or bare) is screened
 * by the same column policies as the images (see `SensitiveDataScreen`): its fields get the values
 * the same columns get in the image, so every event of a row carries one transformed key, and as
 * Kafka partitions by the key's bytes, one partition. That key is written wherever the key
 * appears: the record key (its schema adjusted like the images'), a quarantined event's key
 * columns, the tombstone after a delete, and the `__debezium.newkey` / `__debezium.oldkey`
 * headers of a primary-key change (delete + tombstone under the old key, create under the new
 * one), which take the key of the other half of the change.
 *
 * Tombstones. The tombstone after a delete (same key, null value) has the delete's key. It goes to
 * the table's topic with the transformed key even when the delete was quarantined: the row's
 * earlier events may be on the table topic under that key, and a compacted topic only forgets
 * them with a tombstone. Only when a key field holds a finding whose action is `quarantine` (the
 * key has no transformed form, and every event of the row, each holding that column, went to
 * quarantine, so the table topic has nothing under that key) does the tombstone follow its
 * delete to the quarantine topic, with the findings header.
 *
 * A delete, its tombstone and, for a primary-key change, the create are pushed together by the
 * workers; a batch keeps them together. A tombstone that does not follow its delete cannot be
 * screened and is a fatal error (never forwarded unscreened). Records that are not change events
 * (transaction metadata, heartbeats, keyless tombstones, truncates) pass through. A screening
 * error (e.g. Cloud DLP failing after its retries) is fatal: nothing after it is forwarded, so
 * nothing unscreened is acknowledged.
 */
import { createScreen, DetectionConfig, DetectionMetrics, ScreenedChange, SensitiveDataScreen } from '../detect';
import type { CdcSink, QueueItem, RecordItem } from '../core/sink';
import type { WorkerMetrics } from '../core/metrics';
import { Entry, outputs } from './screened-output';
import { NEW_KEY, Parsed, isTombstone, parseChange } from './screened-parse';

export { parseLossless, stringifyLossless } from './lossless-json';

export interface ScreenedSinkOptions {
  /** The sink's buffer size (`delivery.maxBufferedEvents`): unscreened plus unacknowledged records. */
  readonly maxBuffered: number;
  /** Most events screened in one call. @default 500 */
  readonly maxBatch?: number;
  /** The policy's quarantine topic: created on connect, like the tables' topics. */
  readonly quarantineTopic?: string;
  /** Screening failed: the worker must stop (nothing after the failed batch is forwarded). */
  readonly onFatal: (err: Error) => void;
}

export class ScreenedSink implements CdcSink {
  private queue: QueueItem[] = [];
  private head = 0;
  /** Records in `queue` not yet forwarded. */
  private queuedRecords = 0;
  private working = false;
  private failed: Error | null = null;
  private waiters: (() => void)[] = [];
  private innerArmed = false;
  private drainedWaiters: (() => void)[] = [];
  private readonly maxBatch: number;

  constructor(
    private readonly inner: CdcSink,
    private readonly screen: SensitiveDataScreen,
    private readonly options: ScreenedSinkOptions,
  ) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  // ----- the sink's interface -----

  push(item: QueueItem): void {
    if (this.failed) return;
    this.queue.push(item);
    if ('record' in item) this.queuedRecords++;
    if (!this.working) {
      // start after the caller's synchronous run of pushes, so that they are screened in batches
      this.working = true;
      queueMicrotask(() => void this.work());
    }
  }

  /** Unscreened records plus the Kafka sink's unacknowledged ones. */
  get pendingRecords(): number {
    return this.queuedRecords + this.inner.pendingRecords;
  }

  get depth(): number {
    return this.queue.length - this.head + this.inner.depth;
  }

  get idle(): boolean {
    return this.head >= this.queue.length && !this.working && this.inner.idle;
  }

  hasSpace(): boolean {
    return this.inner.hasSpace() && (this.queuedRecords === 0 || this.pendingRecords < this.options.maxBuffered);
  }

  onSpace(cb: () => void): void {
    this.waiters.push(cb);
    this.notify();
  }

  waitForSpace(): Promise<void> | null {
    if (this.hasSpace()) return null;
    return new Promise((r) => this.onSpace(r));
  }

  /** Resolves when everything pushed so far is screened, forwarded and acknowledged. */
  async flush(): Promise<void> {
    await this.screened();
    await this.inner.flush();
  }

  /** Screens and forwards what was pushed, then closes the Kafka sink (which sends it). */
  async close(): Promise<void> {
    await this.screened();
    await this.inner.close();
  }

  async connect(): Promise<void> {
    await this.inner.connect();
    // best effort, as for the tables' topics: the Kafka sink creates a missing topic before producing to it
    if (this.options.quarantineTopic) await this.inner.ensureTopics([this.options.quarantineTopic]).catch(() => undefined);
  }

  ensureTopics(topics: string[], compacted?: string[]): Promise<void> {
    return this.inner.ensureTopics(topics, compacted);
  }

  storedPosition(): Promise<bigint | null> {
    return this.inner.storedPosition();
  }

  // ----- screening -----

  private screened(): Promise<void> {
    if (this.failed || (this.head >= this.queue.length && !this.working)) return Promise.resolve();
    return new Promise((r) => this.drainedWaiters.push(r));
  }

  private async work(): Promise<void> {
    try {
      while (this.head < this.queue.length && !this.failed) {
        const first = this.queue[this.head];
        const parsed = 'record' in first ? parseChange(first) : null;
        if (!parsed) {
          if ('record' in first && isTombstone(first.record)) {
            // its delete was not before it in the batch: the key's screening is unknown, so it is not sent
            this.fail(new Error(`a tombstone for ${first.record.topic} does not follow its delete: its key cannot be screened`));
            break;
          }
          // a checkpoint (everything before it is forwarded) or a record that is not a change event
          this.head++;
          if ('record' in first) this.queuedRecords--;
          this.inner.push(first);
          continue;
        }
        // consecutive change events of the same table, screened in one call, with the tombstones
        // after their deletes; a primary-key change (delete, tombstone, create) is never split
        const batch: Parsed[] = [parsed];
        const entries: Entry[] = [parsed];
        let last = parsed;
        let i = this.head + 1;
        while (i < this.queue.length) {
          const next = this.queue[i];
          if (!('record' in next)) break;
          if (isTombstone(next.record)) {
            if (next.record.topic !== last.item.record.topic) break;
            entries.push({ tombstone: next });
            i++;
            continue;
          }
          if (batch.length >= this.maxBatch && last.item.record.headers?.[NEW_KEY] === undefined) break;
          const p = parseChange(next);
          if (!p || p.table !== parsed.table) break;
          batch.push(p);
          entries.push(p);
          last = p;
          i++;
        }
        let results: ScreenedChange[];
        try {
          results = await this.screen.screen(parsed.table, batch);
        } catch (e) {
          this.fail(new Error(`sensitive-data detection failed for ${parsed.table}: ${(e as Error).message}`));
          break;
        }
        let out: RecordItem[];
        try {
          out = outputs(entries, results);
        } catch (e) {
          this.fail(e as Error);
          break;
        }
        for (const o of out) this.inner.push(o);
        this.head += entries.length;
        this.queuedRecords -= entries.length;
        if (this.head > 10000) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        this.notify();
      }
    } finally {
      this.working = false;
      if (this.head >= this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.notify();
      const done = this.drainedWaiters;
      this.drainedWaiters = [];
      done.forEach((d) => d());
    }
  }

  private fail(err: Error): void {
    this.failed = err;
    this.options.onFatal(err);
  }

  /** Wakes the waiters when there is room; otherwise waits for the Kafka sink when it is the one that is full. */
  private notify(): void {
    if (this.waiters.length === 0) return;
    if (this.hasSpace()) {
      const w = this.waiters;
      this.waiters = [];
      w.forEach((cb) => cb());
      return;
    }
    if (!this.inner.hasSpace() && !this.innerArmed) {
      this.innerArmed = true;
      this.inner.onSpace(() => {
        this.innerArmed = false;
        this.notify();
      });
    }
  }
}

/**
 * What the workers call where they create the Kafka sink: the sink itself when `detection` is
 * absent or off, else the screened sink, with the detection counters on the worker's /metrics.
 */
export function withDetection(
  inner: CdcSink,
  detection: DetectionConfig | undefined,
  maxBuffered: number,
  metrics: WorkerMetrics,
  onFatal: (err: Error) => void,
): CdcSink {
  const counters = new DetectionMetrics();
  const screen = createScreen(detection, counters);
  if (!screen) return inner;
  metrics.detection = counters;
  return new ScreenedSink(inner, screen, { maxBuffered, onFatal, quarantineTopic: detection?.policy?.quarantineTopic });
}

/**
 * Sensitive-data detection on the stream, as a decorator around the Kafka sink: it takes the same
 * pushes as {@link KafkaSink} (change records and checkpoints, in source order), screens change
 * events with a {@link SensitiveDataScreen} (consecutive events of one table in one call) and
 * forwards, in the same order:
 *
 * - `deliver`: the record with the transformed `before`/`after` images (and, with schemas, the
 *   image schemas adjusted: a transformed non-string column becomes an optional string, a dropped
 *   column leaves the schema) and the `cdc.findings` header (`encodeFlags`) when there were findings;
 *   records without findings go through byte for byte;
 * - `quarantine`: the original record, unchanged, to the policy's quarantine topic (with the header);
 * - checkpoints only once every record pushed before them has been forwarded, so the source
 *   position never moves past a change that was not screened.
 *
 * Records that are not change events (transaction metadata, heartbeats, tombstones, truncates)
 * pass through. A screening error (e.g. Cloud DLP failing after its retries) is fatal: nothing
 * after it is forwarded, so nothing unscreened is acknowledged.
 */
import { createScreen, DetectionConfig, DetectionMetrics, encodeFlags, FINDINGS_HEADER, ScreenedChange, SensitiveDataScreen } from './detect';
import type { Row } from './detect';
import { KafkaSink, QueueItem } from './sink';
import { OutRecord } from './envelope';
import type { WorkerMetrics } from './ops';

/** What the workers use of a sink: {@link KafkaSink} or {@link ScreenedSink}. */
export type CdcSink = Pick<
  KafkaSink,
  'push' | 'hasSpace' | 'onSpace' | 'waitForSpace' | 'flush' | 'close' | 'connect' | 'ensureTopics' | 'storedPosition' | 'admin' | 'idle' | 'pendingRecords' | 'depth'
>;

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

/** An integer too big for a double, kept as its JSON text. */
class RawNumber {
  constructor(readonly text: string) {}
}

const MARK = '\u0000#';
// strings as a whole (so digits inside them are skipped), or a number
const TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** JSON.parse that keeps integers beyond 2^53 exactly (as {@link RawNumber}). */
export function parseLossless(text: string): unknown {
  let big = false;
  const marked = text.replace(TOKENS, (t) => {
    if (t.charCodeAt(0) === 34 /* " */ || t.length < 16 || t.includes('.') || t.includes('e') || t.includes('E')) return t;
    if (Number.isSafeInteger(Number(t))) return t;
    big = true;
    return `"\\u0000#${t}"`; // the MARK, escaped as JSON text must
  });
  if (!big) return JSON.parse(text);
  return JSON.parse(marked, (_k, v) => (typeof v === 'string' && v.startsWith(MARK) ? new RawNumber(v.slice(MARK.length)) : v));
}

/** JSON.stringify that writes {@link RawNumber}s as the numbers they are. */
export function stringifyLossless(value: unknown): string {
  let big = false;
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof RawNumber) {
      big = true;
      return MARK + v.text;
    }
    return v;
  });
  return big ? text.replace(/"\\u0000#(-?\d+)"/g, '$1') : text;
}

type Envelope = { schema?: StructSchema | null; payload: Payload } | Payload;
type Payload = { before?: Row | null; after?: Row | null; source?: Record<string, unknown>; op?: string };
type FieldSchema = { field: string; type: string; optional?: boolean; name?: string; version?: number; parameters?: unknown; [k: string]: unknown };
type StructSchema = { type: string; fields?: FieldSchema[]; [k: string]: unknown };

interface Parsed {
  readonly item: { record: OutRecord; bytes: number };
  readonly table: string;
  /** Parsed with JSON.parse (big integers outside the images, like `ts_ns`, may be off): re-parse losslessly before writing. */
  readonly lossy: boolean;
  readonly envelope: Envelope;
  readonly payload: Payload;
  /** The images as the detector sees them (big integers as their digits). */
  readonly before: Row | null;
  readonly after: Row | null;
}

const CHANGE_OPS = new Set(['c', 'u', 'd', 'r']);

/** The change event in a record, or null for anything else (transaction metadata, heartbeat, tombstone, truncate). */
function parseChange(item: { record: OutRecord; bytes: number }): Parsed | null {
  const value = item.record.value;
  if (value === null || value.length === 0 || value.charCodeAt(0) !== 123 /* { */) return null;
  let envelope: Envelope;
  try {
    // JSON.parse is several times faster; the lossless parse only when an image holds an integer beyond 2^53
    envelope = JSON.parse(value) as Envelope;
  } catch {
    return null;
  }
  let payload = payloadOf(envelope);
  if (!payload || typeof payload.op !== 'string' || !CHANGE_OPS.has(payload.op) || !payload.source) return null;
  let lossy = true;
  if (hasBigInteger(payload.before) || hasBigInteger(payload.after)) {
    envelope = parseLossless(value) as Envelope;
    payload = payloadOf(envelope);
    lossy = false;
  }
  const source = payload.source!;
  const schema = (source.schema ?? source.db) as string | undefined;
  const table = schema ? `${schema}.${source.table as string}` : String(source.table);
  return { item, table, lossy, envelope, payload, before: detectorRow(payload.before), after: detectorRow(payload.after) };
}

function payloadOf(envelope: Envelope): Payload {
  return ('payload' in envelope && envelope.payload && typeof envelope.payload === 'object' ? envelope.payload : envelope) as Payload;
}

function hasBigInteger(row: Row | null | undefined): boolean {
  if (!row) return false;
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v)) return true;
  }
  return false;
}

/** Big integers as their digits, so that a card number in a bigint column is seen. */
function detectorRow(row: Row | null | undefined): Row | null {
  if (!row) return null;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(row)) {
    if (v instanceof RawNumber) (out ??= { ...row })[k] = v.text;
  }
  return out ?? row;
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
    private readonly inner: KafkaSink,
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

  admin(): ReturnType<KafkaSink['admin']> {
    return this.inner.admin();
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
          // a checkpoint (everything before it is forwarded) or a record that is not a change event
          this.head++;
          if ('record' in first) this.queuedRecords--;
          this.inner.push(first);
          continue;
        }
        // consecutive change events of the same table, screened in one call
        const batch: Parsed[] = [parsed];
        let i = this.head + 1;
        while (i < this.queue.length && batch.length < this.maxBatch) {
          const next = this.queue[i];
          if (!('record' in next)) break;
          const p = parseChange(next);
          if (!p || p.table !== parsed.table) break;
          batch.push(p);
          i++;
        }
        let results: ScreenedChange[];
        try {
          results = await this.screen.screen(parsed.table, batch);
        } catch (e) {
          this.failed = new Error(`sensitive-data detection failed for ${parsed.table}: ${(e as Error).message}`);
          this.options.onFatal(this.failed);
          break;
        }
        for (let j = 0; j < batch.length; j++) this.inner.push(output(batch[j], results[j]));
        this.head += batch.length;
        this.queuedRecords -= batch.length;
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

/** The record to forward for one screened change event. */
function output(p: Parsed, s: ScreenedChange): { record: OutRecord; bytes: number } {
  const { record } = p.item;
  if (s.flags.length === 0) return p.item;
  const headers = { ...record.headers, [FINDINGS_HEADER]: encodeFlags(s.flags) };
  if (s.decision === 'quarantine') {
    return { record: { ...record, topic: s.quarantineTopic!, headers }, bytes: p.item.bytes };
  }
  if ((!s.before || s.before === p.before) && (!s.after || s.after === p.after)) return { record: { ...record, headers }, bytes: p.item.bytes };
  // the event is rewritten: from a lossless parse, so that big integers (`ts_ns`, bigint columns) stay exact
  const envelope = p.lossy ? (parseLossless(record.value!) as Envelope) : p.envelope;
  const payload = payloadOf(envelope);
  const before = changedImage(payload.before ?? null, p.before, s.before);
  const after = changedImage(payload.after ?? null, p.after, s.after);
  if (!before && !after) return { record: { ...record, headers }, bytes: p.item.bytes };
  const schema = 'payload' in envelope ? (envelope.schema as StructSchema | null | undefined) : undefined;
  if (before) {
    payload.before = before.row;
    adjustSchema(schema, 'before', before);
  }
  if (after) {
    payload.after = after.row;
    adjustSchema(schema, 'after', after);
  }
  const value = stringifyLossless(envelope);
  return { record: { ...record, value, headers }, bytes: Buffer.byteLength(value) + (record.key ? Buffer.byteLength(record.key) : 0) };
}

interface ChangedImage {
  row: Row;
  changed: string[];
  dropped: string[];
}

/** The image to write when the policy changed it (untouched fields keep their original values), else null. */
function changedImage(original: Row | null, seen: Row | null, screened: Row | null): ChangedImage | null {
  if (!original || !seen || !screened || screened === seen) return null;
  const row: Record<string, unknown> = {};
  const changed: string[] = [];
  const dropped: string[] = [];
  for (const k of Object.keys(original)) {
    if (!(k in screened)) {
      dropped.push(k);
      continue;
    }
    const v = screened[k];
    if (v === seen[k]) row[k] = original[k];
    else {
      row[k] = v;
      changed.push(k);
    }
  }
  return changed.length || dropped.length ? { row, changed, dropped } : null;
}

/** Keeps the value schema true to the transformed image: transformed columns become optional strings, dropped ones leave. */
function adjustSchema(schema: StructSchema | null | undefined, image: 'before' | 'after', c: ChangedImage): void {
  const struct = schema?.fields?.find((f) => f.field === image) as StructSchema | undefined;
  if (!struct?.fields) return;
  struct.fields = struct.fields
    .filter((f) => !c.dropped.includes(f.field))
    .map((f) => {
      if (!c.changed.includes(f.field) || f.type === 'string') return f;
      const value = c.row[f.field];
      if (typeof value !== 'string') return f;
      return { type: 'string', optional: true, field: f.field };
    });
}

/** The sink the workers use: the Kafka sink, screened when detection is on. */
export function screenedSink(inner: KafkaSink, screen: SensitiveDataScreen | undefined, options: ScreenedSinkOptions): CdcSink {
  return screen ? new ScreenedSink(inner, screen, options) : inner;
}

/**
 * What the workers call where they create the Kafka sink: the sink itself when `detection` is
 * absent or off, else the screened sink, with the detection counters on the worker's /metrics.
 */
export function withDetection(
  inner: KafkaSink,
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

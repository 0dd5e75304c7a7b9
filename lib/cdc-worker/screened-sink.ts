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
  /** The record key's fields as the detector sees them (null: no key), for the screen. */
  readonly key: Row | null;
  /** The record key; null: no key; undefined: a key that is not a JSON object (cannot be screened). */
  readonly parsedKey: ParsedKey | null | undefined;
}

interface ParsedKey {
  /** The key's schema, when it has one (schemas.enable); shared by the keys of a topic: copy before changing it. */
  readonly schema?: StructSchema | null;
  /** The key's text before its payload, `{"schema":..,"payload":`, when known. */
  readonly prefix?: string;
  readonly wrapped: boolean;
  /** The key's fields as written (big integers exact, as {@link RawNumber}). */
  readonly payload: Record<string, unknown>;
  /** The key's fields as the detector sees them (big integers as their digits). */
  readonly row: Row;
}

/** Debezium's headers of a primary-key change: on the delete (and its tombstone), the new key; on the create, the old key. */
const NEW_KEY = '__debezium.newkey';
const OLD_KEY = '__debezium.oldkey';

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
  const parsedKey = parseKey(item.record.key, item.record.topic);
  return { item, table, lossy, envelope, payload, before: detectorRow(payload.before), after: detectorRow(payload.after), key: parsedKey?.row ?? null, parsedKey };
}

/**
 * Per topic, the start of its keys with schemas, `{"schema":<key schema>,"payload":`, and that
 * schema: a key that starts with it has its payload after it, so only the payload is parsed (the
 * schema is the same in every key of a table, and most of the key's text).
 */
const keyPrefixes = new Map<string, { prefix: string; schema: StructSchema | null }>();

/**
 * The fields of a record key: the payload of `{"schema":..,"payload":{..}}` (schemas.enable) or
 * the bare object. Null without a key; `undefined` for a key that is not a JSON object, which the
 * workers never write and which cannot be screened field by field.
 */
function parseKey(text: string | null, topic: string): ParsedKey | null | undefined {
  if (text === null) return null;
  if (text.charCodeAt(0) !== 123 /* { */) return undefined;
  const known = keyPrefixes.get(topic);
  if (known && text.startsWith(known.prefix) && text.charCodeAt(text.length - 1) === 125 /* } */) {
    let payload: unknown;
    try {
      payload = JSON.parse(text.slice(known.prefix.length, -1));
    } catch {
      payload = undefined; // not the whole rest: parsed in full below
    }
    if (isObject(payload)) {
      const fields = hasBigInteger(payload) ? (parseLossless(text.slice(known.prefix.length, -1)) as Record<string, unknown>) : payload;
      return { schema: known.schema, prefix: known.prefix, wrapped: true, payload: fields, row: detectorRow(fields)! };
    }
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  // wrapped: exactly `schema` and `payload`, the payload an object (no key column can hold one: a
  // primary key of json type does not exist)
  const wrapped = Object.keys(parsed).length === 2 && 'schema' in parsed && isObject(parsed.payload);
  const first = wrapped ? parsed.payload : parsed;
  if (!isObject(first)) return undefined;
  let payload = first;
  if (hasBigInteger(payload)) {
    parsed = parseLossless(text) as Record<string, unknown>;
    payload = (wrapped ? parsed.payload : parsed) as Record<string, unknown>;
  }
  const schema = wrapped ? (parsed.schema as StructSchema | null) : undefined;
  if (wrapped) {
    const prefix = `{"schema":${JSON.stringify(schema)},"payload":`;
    if (text.startsWith(prefix)) {
      keyPrefixes.set(topic, { prefix, schema: schema ?? null });
      return { schema, prefix, wrapped, payload, row: detectorRow(payload)! };
    }
  }
  return { schema, wrapped, payload, row: detectorRow(payload)! };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A tombstone: a keyed record without a value (keyless ones carry nothing to screen). */
function isTombstone(record: OutRecord): boolean {
  return record.value === null && record.key !== null;
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
  for (const k in row) {
    const v = row[k];
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
        let out: { record: OutRecord; bytes: number }[];
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

/** A record of a batch: a change event, or the tombstone after a delete. */
type Entry = Parsed | { readonly tombstone: { record: OutRecord; bytes: number } };

/** The key an event is written with. */
interface KeyOut {
  /** The transformed record key to write; left out: the record's own. */
  readonly text?: string;
  /** The key's fields as a header carries them (JSON, no schema), when they were transformed. */
  readonly header?: string;
  /** A key field holds a finding whose action is quarantine: the key may only go to the quarantine topic. */
  readonly quarantined: boolean;
}

/**
 * The records to forward for a screened batch, in order. Throws, before anything is forwarded,
 * when a tombstone does not follow its delete.
 */
function outputs(entries: readonly Entry[], results: readonly ScreenedChange[]): { record: OutRecord; bytes: number }[] {
  const changes: { p: Parsed; s: ScreenedChange; key: KeyOut }[] = [];
  /** For each entry, the change event it is or follows (its index in `changes`). */
  const owner: number[] = [];
  for (const e of entries) {
    if ('tombstone' in e) owner.push(changes.length - 1);
    else {
      if (e.parsedKey === undefined) throw new Error(`an event of ${e.table} has a key that is not a JSON object: it cannot be screened`);
      const s = results[changes.length];
      changes.push({ p: e, s, key: keyOut(e, s) });
      owner.push(changes.length - 1);
    }
  }
  const out: { record: OutRecord; bytes: number }[] = [];
  entries.forEach((e, n) => {
    const c = changes[owner[n]];
    if (!('tombstone' in e)) {
      out.push(output(c.p, c.s, c.key, keyHeaders(changes, owner[n], c.s.decision === 'quarantine')));
      return;
    }
    const { record } = e.tombstone;
    if (c.p.payload.op !== 'd' || c.p.item.record.key !== record.key || c.p.item.record.topic !== record.topic) {
      throw new Error(`a tombstone for ${record.topic} does not follow its delete: its key cannot be screened`);
    }
    // to the table topic with the row's (transformed) key, whatever became of the delete; to
    // quarantine only with a key that has no transformed form (see the file comment)
    const toQuarantine = c.key.quarantined;
    let headers = keyHeaders(changes, owner[n], toQuarantine, record.headers);
    if (toQuarantine) headers = { ...headers, [FINDINGS_HEADER]: encodeFlags(c.s.flags) };
    const topic = toQuarantine ? c.s.quarantineTopic! : record.topic;
    const key = c.key.text ?? record.key;
    if (topic === record.topic && key === record.key && headers === record.headers) out.push(e.tombstone);
    else out.push({ record: { ...record, topic, key, headers }, bytes: key ? Buffer.byteLength(key) : 0 });
  });
  return out;
}

/**
 * The primary-key change headers of `changes[i]`'s records, with the other half's key as it is
 * written: the create after a delete (`__debezium.newkey`), the delete before a create
 * (`__debezium.oldkey`). A header whose other half is not in the batch (the workers never do
 * that), or whose key may only go to quarantine while this record does not, is left out rather
 * than written unscreened. Returns `headers` itself when nothing changes.
 */
function keyHeaders(
  changes: readonly { p: Parsed; key: KeyOut }[],
  i: number,
  toQuarantine: boolean,
  headers: Record<string, string> | undefined = changes[i].p.item.record.headers,
): Record<string, string> | undefined {
  if (!headers || (headers[NEW_KEY] === undefined && headers[OLD_KEY] === undefined)) return headers;
  const out: Record<string, string> = { ...headers };
  let changed = false;
  const set = (name: string, value: string | undefined): void => {
    if (value === headers[name]) return;
    changed = true;
    if (value === undefined) delete out[name];
    else out[name] = value;
  };
  // a delete (and its tombstone) carries the new key: that of the create just after it
  if (headers[NEW_KEY] !== undefined) set(NEW_KEY, otherKey(headers[NEW_KEY], changes[i + 1], OLD_KEY, toQuarantine));
  // a create carries the old key: that of the delete just before it
  if (headers[OLD_KEY] !== undefined) set(OLD_KEY, otherKey(headers[OLD_KEY], changes[i - 1], NEW_KEY, toQuarantine));
  return changed ? out : headers;
}

/**
 * The header value for the key of `c`, the other half of a primary-key change (which carries the
 * `marker` header): its key as written; undefined to leave the header out.
 */
function otherKey(raw: string, c: { p: Parsed; key: KeyOut } | undefined, marker: string, toQuarantine: boolean): string | undefined {
  if (!c || !c.p.parsedKey || c.p.item.record.headers?.[marker] === undefined) return undefined;
  try {
    // the header is the other key's fields as JSON: check that it is that key
    if (stringifyLossless(parseLossless(raw)) !== stringifyLossless(c.p.parsedKey.payload)) return undefined;
  } catch {
    return undefined;
  }
  if (c.key.quarantined) return toQuarantine ? raw : undefined;
  return c.key.header ?? raw;
}

const KEY_AS_IS: KeyOut = Object.freeze({ quarantined: false });
const KEY_QUARANTINED: KeyOut = Object.freeze({ quarantined: true });

/** The key to write for a screened event: its fields replaced by the screened ones, the schema adjusted. */
function keyOut(p: Parsed, s: ScreenedChange): KeyOut {
  if (s.keyQuarantined) return KEY_QUARANTINED;
  const k = p.parsedKey;
  if (!k || !s.key || s.key === k.row) return KEY_AS_IS;
  const c = changedImage(k.payload, k.row, s.key);
  if (!c) return KEY_AS_IS;
  const header = stringifyLossless(c.row);
  if (!k.wrapped) return { text: header, header, quarantined: false };
  // a key's fields are required: a transformed non-string field becomes a required string (in a
  // copy: adjustStruct replaces the `fields` of the struct it is given)
  const schema = k.schema ? { ...k.schema } : null;
  if (!adjustStruct(schema, c, false) && k.prefix) return { text: `${k.prefix}${header}}`, header, quarantined: false };
  return { text: `{"schema":${stringifyLossless(schema)},"payload":${header}}`, header, quarantined: false };
}

/** The record to forward for one screened change event. */
function output(p: Parsed, s: ScreenedChange, key: KeyOut, headersIn: Record<string, string> | undefined): { record: OutRecord; bytes: number } {
  const { record } = p.item;
  const topic = s.decision === 'quarantine' ? s.quarantineTopic! : record.topic;
  if (s.flags.length === 0 && key.text === undefined && headersIn === record.headers && topic === record.topic) return p.item;
  const headers = s.flags.length === 0 ? headersIn : { ...headersIn, [FINDINGS_HEADER]: encodeFlags(s.flags) };
  const value = rewritten(p, s) ?? record.value;
  const text = key.text ?? record.key;
  const bytes = value === record.value && text === record.key ? p.item.bytes : (value ? Buffer.byteLength(value) : 0) + (text ? Buffer.byteLength(text) : 0);
  return { record: { ...record, topic, key: text, value, headers }, bytes };
}

/** The event's value with the screened images, or null when they are the ones it has. */
function rewritten(p: Parsed, s: ScreenedChange): string | null {
  if ((!s.before || s.before === p.before) && (!s.after || s.after === p.after)) return null;
  // the event is rewritten: from a lossless parse, so that big integers (`ts_ns`, bigint columns) stay exact
  const envelope = p.lossy ? (parseLossless(p.item.record.value!) as Envelope) : p.envelope;
  const payload = payloadOf(envelope);
  const before = changedImage(payload.before ?? null, p.before, s.before);
  const after = changedImage(payload.after ?? null, p.after, s.after);
  if (!before && !after) return null;
  const schema = 'payload' in envelope ? (envelope.schema as StructSchema | null | undefined) : undefined;
  const image = (name: 'before' | 'after') => schema?.fields?.find((f) => f.field === name) as StructSchema | undefined;
  if (before) {
    payload.before = before.row;
    adjustStruct(image('before'), before, true);
  }
  if (after) {
    payload.after = after.row;
    adjustStruct(image('after'), after, true);
  }
  return stringifyLossless(envelope);
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

/**
 * Keeps a struct schema (an image's or a key's) true to the transformed fields: transformed
 * columns become strings (optional in images, as they were in keys), dropped ones leave.
 * Replaces the struct's `fields`; says whether any field changed.
 */
function adjustStruct(struct: StructSchema | null | undefined, c: ChangedImage, optional: boolean): boolean {
  if (!struct?.fields) return false;
  let changed = false;
  struct.fields = struct.fields
    .filter((f) => {
      if (!c.dropped.includes(f.field)) return true;
      changed = true;
      return false;
    })
    .map((f) => {
      if (!c.changed.includes(f.field) || f.type === 'string') return f;
      const value = c.row[f.field];
      if (typeof value !== 'string') return f;
      changed = true;
      return { type: 'string', optional: optional || f.optional === true, field: f.field };
    });
  return changed;
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

/**
 * The screened sink's writing side: the records to forward for a screened batch, with the
 * transformed images, keys, key-change headers and schemas (see screened-sink.ts for the rules).
 */
import { encodeFlags, FINDINGS_HEADER, ScreenedChange } from '../detect';
import type { Row } from '../detect';
import type { RecordItem } from '../core/sink';
import { parseLossless, stringifyLossless } from './lossless-json';
import { Envelope, NEW_KEY, OLD_KEY, Parsed, StructSchema, payloadOf } from './screened-parse';

/** A record of a batch: a change event, or the tombstone after a delete. */
export type Entry = Parsed | { readonly tombstone: RecordItem };

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
export function outputs(entries: readonly Entry[], results: readonly ScreenedChange[]): RecordItem[] {
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
  const out: RecordItem[] = [];
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
function output(p: Parsed, s: ScreenedChange, key: KeyOut, headersIn: Record<string, string> | undefined): RecordItem {
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

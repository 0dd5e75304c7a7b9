/**
 * The screened sink's reading side: a record's change event and key as the detectors see them
 * (big integers as their digits), parsed once per record (see screened-sink.ts).
 */
import type { Row } from '../detect';
import type { OutRecord } from '../core/records';
import type { RecordItem } from '../core/sink';
import { RawNumber, parseLossless } from './lossless-json';

export type Envelope = { schema?: StructSchema | null; payload: Payload } | Payload;
export type Payload = { before?: Row | null; after?: Row | null; source?: Record<string, unknown>; op?: string };
export type FieldSchema = { field: string; type: string; optional?: boolean; name?: string; version?: number; parameters?: unknown; [k: string]: unknown };
export type StructSchema = { type: string; fields?: FieldSchema[]; [k: string]: unknown };

export interface Parsed {
  readonly item: RecordItem;
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

export interface ParsedKey {
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
export const NEW_KEY = '__debezium.newkey';
export const OLD_KEY = '__debezium.oldkey';

const CHANGE_OPS = new Set(['c', 'u', 'd', 'r']);

/** The change event in a record, or null for anything else (transaction metadata, heartbeat, tombstone, truncate). */
export function parseChange(item: RecordItem): Parsed | null {
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
  return {
    item,
    table,
    lossy,
    envelope,
    payload,
    before: detectorRow(payload.before),
    after: detectorRow(payload.after),
    key: parsedKey?.row ?? null,
    parsedKey,
  };
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

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A tombstone: a keyed record without a value (keyless ones carry nothing to screen). */
export function isTombstone(record: OutRecord): boolean {
  return record.value === null && record.key !== null;
}

export function payloadOf(envelope: Envelope): Payload {
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

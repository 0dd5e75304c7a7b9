/**
 * The Cloud DLP backend's requests: DLP values and their exact encoded sizes (protobuf wire
 * format), batches of table rows, and the chunks an oversized cell is cut into.
 */
import { Row } from './types';
import { cellText, utf8Length } from './text';

/** A DLP table value (`google.privacy.dlp.v2.Value`), as sent. */
export type DlpValue = { stringValue: string } | { integerValue: number | string } | { floatValue: number } | { booleanValue: boolean } | Record<string, never>;

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}
/** Size of a length-delimited field with a one-byte tag and `len` bytes of content. */
export function fieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** The DLP value for a cell: strings, integers and floats as such, everything else as `cellText`. */
export function toDlpValue(value: unknown): DlpValue {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return { integerValue: value };
    if (Number.isFinite(value)) return { floatValue: value };
    return {};
  }
  if (typeof value === 'bigint') {
    // int64 or, beyond its range, the decimal text
    return value >= -(2n ** 63n) && value < 2n ** 63n ? { integerValue: value.toString() } : { stringValue: value.toString() };
  }
  if (typeof value === 'boolean') return { booleanValue: value };
  const text = cellText(value);
  return text === undefined ? {} : { stringValue: text };
}

/** Encoded size of a `Value` message's content. */
export function valueSize(v: DlpValue): number {
  if ('stringValue' in v) return fieldSize(utf8Length(v.stringValue));
  if ('integerValue' in v) {
    const n = Number(v.integerValue);
    // int64 varint: negative numbers take 10 bytes
    return 1 + (n < 0 ? 10 : varintSize(n));
  }
  if ('floatValue' in v) return 9;
  if ('booleanValue' in v) return 2;
  return 0;
}

/** Where a chunk of an oversized cell starts in the cell, and which of its findings it keeps. */
export interface ChunkOffset {
  column: string;
  /** Where the chunk starts in the cell. */
  byte: number;
  codepoint: number;
  /** Findings starting (in cell code points) in [keepFrom, keepBefore) are this chunk's. */
  keepFrom: number;
  keepBefore: number;
}

/** Overlap of the chunks of an oversized cell, UTF-16 units: over twice the longest finding (an e-mail address, ≤ 318). */
export const CHUNK_OVERLAP = 1024;

export function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

export interface Batch {
  /** Index in the caller's rows of each request row. */
  rowIndexes: number[];
  rows: { values: DlpValue[] }[];
  /** For request rows that carry a chunk of a big cell: which column and where in the cell. */
  chunks?: (ChunkOffset | undefined)[];
  headers: { name: string }[];
}

/**
 * Smaller batches with the same rows, for a batch whose findings DLP truncated: halves of a
 * batch of several rows; for one row, its largest text cell as a chunk apart from the rest; for
 * one chunk, two overlapping halves. Undefined when nothing smaller can be made.
 */
export function splitBatch(batch: Batch): Batch[] | undefined {
  const { headers } = batch;
  if (batch.rows.length > 1) {
    const half = Math.ceil(batch.rows.length / 2);
    const part = (from: number, to?: number): Batch => ({
      headers,
      rows: batch.rows.slice(from, to),
      rowIndexes: batch.rowIndexes.slice(from, to),
      chunks: batch.chunks?.slice(from, to),
    });
    return [part(0, half), part(half)];
  }
  const values = batch.rows[0].values;
  const rowIndexes = batch.rowIndexes;
  const o = batch.chunks?.[0];
  const chunkRow = (k: number, text: string): { values: DlpValue[] } => {
    const v: DlpValue[] = headers.map(() => ({}));
    v[k] = { stringValue: text };
    return { values: v };
  };
  if (o) {
    const k = headers.findIndex((h) => h.name === o.column);
    const text = (values[k] as { stringValue: string }).stringValue;
    if (text.length <= 2 * CHUNK_OVERLAP) return undefined;
    let mid = Math.floor(text.length / 2);
    if (isLowSurrogate(text.charCodeAt(mid))) mid--;
    let next = mid - CHUNK_OVERLAP / 2;
    if (isLowSurrogate(text.charCodeAt(next))) next--;
    const midCodepoint = o.codepoint + countCodepoints(text, 0, mid);
    const a: ChunkOffset = { ...o, keepBefore: midCodepoint };
    const b: ChunkOffset = {
      column: o.column,
      byte: o.byte + utf8Length(text, 0, next),
      codepoint: o.codepoint + countCodepoints(text, 0, next),
      keepFrom: midCodepoint,
      keepBefore: o.keepBefore,
    };
    return [
      { headers, rows: [chunkRow(k, text.slice(0, mid + CHUNK_OVERLAP / 2))], rowIndexes, chunks: [a] },
      { headers, rows: [chunkRow(k, text.slice(next))], rowIndexes, chunks: [b] },
    ];
  }
  let k = -1;
  for (let c = 0; c < values.length; c++) {
    const v = values[c];
    if ('stringValue' in v && v.stringValue.length > 2 * CHUNK_OVERLAP && (k < 0 || valueSize(v) > valueSize(values[k]))) k = c;
  }
  if (k < 0) return undefined;
  const rest = values.map((v, c) => (c === k ? {} : v));
  const whole: ChunkOffset = { column: headers[k].name, byte: 0, codepoint: 0, keepFrom: 0, keepBefore: Infinity };
  return [
    { headers, rows: [{ values: rest }], rowIndexes },
    { headers, rows: [chunkRow(k, (values[k] as { stringValue: string }).stringValue)], rowIndexes, chunks: [whole] },
  ];
}

export function countCodepoints(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** The columns of the rows, in the order they first appear. */
export function columnsOf(rows: readonly Row[]): string[] {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const k in row) {
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
    }
  }
  return columns;
}

/** Where a chunk starting at `unit` ends: as many UTF-16 units as fit in `room` UTF-8 bytes, not splitting a surrogate pair. */
export function chunkEnd(text: string, unit: number, room: number): number {
  let end = unit;
  let chunkBytes = 0;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    const pair = c >= 0xd800 && c <= 0xdbff && end + 1 < text.length;
    const b = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (chunkBytes + b > room) break;
    chunkBytes += b;
    end += pair ? 2 : 1;
  }
  return end;
}

/**
 * Takes the biggest cells out of a row (leaving them empty) until its encoded `size` fits
 * `budget`; returns their column indexes, biggest first (they are sent as chunks).
 */
export function takeBiggestCells(values: DlpValue[], size: number, budget: number): number[] {
  const big: number[] = [];
  const order = values.map((_, k) => k).sort((a, b) => valueSize(values[b]) - valueSize(values[a]));
  for (const k of order) {
    if (size <= budget) break;
    size -= fieldSize(valueSize(values[k])) - fieldSize(0);
    values[k] = {};
    big.push(k);
  }
  return big;
}

/**
 * PostgreSQL text literals the type mapping reads: arrays, ranges, points and hstore, written the
 * way Debezium writes them.
 */
import { timestamptzTextInUtc } from '../core/values';

/** `real` / `double precision` text as Jackson writes a double (non-finite values as quoted strings). */
export function floatValue(t: string): unknown {
  // Jackson writes non-finite doubles as quoted strings.
  if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') return t;
  return Number(t);
}

// ---------- arrays ----------

/** Parses a PostgreSQL array literal (`{a,"b c",NULL,{1,2}}`) into nested arrays of text or null. */
export function parseArrayLiteral(text: string): unknown[] {
  let i = 0;
  if (text[0] === '[') i = text.indexOf('=') + 1; // explicit bounds: [1:3]={...}
  const parse = (): unknown[] => {
    if (text[i] !== '{') throw new Error(`not an array literal: ${text}`);
    i++;
    const out: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') {
        out.push(parse());
      } else if (text[i] === '"') {
        i++;
        let s = '';
        while (text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i++];
          if (i > text.length) throw new Error(`unterminated array literal: ${text}`);
        }
        i++;
        out.push(s);
      } else {
        const start = i;
        while (text[i] !== ',' && text[i] !== '}') {
          if (i >= text.length) throw new Error(`unterminated array literal: ${text}`);
          i++;
        }
        const s = text.slice(start, i).trim();
        out.push(s === 'NULL' ? null : s);
      }
      if (text[i] === ',') i++;
      else if (text[i] === '}') {
        i++;
        return out;
      } else throw new Error(`bad array literal: ${text}`);
    }
  };
  return parse();
}

// ---------- ranges ----------

/** A range value split into its parts; a bound of `null` is unbounded (written as nothing). */
export interface RangeParts {
  lowerInclusive: boolean;
  lower: string | null;
  upper: string | null;
  upperInclusive: boolean;
}

/** Parses range text as range_out writes it (`[1,10)`, `(,"a b"]`, `empty`); `null` for `empty`. */
export function parseRangeLiteral(text: string): RangeParts | null {
  if (text === 'empty') return null;
  const open = text[0];
  const close = text[text.length - 1];
  if ((open !== '[' && open !== '(') || (close !== ']' && close !== ')')) throw new Error(`not a range: ${text}`);
  let i = 1;
  const end = text.length - 1;
  // One bound, up to an unquoted comma or the closing bracket: nothing (unbounded), or characters in
  // which a double-quoted part may hold commas, `""` is a quote, and a backslash takes the next
  // character literally (range_parse_bound).
  const bound = (): string | null => {
    if (text[i] === ',' || i === end) return null;
    let out = '';
    let quoted = false;
    while (i < end && (quoted || text[i] !== ',')) {
      const ch = text[i];
      if (ch === '\\') {
        out += text[i + 1];
        i += 2;
      } else if (ch === '"') {
        if (quoted && text[i + 1] === '"') {
          out += '"';
          i += 2;
        } else {
          quoted = !quoted;
          i++;
        }
      } else {
        out += ch;
        i++;
      }
    }
    return out;
  };
  const lower = bound();
  if (text[i] !== ',') throw new Error(`not a range: ${text}`);
  i++;
  const upper = bound();
  if (i !== end) throw new Error(`not a range: ${text}`);
  return { lowerInclusive: open === '[', lower, upper, upperInclusive: close === ']' };
}

/** Writes a range as range_out does: bounds quoted when empty or holding quotes, backslashes, brackets, commas or spaces. */
export function formatRange(r: RangeParts | null): string {
  if (!r) return 'empty';
  const bound = (b: string | null) => {
    if (b === null) return '';
    if (b !== '' && !/["\\()[\],\s]/.test(b)) return b;
    return '"' + b.replace(/["\\]/g, (c) => c + c) + '"';
  };
  return `${r.lowerInclusive ? '[' : '('}${bound(r.lower)},${bound(r.upper)}${r.upperInclusive ? ']' : ')'}`;
}

/**
 * `tstzrange` text with its bounds rewritten in UTC. Debezium passes range text through as the
 * server wrote it for its own session, whose TimeZone is the JVM's (UTC in the Connect images);
 * the worker's session has the database's default time zone, so the bounds are normalised here.
 */
export function tstzrangeInUtc(text: string): string {
  const r = parseRangeLiteral(text);
  if (!r) return text;
  const utc = (b: string | null) => (b === null ? null : timestamptzTextInUtc(b));
  return formatRange({ ...r, lower: utc(r.lower), upper: utc(r.upper) });
}

// ---------- point ----------

/** Well-Known Binary of a 2D point, little-endian (byte order 1, geometry type 1, x, y), as Debezium's Point.wkb. */
export function pointWkb(x: number, y: number): Buffer {
  const b = Buffer.alloc(21);
  b[0] = 1;
  b.writeUInt32LE(1, 1);
  b.writeDoubleLE(x, 5);
  b.writeDoubleLE(y, 13);
  return b;
}

/** `point` text `(x,y)` → io.debezium.data.geometry.Point's value: x and y, their WKB, no SRID. */
export function pointValue(text: string): { x: unknown; y: unknown; wkb: string; srid: null } {
  const m = /^\(\s*([^,\s]+)\s*,\s*([^)\s]+)\s*\)$/.exec(text);
  if (!m) throw new Error(`not a point: ${text}`);
  return { x: floatValue(m[1]), y: floatValue(m[2]), wkb: pointWkb(Number(m[1]), Number(m[2])).toString('base64'), srid: null };
}

// ---------- hstore ----------

/** Parses hstore text as hstore_out writes it (`"a"=>"1", "b"=>NULL`) into key/value pairs in order. */
export function parseHstore(text: string): [string, string | null][] {
  const pairs: [string, string | null][] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const quoted = (): string => {
    if (text[i] !== '"') throw new Error(`bad hstore at ${i}: ${text}`);
    i++;
    let out = '';
    while (text[i] !== '"') {
      if (i >= text.length) throw new Error(`unterminated hstore string: ${text}`);
      if (text[i] === '\\') i++;
      out += text[i++];
    }
    i++;
    return out;
  };
  for (skipSpace(); i < text.length; skipSpace()) {
    const key = quoted();
    skipSpace();
    if (!text.startsWith('=>', i)) throw new Error(`bad hstore at ${i}: ${text}`);
    i += 2;
    skipSpace();
    let value: string | null;
    if (text.startsWith('NULL', i)) {
      value = null;
      i += 4;
    } else value = quoted();
    pairs.push([key, value]);
    skipSpace();
    if (text[i] === ',') i++;
  }
  return pairs;
}

/** Java's String.hashCode (over UTF-16 code units, 32-bit overflow). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The order in which a java.util.HashMap with default capacity and load factor iterates keys put
 * in the given order: by bucket (spread hash masked by the table size the map has grown to), and
 * within a bucket in insertion order. Debezium turns hstore into JSON through such a map. (Buckets
 * that Java turns into trees — nine or more keys in one bucket of a table of 64 or more — are not
 * modelled; with ordinary keys that does not happen.)
 */
export function javaHashMapOrder<V>(entries: [string, V][]): [string, V][] {
  const unique = new Map<string, V>();
  for (const [k, v] of entries) unique.set(k, v);
  let capacity = 16;
  while (unique.size > capacity * 0.75) capacity *= 2;
  const bucket = (k: string) => {
    const h = javaStringHash(k);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  // Array.prototype.sort is stable, so keys of one bucket keep their insertion order.
  return [...unique.entries()].sort((a, b) => bucket(a[0]) - bucket(b[0]));
}

/** A JSON string as Jackson writes it: `\b \t \n \f \r` short, other control characters as upper-case `\u00XX`. */
export function jacksonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20) out += s[i];
    else if (c === 0x08) out += '\\b';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0d) out += '\\r';
    else out += '\\u00' + c.toString(16).toUpperCase().padStart(2, '0');
  }
  return out + '"';
}

/** hstore text → the JSON object text Debezium emits with `hstore.handling.mode=json`. */
export function hstoreToJson(text: string): string {
  const body = javaHashMapOrder(parseHstore(text)).map(([k, v]) => `${jacksonString(k)}:${v === null ? 'null' : jacksonString(v)}`);
  return `{${body.join(',')}}`;
}

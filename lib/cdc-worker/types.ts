/**
 * PostgreSQL column types → Kafka Connect schemas and JSON values, the way Debezium's PostgreSQL
 * connector maps them with its defaults (`decimal.handling.mode=precise`,
 * `time.precision.mode=adaptive`, `binary.handling.mode=bytes`,
 * `interval.handling.mode=numeric`, `hstore.handling.mode=json`, `include.unknown.datatypes=false`),
 * read from the text format that pgoutput and a plain query both send. The mapping of the less common
 * types (ranges, point, tsvector, hstore, isbn, and the types Debezium leaves out) was taken from
 * Debezium 3.6.1's own events for the same rows (test/integration/cdc-worker-golden-types.test.ts).
 */

/** A Kafka Connect schema as JsonConverter writes it (key order matches JsonConverter's). */
export interface ConnectSchema {
  type: 'int8' | 'int16' | 'int32' | 'int64' | 'float' | 'double' | 'boolean' | 'string' | 'bytes' | 'array' | 'struct';
  fields?: ConnectSchema[];
  items?: ConnectSchema;
  optional: boolean;
  name?: string;
  version?: number;
  doc?: string;
  parameters?: Record<string, string>;
  default?: unknown;
  field?: string;
}

/** What the catalog says about a type that is not built in. */
export interface PgTypeInfo {
  oid: number;
  name: string;
  /** pg_type.typtype: b base, e enum, d domain, c composite, r range … */
  kind: string;
  /** Element type of an array type (0 otherwise). */
  elemOid: number;
  /** Base type and typmod of a domain. */
  baseOid?: number;
  baseTypmod?: number;
  enumLabels?: string[];
}

export interface TypeMappingOptions {
  decimalHandlingMode: 'precise' | 'string' | 'double';
}

/** Converts the text form of a non-null value. */
export type ValueConverter = (text: string) => unknown;

export interface ColumnMapping {
  schema: ConnectSchema;
  convert: ValueConverter;
  /** Value used for an unchanged TOASTed column, as Debezium's `unavailable.value.placeholder`. */
  unavailable: unknown;
}

export class UnknownTypeError extends Error {
  constructor(
    public readonly typeOid: number,
    public readonly typeName: string,
    public readonly column?: string,
  ) {
    const hint = DEBEZIUM_LEAVES_OUT[typeOid] ? '; Debezium leaves columns of this type out of its events, as output.unknownTypes=skip does' : '';
    super(`unsupported PostgreSQL type ${typeName} (oid ${typeOid})${column ? ` in column ${column}` : ''}${hint}`);
    this.name = 'UnknownTypeError';
  }
}

export const UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

/** Built-in type OIDs (pg_type.dat). */
export const OID = {
  bool: 16, bytea: 17, char: 18, name: 19, int8: 20, int2: 21, int4: 23, text: 25, oid: 26,
  json: 114, xml: 142, cidr: 650, float4: 700, float8: 701, money: 790, macaddr: 829, inet: 869,
  bpchar: 1042, varchar: 1043, date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184,
  interval: 1186, timetz: 1266, bit: 1560, varbit: 1562, numeric: 1700, uuid: 2950, macaddr8: 774,
  jsonb: 3802, citext: -1, point: 600, tsvector: 3614,
  int4range: 3904, int8range: 3926, numrange: 3906, tsrange: 3908, tstzrange: 3910, daterange: 3912,
} as const;

/** Built-in array type OID → element type OID. */
export const BUILTIN_ARRAYS: Record<number, number> = {
  1000: OID.bool, 1001: OID.bytea, 1002: OID.char, 1003: OID.name, 1016: OID.int8, 1005: OID.int2,
  1007: OID.int4, 1009: OID.text, 1028: OID.oid, 199: OID.json, 143: OID.xml, 651: OID.cidr,
  1021: OID.float4, 1022: OID.float8, 791: OID.money, 1040: OID.macaddr, 1041: OID.inet,
  1014: OID.bpchar, 1015: OID.varchar, 1182: OID.date, 1183: OID.time, 1115: OID.timestamp,
  1185: OID.timestamptz, 1187: OID.interval, 1270: OID.timetz, 1561: OID.bit, 1563: OID.varbit,
  1231: OID.numeric, 2951: OID.uuid, 3807: OID.jsonb,
  3905: OID.int4range, 3927: OID.int8range, 3907: OID.numrange, 3909: OID.tsrange, 3911: OID.tstzrange, 3913: OID.daterange,
  3643: OID.tsvector,
};

/**
 * Built-in types whose columns Debezium's PostgreSQL connector leaves out of its events (no schema
 * for them with `include.unknown.datatypes=false`), seen in Debezium 3.6.1's events: multiranges,
 * the geometric types other than point, point[], tsquery, pg_lsn, the oid aliases (reg*), the
 * transaction and tuple identifiers, and their arrays. The worker treats them as unknown types, so
 * `output.unknownTypes=skip` gives Debezium's events and `fail` stops with the column named.
 */
export const DEBEZIUM_LEAVES_OUT: Readonly<Record<number, string>> = {
  4451: 'int4multirange', 6150: '_int4multirange', 4536: 'int8multirange', 6157: '_int8multirange',
  4532: 'nummultirange', 6151: '_nummultirange', 4533: 'tsmultirange', 6152: '_tsmultirange',
  4534: 'tstzmultirange', 6153: '_tstzmultirange', 4535: 'datemultirange', 6155: '_datemultirange',
  1017: '_point', 628: 'line', 629: '_line', 601: 'lseg', 1018: '_lseg', 603: 'box', 1020: '_box',
  602: 'path', 1019: '_path', 604: 'polygon', 1027: '_polygon', 718: 'circle', 719: '_circle',
  3615: 'tsquery', 3645: '_tsquery', 3220: 'pg_lsn', 3221: '_pg_lsn',
  24: 'regproc', 1008: '_regproc', 2202: 'regprocedure', 2207: '_regprocedure', 2203: 'regoper', 2208: '_regoper',
  2204: 'regoperator', 2209: '_regoperator', 2205: 'regclass', 2210: '_regclass', 2206: 'regtype', 2211: '_regtype',
  3734: 'regconfig', 3735: '_regconfig', 3769: 'regdictionary', 3770: '_regdictionary',
  4089: 'regnamespace', 4090: '_regnamespace', 4096: 'regrole', 4097: '_regrole', 4191: 'regcollation', 4192: '_regcollation',
  28: 'xid', 1011: '_xid', 5069: 'xid8', 271: '_xid8', 29: 'cid', 1012: '_cid', 27: 'tid', 1010: '_tid',
  2970: 'txid_snapshot', 2949: '_txid_snapshot', 5038: 'pg_snapshot', 5039: '_pg_snapshot',
};

const BIG_MARK = '\u0001N:';

/** A JSON number outside double precision, kept exact through {@link toJson}. */
export function bigNumber(digits: string): unknown {
  const n = Number(digits);
  return Number.isSafeInteger(n) ? n : BIG_MARK + digits;
}

/** JSON.stringify that writes {@link bigNumber}s as bare numbers. */
export function toJson(value: unknown): string {
  const s = JSON.stringify(value);
  return s.includes('\\u0001N:') ? s.replace(/"\\u0001N:(-?\d+)"/g, '$1') : s;
}

// ---------- numbers ----------

/** Big-endian two's-complement bytes of `n`, as Java's BigInteger.toByteArray. */
export function twosComplementBytes(n: bigint): Buffer {
  if (n >= 0n) {
    let hex = n.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
    return Buffer.from(hex, 'hex');
  }
  let len = 1;
  while (n < -(1n << BigInt(8 * len - 1))) len++;
  const hex = ((1n << BigInt(8 * len)) + n).toString(16).padStart(2 * len, '0');
  return Buffer.from(hex, 'hex');
}

/** Splits numeric text into unscaled integer and scale; `targetScale` rescales (padding or rounding half-up). */
export function parseDecimal(text: string, targetScale?: number): { unscaled: bigint; scale: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a decimal: ${text}`);
  let intPart = m[2] || '0';
  let frac = m[3] ?? '';
  const exp = m[4] ? parseInt(m[4], 10) : 0;
  if (exp > 0) {
    const moved = frac.padEnd(exp, '0');
    intPart += moved.slice(0, exp);
    frac = moved.slice(exp);
  } else if (exp < 0) {
    const padded = intPart.padStart(-exp + 1, '0');
    frac = padded.slice(padded.length + exp) + frac;
    intPart = padded.slice(0, padded.length + exp);
  }
  let scale = frac.length;
  let unscaled = BigInt(intPart + frac);
  if (targetScale !== undefined && targetScale !== scale) {
    if (targetScale > scale) {
      unscaled *= 10n ** BigInt(targetScale - scale);
    } else {
      const div = 10n ** BigInt(scale - targetScale);
      const q = unscaled / div;
      unscaled = (unscaled % div) * 2n >= div ? q + 1n : q;
    }
    scale = targetScale;
  }
  return { unscaled: m[1] === '-' ? -unscaled : unscaled, scale };
}

// ---------- dates and times ----------

/** Days since 1970-01-01 of a proleptic Gregorian date (any year). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function fracMicros(frac: string | undefined): number {
  return frac ? parseInt((frac.slice(1) + '000000').slice(0, 6), 10) : 0;
}

function fracText(micros: number): string {
  if (!micros) return '';
  return '.' + pad(micros, 6).replace(/0+$/, '');
}

const DATE_RE = /^(\d{4,})-(\d\d)-(\d\d)( BC)?$/;
const TS_RE = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?([+-]\d\d(?::?\d\d)?(?::?\d\d)?)?( BC)?$/;
const TIME_RE = /^(\d\d):(\d\d):(\d\d)(\.\d+)?([+-]\d\d(?::?\d\d)?(?::?\d\d)?)?$/;

function year(y: string, bc: string | undefined): number {
  const n = parseInt(y, 10);
  return bc ? 1 - n : n;
}

function offsetSeconds(tz: string | undefined): number {
  if (!tz) return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(/:/g, '');
  const h = parseInt(digits.slice(0, 2), 10);
  const m = digits.length >= 4 ? parseInt(digits.slice(2, 4), 10) : 0;
  const s = digits.length >= 6 ? parseInt(digits.slice(4, 6), 10) : 0;
  return sign * (h * 3600 + m * 60 + s);
}

/** `date` text → days since epoch (io.debezium.time.Date). */
export function dateToEpochDays(text: string): number {
  const m = DATE_RE.exec(text);
  if (!m) throw new Error(`not a date: ${text}`);
  return daysFromCivil(year(m[1], m[4]), parseInt(m[2], 10), parseInt(m[3], 10));
}

/** `timestamp`/`timestamptz` text → microseconds since epoch, UTC. */
export function timestampToEpochMicros(text: string): number {
  const m = TS_RE.exec(text);
  if (!m) throw new Error(`not a timestamp: ${text}`);
  const days = daysFromCivil(year(m[1], m[9]), parseInt(m[2], 10), parseInt(m[3], 10));
  const secs = days * 86400 + parseInt(m[4], 10) * 3600 + parseInt(m[5], 10) * 60 + parseInt(m[6], 10) - offsetSeconds(m[8]);
  return secs * 1_000_000 + fracMicros(m[7]);
}

/** Epoch microseconds → ISO-8601 UTC text as Debezium's ZonedTimestamp (fraction without trailing zeros). */
export function formatZonedTimestamp(micros: number): string {
  const secs = Math.floor(micros / 1_000_000);
  const us = micros - secs * 1_000_000;
  const days = Math.floor(secs / 86400);
  const sod = secs - days * 86400;
  const [y, mo, d] = civilFromDays(days);
  const ys = y > 9999 ? '+' + y : y < 0 ? '-' + pad(-y, 4) : pad(y, 4);
  return `${ys}-${pad(mo)}-${pad(d)}T${pad(Math.floor(sod / 3600))}:${pad(Math.floor((sod % 3600) / 60))}:${pad(sod % 60)}${fracText(us)}Z`;
}

/** `time` text → microseconds past midnight. */
export function timeToMicros(text: string): number {
  const m = TIME_RE.exec(text);
  if (!m) throw new Error(`not a time: ${text}`);
  return ((parseInt(m[1], 10) * 60 + parseInt(m[2], 10)) * 60 + parseInt(m[3], 10)) * 1_000_000 + fracMicros(m[4]);
}

/** `timetz` text → UTC time text as Debezium's ZonedTime. */
export function formatZonedTime(text: string): string {
  const m = TIME_RE.exec(text);
  if (!m) throw new Error(`not a time with time zone: ${text}`);
  let secs = (parseInt(m[1], 10) * 60 + parseInt(m[2], 10)) * 60 + parseInt(m[3], 10) - offsetSeconds(m[5]);
  secs = ((secs % 86400) + 86400) % 86400;
  return `${pad(Math.floor(secs / 3600))}:${pad(Math.floor((secs % 3600) / 60))}:${pad(secs % 60)}${fracText(fracMicros(m[4]))}Z`;
}

const DAYS_PER_MONTH_AVG = 365.25 / 12;

/** `interval` text (IntervalStyle postgres) → approximate microseconds (io.debezium.time.MicroDuration). */
export function intervalToMicros(text: string): number {
  let years = 0, months = 0, days = 0, hours = 0, minutes = 0, seconds = 0, micros = 0;
  const unit = /(-?\d+) (year|years|mon|mons|day|days)\b/g;
  let m: RegExpExecArray | null;
  while ((m = unit.exec(text))) {
    const n = parseInt(m[1], 10);
    if (m[2].startsWith('year')) years += n;
    else if (m[2].startsWith('mon')) months += n;
    else days += n;
  }
  const t = /([+-])?(\d+):(\d\d):(\d\d)(\.\d+)?/.exec(text);
  if (t) {
    const sign = t[1] === '-' ? -1 : 1;
    hours = sign * parseInt(t[2], 10);
    minutes = sign * parseInt(t[3], 10);
    seconds = sign * parseInt(t[4], 10);
    micros = sign * fracMicros(t[5]);
  } else if (!/\d/.test(text)) {
    throw new Error(`not an interval: ${text}`);
  }
  const numberOfDays = (years * 12 + months) * DAYS_PER_MONTH_AVG + days;
  const numberOfSeconds = ((numberOfDays * 24 + hours) * 60 + minutes) * 60 + seconds;
  return Math.trunc(numberOfSeconds * 1_000_000) + micros;
}

// PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, which Debezium emits for ±infinity.
const POS_INFINITY_MICROS = '9223372036825200000';
const NEG_INFINITY_MICROS = '-9223372036832400000';

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
 * `timestamptz` text in any session time zone → the same instant as PostgreSQL writes it with
 * TimeZone=UTC (`2024-03-10 10:34:56.789+00`, `0044-03-15 10:00:00+00 BC`). Works in whole seconds
 * and keeps the fraction as written, so years far from 1970 lose no microseconds.
 */
export function timestamptzTextInUtc(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = TS_RE.exec(text);
  if (!m) throw new Error(`not a timestamp with time zone: ${text}`);
  const days = daysFromCivil(year(m[1], m[9]), parseInt(m[2], 10), parseInt(m[3], 10));
  const secs = days * 86400 + parseInt(m[4], 10) * 3600 + parseInt(m[5], 10) * 60 + parseInt(m[6], 10) - offsetSeconds(m[8]);
  const utcDays = Math.floor(secs / 86400);
  const sod = secs - utcDays * 86400;
  const [y, mo, d] = civilFromDays(utcDays);
  const frac = m[7] ? m[7].replace(/0+$/, '') : '';
  const time = `${pad(Math.floor(sod / 3600))}:${pad(Math.floor((sod % 3600) / 60))}:${pad(sod % 60)}${frac === '.' ? '' : frac}`;
  return `${pad(y <= 0 ? 1 - y : y, 4)}-${pad(mo)}-${pad(d)} ${time}+00${y <= 0 ? ' BC' : ''}`;
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

// ---------- the mapping ----------

function scalar(type: ConnectSchema['type'], name?: string, version?: number, parameters?: Record<string, string>): ConnectSchema {
  const s: ConnectSchema = { type, optional: true };
  if (name) s.name = name;
  if (version !== undefined) s.version = version;
  if (parameters) s.parameters = parameters;
  return s;
}

const str = (t: string) => t;
const unavailableBytes = Buffer.from(UNAVAILABLE_VALUE_PLACEHOLDER).toString('base64');

/**
 * Maps one column. `typmod` is pg_attribute.atttypmod (-1 when none); `lookup` gives catalog
 * information for non-built-in types. Throws {@link UnknownTypeError} for types it cannot map.
 */
export function mapColumn(
  typeOid: number,
  typmod: number,
  opts: TypeMappingOptions,
  lookup: (oid: number) => PgTypeInfo | undefined = () => undefined,
): ColumnMapping {
  const { schema, convert, unavailable: own } = mapType(typeOid, typmod, opts, lookup);
  let unavailable: unknown = null;
  if (own !== undefined) unavailable = own;
  else if (schema.type === 'string') unavailable = UNAVAILABLE_VALUE_PLACEHOLDER;
  else if (schema.type === 'bytes' && !schema.name) unavailable = unavailableBytes;
  else if (schema.type === 'array' && schema.items?.type === 'string') unavailable = [UNAVAILABLE_VALUE_PLACEHOLDER];
  return { schema, convert, unavailable };
}

/** How Debezium treats a type as the element of an array column. */
interface ElementTraits {
  /** The items schema is not optional (Debezium builds it without `.optional()`). */
  itemsRequired?: boolean;
  /** A NULL element makes Debezium emit the whole array as null. */
  nullElementNullsArray?: boolean;
  /** An unchanged TOASTed array of this type is null in Debezium's events, not `[placeholder]`. */
  toastedArrayNull?: boolean;
}

interface TypeMapping {
  schema: ConnectSchema;
  convert: ValueConverter;
  /** Unchanged-TOAST value when it is not the one {@link mapColumn} derives from the schema. */
  unavailable?: unknown;
  asElement?: ElementTraits;
}

/** Element traits of the types mapped from Debezium 3.6.1's events: unchanged TOASTed arrays of them are null. */
const NEWER_ELEMENT: ElementTraits = { toastedArrayNull: true };

/** Text passed through as a string, named or not. */
function text(name?: string, asElement: ElementTraits = NEWER_ELEMENT): TypeMapping {
  return { schema: scalar('string', name, name ? 1 : undefined), convert: str, asElement };
}

function mapType(
  oid: number,
  typmod: number,
  opts: TypeMappingOptions,
  lookup: (oid: number) => PgTypeInfo | undefined,
): TypeMapping {
  if (DEBEZIUM_LEAVES_OUT[oid]) throw new UnknownTypeError(oid, lookup(oid)?.name ?? DEBEZIUM_LEAVES_OUT[oid]);
  switch (oid) {
    case OID.bool:
      return { schema: scalar('boolean'), convert: (t) => t === 't' || t === 'true' };
    case OID.int2:
      return { schema: scalar('int16'), convert: (t) => parseInt(t, 10) };
    case OID.int4:
      return { schema: scalar('int32'), convert: (t) => parseInt(t, 10) };
    case OID.int8:
    case OID.oid:
      return { schema: scalar('int64'), convert: bigNumber };
    case OID.float4:
      return { schema: scalar('float'), convert: floatValue };
    case OID.float8:
      return { schema: scalar('double'), convert: floatValue };
    case OID.numeric:
      return numericMapping(typmod, opts);
    case OID.money:
      return moneyMapping(opts);
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
    case OID.char:
    case OID.inet:
    case OID.cidr:
    case OID.macaddr:
    case OID.macaddr8:
      return { schema: scalar('string'), convert: str };
    case OID.json:
    case OID.jsonb:
      return { schema: scalar('string', 'io.debezium.data.Json', 1), convert: str };
    case OID.xml:
      return { schema: scalar('string', 'io.debezium.data.Xml', 1), convert: str };
    case OID.uuid:
      return { schema: scalar('string', 'io.debezium.data.Uuid', 1), convert: str };
    case OID.bytea:
      return { schema: scalar('bytes'), convert: byteaToBase64 };
    case OID.date:
      return { schema: scalar('int32', 'io.debezium.time.Date', 1), convert: (t) => (t === 'infinity' ? 2147483647 : t === '-infinity' ? -2147483648 : dateToEpochDays(t)) };
    case OID.timestamp: {
      const precision = typmod < 0 ? 6 : typmod;
      if (precision <= 3) {
        return {
          schema: scalar('int64', 'io.debezium.time.Timestamp', 1),
          convert: (t) => infinity(t) ?? Math.floor(timestampToEpochMicros(t) / 1000),
        };
      }
      return { schema: scalar('int64', 'io.debezium.time.MicroTimestamp', 1), convert: (t) => infinity(t) ?? timestampToEpochMicros(t) };
    }
    case OID.timestamptz:
      return {
        schema: scalar('string', 'io.debezium.time.ZonedTimestamp', 1),
        convert: (t) => (t === 'infinity' || t === '-infinity' ? t : formatZonedTimestamp(timestampToEpochMicros(t))),
      };
    case OID.time: {
      const precision = typmod < 0 ? 6 : typmod;
      if (precision <= 3) return { schema: scalar('int32', 'io.debezium.time.Time', 1), convert: (t) => Math.floor(timeToMicros(t) / 1000) };
      return { schema: scalar('int64', 'io.debezium.time.MicroTime', 1), convert: timeToMicros };
    }
    case OID.timetz:
      return { schema: scalar('string', 'io.debezium.time.ZonedTime', 1), convert: formatZonedTime };
    case OID.interval:
      return { schema: scalar('int64', 'io.debezium.time.MicroDuration', 1), convert: intervalToMicros };
    case OID.bit:
    case OID.varbit: {
      if (oid === OID.bit && typmod === 1) return { schema: scalar('boolean'), convert: (t) => t === '1' };
      const length = typmod > 0 ? typmod : 2147483647;
      return { schema: scalar('bytes', 'io.debezium.data.Bits', 1, { length: String(length) }), convert: bitsToBase64 };
    }
    // Ranges are strings holding the range text; only tstzrange's bounds depend on the session.
    case OID.int4range:
    case OID.int8range:
    case OID.numrange:
    case OID.tsrange:
    case OID.daterange:
      return text();
    case OID.tstzrange:
      return { ...text(), convert: tstzrangeInUtc };
    case OID.point:
      return { schema: POINT_SCHEMA, convert: pointValue };
    case OID.tsvector:
      return text('io.debezium.data.Tsvector', { ...NEWER_ELEMENT, itemsRequired: true, nullElementNullsArray: true });
  }
  const elem = BUILTIN_ARRAYS[oid];
  if (elem !== undefined) return arrayMapping(elem, typmod, opts, lookup);
  const info = lookup(oid);
  if (info) {
    if (info.kind === 'e') {
      return { schema: scalar('string', 'io.debezium.data.Enum', 1, { allowed: (info.enumLabels ?? []).join(',') }), convert: str };
    }
    if (info.kind === 'd' && info.baseOid) {
      // Debezium chooses the unchanged-TOAST value by type name, and treats no domain name specially
      // (as it does hstore): a domain over a string type gets the plain placeholder.
      const base = mapType(info.baseOid, info.baseTypmod ?? -1, opts, lookup);
      return base.schema.type === 'string' ? { ...base, unavailable: undefined } : base;
    }
    if (info.elemOid && info.kind === 'b' && info.name.startsWith('_')) {
      // Debezium finds no schema for the elements of an array of a domain and leaves the column out.
      if (lookup(info.elemOid)?.kind === 'd') throw new UnknownTypeError(oid, info.name);
      return arrayMapping(info.elemOid, typmod, opts, lookup);
    }
    // Extension types Debezium recognises by name, whatever schema they were installed in.
    switch (info.name) {
      case 'citext':
        return text();
      case 'ltree':
        return text('io.debezium.data.Ltree', { ...NEWER_ELEMENT, nullElementNullsArray: true });
      case 'isbn':
        return text(undefined, { ...NEWER_ELEMENT, itemsRequired: true, nullElementNullsArray: true });
      case 'hstore':
        return {
          ...text('io.debezium.data.Json'),
          convert: hstoreToJson,
          unavailable: `{${jacksonString(UNAVAILABLE_VALUE_PLACEHOLDER)}:${jacksonString(UNAVAILABLE_VALUE_PLACEHOLDER)}}`,
        };
    }
    throw new UnknownTypeError(oid, info.name);
  }
  throw new UnknownTypeError(oid, `oid:${oid}`);
}

/** io.debezium.data.geometry.Point: x and y, the point as WKB, and an SRID (always null for `point`). */
const POINT_SCHEMA: ConnectSchema = {
  type: 'struct',
  fields: [
    { type: 'double', optional: false, field: 'x' },
    { type: 'double', optional: false, field: 'y' },
    { type: 'bytes', optional: true, field: 'wkb' },
    { type: 'int32', optional: true, field: 'srid' },
  ],
  optional: true,
  name: 'io.debezium.data.geometry.Point',
  version: 1,
  doc: 'Geometry (POINT)',
};

function infinity(t: string): unknown {
  if (t === 'infinity') return bigNumber(POS_INFINITY_MICROS);
  if (t === '-infinity') return bigNumber(NEG_INFINITY_MICROS);
  return undefined;
}

function floatValue(t: string): unknown {
  // Jackson writes non-finite doubles as quoted strings.
  if (t === 'NaN' || t === 'Infinity' || t === '-Infinity') return t;
  return Number(t);
}

function byteaToBase64(t: string): string {
  if (t.startsWith('\\x')) return Buffer.from(t.slice(2), 'hex').toString('base64');
  // escape format: octal escapes and doubled backslashes
  const bytes: number[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '\\') {
      if (t[i + 1] === '\\') {
        bytes.push(0x5c);
        i++;
      } else {
        bytes.push(parseInt(t.slice(i + 1, i + 4), 8));
        i += 3;
      }
    } else bytes.push(t.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('base64');
}

function bitsToBase64(t: string): string {
  // Debezium: the bits as a little-endian byte[] (BitSet.toByteArray) sized to hold the bits.
  const n = t.length;
  const out = Buffer.alloc(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) {
    if (t[n - 1 - i] === '1') out[i >> 3] |= 1 << (i & 7);
  }
  return out.toString('base64');
}

function numericMapping(typmod: number, opts: TypeMappingOptions): TypeMapping {
  if (opts.decimalHandlingMode === 'string') return { schema: scalar('string'), convert: str };
  if (opts.decimalHandlingMode === 'double') return { schema: scalar('double'), convert: floatValue };
  if (typmod >= 4) {
    const precision = ((typmod - 4) >> 16) & 0xffff;
    const scale = (typmod - 4) & 0xffff;
    return {
      schema: scalar('bytes', 'org.apache.kafka.connect.data.Decimal', 1, { scale: String(scale), 'connect.decimal.precision': String(precision) }),
      convert: (t) => (t === 'NaN' ? null : twosComplementBytes(parseDecimal(t, scale).unscaled).toString('base64')),
    };
  }
  return {
    schema: {
      type: 'struct',
      fields: [
        { type: 'int32', optional: false, field: 'scale' },
        { type: 'bytes', optional: false, field: 'value' },
      ],
      optional: true,
      name: 'io.debezium.data.VariableScaleDecimal',
      version: 1,
      doc: 'Variable scaled decimal',
    },
    convert: (t) => {
      if (t === 'NaN') return null;
      const d = parseDecimal(t);
      return { scale: d.scale, value: twosComplementBytes(d.unscaled).toString('base64') };
    },
  };
}

function moneyMapping(opts: TypeMappingOptions): TypeMapping {
  const clean = (t: string) => {
    const neg = t.includes('-') || t.startsWith('(');
    const digits = t.replace(/[^0-9.]/g, '');
    return (neg ? '-' : '') + digits;
  };
  if (opts.decimalHandlingMode === 'string') return { schema: scalar('string'), convert: clean };
  if (opts.decimalHandlingMode === 'double') return { schema: scalar('double'), convert: (t) => Number(clean(t)) };
  return {
    schema: scalar('bytes', 'org.apache.kafka.connect.data.Decimal', 1, { scale: '2' }),
    convert: (t) => twosComplementBytes(parseDecimal(clean(t), 2).unscaled).toString('base64'),
  };
}

function arrayMapping(
  elemOid: number,
  typmod: number,
  opts: TypeMappingOptions,
  lookup: (oid: number) => PgTypeInfo | undefined,
): TypeMapping {
  const inner = mapType(elemOid, typmod, opts, lookup);
  const traits = inner.asElement ?? {};
  const convertAll = (items: unknown[]): unknown[] =>
    items.map((v) => (v === null ? null : Array.isArray(v) ? convertAll(v) : inner.convert(v as string)));
  const hasNull = (items: unknown[]): boolean => items.some((v) => v === null || (Array.isArray(v) && hasNull(v)));
  return {
    schema: { type: 'array', items: { ...inner.schema, optional: !traits.itemsRequired }, optional: true },
    convert: (t) => {
      const items = parseArrayLiteral(t);
      return traits.nullElementNullsArray && hasNull(items) ? null : convertAll(items);
    },
    ...(traits.toastedArrayNull ? { unavailable: null } : {}),
  };
}

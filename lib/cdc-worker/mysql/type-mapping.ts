/**
 * MySQL and MariaDB column types → Kafka Connect schemas and values
 * (Debezium's MySQL connector defaults: `decimal.handling.mode=precise`,
 * `time.precision.mode=adaptive_time_microseconds`, `bigint.unsigned.handling.mode=long`,
 * `binary.handling.mode=bytes`). Pure functions; no I/O.
 *
 * Values come from zongji (binlog rows) or mysql2 (snapshot rows), both opened with
 * `dateStrings`, `supportBigNumbers`/`bigNumberStrings` and `jsonStrings`, so that a value has
 * the same form in both: integers as numbers (or decimal strings beyond 2^53), DECIMAL as text,
 * temporal types as text in UTC, JSON as text, binary types as Buffers.
 */
import { ConnectSchema, bigNumber } from '../core/json';
import { dateToEpochDays, formatZonedTimestamp, parseDecimal, timestampToEpochMicros, twosComplementBytes } from '../core/values';

export type MySqlEngine = 'mysql' | 'mariadb';

/** One column as `information_schema.COLUMNS` describes it. */
export interface MySqlColumnDef {
  name: string;
  /** DATA_TYPE, lower case: `int`, `varchar`, `decimal`, … */
  dataType: string;
  /** COLUMN_TYPE, lower case: `int(10) unsigned`, `enum('a','b')`, `tinyint(1)`, … */
  columnType: string;
  nullable: boolean;
  /** Position in the primary key (1-based), if part of it. */
  pkPosition?: number;
  numericPrecision?: number | null;
  numericScale?: number | null;
  datetimePrecision?: number | null;
  characterMaximumLength?: number | null;
  /** Character set and collation of a text column (for decoding binlog rows). */
  characterSetName?: string | null;
  collationName?: string | null;
  /** The column's literal default (unquoted text), copied into the schema as Connect's `default`; undefined for none or an expression. */
  defaultText?: string;
}

export interface MySqlColumnMapping {
  schema: ConnectSchema;
  convert: (v: unknown) => unknown;
}

export class UnsupportedMySqlTypeError extends Error {
  constructor(
    public readonly columnType: string,
    public readonly column: string,
  ) {
    super(`unsupported MySQL type ${columnType} in column ${column}`);
    this.name = 'UnsupportedMySqlTypeError';
  }
}

// ---------- types ----------

const s = (type: ConnectSchema['type'], extra: Partial<ConnectSchema> = {}): ConnectSchema => ({ type, optional: false, ...extra });

function text(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
  return String(v);
}

function integer(v: unknown): unknown {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return bigNumber(v.toString());
  return bigNumber(String(v));
}

/** BIGINT UNSIGNED in `long` mode: Java's long, so values past 2^63-1 wrap to negative. */
function unsignedLong(v: unknown): unknown {
  const n = BigInt(typeof v === 'number' ? Math.trunc(v) : String(v));
  const wrapped = n > 0x7fffffffffffffffn ? n - (1n << 64n) : n;
  return bigNumber(wrapped.toString());
}

function base64(v: unknown): string {
  return (Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'binary')).toString('base64');
}

function enumValues(columnType: string): string[] {
  const m = /^(?:enum|set)\((.*)\)$/i.exec(columnType.trim());
  if (!m) return [];
  const out: string[] = [];
  const re = /'((?:[^']|'')*)'/g;
  let x: RegExpExecArray | null;
  while ((x = re.exec(m[1]))) out.push(x[1].replace(/''/g, "'"));
  return out;
}

function isZeroDate(t: string): boolean {
  return /^0000-00-00/.test(t);
}

function dateTimeMicros(v: unknown): number {
  return timestampToEpochMicros(text(v).replace('T', ' '));
}

/** `-838:59:59.000000` … `838:59:59.000000` → microseconds. */
export function mysqlTimeToMicros(v: unknown): number {
  const m = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text(v).trim());
  if (!m) throw new Error(`not a MySQL time: ${text(v)}`);
  const micros = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1_000_000 + Number((m[5] ?? '').padEnd(6, '0'));
  return m[1] ? -micros : micros;
}

/** Debezium's BIT(n>1): the bytes in little-endian order (Java BitSet.toByteArray). */
function bitsLittleEndian(v: unknown, bits: number): string {
  const be = Buffer.isBuffer(v)
    ? v
    : Buffer.from(
        BigInt(String(v))
          .toString(16)
          .padStart(Math.ceil(bits / 4) + (Math.ceil(bits / 4) % 2), '0'),
        'hex',
      );
  const le = Buffer.from(be).reverse();
  // BitSet.toByteArray drops trailing zero bytes
  let end = le.length;
  while (end > 0 && le[end - 1] === 0) end--;
  return le.subarray(0, end).toString('base64');
}

/** Maps one column like Debezium's MySQL connector does with its default settings. */
export function mapMySqlColumn(col: MySqlColumnDef, opts: { decimalHandlingMode: 'precise' | 'string' | 'double' }): MySqlColumnMapping {
  const dt = col.dataType.toLowerCase();
  const ct = col.columnType.toLowerCase();
  const mapping = numericMapping(dt, ct, col, opts) ?? textMapping(dt, ct) ?? temporalMapping(dt, col);
  if (!mapping) throw new UnsupportedMySqlTypeError(col.columnType, col.name);
  return mapping;
}

/** Integers, floating point, DECIMAL and BIT. */
function numericMapping(
  dt: string,
  ct: string,
  col: MySqlColumnDef,
  opts: { decimalHandlingMode: 'precise' | 'string' | 'double' },
): MySqlColumnMapping | null {
  const unsigned = /\bunsigned\b/.test(ct);
  switch (dt) {
    case 'bool':
    case 'boolean':
      return { schema: s('boolean'), convert: (v) => Number(v) !== 0 };
    case 'tinyint':
      return { schema: s('int16'), convert: integer };
    case 'smallint':
      return { schema: s(unsigned ? 'int32' : 'int16'), convert: integer };
    case 'mediumint':
      return { schema: s('int32'), convert: integer };
    case 'int':
    case 'integer':
      return { schema: s(unsigned ? 'int64' : 'int32'), convert: integer };
    case 'bigint':
      return { schema: s('int64'), convert: unsigned ? unsignedLong : integer };
    case 'float':
      return { schema: s('float'), convert: (v) => Number(v) };
    case 'double':
    case 'real':
      return { schema: s('double'), convert: (v) => Number(v) };
    case 'decimal':
    case 'numeric': {
      const scale = col.numericScale ?? 0;
      if (opts.decimalHandlingMode === 'double') return { schema: s('double'), convert: (v) => Number(text(v)) };
      if (opts.decimalHandlingMode === 'string') return { schema: s('string'), convert: (v) => text(v) };
      return {
        schema: s('bytes', {
          name: 'org.apache.kafka.connect.data.Decimal',
          version: 1,
          parameters: { scale: String(scale), 'connect.decimal.precision': String(col.numericPrecision ?? 10) },
        }),
        convert: (v) => twosComplementBytes(parseDecimal(text(v), scale).unscaled).toString('base64'),
      };
    }
    case 'bit': {
      const bits = col.numericPrecision ?? (Number(/bit\((\d+)\)/.exec(ct)?.[1]) || 1);
      if (bits === 1) return { schema: s('boolean'), convert: (v) => (Buffer.isBuffer(v) ? v.some((b) => b !== 0) : Number(v) !== 0) };
      return {
        schema: s('bytes', { name: 'io.debezium.data.Bits', version: 1, parameters: { length: String(bits) } }),
        convert: (v) => bitsLittleEndian(v, bits),
      };
    }
    default:
      return null;
  }
}

/** Character, JSON, ENUM/SET and binary types. */
function textMapping(dt: string, ct: string): MySqlColumnMapping | null {
  switch (dt) {
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return { schema: s('string'), convert: text };
    case 'json':
      return {
        schema: s('string', { name: 'io.debezium.data.Json', version: 1 }),
        convert: (v) => (typeof v === 'string' || Buffer.isBuffer(v) ? text(v) : JSON.stringify(v)),
      };
    case 'enum':
      return { schema: s('string', { name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: enumValues(ct).join(',') } }), convert: text };
    case 'set':
      return { schema: s('string', { name: 'io.debezium.data.EnumSet', version: 1, parameters: { allowed: enumValues(ct).join(',') } }), convert: text };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return { schema: s('bytes'), convert: base64 };
    default:
      return null;
  }
}

/** Dates and times. */
function temporalMapping(dt: string, col: MySqlColumnDef): MySqlColumnMapping | null {
  switch (dt) {
    case 'year':
      return { schema: s('int32', { name: 'io.debezium.time.Year', version: 1 }), convert: (v) => Number(v) };
    case 'date':
      return { schema: s('int32', { name: 'io.debezium.time.Date', version: 1 }), convert: (v) => (isZeroDate(text(v)) ? null : dateToEpochDays(text(v))) };
    case 'time':
      return { schema: s('int64', { name: 'io.debezium.time.MicroTime', version: 1 }), convert: mysqlTimeToMicros };
    case 'datetime': {
      const p = col.datetimePrecision ?? 0;
      if (p <= 3)
        return {
          schema: s('int64', { name: 'io.debezium.time.Timestamp', version: 1 }),
          convert: (v) => (isZeroDate(text(v)) ? null : Math.floor(dateTimeMicros(v) / 1000)),
        };
      return { schema: s('int64', { name: 'io.debezium.time.MicroTimestamp', version: 1 }), convert: (v) => (isZeroDate(text(v)) ? null : dateTimeMicros(v)) };
    }
    case 'timestamp':
      return {
        schema: s('string', { name: 'io.debezium.time.ZonedTimestamp', version: 1 }),
        convert: (v) => (isZeroDate(text(v)) ? null : formatZonedTimestamp(dateTimeMicros(v))),
      };
    default:
      return null;
  }
}

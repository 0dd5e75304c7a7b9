/**
 * PostgreSQL column types → Kafka Connect schemas and JSON values, the way Debezium's PostgreSQL
 * connector maps them with its defaults (`decimal.handling.mode=precise`,
 * `time.precision.mode=adaptive`, `binary.handling.mode=bytes`,
 * `interval.handling.mode=numeric`, `hstore.handling.mode=json`, `include.unknown.datatypes=false`),
 * read from the text format that pgoutput and a plain query both send. The mapping of the less common
 * types (ranges, point, tsvector, hstore, isbn, and the types Debezium leaves out) was taken from
 * Debezium 3.6.1's own events for the same rows (test/integration/cdc-worker-golden-types.test.ts).
 */

import { ConnectSchema, bigNumber } from '../core/json';
import {
  dateToEpochDays,
  formatZonedTime,
  formatZonedTimestamp,
  intervalToMicros,
  parseDecimal,
  timeToMicros,
  timestampToEpochMicros,
  twosComplementBytes,
} from '../core/values';
import { floatValue, hstoreToJson, jacksonString, parseArrayLiteral, pointValue, tstzrangeInUtc } from './literals';
import { BUILTIN_ARRAYS, DEBEZIUM_LEAVES_OUT, OID } from './type-oids';

export type { ConnectSchema };
export { OID };

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

// PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY, which Debezium emits for ±infinity.
const POS_INFINITY_MICROS = '9223372036825200000';
const NEG_INFINITY_MICROS = '-9223372036832400000';

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

function mapType(oid: number, typmod: number, opts: TypeMappingOptions, lookup: (oid: number) => PgTypeInfo | undefined): TypeMapping {
  if (DEBEZIUM_LEAVES_OUT[oid]) throw new UnknownTypeError(oid, lookup(oid)?.name ?? DEBEZIUM_LEAVES_OUT[oid]);
  const builtin = mapBuiltinType(oid, typmod, opts);
  if (builtin) return builtin;
  const elem = BUILTIN_ARRAYS[oid];
  if (elem !== undefined) return arrayMapping(elem, typmod, opts, lookup);
  return mapCatalogType(oid, typmod, opts, lookup);
}

/** Enums, domains, arrays of non-built-in types and the extension types Debezium knows by name. */
function mapCatalogType(oid: number, typmod: number, opts: TypeMappingOptions, lookup: (oid: number) => PgTypeInfo | undefined): TypeMapping {
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

/** Dates, times, timestamps and intervals (null for any other type). */
function mapTemporalType(oid: number, typmod: number): TypeMapping | null {
  switch (oid) {
    case OID.date:
      return {
        schema: scalar('int32', 'io.debezium.time.Date', 1),
        convert: (t) => (t === 'infinity' ? 2147483647 : t === '-infinity' ? -2147483648 : dateToEpochDays(t)),
      };
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
  }
  return null;
}

/** The built-in scalar types (null for any other type). */
function mapBuiltinType(oid: number, typmod: number, opts: TypeMappingOptions): TypeMapping | null {
  const temporal = mapTemporalType(oid, typmod);
  if (temporal) return temporal;
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
  return null;
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

function arrayMapping(elemOid: number, typmod: number, opts: TypeMappingOptions, lookup: (oid: number) => PgTypeInfo | undefined): TypeMapping {
  const inner = mapType(elemOid, typmod, opts, lookup);
  const traits = inner.asElement ?? {};
  const convertAll = (items: unknown[]): unknown[] => items.map((v) => (v === null ? null : Array.isArray(v) ? convertAll(v) : inner.convert(v as string)));
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

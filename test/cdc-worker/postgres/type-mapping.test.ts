import { OID, PgTypeInfo, UNAVAILABLE_VALUE_PLACEHOLDER, TypeMappingOptions, UnknownTypeError, mapColumn } from '../../../lib/cdc-worker/postgres/type-mapping';
import {
  formatRange,
  hstoreToJson,
  jacksonString,
  javaHashMapOrder,
  javaStringHash,
  parseArrayLiteral,
  parseHstore,
  parseRangeLiteral,
  pointWkb,
} from '../../../lib/cdc-worker/postgres/literals';
import {
  dateToEpochDays,
  formatZonedTimestamp,
  intervalToMicros,
  parseDecimal,
  timestampToEpochMicros,
  timestamptzTextInUtc,
  twosComplementBytes,
} from '../../../lib/cdc-worker/core/values';
import { toJson } from '../../../lib/cdc-worker/core/json';

const precise: TypeMappingOptions = { decimalHandlingMode: 'precise' };
const conv = (oid: number, text: string, typmod = -1, opts = precise) => mapColumn(oid, typmod, opts).convert(text);
const schemaOf = (oid: number, typmod = -1, opts = precise) => mapColumn(oid, typmod, opts).schema;
/** numeric(p,s) typmod as PostgreSQL stores it. */
const numericTypmod = (p: number, s: number) => ((p << 16) | s) + 4;

describe('type mapping (Debezium PostgreSQL connector defaults)', () => {
  test('integers, floats, booleans', () => {
    expect(schemaOf(OID.int2)).toEqual({ type: 'int16', optional: true });
    expect(schemaOf(OID.int4)).toEqual({ type: 'int32', optional: true });
    expect(schemaOf(OID.int8)).toEqual({ type: 'int64', optional: true });
    expect(schemaOf(OID.float4)).toEqual({ type: 'float', optional: true });
    expect(schemaOf(OID.float8)).toEqual({ type: 'double', optional: true });
    expect(schemaOf(OID.bool)).toEqual({ type: 'boolean', optional: true });
    expect(conv(OID.int2, '-32768')).toBe(-32768);
    expect(conv(OID.int4, '2147483647')).toBe(2147483647);
    expect(conv(OID.float8, '1.5')).toBe(1.5);
    expect(conv(OID.float8, 'NaN')).toBe('NaN');
    expect(conv(OID.bool, 't')).toBe(true);
    expect(conv(OID.bool, 'f')).toBe(false);
  });

  test('bigint outside double precision stays exact in JSON', () => {
    expect(toJson({ v: conv(OID.int8, '9223372036854775807') })).toBe('{"v":9223372036854775807}');
    expect(toJson({ v: conv(OID.int8, '-42') })).toBe('{"v":-42}');
  });

  test('numeric(p,s) → org.apache.kafka.connect.data.Decimal bytes (precise)', () => {
    expect(schemaOf(OID.numeric, numericTypmod(10, 2))).toEqual({
      type: 'bytes',
      optional: true,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '10' },
    });
    expect(conv(OID.numeric, '12.34', numericTypmod(10, 2))).toBe('BNI='); // 1234 = 0x04d2
    expect(conv(OID.numeric, '-1.00', numericTypmod(10, 2))).toBe('nA=='); // -100 = 0x9c
    expect(conv(OID.numeric, '0.00', numericTypmod(10, 2))).toBe('AA==');
    expect(conv(OID.numeric, '1.28', numericTypmod(10, 2))).toBe('AIA='); // 128 needs a sign byte
    expect(conv(OID.numeric, 'NaN', numericTypmod(10, 2))).toBeNull();
  });

  test('numeric without precision → io.debezium.data.VariableScaleDecimal', () => {
    const s = schemaOf(OID.numeric);
    expect(s).toMatchObject({ type: 'struct', name: 'io.debezium.data.VariableScaleDecimal', version: 1 });
    expect(s.fields).toEqual([
      { type: 'int32', optional: false, field: 'scale' },
      { type: 'bytes', optional: false, field: 'value' },
    ]);
    expect(conv(OID.numeric, '3.14159')).toEqual({ scale: 5, value: twosComplementBytes(314159n).toString('base64') });
  });

  test('decimal.handling.mode string and double', () => {
    expect(schemaOf(OID.numeric, numericTypmod(10, 2), { decimalHandlingMode: 'string' })).toEqual({ type: 'string', optional: true });
    expect(conv(OID.numeric, '12.30', numericTypmod(10, 2), { decimalHandlingMode: 'string' })).toBe('12.30');
    expect(schemaOf(OID.numeric, -1, { decimalHandlingMode: 'double' })).toEqual({ type: 'double', optional: true });
    expect(conv(OID.numeric, '12.30', -1, { decimalHandlingMode: 'double' })).toBe(12.3);
  });

  test("two's complement matches Java BigInteger.toByteArray", () => {
    expect(twosComplementBytes(0n).toString('hex')).toBe('00');
    expect(twosComplementBytes(127n).toString('hex')).toBe('7f');
    expect(twosComplementBytes(128n).toString('hex')).toBe('0080');
    expect(twosComplementBytes(-1n).toString('hex')).toBe('ff');
    expect(twosComplementBytes(-128n).toString('hex')).toBe('80');
    expect(twosComplementBytes(-129n).toString('hex')).toBe('ff7f');
    expect(twosComplementBytes(65535n).toString('hex')).toBe('00ffff');
  });

  test('parseDecimal rescales', () => {
    expect(parseDecimal('1.5', 3)).toEqual({ unscaled: 1500n, scale: 3 });
    expect(parseDecimal('-0.125', 2)).toEqual({ unscaled: -13n, scale: 2 });
    expect(parseDecimal('1e3')).toEqual({ unscaled: 1000n, scale: 0 });
  });

  test('date → io.debezium.time.Date (days since epoch)', () => {
    expect(schemaOf(OID.date)).toEqual({ type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1 });
    expect(conv(OID.date, '1970-01-01')).toBe(0);
    expect(conv(OID.date, '2024-02-29')).toBe(Date.UTC(2024, 1, 29) / 86400000);
    expect(conv(OID.date, '1969-12-31')).toBe(-1);
    expect(dateToEpochDays('0001-01-01')).toBe(-719162);
  });

  test('timestamp → MicroTimestamp (precision 4–6) or Timestamp (0–3)', () => {
    expect(schemaOf(OID.timestamp)).toEqual({ type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp', version: 1 });
    expect(schemaOf(OID.timestamp, 3)).toEqual({ type: 'int64', optional: true, name: 'io.debezium.time.Timestamp', version: 1 });
    expect(conv(OID.timestamp, '2024-03-10 12:34:56.789012')).toBe(Date.UTC(2024, 2, 10, 12, 34, 56, 789) * 1000 + 12);
    expect(conv(OID.timestamp, '2024-03-10 12:34:56.789', 3)).toBe(Date.UTC(2024, 2, 10, 12, 34, 56, 789));
    expect(conv(OID.timestamp, '1960-01-01 00:00:00')).toBe(Date.UTC(1960, 0, 1) * 1000);
    expect(toJson(conv(OID.timestamp, 'infinity'))).toBe('9223372036825200000');
  });

  test('timestamptz → io.debezium.time.ZonedTimestamp in UTC', () => {
    expect(schemaOf(OID.timestamptz)).toEqual({ type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1 });
    expect(conv(OID.timestamptz, '2024-03-10 12:34:56.789+02')).toBe('2024-03-10T10:34:56.789Z');
    expect(conv(OID.timestamptz, '2024-03-10 00:00:00+00')).toBe('2024-03-10T00:00:00Z');
    expect(conv(OID.timestamptz, '2024-03-10 01:00:00.5-05:30')).toBe('2024-03-10T06:30:00.5Z');
    expect(formatZonedTimestamp(timestampToEpochMicros('1969-12-31 23:59:59.999999+00'))).toBe('1969-12-31T23:59:59.999999Z');
  });

  test('time, timetz, interval', () => {
    expect(schemaOf(OID.time)).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTime' });
    expect(conv(OID.time, '01:02:03.000004')).toBe(3723000004);
    expect(schemaOf(OID.time, 0)).toMatchObject({ type: 'int32', name: 'io.debezium.time.Time' });
    expect(conv(OID.time, '01:02:03', 0)).toBe(3723000);
    expect(schemaOf(OID.timetz)).toMatchObject({ type: 'string', name: 'io.debezium.time.ZonedTime' });
    expect(conv(OID.timetz, '10:15:30+02')).toBe('08:15:30Z');
    expect(schemaOf(OID.interval)).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroDuration' });
    expect(intervalToMicros('1 year 2 mons 3 days 04:05:06.789')).toBe(37091106789000);
    expect(intervalToMicros('-1 days +02:03:00')).toBe(-86400e6 + 7380e6);
    expect(intervalToMicros('00:00:01')).toBe(1e6);
  });

  test('uuid, json, jsonb, xml, text types', () => {
    expect(schemaOf(OID.uuid)).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Uuid', version: 1 });
    expect(schemaOf(OID.json)).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 });
    expect(schemaOf(OID.jsonb)).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 });
    expect(schemaOf(OID.xml)).toMatchObject({ name: 'io.debezium.data.Xml' });
    expect(conv(OID.jsonb, '{"a": 1}')).toBe('{"a": 1}');
    for (const oid of [OID.text, OID.varchar, OID.bpchar, OID.inet]) expect(schemaOf(oid)).toEqual({ type: 'string', optional: true });
  });

  test('bytea → base64 with bytes schema', () => {
    expect(schemaOf(OID.bytea)).toEqual({ type: 'bytes', optional: true });
    expect(conv(OID.bytea, '\\x0102ff')).toBe('AQL/');
    expect(conv(OID.bytea, '')).toBe('');
  });

  test('bit(1) → boolean, bit(n) → io.debezium.data.Bits little-endian', () => {
    expect(schemaOf(OID.bit, 1)).toEqual({ type: 'boolean', optional: true });
    expect(schemaOf(OID.bit, 10)).toMatchObject({ type: 'bytes', name: 'io.debezium.data.Bits', parameters: { length: '10' } });
    expect(conv(OID.bit, '1000000001', 10)).toBe(Buffer.from([0x01, 0x02]).toString('base64'));
  });

  test('arrays → array schema of the element schema', () => {
    expect(schemaOf(1007)).toEqual({ type: 'array', items: { type: 'int32', optional: true }, optional: true });
    expect(conv(1007, '{1,2,NULL}')).toEqual([1, 2, null]);
    expect(conv(1009, '{"a b","c\\"d",NULL,plain}')).toEqual(['a b', 'c"d', null, 'plain']);
    expect(conv(1009, '{}')).toEqual([]);
    expect(conv(2951, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}')).toEqual(['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']);
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  test('enums and domains via the catalog; unknown types are a clear error', () => {
    const lookup = (oid: number) =>
      oid === 90001
        ? { oid, name: 'mood', kind: 'e', elemOid: 0, enumLabels: ['sad', 'ok', 'happy'] }
        : oid === 90002
          ? { oid, name: 'email', kind: 'd', elemOid: 0, baseOid: OID.text, baseTypmod: -1 }
          : oid === 90003
            ? { oid, name: 'geometry', kind: 'b', elemOid: 0 }
            : undefined;
    expect(mapColumn(90001, -1, precise, lookup).schema).toEqual({
      type: 'string',
      optional: true,
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: { allowed: 'sad,ok,happy' },
    });
    expect(mapColumn(90002, -1, precise, lookup).schema).toEqual({ type: 'string', optional: true });
    expect(() => mapColumn(90003, -1, precise, lookup)).toThrow(new UnknownTypeError(90003, 'geometry'));
    expect(() => mapColumn(123456, -1, precise)).toThrow(/unsupported PostgreSQL type oid:123456/);
  });

  test('unchanged TOAST placeholder follows unavailable.value.placeholder', () => {
    expect(mapColumn(OID.text, -1, precise).unavailable).toBe(UNAVAILABLE_VALUE_PLACEHOLDER);
    expect(mapColumn(OID.jsonb, -1, precise).unavailable).toBe(UNAVAILABLE_VALUE_PLACEHOLDER);
    expect(mapColumn(OID.bytea, -1, precise).unavailable).toBe(Buffer.from('__debezium_unavailable_value').toString('base64'));
    expect(mapColumn(1009, -1, precise).unavailable).toEqual([UNAVAILABLE_VALUE_PLACEHOLDER]);
  });
});

/** Catalog entries for the extension types and domains below, as Catalog.loadTypes reads them. */
const CATALOG: Record<number, PgTypeInfo> = {
  91001: { oid: 91001, name: 'hstore', kind: 'b', elemOid: 0 },
  91002: { oid: 91002, name: '_hstore', kind: 'b', elemOid: 91001 },
  91003: { oid: 91003, name: 'citext', kind: 'b', elemOid: 0 },
  91004: { oid: 91004, name: '_citext', kind: 'b', elemOid: 91003 },
  91005: { oid: 91005, name: 'ltree', kind: 'b', elemOid: 0 },
  91006: { oid: 91006, name: '_ltree', kind: 'b', elemOid: 91005 },
  91007: { oid: 91007, name: 'isbn', kind: 'b', elemOid: 0 },
  91008: { oid: 91008, name: '_isbn', kind: 'b', elemOid: 91007 },
  91009: { oid: 91009, name: 'ean13', kind: 'b', elemOid: 0 },
  91010: { oid: 91010, name: 'posrange', kind: 'd', elemOid: 0, baseOid: OID.int4range, baseTypmod: -1 },
  91011: { oid: 91011, name: '_posrange', kind: 'b', elemOid: 91010 },
  91012: { oid: 91012, name: 'spot', kind: 'd', elemOid: 0, baseOid: OID.point, baseTypmod: -1 },
  91013: { oid: 91013, name: 'tags', kind: 'd', elemOid: 0, baseOid: 91001, baseTypmod: -1 },
  91014: { oid: 91014, name: 'email', kind: 'd', elemOid: 0, baseOid: OID.text, baseTypmod: -1 },
  91015: { oid: 91015, name: '_email', kind: 'b', elemOid: 91014 },
  91016: { oid: 91016, name: 'floatrange', kind: 'r', elemOid: 0 },
  91017: { oid: 91017, name: 'floatmultirange', kind: 'm', elemOid: 0 },
};
const catalog = (oid: number) => CATALOG[oid];
const ext = (oid: number) => mapColumn(oid, -1, precise, catalog);
/** Built-in array type OIDs used below. */
const ARRAY_OF = { int4range: 3905, tstzrange: 3911, daterange: 3913, tsvector: 3643, point: 1017 };

describe('types Debezium 3.6.1 maps as it does (ranges, point, tsvector, extensions)', () => {
  test('ranges → plain strings holding the range text', () => {
    for (const oid of [OID.int4range, OID.int8range, OID.numrange, OID.tsrange, OID.tstzrange, OID.daterange]) {
      expect(schemaOf(oid)).toEqual({ type: 'string', optional: true });
    }
    expect(conv(OID.int4range, '[1,10)')).toBe('[1,10)');
    expect(conv(OID.int4range, 'empty')).toBe('empty');
    expect(conv(OID.int8range, '(,6)')).toBe('(,6)');
    expect(conv(OID.numrange, '[1.5,2.25]')).toBe('[1.5,2.25]');
    expect(conv(OID.tsrange, '["2024-01-01 10:00:00",infinity)')).toBe('["2024-01-01 10:00:00",infinity)');
    expect(conv(OID.daterange, '[2024-01-01,infinity]')).toBe('[2024-01-01,infinity]');
    expect(mapColumn(OID.numrange, -1, precise).unavailable).toBe(UNAVAILABLE_VALUE_PLACEHOLDER);
  });

  test('tstzrange bounds are rewritten in UTC, whatever the session time zone', () => {
    expect(conv(OID.tstzrange, '["2024-03-10 07:04:56.789-03:30","2024-07-01 04:30:00.000001-02:30")')).toBe(
      '["2024-03-10 10:34:56.789+00","2024-07-01 07:00:00.000001+00")',
    );
    // Local mean time offsets have seconds; BC years stay BC; the day can change.
    expect(conv(OID.tstzrange, '["0044-03-15 06:29:08-03:30:52 BC","1899-12-31 20:29:08-03:30:52")')).toBe(
      '["0044-03-15 10:00:00+00 BC","1900-01-01 00:00:00+00")',
    );
    expect(conv(OID.tstzrange, '("2024-01-01 01:00:00+01",)')).toBe('("2024-01-01 00:00:00+00",)');
    expect(conv(OID.tstzrange, '[-infinity,infinity]')).toBe('[-infinity,infinity]');
    expect(conv(OID.tstzrange, '(,)')).toBe('(,)');
    expect(conv(OID.tstzrange, 'empty')).toBe('empty');
    expect(timestamptzTextInUtc('2024-02-29 23:30:00.5-01')).toBe('2024-03-01 00:30:00.5+00');
    expect(timestamptzTextInUtc('0001-01-01 00:30:00+01')).toBe('0001-12-31 23:30:00+00 BC');
  });

  test('range text: bounds inclusive or exclusive, unbounded, quoted', () => {
    expect(parseRangeLiteral('[1,10)')).toEqual({ lowerInclusive: true, lower: '1', upper: '10', upperInclusive: false });
    expect(parseRangeLiteral('(,5]')).toEqual({ lowerInclusive: false, lower: null, upper: '5', upperInclusive: true });
    expect(parseRangeLiteral('(,)')).toEqual({ lowerInclusive: false, lower: null, upper: null, upperInclusive: false });
    expect(parseRangeLiteral('empty')).toBeNull();
    // range_out doubles quotes and backslashes inside quotes; a backslash also escapes on input.
    expect(parseRangeLiteral('["a ""b"", c","\\\\x\\y"]')).toEqual({ lowerInclusive: true, lower: 'a "b", c', upper: '\\xy', upperInclusive: true });
    expect(parseRangeLiteral('("",z)')).toEqual({ lowerInclusive: false, lower: '', upper: 'z', upperInclusive: false });
    expect(formatRange({ lowerInclusive: true, lower: 'a "b", c', upper: null, upperInclusive: false })).toBe('["a ""b"", c",)');
    expect(formatRange({ lowerInclusive: false, lower: '', upper: '2024-01-01 00:00:00+00', upperInclusive: true })).toBe('("","2024-01-01 00:00:00+00"]');
    expect(formatRange(null)).toBe('empty');
    expect(() => parseRangeLiteral('1,2')).toThrow(/not a range/);
    expect(() => parseRangeLiteral('[1,2,3)')).toThrow(/not a range/);
  });

  test('arrays of ranges → arrays of optional strings; unchanged TOASTed ones are null', () => {
    expect(schemaOf(ARRAY_OF.int4range)).toEqual({ type: 'array', items: { type: 'string', optional: true }, optional: true });
    expect(conv(ARRAY_OF.int4range, '{"[1,2)",empty,NULL}')).toEqual(['[1,2)', 'empty', null]);
    expect(conv(ARRAY_OF.daterange, '{}')).toEqual([]);
    expect(conv(ARRAY_OF.tstzrange, '{"[\\"2024-01-01 02:00:00+02\\",)",NULL}')).toEqual(['["2024-01-01 00:00:00+00",)', null]);
    expect(mapColumn(ARRAY_OF.int4range, -1, precise).unavailable).toBeNull();
  });

  test('point → io.debezium.data.geometry.Point struct with little-endian WKB', () => {
    expect(schemaOf(OID.point)).toEqual({
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
    });
    // 01 = little-endian, 01000000 = Point, then x and y as IEEE doubles, least significant byte first.
    expect(pointWkb(1.5, -2.25).toString('hex')).toBe('01' + '01000000' + '000000000000f83f' + '00000000000002c0');
    expect(conv(OID.point, '(1.5,-2.25)')).toEqual({ x: 1.5, y: -2.25, wkb: 'AQEAAAAAAAAAAAD4PwAAAAAAAALA', srid: null });
    expect(conv(OID.point, '(-1e-07,3.5e+20)')).toEqual({ x: -1e-7, y: 3.5e20, wkb: pointWkb(-1e-7, 3.5e20).toString('base64'), srid: null });
    expect(pointWkb(-1e-7, 3.5e20).toString('base64')).toBe('AQEAAABIr7ya8td6vrjansk5+TJE'); // Debezium 3.6.1's wkb for this point
    // -0 keeps its sign bit in the WKB; non-finite coordinates are written as Jackson writes them.
    expect((conv(OID.point, '(-0,0)') as { wkb: string }).wkb).toBe('AQEAAAAAAAAAAAAAgAAAAAAAAAAA');
    expect(conv(OID.point, '(NaN,-Infinity)')).toEqual({ x: 'NaN', y: '-Infinity', wkb: 'AQEAAAAAAAAAAAD4fwAAAAAAAPD/', srid: null });
    expect(() => conv(OID.point, '1,2')).toThrow(/not a point/);
    expect(mapColumn(OID.point, -1, precise).unavailable).toBeNull();
  });

  test('types Debezium leaves out are unknown types, with a hint', () => {
    for (const oid of [600 + 1, 602, 603, 604, 628, 718, ARRAY_OF.point, 4451, 4534, 3615, 3220, 2205, 24, 28, 5069, 27]) {
      expect(() => mapColumn(oid, -1, precise)).toThrow(UnknownTypeError);
    }
    expect(() => mapColumn(603, -1, precise)).toThrow(
      'unsupported PostgreSQL type box (oid 603); Debezium leaves columns of this type out of its events, as output.unknownTypes=skip does',
    );
    expect(() => mapColumn(ARRAY_OF.point, -1, precise)).toThrow(/type _point \(oid 1017\)/);
    expect(() => ext(91016)).toThrow(new UnknownTypeError(91016, 'floatrange'));
    expect(() => ext(91017)).toThrow(new UnknownTypeError(91017, 'floatmultirange'));
    expect(() => ext(91009)).toThrow(new UnknownTypeError(91009, 'ean13'));
    expect(new UnknownTypeError(91009, 'ean13').message).not.toMatch(/Debezium/);
  });

  test('tsvector → io.debezium.data.Tsvector; its arrays have required items, and a NULL element nulls the array', () => {
    expect(schemaOf(OID.tsvector)).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Tsvector', version: 1 });
    expect(conv(OID.tsvector, "'a' 'cat':2 'fat':1")).toBe("'a' 'cat':2 'fat':1");
    expect(schemaOf(ARRAY_OF.tsvector)).toEqual({
      type: 'array',
      items: { type: 'string', optional: false, name: 'io.debezium.data.Tsvector', version: 1 },
      optional: true,
    });
    expect(conv(ARRAY_OF.tsvector, "{\"'a' 'b'\",''}")).toEqual(["'a' 'b'", "''"]);
    expect(conv(ARRAY_OF.tsvector, '{}')).toEqual([]);
    expect(conv(ARRAY_OF.tsvector, '{"\'a\'",NULL}')).toBeNull();
    expect(mapColumn(OID.tsvector, -1, precise).unavailable).toBe(UNAVAILABLE_VALUE_PLACEHOLDER);
    expect(mapColumn(ARRAY_OF.tsvector, -1, precise).unavailable).toBeNull();
  });

  test('Java String.hashCode and HashMap iteration order', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('Ä')).toBe(196);
    expect(javaStringHash('😀')).toBe(0xd83d * 31 + 0xde00); // UTF-16 code units
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648); // overflow wraps like Java's int
    // "Aa" and "BB" share a hash, so a bucket: insertion order decides.
    expect(
      javaHashMapOrder([
        ['BB', 1],
        ['Aa', 2],
      ]).map(([k]) => k),
    ).toEqual(['BB', 'Aa']);
    expect(
      javaHashMapOrder([
        ['Aa', 1],
        ['BB', 2],
      ]).map(([k]) => k),
    ).toEqual(['Aa', 'BB']);
    // Orders printed by java.util.HashMap for these keys. With 11 keys the table has 16 buckets and
    // "k28", "k27", "k29" (buckets 0, 1, 3) come first; the 13th key doubles it to 32 and moves them
    // to buckets 16, 17, 19, after everything else.
    const keys = (n: number) => Array.from({ length: n }, (_, i) => [`k${i + 20}`, i] as [string, number]);
    expect(javaHashMapOrder(keys(11)).map(([k]) => k)).toEqual(['k28', 'k27', 'k29', 'k20', 'k30', 'k22', 'k21', 'k24', 'k23', 'k26', 'k25']);
    expect(javaHashMapOrder([...keys(11), ['k9', 0], ['k8', 0]]).map(([k]) => k)).toEqual([
      'k20',
      'k30',
      'k22',
      'k21',
      'k24',
      'k23',
      'k8',
      'k26',
      'k9',
      'k25',
      'k28',
      'k27',
      'k29',
    ]);
    expect(
      javaHashMapOrder([
        ['a', 1],
        ['a', 2],
      ]),
    ).toEqual([['a', 2]]);
  });

  test('hstore → io.debezium.data.Json text in Java HashMap order, strings escaped as Jackson does', () => {
    expect(ext(91001).schema).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 });
    expect(parseHstore('"a"=>"1", "b c"=>NULL, "q\\"\\\\"=>""')).toEqual([
      ['a', '1'],
      ['b c', null],
      ['q"\\', ''],
    ]);
    expect(parseHstore('')).toEqual([]);
    expect(() => parseHstore('"a"=>')).toThrow(/hstore/);
    expect(ext(91001).convert('"a"=>"1", "b c"=>NULL')).toBe('{"a":"1","b c":null}');
    expect(ext(91001).convert('')).toBe('{}');
    // Debezium 3.6.1's output for these 36 keys (hstore_out orders them by length, then bytes).
    const many = ['a', 'q', 'bb', ...Array.from({ length: 9 }, (_, i) => `k${i + 1}`), 'zz', 'Ä', ...Array.from({ length: 21 }, (_, i) => `k${i + 10}`), '😀']
      .map((k) => `"${k}"=>${k === 'q' ? 'NULL' : `"${k}"`}`)
      .join(', ');
    expect(Object.keys(JSON.parse(hstoreToJson(many)))).toEqual([
      'bb',
      'zz',
      'Ä',
      'k30',
      'k11',
      'k10',
      'k13',
      'k12',
      'k15',
      'k14',
      'k17',
      'k16',
      'k19',
      'k18',
      'a',
      'k1',
      'k2',
      'k3',
      'k20',
      'k4',
      'k5',
      'k22',
      'k6',
      'k21',
      'k7',
      'k24',
      'k8',
      'k23',
      'k9',
      'k26',
      'k25',
      'k28',
      'q',
      'k27',
      'k29',
      '😀',
    ]);
    expect(jacksonString('a\u0001b\u001fc\nd\te\b\f\r"\\/\u007f\u2028')).toBe('"a\\u0001b\\u001Fc\\nd\\te\\b\\f\\r\\"\\\\/\u007f\u2028"');
    expect(ext(91001).unavailable).toBe('{"__debezium_unavailable_value":"__debezium_unavailable_value"}');
    expect(ext(91002).schema).toEqual({ type: 'array', items: { type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 }, optional: true });
    expect(ext(91002).convert('{NULL,"\\"a\\"=>\\"1\\""}')).toEqual([null, '{"a":"1"}']);
    expect(ext(91002).unavailable).toBeNull();
  });

  test('citext, ltree, isbn by name; their arrays as Debezium builds them', () => {
    expect(ext(91003).schema).toEqual({ type: 'string', optional: true });
    expect(ext(91004).schema).toEqual({ type: 'array', items: { type: 'string', optional: true }, optional: true });
    expect(ext(91004).convert('{x,NULL}')).toEqual(['x', null]);
    expect(ext(91004).unavailable).toBeNull();
    expect(ext(91005).schema).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Ltree', version: 1 });
    expect(ext(91006).schema.items).toEqual({ type: 'string', optional: true, name: 'io.debezium.data.Ltree', version: 1 });
    expect(ext(91006).convert('{a.b,c}')).toEqual(['a.b', 'c']);
    expect(ext(91006).convert('{a.b,NULL}')).toBeNull();
    expect(ext(91007).schema).toEqual({ type: 'string', optional: true });
    expect(ext(91007).convert('0-393-04002-X')).toBe('0-393-04002-X');
    expect(ext(91008).schema.items).toEqual({ type: 'string', optional: false });
    expect(ext(91008).convert('{0-393-04002-X,NULL}')).toBeNull();
  });

  test('domains map as their base type; arrays of domains are left out like Debezium does', () => {
    expect(ext(91010).schema).toEqual({ type: 'string', optional: true });
    expect(ext(91010).convert('[3,4)')).toBe('[3,4)');
    expect(ext(91012).schema).toMatchObject({ type: 'struct', name: 'io.debezium.data.geometry.Point' });
    expect(ext(91013).convert('"a"=>"1"')).toBe('{"a":"1"}');
    expect(ext(91013).unavailable).toBe(UNAVAILABLE_VALUE_PLACEHOLDER); // not hstore's JSON form
    expect(() => ext(91011)).toThrow(new UnknownTypeError(91011, '_posrange'));
    expect(() => ext(91015)).toThrow(new UnknownTypeError(91015, '_email'));
  });
});

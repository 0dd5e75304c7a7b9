import {
  OID,
  UNAVAILABLE_VALUE_PLACEHOLDER,
  TypeMappingOptions,
  UnknownTypeError,
  dateToEpochDays,
  formatZonedTimestamp,
  intervalToMicros,
  mapColumn,
  parseArrayLiteral,
  parseDecimal,
  timestampToEpochMicros,
  toJson,
  twosComplementBytes,
} from '../../lib/cdc-worker/types';

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

  test('two\'s complement matches Java BigInteger.toByteArray', () => {
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
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual([['1', '2'], ['3', '4']]);
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

import { buildMySqlTableModel, mapMySqlColumn } from '../../../lib/cdc-worker/mysql/envelope';
import { mysqlTimeToMicros } from '../../../lib/cdc-worker/mysql/type-mapping';
import { col, conv, opts } from './fixtures';

describe('MySQL column types as Debezium maps them', () => {
  test('integers: signedness widens the type; BIGINT UNSIGNED wraps like a Java long', () => {
    expect(mapMySqlColumn(col('a', 'smallint unsigned'), opts).schema.type).toBe('int32');
    expect(mapMySqlColumn(col('a', 'int unsigned'), opts).schema.type).toBe('int64');
    expect(mapMySqlColumn(col('a', 'tinyint(1)'), opts).schema.type).toBe('int16');
    expect(conv(col('a', 'bigint unsigned'), '18446744073709551615')).toBe(-1);
    expect(JSON.stringify({ v: conv(col('a', 'bigint'), '9007199254740993') })).toContain('\\u0001N:9007199254740993');
  });

  test('DECIMAL is Connect Decimal bytes at the column scale; string and double modes', () => {
    const c = col('n', 'decimal(12,3)', { numericPrecision: 12, numericScale: 3 });
    expect(mapMySqlColumn(c, opts).schema).toMatchObject({
      type: 'bytes',
      name: 'org.apache.kafka.connect.data.Decimal',
      parameters: { scale: '3', 'connect.decimal.precision': '12' },
    });
    expect(conv(c, '1234.567')).toBe(Buffer.from('12d687', 'hex').toString('base64'));
    expect(conv(c, '-0.500')).toBe(Buffer.from('fe0c', 'hex').toString('base64'));
    expect(mapMySqlColumn(c, { decimalHandlingMode: 'string' }).convert('1.500')).toBe('1.500');
    expect(mapMySqlColumn(c, { decimalHandlingMode: 'double' }).convert('1.500')).toBe(1.5);
  });

  test('temporal types: Date days, Timestamp ms up to precision 3, MicroTimestamp beyond, ZonedTimestamp for TIMESTAMP, MicroTime', () => {
    expect(conv(col('d', 'date'), '2024-02-29')).toBe(19782);
    expect(conv(col('d', 'date'), '0000-00-00')).toBeNull();
    expect(mapMySqlColumn(col('t', 'datetime', { datetimePrecision: 0 }), opts).schema.name).toBe('io.debezium.time.Timestamp');
    expect(conv(col('t', 'datetime', { datetimePrecision: 0 }), '2024-03-10 12:34:56')).toBe(1710074096000);
    expect(mapMySqlColumn(col('t', 'datetime(6)', { dataType: 'datetime', datetimePrecision: 6 }), opts).schema.name).toBe('io.debezium.time.MicroTimestamp');
    expect(conv(col('t', 'datetime(6)', { dataType: 'datetime', datetimePrecision: 6 }), '2024-03-10 12:34:56.789012')).toBe(1710074096789012);
    expect(conv(col('t', 'timestamp(3)', { dataType: 'timestamp' }), '2024-03-10 12:34:56.789')).toBe('2024-03-10T12:34:56.789Z');
    expect(mysqlTimeToMicros('-01:02:03.456')).toBe(-3723456000);
    expect(mysqlTimeToMicros('838:59:59')).toBe(3020399000000);
    expect(conv(col('y', 'year'), 2024)).toBe(2024);
  });

  test('BIT(1) is boolean, BIT(n) little-endian bytes; ENUM/SET carry their values; binary is base64', () => {
    expect(conv(col('b', 'bit(1)', { numericPrecision: 1 }), Buffer.from([1]))).toBe(true);
    const bits = col('b', 'bit(10)', { numericPrecision: 10 });
    expect(mapMySqlColumn(bits, opts).schema).toMatchObject({ name: 'io.debezium.data.Bits', parameters: { length: '10' } });
    expect(conv(bits, Buffer.from([0x02, 0x01]))).toBe(Buffer.from([0x01, 0x02]).toString('base64'));
    expect(mapMySqlColumn(col('e', "enum('sad','o''k')"), opts).schema.parameters).toEqual({ allowed: "sad,o'k" });
    expect(mapMySqlColumn(col('s', "set('a','b')"), opts).schema.name).toBe('io.debezium.data.EnumSet');
    expect(conv(col('b', 'blob'), Buffer.from([0, 255, 16]))).toBe('AP8Q');
    expect(conv(col('j', 'json'), '{"a": 1}')).toBe('{"a": 1}');
  });

  test('an unknown type stops with the column named, or is left out with unknownTypes=skip', () => {
    expect(() => buildMySqlTableModel('shop', 'geo', [col('id', 'int', { pkPosition: 1 }), col('g', 'geometry')], opts)).toThrow(
      /unsupported MySQL type geometry in column shop\.geo\.g/,
    );
    const m = buildMySqlTableModel('shop', 'geo', [col('id', 'int', { pkPosition: 1 }), col('g', 'geometry')], { ...opts, unknownTypes: 'skip' });
    expect(m.columns.map((c) => c.name)).toEqual(['id']);
  });
});

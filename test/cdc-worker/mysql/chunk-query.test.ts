import { keyCondition, keyParam, keyText, keyValueText, mysqlSignalTableDdl } from '../../../lib/cdc-worker/mysql/chunk-query';
import { buildMySqlTableModel } from '../../../lib/cdc-worker/mysql/envelope';
import type { MySqlColumnDef } from '../../../lib/cdc-worker/mysql/type-mapping';

const col = (name: string, dataType: string, extra: Partial<MySqlColumnDef> = {}) => ({ name, dataType, numericPrecision: null, numericScale: null, ...extra });
const opts = {
  engine: 'mariadb' as const,
  topicPrefix: 'shop',
  schemasEnable: false,
  debeziumVersion: '2.7.0.Final',
  decimalHandlingMode: 'precise' as const,
  tombstonesOnDelete: true,
  unknownTypes: 'fail' as const,
};

describe('mysql chunk query: key text', () => {
  test('a chunk row (mysql2) and a binlog row (zongji) of the same key give the same text', () => {
    // mysql2 gives BIGINT as a string (bigNumberStrings), zongji as a number
    expect(keyValueText(col('id', 'bigint'), '41')).toBe(keyValueText(col('id', 'bigint'), 41));
    expect(keyValueText(col('id', 'bigint'), '18446744073709551615')).toBe('18446744073709551615');
    expect(keyValueText(col('n', 'decimal'), '007.50')).toBe('7.5');
    expect(keyValueText(col('n', 'decimal'), '-0.00')).toBe('0');
    expect(keyValueText(col('n', 'decimal'), '12')).toBe(keyValueText(col('n', 'decimal'), '12.000'));
    expect(keyValueText(col('t', 'datetime'), '2024-03-10 12:34:56.789000')).toBe('2024-03-10 12:34:56.789');
    expect(keyValueText(col('t', 'datetime'), '2024-03-10 12:34:56.000000')).toBe(keyValueText(col('t', 'datetime'), '2024-03-10 12:34:56'));
    expect(keyValueText(col('b', 'varbinary'), Buffer.from([0, 255, 16]))).toBe('00ff10');
    expect(keyValueText(col('s', 'varchar'), 'Straße')).toBe('Straße');
  });

  test('keyText follows the primary key order, not the column order', () => {
    const cols: MySqlColumnDef[] = [
      { name: 'b', dataType: 'int', columnType: 'int(11)', nullable: false, pkPosition: 2 },
      { name: 'note', dataType: 'varchar', columnType: 'varchar(20)', nullable: true },
      { name: 'a', dataType: 'varchar', columnType: 'varchar(20)', nullable: false, pkPosition: 1 },
    ];
    const model = buildMySqlTableModel('shop', 'orders', cols, opts);
    expect(keyText(model, { b: 7, note: 'x', a: 'k' })).toEqual(['k', '7']);
  });

  test('key text back as parameters: binary as bytes, decimals cast (MySQL would compare a string with a decimal as doubles)', () => {
    expect(keyParam(col('b', 'varbinary'), '00ff10')).toEqual({ sql: '?', value: Buffer.from([0, 255, 16]) });
    expect(keyParam(col('n', 'decimal', { numericPrecision: 30, numericScale: 4 }), '12345678901234567890.1234')).toEqual({
      sql: 'CAST(? AS DECIMAL(30, 4))',
      value: '12345678901234567890.1234',
    });
    expect(keyParam(col('id', 'bigint'), '41')).toEqual({ sql: '?', value: '41' });
  });
});

describe('mysql chunk query: keyset conditions', () => {
  test('one key column: a plain comparison', () => {
    expect(keyCondition([col('id', 'bigint')], '>', ['10'])).toEqual({ sql: '`id` > ?', values: ['10'] });
    expect(keyCondition([col('id', 'bigint')], '<=', ['99'])).toEqual({ sql: '`id` <= ?', values: ['99'] });
  });

  test('a composite key: lexicographic order, led by a range on the first column', () => {
    const cols = [col('a', 'int'), col('b', 'varchar')];
    expect(keyCondition(cols, '>', ['1', 'x'])).toEqual({ sql: '(`a` >= ? AND ((`a` > ?) OR (`a` = ? AND `b` > ?)))', values: ['1', '1', '1', 'x'] });
    expect(keyCondition(cols, '<=', ['5', 'y'])).toEqual({ sql: '(`a` <= ? AND ((`a` < ?) OR (`a` = ? AND `b` <= ?)))', values: ['5', '5', '5', 'y'] });
  });

  test("the signal table's DDL is Debezium's", () => {
    expect(mysqlSignalTableDdl('inventory.debezium_signal')).toBe(
      'CREATE TABLE IF NOT EXISTS `inventory`.`debezium_signal` (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)',
    );
  });
});

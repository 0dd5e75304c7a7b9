import pino from 'pino';
import { validateConfig } from '../../lib/cdc-worker/config';
import { MySqlColumnDef, MySqlEnvelopeOptions, buildMySqlTableModel, mapMySqlColumn, mysqlChangeRecords, mysqlTimeToMicros } from '../../lib/cdc-worker/mysql-envelope';
import { binlogSettingProblems, explainBinlogError, literalDefault } from '../../lib/cdc-worker/mysql-source';
import { MySqlCdcWorker, ddlTables, isDdl } from '../../lib/cdc-worker/mysql-worker';

const opts: MySqlEnvelopeOptions = {
  engine: 'mariadb',
  topicPrefix: 'shop',
  schemasEnable: true,
  debeziumVersion: '3.5.0.Final',
  decimalHandlingMode: 'precise',
  tombstonesOnDelete: true,
  unknownTypes: 'fail',
};

const col = (name: string, columnType: string, extra: Partial<MySqlColumnDef> = {}): MySqlColumnDef => ({
  name,
  dataType: columnType.replace(/\(.*$/, '').replace(/ .*$/, ''),
  columnType,
  nullable: true,
  ...extra,
});

const conv = (c: MySqlColumnDef, v: unknown) => mapMySqlColumn(c, opts).convert(v);

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
    expect(mapMySqlColumn(c, opts).schema).toMatchObject({ type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '3', 'connect.decimal.precision': '12' } });
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

describe('MySQL envelope', () => {
  const model = buildMySqlTableModel(
    'shop',
    'orders',
    [col('id', 'int', { nullable: false, pkPosition: 1 }), col('note', 'varchar(20)'), col('qty', 'int', { defaultText: '5' })],
    opts,
  );
  const pos = { tsMs: 1700000000000, snapshot: 'false' as const, serverId: 1, gtid: '0-1-7', file: 'mariadb-bin.000003', pos: 1234, row: 0, thread: null, query: null };

  test('topic, key, schema with the literal default, and the mariadb source block in Debezium order', () => {
    const [rec] = mysqlChangeRecords(model, 'c', null, { id: 1, note: 'x', qty: 2 }, pos, opts, 1700000000500);
    expect(rec.topic).toBe('shop.shop.orders');
    expect(JSON.parse(rec.key!)).toEqual({ schema: { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }], optional: false, name: 'shop.shop.orders.Key' }, payload: { id: 1 } });
    const v = JSON.parse(rec.value!);
    expect(v.schema.fields[1].fields[2]).toEqual({ type: 'int32', optional: true, default: 5, field: 'qty' });
    expect(v.schema.fields[2].name).toBe('io.debezium.connector.mariadb.Source');
    expect(Object.keys(v.payload.source)).toEqual(['version', 'connector', 'name', 'ts_ms', 'snapshot', 'db', 'sequence', 'ts_us', 'ts_ns', 'table', 'server_id', 'gtid', 'file', 'pos', 'row', 'thread', 'query']);
    expect(v.payload).toMatchObject({
      before: null,
      after: { id: 1, note: 'x', qty: 2 },
      source: { connector: 'mariadb', name: 'shop', db: 'shop', table: 'orders', server_id: 1, gtid: '0-1-7', file: 'mariadb-bin.000003', pos: 1234, row: 0, ts_ms: 1700000000000, ts_us: 1700000000000000 },
      op: 'c',
      ts_ms: 1700000000500,
    });
    const mysql = buildMySqlTableModel('shop', 'orders', [col('id', 'int', { pkPosition: 1 })], { ...opts, engine: 'mysql' });
    expect(JSON.parse(mysql.envelopeSchemaJson).fields[2].name).toBe('io.debezium.connector.mysql.Source');
  });

  test('a delete is followed by a tombstone; a primary-key change is delete + tombstone + create with key headers', () => {
    const del = mysqlChangeRecords(model, 'd', { id: 1, note: 'x', qty: 2 }, null, pos, opts, 0);
    expect(del.map((r) => r.value === null)).toEqual([false, true]);
    expect(del[1].key).toBe(del[0].key);
    expect(mysqlChangeRecords(model, 'd', { id: 1, note: 'x', qty: 2 }, null, pos, { ...opts, tombstonesOnDelete: false }, 0)).toHaveLength(1);
    const moved = mysqlChangeRecords(model, 'u', { id: 1, note: 'x', qty: 2 }, { id: 2, note: 'x', qty: 2 }, pos, opts, 0);
    expect(moved.map((r) => (r.value ? JSON.parse(r.value).payload.op : null))).toEqual(['d', null, 'c']);
    expect(moved[0].headers).toEqual({ '__debezium.newkey': '{"id":2}' });
    expect(moved[2].headers).toEqual({ '__debezium.oldkey': '{"id":1}' });
  });
});

describe('server checks', () => {
  test('each unsupported binlog setting is named with the value to set', () => {
    expect(binlogSettingProblems('mariadb', { log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL', log_bin_compress: 'OFF' })).toEqual([]);
    expect(binlogSettingProblems('mariadb', { log_bin: 'OFF', binlog_format: 'MIXED', binlog_row_image: 'MINIMAL', log_bin_compress: 'ON' })).toEqual([
      'log_bin is OFF: enable the binary log (log_bin / log-bin in the server config)',
      'binlog_format is MIXED: set binlog_format=ROW',
      'binlog_row_image is MINIMAL: set binlog_row_image=FULL (before images and unchanged columns are needed)',
      'log_bin_compress is ON: compressed binlog events are not supported; set log_bin_compress=OFF',
    ]);
    expect(binlogSettingProblems('mysql', { log_bin: '1', binlog_format: 'ROW', binlog_row_image: 'FULL', binlog_transaction_compression: 'ON', binlog_row_value_options: 'PARTIAL_JSON' })).toEqual([
      'binlog_transaction_compression is ON: compressed transaction payloads are not supported; set binlog_transaction_compression=OFF',
      "binlog_row_value_options is PARTIAL_JSON: partial JSON updates are not supported; set binlog_row_value_options=''",
    ]);
  });

  test("zongji's errors for compressed and partial events name the setting", () => {
    expect(explainBinlogError(new Error('Server sent a TRANSACTION_PAYLOAD_EVENT (binlog_transaction_compression=ON).')).message).toMatch(/set binlog_transaction_compression=OFF/);
    expect(explainBinlogError(new Error('Server sent a PARTIAL_UPDATE_ROWS_EVENT')).message).toMatch(/set binlog_row_value_options=''/);
    expect(explainBinlogError(new Error("Error: connecting slave requested to start from GTID 0-1-9, which is not in the master's binlog")).message).toMatch(
      /not on the server \(connecting slave .*\): its binlogs were purged .* delete the stored offset to take a new snapshot/,
    );
    const other = new Error('boom');
    expect(explainBinlogError(other)).toBe(other);
  });

  test('literal defaults from information_schema: MariaDB quotes strings, expressions are left out', () => {
    expect(literalDefault("'it''s'", '', 'varchar', 'mariadb')).toBe("it's");
    expect(literalDefault('5', '', 'int', 'mariadb')).toBe('5');
    expect(literalDefault('NULL', '', 'int', 'mariadb')).toBeUndefined();
    expect(literalDefault('current_timestamp()', '', 'timestamp', 'mariadb')).toBeUndefined();
    expect(literalDefault('abc', '', 'varchar', 'mysql')).toBe('abc');
    expect(literalDefault('CURRENT_TIMESTAMP', 'DEFAULT_GENERATED', 'timestamp', 'mysql')).toBeUndefined();
  });
});

describe('DDL detection', () => {
  test('finds the tables a statement names, qualified or not', () => {
    expect(isDdl('ALTER TABLE t ADD COLUMN x INT')).toBe(true);
    expect(isDdl('/* c */ create table x (id int)')).toBe(true);
    expect(isDdl('INSERT INTO t VALUES (1)')).toBe(false);
    expect(ddlTables('ALTER TABLE `orders` ADD COLUMN x INT', 'shop')).toContain('shop.orders');
    expect(ddlTables('RENAME TABLE shop.a TO shop.b, c TO d', 'x')).toEqual(expect.arrayContaining(['shop.a', 'shop.b', 'x.c', 'x.d']));
    expect(ddlTables('DROP TABLE IF EXISTS `my``t`', 'db')).toContain('db.my`t');
  });
});

describe('binlog events → records and checkpoints', () => {
  function harness() {
    const cfg = validateConfig({
      source: { engine: 'mariadb', host: 'h', database: 'shop', user: 'u', tables: ['shop.orders'] },
      kafka: { brokers: ['k:9092'] },
      output: { topicPrefix: 'p' },
    });
    const w = new MySqlCdcWorker(cfg, pino({ level: 'silent' }));
    const items: ({ record: { topic: string; key: string | null; value: string | null } } | { checkpoint: bigint })[] = [];
    const internals = w as unknown as Record<string, unknown>;
    internals.sink = { push: (i: never) => items.push(i), hasSpace: () => true, idle: true };
    internals.serverId = 1;
    internals.file = 'mariadb-bin.000001';
    internals.phase = 'streaming';
    internals.gtidPos = (require('../../lib/cdc-worker/mysql-gtid') as typeof import('../../lib/cdc-worker/mysql-gtid')).MariaDbGtidPosition.parse('0-1-9');
    (internals.models as Map<string, unknown>).set(
      'shop.orders',
      buildMySqlTableModel('shop', 'orders', [col('id', 'int', { nullable: false, pkPosition: 1 }), col('note', 'varchar(9)')], { ...opts, topicPrefix: 'p' }),
    );
    const ev = (name: string, fields: Record<string, unknown>) => ({ getEventName: () => name, timestamp: 1700000000000, size: 19, nextPosition: 0, ...fields });
    const feed = async (events: ReturnType<typeof ev>[]) => {
      for (const e of events) (w as unknown as { onEvent(e: unknown): void }).onEvent(e);
      await new Promise((r) => setImmediate(r));
    };
    return { w, items, ev, feed, internals };
  }

  test('a transaction: GTID, table map, rows, XID → events with gtid/file/pos/row, then one checkpoint holding the advanced GTID position', async () => {
    const { items, ev, feed, internals } = harness();
    const tableMap = { 64: { parentSchema: 'shop', tableName: 'orders' }, 65: { parentSchema: 'shop', tableName: 'other' } };
    await feed([
      ev('mariadbgtid', { gtid: '0-1-10', nextPosition: 500 }),
      ev('tablemap', { nextPosition: 600 }),
      ev('writerows', { tableId: 64, tableMap, rows: [{ id: 1, note: 'a' }, { id: 2, note: 'b' }], nextPosition: 700 }),
      ev('updaterows', { tableId: 64, tableMap, rows: [{ before: { id: 1, note: 'a' }, after: { id: 1, note: 'c' } }], nextPosition: 800 }),
      ev('deleterows', { tableId: 65, tableMap, rows: [{ id: 9 }], nextPosition: 900 }),
      ev('xid', { nextPosition: 931 }),
    ]);
    const recs = items.filter((i): i is { record: { topic: string; key: string | null; value: string | null } } => 'record' in i);
    expect(recs.map((r) => JSON.parse(r.record.value!).payload.op)).toEqual(['c', 'c', 'u']);
    const sources = recs.map((r) => JSON.parse(r.record.value!).payload.source);
    expect(sources.map((s) => [s.gtid, s.file, s.pos, s.row])).toEqual([
      ['0-1-10', 'mariadb-bin.000001', 600, 0],
      ['0-1-10', 'mariadb-bin.000001', 600, 1],
      ['0-1-10', 'mariadb-bin.000001', 700, 0],
    ]);
    expect(items[items.length - 1]).toEqual({ checkpoint: 1n, commitTimeMicros: 1700000000000000 });
    const pending = internals.pendingOffsets as Map<bigint, { gtid: string; file: string; pos: number }>;
    expect(pending.get(1n)).toMatchObject({ gtid: '0-1-10', file: 'mariadb-bin.000001', pos: 931, snapshotCompleted: true });
  });

  test('rotate moves the file; a DDL on an uncaptured table is a transaction of its own', async () => {
    const { items, ev, feed, internals } = harness();
    await feed([
      ev('rotate', { binlogName: 'mariadb-bin.000002', position: 4 }),
      ev('mariadbgtid', { gtid: '0-1-11', nextPosition: 300 }),
      ev('query', { query: 'CREATE TABLE elsewhere (id int)', schema: 'shop', nextPosition: 400 }),
    ]);
    expect(items).toEqual([{ checkpoint: 1n, commitTimeMicros: 1700000000000000 }]);
    expect((internals.pendingOffsets as Map<bigint, unknown>).get(1n)).toMatchObject({ gtid: '0-1-11', file: 'mariadb-bin.000002', pos: 400 });
  });

  test('a statement inside an open transaction (SAVEPOINT) does not end it; COMMIT and ROLLBACK do', async () => {
    const { items, ev, feed } = harness();
    const tableMap = { 64: { parentSchema: 'shop', tableName: 'orders' } };
    await feed([
      ev('mariadbgtid', { gtid: '0-1-12', standalone: false, nextPosition: 100 }),
      ev('writerows', { tableId: 64, tableMap, rows: [{ id: 1, note: 'a' }], nextPosition: 200 }),
      ev('query', { query: 'SAVEPOINT `s1`', schema: 'shop', nextPosition: 250 }),
      ev('writerows', { tableId: 64, tableMap, rows: [{ id: 2, note: 'b' }], nextPosition: 300 }),
      ev('query', { query: 'COMMIT', schema: 'shop', nextPosition: 350 }),
      ev('gtid', { gtid: '0-1-13', nextPosition: 400 }),
      ev('query', { query: 'BEGIN', slaveProxyId: 77, schema: 'shop', nextPosition: 450 }),
      ev('writerows', { tableId: 64, tableMap, rows: [{ id: 3, note: 'c' }], nextPosition: 500 }),
      ev('query', { query: 'ROLLBACK', schema: 'shop', nextPosition: 550 }),
    ]);
    expect(items.map((i) => ('record' in i ? JSON.parse(i.record.value!).payload.after.id : `checkpoint ${(i as { checkpoint: bigint }).checkpoint}`))).toEqual([
      1, 2, 'checkpoint 1', 3, 'checkpoint 2',
    ]);
    expect(JSON.parse((items[3] as { record: { value: string } }).record.value).payload.source.thread).toBe(77);
  });

  test('the offset is stored only for checkpoints Kafka acknowledged', async () => {
    const { ev, feed, internals, w } = harness();
    await feed([ev('mariadbgtid', { gtid: '0-1-10', nextPosition: 500 }), ev('xid', { nextPosition: 600 }), ev('mariadbgtid', { gtid: '0-1-11', nextPosition: 700 }), ev('xid', { nextPosition: 800 })]);
    (w as unknown as { onCheckpoint(s: bigint, t: number): void }).onCheckpoint(1n, 0);
    expect(internals.acked).toMatchObject({ gtid: '0-1-10', pos: 600 });
    (w as unknown as { onCheckpoint(s: bigint, t: number): void }).onCheckpoint(2n, 0);
    expect(internals.acked).toMatchObject({ gtid: '0-1-11', pos: 800 });
  });
});

describe('config for the MySQL/MariaDB source', () => {
  const base = { kafka: { brokers: ['k:9092'] }, output: { topicPrefix: 'p' } };
  test('engine defaults to postgres (port 5432); mysql and mariadb default to port 3306 and a server id', () => {
    const pg = validateConfig({ ...base, source: { host: 'h', database: 'd', user: 'u', tables: ['public.t'] } });
    expect(pg.source).toMatchObject({ engine: 'postgres', port: 5432 });
    const my = validateConfig({ ...base, source: { engine: 'mariadb', host: 'h', database: 'd', user: 'u', tables: ['shop.t'] } });
    expect(my.source).toMatchObject({ engine: 'mariadb', port: 3306, serverId: 184054 });
    expect(validateConfig({ ...base, source: { engine: 'mysql', host: 'h', port: 13306, database: 'd', user: 'u', tables: ['shop.t'], serverId: 7 } }).source).toMatchObject({ port: 13306, serverId: 7 });
  });

  test('exactly-once delivery is refused for the binlog source at config time', () => {
    expect(() => validateConfig({ ...base, source: { engine: 'mariadb', host: 'h', database: 'd', user: 'u', tables: ['s.t'] }, delivery: { mode: 'exactly-once' } })).toThrow(
      /delivery\.mode "exactly-once" is supported with source\.engine "postgres" only \(got source\.engine "mariadb"\); use "at-least-once"/,
    );
  });

  test('a bad engine or server id is reported by field', () => {
    expect(() => validateConfig({ ...base, source: { engine: 'oracle', host: 'h', database: 'd', user: 'u', tables: ['s.t'], serverId: 0 } })).toThrow(
      /source\.engine must be one of "postgres", "mysql", "mariadb" \(got "oracle"\)[\s\S]*source\.serverId must be >= 1 \(got 0\)/,
    );
  });
});

describe('schema history helpers', () => {
  const { retargetAlter, temporaryCreate, showColumnDef, tableMapMismatch } = require('../../lib/cdc-worker/mysql-source') as typeof import('../../lib/cdc-worker/mysql-source');

  test('an ALTER TABLE is aimed at the history table, qualified or not; other statements are not', () => {
    expect(retargetAlter('ALTER TABLE `shop`.`orders` ADD COLUMN x INT', 'shop', 'h')).toBe('ALTER TABLE `shop`.`h` ADD COLUMN x INT');
    expect(retargetAlter('/* c */ alter online ignore table orders drop column y', 'shop', 'h')).toBe('/* c */ alter online ignore table `shop`.`h` drop column y');
    expect(retargetAlter('RENAME TABLE a TO b', 'shop', 'h')).toBeNull();
  });

  test('CREATE TABLE text becomes a TEMPORARY table without foreign keys', () => {
    const create = 'CREATE TABLE `orders` (\n  `id` int(11) NOT NULL,\n  `c` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  CONSTRAINT `fk` FOREIGN KEY (`c`) REFERENCES `customers` (`id`)\n) ENGINE=InnoDB';
    expect(temporaryCreate(create, 'shop', 'h')).toBe('CREATE TEMPORARY TABLE `shop`.`h` (\n  `id` int(11) NOT NULL,\n  `c` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB');
  });

  test('SHOW FULL COLUMNS rows give the same column definitions as information_schema', () => {
    const pk = new Map([['id', 1]]);
    expect(showColumnDef({ Field: 'id', Type: 'int(11)', Collation: null, Null: 'NO', Key: 'PRI', Default: null, Extra: '' }, pk)).toMatchObject({ name: 'id', dataType: 'int', nullable: false, pkPosition: 1, defaultText: undefined });
    expect(showColumnDef({ Field: 'n', Type: 'decimal(12,3)', Collation: null, Null: 'YES', Key: '', Default: '1.500', Extra: '' }, pk)).toMatchObject({ dataType: 'decimal', numericPrecision: 12, numericScale: 3, defaultText: '1.500' });
    expect(showColumnDef({ Field: 't', Type: 'datetime(6)', Collation: null, Null: 'YES', Key: '', Default: 'current_timestamp(6)', Extra: '' }, pk)).toMatchObject({ datetimePrecision: 6, defaultText: undefined });
    expect(showColumnDef({ Field: 's', Type: 'varchar(5)', Collation: 'latin1_swedish_ci', Null: 'YES', Key: '', Default: "x'y", Extra: '' }, pk)).toMatchObject({ characterSetName: 'latin1', defaultText: "x'y" });
    expect(showColumnDef({ Field: 'b', Type: 'bit(3)', Collation: null, Null: 'YES', Key: '', Default: "b'101'", Extra: '' }, pk)).toMatchObject({ numericPrecision: 3, defaultText: '5' });
  });

  test('a table map that does not fit the history is reported instead of decoded', () => {
    const cols = [col('id', 'int'), col('note', 'varchar(9)')];
    expect(tableMapMismatch({ schemaName: 's', tableName: 't', columnCount: 2, columnTypes: [3, 15] }, cols)).toBeNull();
    expect(tableMapMismatch({ schemaName: 's', tableName: 't', columnCount: 3, columnTypes: [3, 15, 3] }, cols)).toMatch(/table map of s\.t has 3 columns, the schema history 2: .*delete the stored offset/);
    expect(tableMapMismatch({ schemaName: 's', tableName: 't', columnCount: 2, columnTypes: [3, 3] }, cols)).toMatch(/column 2 \(note varchar\(9\)\) has binlog type 3/);
  });
});

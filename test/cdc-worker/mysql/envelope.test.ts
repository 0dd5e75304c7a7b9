import { buildMySqlTableModel, mysqlChangeRecords } from '../../../lib/cdc-worker/mysql/envelope';
import { col, opts } from './fixtures';

describe('MySQL envelope', () => {
  const model = buildMySqlTableModel(
    'shop',
    'orders',
    [col('id', 'int', { nullable: false, pkPosition: 1 }), col('note', 'varchar(20)'), col('qty', 'int', { defaultText: '5' })],
    opts,
  );
  const pos = {
    tsMs: 1700000000000,
    snapshot: 'false' as const,
    serverId: 1,
    gtid: '0-1-7',
    file: 'mariadb-bin.000003',
    pos: 1234,
    row: 0,
    thread: null,
    query: null,
  };

  test('topic, key, schema with the literal default, and the mariadb source block in Debezium order', () => {
    const [rec] = mysqlChangeRecords(model, 'c', null, { id: 1, note: 'x', qty: 2 }, pos, opts, 1700000000500);
    expect(rec.topic).toBe('shop.shop.orders');
    expect(JSON.parse(rec.key!)).toEqual({
      schema: { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }], optional: false, name: 'shop.shop.orders.Key' },
      payload: { id: 1 },
    });
    const v = JSON.parse(rec.value!);
    expect(v.schema.fields[1].fields[2]).toEqual({ type: 'int32', optional: true, default: 5, field: 'qty' });
    expect(v.schema.fields[2].name).toBe('io.debezium.connector.mariadb.Source');
    expect(Object.keys(v.payload.source)).toEqual([
      'version',
      'connector',
      'name',
      'ts_ms',
      'snapshot',
      'db',
      'sequence',
      'ts_us',
      'ts_ns',
      'table',
      'server_id',
      'gtid',
      'file',
      'pos',
      'row',
      'thread',
      'query',
    ]);
    expect(v.payload).toMatchObject({
      before: null,
      after: { id: 1, note: 'x', qty: 2 },
      source: {
        connector: 'mariadb',
        name: 'shop',
        db: 'shop',
        table: 'orders',
        server_id: 1,
        gtid: '0-1-7',
        file: 'mariadb-bin.000003',
        pos: 1234,
        row: 0,
        ts_ms: 1700000000000,
        ts_us: 1700000000000000,
      },
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

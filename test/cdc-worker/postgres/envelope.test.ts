import {
  EnvelopeOptions,
  SourcePosition,
  buildTableModel,
  changeRecords,
  heartbeatRecord,
  transactionRecord,
  truncateRecord,
} from '../../../lib/cdc-worker/postgres/envelope';
import { OID } from '../../../lib/cdc-worker/postgres/type-mapping';

const opts: EnvelopeOptions & { tombstonesOnDelete: boolean } = {
  topicPrefix: 'shop',
  database: 'inventory',
  schemasEnable: true,
  unknownTypes: 'fail',
  debeziumVersion: '2.7.3.Final',
  decimalHandlingMode: 'precise',
  tombstonesOnDelete: true,
};

const columns = [
  { name: 'id', typeOid: OID.int4, typmod: -1, notNull: true, pkPosition: 1 },
  { name: 'name', typeOid: OID.text, typmod: -1, notNull: true },
  { name: 'price', typeOid: OID.numeric, typmod: ((10 << 16) | 2) + 4, notNull: false },
  { name: 'updated_at', typeOid: OID.timestamptz, typmod: -1, notNull: false },
];
const model = buildTableModel('public', 'orders', columns, opts);
const pos: SourcePosition = { commitTimeMicros: 1700000000123456, txId: 771, lsn: 24023128n, lastCommitLsn: 24020000n, snapshot: 'false' };
const now = 1700000000200000;

describe('Debezium envelope', () => {
  test('key schema and payload follow the primary key', () => {
    const [rec] = changeRecords(model, { op: 'c', before: null, after: ['1', 'pen', '12.34', '2024-01-01 10:00:00+00'] }, pos, opts, now);
    expect(rec.topic).toBe('shop.public.orders');
    expect(JSON.parse(rec.key!)).toEqual({
      schema: { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }], optional: false, name: 'shop.public.orders.Key' },
      payload: { id: 1 },
    });
  });

  test("create event value has Debezium's schema and payload", () => {
    const [rec] = changeRecords(model, { op: 'c', before: null, after: ['1', 'pen', '12.34', '2024-01-01 10:00:00+00'] }, pos, opts, now);
    const v = JSON.parse(rec.value!);
    expect(v.schema.name).toBe('shop.public.orders.Envelope');
    expect(v.schema.version).toBe(2);
    expect(v.schema.fields.map((f: { field: string }) => f.field)).toEqual(['before', 'after', 'source', 'transaction', 'op', 'ts_ms', 'ts_us', 'ts_ns']);
    expect(v.schema.fields[1]).toEqual({
      type: 'struct',
      fields: [
        { type: 'int32', optional: false, field: 'id' },
        { type: 'string', optional: false, field: 'name' },
        {
          type: 'bytes',
          optional: true,
          name: 'org.apache.kafka.connect.data.Decimal',
          version: 1,
          parameters: { scale: '2', 'connect.decimal.precision': '10' },
          field: 'price',
        },
        { type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1, field: 'updated_at' },
      ],
      optional: true,
      name: 'shop.public.orders.Value',
      field: 'after',
    });
    expect(v.schema.fields[2].name).toBe('io.debezium.connector.postgresql.Source');
    expect(v.schema.fields[2].fields.map((f: { field: string }) => f.field)).toEqual([
      'version',
      'connector',
      'name',
      'ts_ms',
      'snapshot',
      'db',
      'sequence',
      'ts_us',
      'ts_ns',
      'schema',
      'table',
      'txId',
      'lsn',
      'xmin',
      'origin',
      'origin_lsn',
    ]);
    expect(v.schema.fields[2].version).toBe(1);
    expect(v.payload).toEqual({
      before: null,
      after: { id: 1, name: 'pen', price: 'BNI=', updated_at: '2024-01-01T10:00:00Z' },
      source: {
        version: '2.7.3.Final',
        connector: 'postgresql',
        name: 'shop',
        ts_ms: 1700000000123,
        snapshot: 'false',
        db: 'inventory',
        sequence: '["24020000","24023128"]',
        ts_us: 1700000000123456,
        ts_ns: 1700000000123456000,
        schema: 'public',
        table: 'orders',
        txId: 771,
        lsn: 24023128,
        xmin: null,
        origin: null,
        origin_lsn: null,
      },
      transaction: null,
      op: 'c',
      ts_ms: 1700000000200,
      ts_us: 1700000000200000,
      ts_ns: 1700000000200000000,
    });
  });

  test('update with before image (REPLICA IDENTITY FULL) and unchanged TOAST', () => {
    const [rec] = changeRecords(model, { op: 'u', before: ['1', 'pen', '12.34', null], after: ['1', undefined, '13.00', null] }, pos, opts, now);
    const v = JSON.parse(rec.value!).payload;
    expect(v.op).toBe('u');
    expect(v.before).toEqual({ id: 1, name: 'pen', price: 'BNI=', updated_at: null });
    expect(v.after).toEqual({ id: 1, name: '__debezium_unavailable_value', price: 'BRQ=', updated_at: null });
  });

  test('delete is followed by a tombstone with the same key', () => {
    const recs = changeRecords(model, { op: 'd', before: ['7', null, null, null], after: null }, pos, opts, now);
    expect(recs).toHaveLength(2);
    expect(JSON.parse(recs[0].value!).payload).toMatchObject({ op: 'd', before: { id: 7 }, after: null });
    expect(recs[1]).toEqual({ topic: 'shop.public.orders', key: recs[0].key, value: null });
    expect(changeRecords(model, { op: 'd', before: ['7', null, null, null], after: null }, pos, { ...opts, tombstonesOnDelete: false }, now)).toHaveLength(1);
  });

  test('primary key change becomes delete + tombstone + create with key headers', () => {
    const recs = changeRecords(model, { op: 'u', before: ['1', 'a', null, null], after: ['2', 'a', null, null] }, pos, opts, now);
    expect(recs.map((r) => (r.value ? JSON.parse(r.value).payload.op : null))).toEqual(['d', null, 'c']);
    expect(JSON.parse(recs[0].key!).payload).toEqual({ id: 1 });
    expect(recs[0].headers).toEqual({ '__debezium.newkey': '{"id":2}' });
    expect(recs[1].headers).toEqual({ '__debezium.newkey': '{"id":2}' }); // the tombstone too, as Debezium
    expect(JSON.parse(recs[2].key!).payload).toEqual({ id: 2 });
    expect(recs[2].headers).toEqual({ '__debezium.oldkey': '{"id":1}' });
  });

  test('snapshot read events have op r and the snapshot marker', () => {
    const [rec] = changeRecords(
      model,
      { op: 'r', before: null, after: ['1', 'pen', null, null] },
      { ...pos, snapshot: 'last', txId: 5, lastCommitLsn: null },
      opts,
      now,
    );
    const v = JSON.parse(rec.value!).payload;
    expect(v.op).toBe('r');
    expect(v.source.snapshot).toBe('last');
    expect(v.source.sequence).toBe('[null,"24023128"]');
  });

  test('schemas.enable=false gives bare payloads', () => {
    const [rec] = changeRecords(model, { op: 'c', before: null, after: ['1', 'pen', null, null] }, pos, { ...opts, schemasEnable: false }, now);
    expect(JSON.parse(rec.key!)).toEqual({ id: 1 });
    expect(JSON.parse(rec.value!).after).toEqual({ id: 1, name: 'pen', price: null, updated_at: null });
  });

  test('table without primary key has a null key', () => {
    const nopk = buildTableModel('public', 'log', [{ name: 'msg', typeOid: OID.text, typmod: -1, notNull: false }], opts);
    const [rec] = changeRecords(nopk, { op: 'c', before: null, after: ['hi'] }, pos, opts, now);
    expect(rec.key).toBeNull();
  });

  test('truncate, heartbeat and transaction metadata records', () => {
    const t = truncateRecord(model, pos, opts, now);
    expect(t.key).toBeNull();
    expect(JSON.parse(t.value!).payload).toMatchObject({ op: 't', before: null, after: null, source: { table: 'orders' } });
    const hb = heartbeatRecord('__debezium-heartbeat', opts, 1234);
    expect(hb.topic).toBe('__debezium-heartbeat.shop');
    expect(JSON.parse(hb.key!).payload).toEqual({ serverName: 'shop' });
    expect(JSON.parse(hb.value!).payload).toEqual({ ts_ms: 1234 });
    const end = transactionRecord(opts, 'END', '771:24023128', 99, new Map([['public.orders', 3]]));
    expect(end.topic).toBe('shop.transaction');
    expect(JSON.parse(end.value!).payload).toEqual({
      status: 'END',
      id: '771:24023128',
      event_count: 3,
      data_collections: [{ data_collection: 'public.orders', event_count: 3 }],
      ts_ms: 99,
    });
  });

  test('unknown column type names the column; skip mode leaves it out', () => {
    const cols = [...columns, { name: 'shape', typeOid: 99999, typmod: -1, notNull: false }];
    expect(() => buildTableModel('public', 'orders', cols, opts)).toThrow('unsupported PostgreSQL type oid:99999 (oid 99999) in column public.orders.shape');
    const m = buildTableModel('public', 'orders', cols, { ...opts, unknownTypes: 'skip' });
    const [rec] = changeRecords(m, { op: 'c', before: null, after: ['1', 'a', null, null, '(0,0)'] }, pos, opts, now);
    expect(Object.keys(JSON.parse(rec.value!).payload.after)).toEqual(['id', 'name', 'price', 'updated_at']);
  });
});

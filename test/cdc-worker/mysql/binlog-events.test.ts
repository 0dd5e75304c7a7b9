import pino from 'pino';
import { validateConfig } from '../../../lib/cdc-worker/config';
import { buildMySqlTableModel } from '../../../lib/cdc-worker/mysql/envelope';
import { MySqlEngine, ddlTables, isDdl } from '../../../lib/cdc-worker/mysql/engine';
import { MariaDbGtidPosition } from '../../../lib/cdc-worker/mysql/gtid';
import { MySqlCdcWorker } from '../../../lib/cdc-worker/mysql/worker';
import { col, opts } from './fixtures';

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
    // the lifecycle's sink and phase, the engine's binlog reader and offsets
    const lifecycle = w as unknown as Record<string, unknown>;
    lifecycle.sinkRef = { push: (i: never) => items.push(i), hasSpace: () => true, idle: true };
    lifecycle.phaseValue = 'streaming';
    const engine = w.engine as MySqlEngine;
    const internals = engine.reader as unknown as Record<string, unknown>;
    const engineInternals = engine as unknown as Record<string, unknown>;
    internals.serverId = 1;
    internals.file = 'mariadb-bin.000001';
    internals.gtidPos = MariaDbGtidPosition.parse('0-1-9');
    (internals.models as Map<string, unknown>).set(
      'shop.orders',
      buildMySqlTableModel('shop', 'orders', [col('id', 'int', { nullable: false, pkPosition: 1 }), col('note', 'varchar(9)')], { ...opts, topicPrefix: 'p' }),
    );
    const ev = (name: string, fields: Record<string, unknown>) => ({
      getEventName: () => name,
      timestamp: 1700000000000,
      size: 19,
      nextPosition: 0,
      ...fields,
    });
    const feed = async (events: ReturnType<typeof ev>[]) => {
      for (const e of events) engine.reader.onEvent(e as never);
      await new Promise((r) => setImmediate(r));
    };
    return { w, items, ev, feed, internals, engineInternals };
  }

  test('a transaction: GTID, table map, rows, XID → events with gtid/file/pos/row, then one checkpoint holding the advanced GTID position', async () => {
    const { items, ev, feed, engineInternals } = harness();
    const tableMap = { 64: { parentSchema: 'shop', tableName: 'orders' }, 65: { parentSchema: 'shop', tableName: 'other' } };
    await feed([
      ev('mariadbgtid', { gtid: '0-1-10', nextPosition: 500 }),
      ev('tablemap', { nextPosition: 600 }),
      ev('writerows', {
        tableId: 64,
        tableMap,
        rows: [
          { id: 1, note: 'a' },
          { id: 2, note: 'b' },
        ],
        nextPosition: 700,
      }),
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
    const pending = engineInternals.pendingOffsets as Map<bigint, { gtid: string; file: string; pos: number }>;
    expect(pending.get(1n)).toMatchObject({ gtid: '0-1-10', file: 'mariadb-bin.000001', pos: 931, snapshotCompleted: true });
  });

  test('rotate moves the file; a DDL on an uncaptured table is a transaction of its own', async () => {
    const { items, ev, feed, engineInternals } = harness();
    await feed([
      ev('rotate', { binlogName: 'mariadb-bin.000002', position: 4 }),
      ev('mariadbgtid', { gtid: '0-1-11', nextPosition: 300 }),
      ev('query', { query: 'CREATE TABLE elsewhere (id int)', schema: 'shop', nextPosition: 400 }),
    ]);
    expect(items).toEqual([{ checkpoint: 1n, commitTimeMicros: 1700000000000000 }]);
    expect((engineInternals.pendingOffsets as Map<bigint, unknown>).get(1n)).toMatchObject({ gtid: '0-1-11', file: 'mariadb-bin.000002', pos: 400 });
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
    expect(items.map((i) => ('record' in i ? JSON.parse(i.record.value!).payload.after.id : `checkpoint ${(i as { checkpoint: bigint }).checkpoint}`))).toEqual(
      [1, 2, 'checkpoint 1', 3, 'checkpoint 2'],
    );
    expect(JSON.parse((items[3] as { record: { value: string } }).record.value).payload.source.thread).toBe(77);
  });

  test('the offset is stored only for checkpoints Kafka acknowledged', async () => {
    const { ev, feed, engineInternals, w } = harness();
    await feed([
      ev('mariadbgtid', { gtid: '0-1-10', nextPosition: 500 }),
      ev('xid', { nextPosition: 600 }),
      ev('mariadbgtid', { gtid: '0-1-11', nextPosition: 700 }),
      ev('xid', { nextPosition: 800 }),
    ]);
    (w as unknown as { onCheckpoint(s: bigint, t: number): void }).onCheckpoint(1n, 0);
    expect(engineInternals.acked).toMatchObject({ gtid: '0-1-10', pos: 600 });
    (w as unknown as { onCheckpoint(s: bigint, t: number): void }).onCheckpoint(2n, 0);
    expect(engineInternals.acked).toMatchObject({ gtid: '0-1-11', pos: 800 });
  });
});

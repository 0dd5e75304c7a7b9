/**
 * The CDC worker against the harness's real PostgreSQL and Kafka (`npm run infra:up`):
 * snapshot + a workload of inserts, updates (incl. a primary-key change and unchanged TOAST),
 * deletes and a truncate across tables and types arrive in Kafka in Debezium's envelope, in
 * order per key; a graceful stop confirms the slot; an unknown type stops the worker without
 * advancing the slot past it.
 */
import { Client } from 'pg';
import { Infra, KafkaRecord, cleanup, infra, pgClient, readTopics, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';

jest.setTimeout(180000);

const lsnNum = (t: string) => {
  const [hi, lo] = t.split('/');
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
};

describe('cdc-worker against real PostgreSQL and Kafka', () => {
  let env: Infra;
  let pg: Client;
  const name = scratchName('cdcw_it');
  const s = name;

  beforeAll(async () => {
    env = infra();
    pg = await pgClient(env);
    await pg.query(`
      CREATE SCHEMA ${s};
      CREATE TYPE ${s}.mood AS ENUM ('sad', 'ok', 'happy');
      CREATE TABLE ${s}.customers (
        id serial PRIMARY KEY, name text NOT NULL, email varchar(100), balance numeric(12,2), ratio numeric,
        score double precision, born date, created timestamp, updated timestamptz, prefs jsonb, uid uuid,
        avatar bytea, tags text[], mood ${s}.mood, big bigint, small smallint, active boolean);
      ALTER TABLE ${s}.customers REPLICA IDENTITY FULL;
      CREATE TABLE ${s}.orders (id bigint PRIMARY KEY, customer_id int NOT NULL, amount numeric(10,2), notes text);
      CREATE TABLE ${s}.audit (msg text);
      INSERT INTO ${s}.customers (name, email) VALUES ('snap-1', 'a@x'), ('snap-2', 'b@x');
    `);
  });

  afterAll(async () => {
    await pg?.end();
    if (env) await cleanup(env, name);
  });

  test('snapshot, then a workload across tables and types in Debezium format, in order per key', async () => {
    const cfg = workerConfig(env, name, [`${s}.customers`, `${s}.orders`, `${s}.audit`]);
    const worker = startWorker(writeConfigFile(cfg), env);
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      const longNote = Array.from({ length: 400 }, (_, i) => `${i}-${Math.random().toString(36)}`).join(' '); // > TOAST threshold
      await pg.query(`INSERT INTO ${s}.customers (name, email, balance, ratio, score, born, created, updated, prefs, uid, avatar, tags, mood, big, small, active)
        VALUES ('Ada', 'ada@x', 1234.5, 3.14159, 2.5, '1815-12-10', '2024-03-10 12:34:56.789012', '2024-03-10 12:34:56.789+02',
                '{"theme": "dark"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x0102ff', '{x,"y z"}', 'happy', 9007199254740993, -7, true)`);
      await pg.query('BEGIN');
      await pg.query(`INSERT INTO ${s}.orders VALUES (1, 3, 10.00, $1), (2, 3, 20.00, 'short')`, [longNote]);
      await pg.query(`UPDATE ${s}.customers SET name = 'Ada L.' WHERE id = 3`);
      await pg.query('COMMIT');
      await pg.query(`UPDATE ${s}.orders SET amount = 11.00 WHERE id = 1`); // notes unchanged and TOASTed
      await pg.query(`DELETE FROM ${s}.orders WHERE id = 2`);
      await pg.query(`UPDATE ${s}.orders SET id = 10 WHERE id = 1`); // primary key change
      await pg.query(`INSERT INTO ${s}.audit VALUES ('a'), ('b')`);
      await pg.query(`TRUNCATE ${s}.audit`);
      await pg.query(`DELETE FROM ${s}.customers WHERE id = 1`);
      const beforeLast = (await pg.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string;
      await pg.query(`UPDATE ${s}.customers SET active = false WHERE id = 3`);

      const topics = [`${name}.${s}.customers`, `${name}.${s}.orders`, `${name}.${s}.audit`];
      // customers: 2 r, c, u, d+tombstone, u = 7; orders: 2 c, u, d+tomb, d+tomb+c = 8; audit: 2 c + t = 3
      const records = await readTopics(env, topics, (r) => r.length >= 18, 60000);
      expect(records).toHaveLength(18);
      const on = (t: string) => records.filter((r) => r.topic === `${name}.${s}.${t}`);
      const payload = (r: KafkaRecord) => (r.value === null ? null : JSON.parse(r.value).payload);
      const keyOf = (r: KafkaRecord) => (r.key === null ? null : JSON.stringify(JSON.parse(r.key).payload));

      // customers, in order for each key
      const customers = on('customers');
      const byKey = (recs: KafkaRecord[]) => {
        const m = new Map<string | null, (string | null)[]>();
        for (const r of recs) m.set(keyOf(r), [...(m.get(keyOf(r)) ?? []), payload(r)?.op ?? 'tombstone']);
        return Object.fromEntries(m);
      };
      expect(byKey(customers)).toEqual({ '{"id":1}': ['r', 'd', 'tombstone'], '{"id":2}': ['r'], '{"id":3}': ['c', 'u', 'u'] });
      expect(customers.slice(0, 2).map((r) => payload(r).source.snapshot)).toEqual(['first', 'last_in_data_collection']);

      const created = payload(customers[2]);
      expect(created.before).toBeNull();
      expect(created.after).toEqual({
        id: 3,
        name: 'Ada',
        email: 'ada@x',
        balance: 'AeI6',
        ratio: { scale: 5, value: 'BMsv' },
        score: 2.5,
        born: -56270,
        created: 1710074096789012,
        updated: '2024-03-10T10:34:56.789Z',
        prefs: '{"theme": "dark"}',
        uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        avatar: 'AQL/',
        tags: ['x', 'y z'],
        mood: 'happy',
        // eslint-disable-next-line no-loss-of-precision -- as JSON.parse reads it (rounded); the text check below keeps 2^53+1 exact
        big: 9007199254740993,
        small: -7,
        active: true,
      });
      expect(customers[2].value).toContain('"big":9007199254740993'); // exact in the JSON text
      expect(created.source).toMatchObject({ connector: 'postgresql', name, db: env.PG_DATABASE, schema: s, table: 'customers', snapshot: 'false' });
      expect(typeof created.source.txId).toBe('number');
      expect(typeof created.source.lsn).toBe('number');
      const schema = JSON.parse(customers[2].value!).schema;
      expect(schema.name).toBe(`${name}.${s}.customers.Envelope`);
      const after = schema.fields.find((f: { field: string }) => f.field === 'after');
      const field = (n: string) => after.fields.find((f: { field: string }) => f.field === n);
      expect(field('balance')).toMatchObject({
        type: 'bytes',
        name: 'org.apache.kafka.connect.data.Decimal',
        parameters: { scale: '2', 'connect.decimal.precision': '12' },
      });
      expect(field('mood')).toMatchObject({ type: 'string', name: 'io.debezium.data.Enum', parameters: { allowed: 'sad,ok,happy' } });
      expect(field('name')).toMatchObject({ type: 'string', optional: false });
      expect(field('tags')).toMatchObject({ type: 'array', items: { type: 'string', optional: true } });

      const renamed = payload(customers[3]);
      expect(renamed.op).toBe('u');
      expect(renamed.before.name).toBe('Ada'); // REPLICA IDENTITY FULL gives the whole before image
      expect(renamed.after.name).toBe('Ada L.');
      const deleted = payload(customers.find((r) => payload(r)?.op === 'd')!);
      expect(deleted.before).toMatchObject({ id: 1, name: 'snap-1', email: 'a@x' });
      expect(deleted.after).toBeNull();

      // orders: default identity, TOAST, delete + tombstone, key change
      const orders = on('orders');
      expect(orders.map((r) => [keyOf(r), payload(r)?.op ?? 'tombstone'])).toEqual([
        ['{"id":1}', 'c'],
        ['{"id":2}', 'c'],
        ['{"id":1}', 'u'],
        ['{"id":2}', 'd'],
        ['{"id":2}', 'tombstone'],
        ['{"id":1}', 'd'],
        ['{"id":1}', 'tombstone'],
        ['{"id":10}', 'c'],
      ]);
      const toastUpdate = payload(orders[2]);
      expect(toastUpdate.before).toBeNull(); // REPLICA IDENTITY DEFAULT
      expect(toastUpdate.after).toEqual({ id: 1, customer_id: 3, amount: 'BEw=', notes: '__debezium_unavailable_value' });
      expect(payload(orders[3]).before).toEqual({ id: 2, customer_id: null, amount: null, notes: null });
      expect(orders[7].headers['__debezium.oldkey']).toBe('{"id":1}');
      // the two inserts and the customer update share one transaction
      expect(payload(orders[0]).source.txId).toBe(renamed.source.txId);

      // audit: no primary key (null key), then truncate
      const audit = on('audit');
      expect(audit.map((r) => [r.key, payload(r).op])).toEqual([
        [null, 'c'],
        [null, 'c'],
        [null, 't'],
      ]);
      expect(payload(audit[2])).toMatchObject({ before: null, after: null, op: 't', source: { table: 'audit' } });

      // graceful stop: everything delivered is confirmed
      worker.proc.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      const slot = await pg.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [name]);
      expect(lsnNum(slot.rows[0].l)).toBeGreaterThan(lsnNum(beforeLast));
    } finally {
      worker.proc.kill('SIGKILL');
    }
  });

  test('an oversized row stops the worker with a clear error and stays in the slot', async () => {
    await pg.query(`CREATE TABLE ${s}.blobs (id int PRIMARY KEY, body text)`);
    const cfg = workerConfig(env, `${name}_big`, [`${s}.blobs`], { output: { topicPrefix: `${name}_big`, maxEventBytes: 100000 } });
    const worker = startWorker(writeConfigFile(cfg), env);
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      await pg.query(`INSERT INTO ${s}.blobs VALUES (1, 'small')`);
      await pg.query(`INSERT INTO ${s}.blobs VALUES (2, repeat('x', 200000))`);
      const line = await worker.waitForLog(/fatal error/);
      expect(line).toMatch(new RegExp(`event for ${name}_big\\.${s}\\.blobs is \\d+ bytes, above output.maxEventBytes \\(100000\\)`));
      expect(await worker.exited).toBe(1);
      const pending = await pg.query(
        `SELECT count(*) FILTER (WHERE substr(data, 1, 1) = 'I'::bytea) AS inserts FROM pg_logical_slot_peek_binary_changes($1::name, NULL, NULL, 'proto_version', '1', 'publication_names', $1::text)`,
        [`${name}_big`],
      );
      expect(Number(pending.rows[0].inserts)).toBe(1); // only the oversized row is left; the small one was delivered
    } finally {
      worker.proc.kill('SIGKILL');
      await cleanup(env, `${name}_big`, []);
    }
  });

  test('an unknown column type stops the worker with a clear error and the slot stays before it', async () => {
    await pg.query(`CREATE TABLE ${s}.docs (id int PRIMARY KEY, body box)`);
    const cfg = workerConfig(env, name, [`${s}.customers`, `${s}.orders`, `${s}.audit`, `${s}.docs`]);
    const worker = startWorker(writeConfigFile(cfg), env);
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      await pg.query(`INSERT INTO ${s}.orders VALUES (100, 1, 1.00, 'ok')`);
      const before = (await pg.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string;
      await pg.query(`INSERT INTO ${s}.docs VALUES (1, '((0,0),(1,1))')`);
      const line = await worker.waitForLog(/fatal error/);
      expect(line).toContain(`unsupported PostgreSQL type box (oid 603) in column ${s}.docs.body`);
      expect(await worker.exited).toBe(1);
      // The undelivered transaction is still in the slot: PostgreSQL would send it again.
      const pending = await pg.query(
        `SELECT count(*) FILTER (WHERE substr(data, 1, 1) = 'I'::bytea) AS inserts FROM pg_logical_slot_peek_binary_changes($1::name, NULL, NULL, 'proto_version', '1', 'publication_names', $1::text)`,
        [name],
      );
      expect(Number(pending.rows[0].inserts)).toBe(1);
      const slot = await pg.query('SELECT confirmed_flush_lsn::text AS l FROM pg_replication_slots WHERE slot_name = $1', [name]);
      expect(lsnNum(slot.rows[0].l)).toBeGreaterThanOrEqual(lsnNum(before)); // the insert before it was confirmed
      const orders = await readTopics(env, [`${name}.${s}.orders`], (r) => r.some((x) => x.key?.includes('"id":100') ?? false), 30000);
      expect(orders.some((x) => x.key?.includes('"id":100'))).toBe(true); // the change before it was delivered
    } finally {
      worker.proc.kill('SIGKILL');
    }
  });
});

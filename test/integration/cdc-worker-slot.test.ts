/**
 * Issue 19 item 4 on the real PostgreSQL and Kafka: the worker's replication slot advances while
 * only tables it does not capture change (the server's keepalives are confirmed once nothing
 * before them is pending), the slot's retained WAL and confirmed-flush age are exported as metrics
 * and logged, and `output.heartbeatActionQuery` runs at each heartbeat.
 */
import { get } from 'http';
import { Client } from 'pg';
import { Infra, cleanup, infra, pgClient, readTopics, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';

jest.setTimeout(240000);

const lsnNum = (t: string) => {
  const [hi, lo] = t.split('/');
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
};

async function slotPosition(pg: Client, slot: string): Promise<bigint> {
  const r = await pg.query('SELECT confirmed_flush_lsn::text AS c FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  return lsnNum(r.rows[0].c);
}

async function currentWal(pg: Client): Promise<bigint> {
  return lsnNum((await pg.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l);
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

const metric = (body: string, name: string) => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
};

describe('cdc-worker: protection of the log (PostgreSQL)', () => {
  let env: Infra;
  let pg: Client;
  const name = scratchName('cdcw_slot');
  const s = name;

  beforeAll(async () => {
    env = infra();
    pg = await pgClient(env);
    await pg.query(`
      CREATE SCHEMA ${s};
      CREATE TABLE ${s}.captured (id int PRIMARY KEY, note text);
      CREATE TABLE ${s}.noise (id bigserial PRIMARY KEY, payload text);
      CREATE TABLE ${s}.heartbeat (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);
    `);
  });

  afterAll(async () => {
    await pg?.end();
    if (env) await cleanup(env, name);
  });

  test('slot advances while only uncaptured tables change', async () => {
    const cfg = workerConfig(env, name, [`${s}.captured`], {
      source: { slotMonitorIntervalMs: 1000 },
      output: { heartbeatIntervalMs: 1000, heartbeatActionQuery: `INSERT INTO ${s}.heartbeat (ts) VALUES (now())` },
    });
    const file = writeConfigFile(cfg);
    // CDCW_SLOT_WORKER_MAIN: run another build of the worker (a mutation check: without the keepalive confirmation this test fails)
    const other = process.env.CDCW_SLOT_WORKER_MAIN;
    const worker = startWorker(
      file,
      env,
      other ? { cmd: process.execPath, args: ['-r', 'ts-node/register/transpile-only', other, '--config', file] } : undefined,
    );
    try {
      await worker.waitForLog(/"msg":"streaming started"/);
      const port = JSON.parse(await worker.waitForLog(/"msg":"http server listening"/)).port as number;
      await pg.query(`INSERT INTO ${s}.captured VALUES (1, 'before the noise')`);
      const events = await readTopics(env, [`${name}.${s}.captured`], (rs) => rs.length >= 1, 60000);
      expect(events.map((e) => JSON.parse(e.value!).payload.after.note)).toEqual(['before the noise']);
      const start = await slotPosition(pg, name);

      // A busy database: ~30 MB of WAL in tables the worker does not capture, one captured row in the middle.
      for (let i = 0; i < 30; i++) {
        await pg.query(`INSERT INTO ${s}.noise (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 2000) g`);
        if (i === 15) await pg.query(`INSERT INTO ${s}.captured VALUES (2, 'in the noise')`);
      }
      const afterNoise = await currentWal(pg);
      expect(afterNoise - start).toBeGreaterThan(10_000_000n);

      // The slot's confirmed position passes the end of the noise, with nothing captured after it.
      const t0 = Date.now();
      let confirmed = start;
      while (Date.now() - t0 < 60000) {
        confirmed = await slotPosition(pg, name);
        if (confirmed >= afterNoise) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(confirmed >= afterNoise).toBe(true);

      // Only the two captured rows reached Kafka; the noise table has no topic.
      const all = await readTopics(env, [`${name}.${s}.captured`], (rs) => rs.length >= 2, 60000);
      expect(all.map((e) => JSON.parse(e.value!).payload.after.note)).toEqual(['before the noise', 'in the noise']);

      // Metrics and the status line from the slot monitor's own connection.
      const line = await worker.waitForLog(/"msg":"replication slot status"/);
      expect(JSON.parse(line)).toMatchObject({ slot: name, walStatus: 'reserved' });
      // restart_lsn follows the confirmed position at the server's next running-transactions record (every 15 s)
      let body = await scrape(port);
      const t1 = Date.now();
      while (Date.now() - t1 < 60000 && !((metric(body, 'cdc_slot_retained_wal_bytes') ?? Infinity) < Number(afterNoise - start))) {
        await new Promise((r) => setTimeout(r, 1000));
        body = await scrape(port);
      }
      const retained = metric(body, 'cdc_slot_retained_wal_bytes')!;
      const row = (await pg.query('SELECT (pg_current_wal_lsn() - restart_lsn)::bigint AS b FROM pg_replication_slots WHERE slot_name = $1', [name])).rows[0];
      expect(retained).toBeGreaterThan(0);
      expect(retained).toBeLessThan(Number(afterNoise - start)); // the slot let the noise go
      expect(Math.abs(retained - Number(row.b))).toBeLessThan(2_000_000); // what the server says (read a second apart)
      const age = metric(body, 'cdc_slot_confirmed_flush_age_seconds')!;
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThan(30);

      // The heartbeat action query ran (Debezium's heartbeat.action.query).
      const beats = Number((await pg.query(`SELECT count(*) AS n FROM ${s}.heartbeat`)).rows[0].n);
      expect(beats).toBeGreaterThanOrEqual(2);
    } finally {
      worker.proc.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    }
    expect(worker.logs.filter((l) => /heartbeat action query failed|replication slot status not readable/.test(l))).toEqual([]);
  });
});

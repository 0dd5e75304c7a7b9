/**
 * One reader per source (audit #25): during a Cloud Run rollout two instances of the CDC worker
 * overlap; they must not both stream. Against the harness's real PostgreSQL, MariaDB and Kafka:
 * worker A streams; worker B, started with the same configuration (another HTTP port), waits for
 * the source lease (`waiting for the source lease: another worker holds it`, /readyz 503, reads
 * nothing, produces nothing) while A's session holds the lock (PostgreSQL: the advisory lock
 * `hashtextextended('cdc-worker slot <slot>', 0)` in pg_locks; MariaDB: `IS_USED_LOCK('cdc-worker:<prefix>')`).
 * A is killed with SIGKILL (PostgreSQL exactly-once: stopped with SIGTERM); B logs `source lease
 * acquired`, streams from A's confirmed position, and at the end every row version written before,
 * during and after the overlap is in Kafka, in order per key (at-least-once: repeats allowed, no
 * gap; exactly-once: each change once).
 */
import { get } from 'http';
import { Client } from 'pg';
import { Connection } from 'mysql2/promise';
import {
  Infra,
  KafkaRecord,
  RunningWorker,
  cleanup,
  infra,
  pgClient,
  readTopics,
  scratchName,
  startWorker,
  workerConfig,
  writeConfigFile,
} from '../cdc-worker/harness';
import { MySqlInfra, deleteTopics, mariadb, mysqlInfra, mysqlWorkerConfig, startMysqlWorker } from '../cdc-worker/mysql-harness';
import { ChangeWorkload, sleep, verifyDelivery, workloadDdl } from '../cdc-worker/fault-workload';

jest.setTimeout(120000);

const WAITING = /"msg":"waiting for the source lease: another worker holds it"/;
const ACQUIRED = /"msg":"source lease acquired"/;
const STREAMING = /"msg":"streaming started"/;

/** The worker's HTTP port, from its `http server listening` line (the config asks for port 0). */
async function httpPort(w: RunningWorker): Promise<number> {
  return JSON.parse(await w.waitForLog(/"msg":"http server listening"/, 30000)).port as number;
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** `cdc_records_acked_total` and the sum of `cdc_events_total` from the worker's /metrics. */
async function produced(port: number): Promise<{ acked: number; events: number }> {
  const { body } = await httpGet(port, '/metrics');
  const acked = Number(/^cdc_records_acked_total (\S+)$/m.exec(body)?.[1] ?? 0);
  const events = [...body.matchAll(/^cdc_events_total\{[^}]*\} (\S+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  return { acked, events };
}

function lineIndex(w: RunningWorker, re: RegExp): number {
  return w.logs.findIndex((l) => re.test(l));
}

/** Reads `topic` until every `id:v` in `versions` was seen (and at least `minRecords` records); returns the records. */
async function readUntil(env: Infra, topic: string, versions: Set<string>, minRecords = 0, timeoutMs = 30000): Promise<KafkaRecord[]> {
  const seen = new Set<string>();
  let scanned = 0;
  const complete = (recs: KafkaRecord[]) => {
    for (; scanned < recs.length; scanned++) {
      const after = recs[scanned].value ? JSON.parse(recs[scanned].value!).after : null;
      if (after) seen.add(`${after.id}:${after.v}`);
    }
    return [...versions].every((k) => seen.has(k));
  };
  const recs = await readTopics(env, [topic], (r) => complete(r) && r.length >= minRecords, timeoutMs);
  complete(recs);
  expect([...versions].filter((k) => !seen.has(k)).slice(0, 20)).toEqual([]);
  return recs;
}

const PG_VARIANTS = [
  { mode: 'at-least-once', signal: 'SIGKILL' },
  { mode: 'exactly-once', signal: 'SIGTERM' },
] as const;

describe.each(PG_VARIANTS)('audit #25: PostgreSQL $mode, two workers on one slot', ({ mode, signal }) => {
  let env: Infra;
  let pg: Client;
  const name = scratchName(mode === 'exactly-once' ? 'cdcw_leaseeos' : 'cdcw_lease');
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    env = infra();
    pg = await pgClient(env);
    await pg.query(workloadDdl(name));
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    await pg?.end();
    if (env) await cleanup(env, name);
  });

  test(`audit #25: PostgreSQL ${mode}: a second worker waits for the advisory lock while the first streams, takes over after ${signal}, no gap${mode === 'exactly-once' ? ', no duplicate' : ''}`, async () => {
    const t0 = Date.now();
    const topic = `${name}.${name}.items`;
    const key = `cdc-worker slot ${name}`;
    const cfgFile = writeConfigFile(
      workerConfig(env, name, [`${name}.items`, `${name}.events`], {
        output: { topicPrefix: name, schemasEnable: false },
        delivery: { mode, statusIntervalMs: 200 },
      }),
    );
    const lockHolders = async () =>
      (
        await pg.query(
          `SELECT l.pid, l.granted, a.application_name FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)`,
          [key],
        )
      ).rows as { pid: number; granted: boolean; application_name: string }[];

    const a = startWorker(cfgFile, env);
    workers.push(a);
    await a.waitForLog(STREAMING);
    const portA = await httpPort(a);
    expect(lineIndex(a, ACQUIRED)).toBeGreaterThanOrEqual(0);
    expect(lineIndex(a, WAITING)).toBe(-1);

    const w = new ChangeWorkload(name);
    for (let i = 0; i < 10; i++) await w.step(pg); // before the overlap

    const b = startWorker(cfgFile, env);
    workers.push(b);
    const portB = await httpPort(b);
    expect(portB).not.toBe(portA);
    await b.waitForLog(WAITING, 30000);

    // both run: A's catalog session holds the lock, B waits, not ready, reading and producing nothing
    const holders = await lockHolders();
    expect(holders).toEqual([{ pid: expect.any(Number), granted: true, application_name: 'cdc-worker' }]);
    const holderA = holders[0].pid;
    expect((await httpGet(portA, '/readyz')).status).toBe(200);
    const readyB = await httpGet(portB, '/readyz');
    expect(readyB.status).toBe(503);
    expect(JSON.parse(readyB.body).phase).toBe('starting');

    for (let i = 0; i < 20; i++) {
      await w.step(pg); // during the overlap
      await sleep(100); // over more than one of B's 2 s retries
    }
    const overlap = await readUntil(env, topic, w.expected, w.expectedItemRecords);
    // exactly one record per version, delete and tombstone: nobody but A produced
    expect(overlap).toHaveLength(w.expectedItemRecords);
    expect(await produced(portB)).toEqual({ acked: 0, events: 0 });
    expect((await produced(portA)).acked).toBeGreaterThanOrEqual(w.expectedItemRecords);
    expect((await httpGet(portB, '/readyz')).status).toBe(503);
    // B's session keeps trying the lock (every 2 s) and has done nothing else: no slot, no stream
    const bSessions = (
      await pg.query(
        `SELECT pid, query FROM pg_stat_activity WHERE application_name = 'cdc-worker' AND datname = current_database() AND pid <> $1 AND backend_type = 'client backend'`,
        [holderA],
      )
    ).rows as { pid: number; query: string }[];
    expect(bSessions.some((s) => s.query.includes('pg_try_advisory_lock'))).toBe(true);
    const slot = (await pg.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [name])).rows[0];
    expect(slot.active_pid).not.toBeNull();
    expect(b.logs.filter((l) => WAITING.test(l))).toHaveLength(1);
    for (const re of [ACQUIRED, STREAMING, /"msg":"publication ready"/, /"msg":"reusing replication slot"/]) expect(lineIndex(b, re)).toBe(-1);
    const beforeKill = overlap.length;

    a.proc.kill(signal);
    const killedAt = Date.now();
    expect(await a.exited).toBe(signal === 'SIGTERM' ? 0 : null);
    await b.waitForLog(STREAMING, 30000);
    const takeoverMs = Date.now() - killedAt;
    expect(lineIndex(b, ACQUIRED)).toBeGreaterThan(lineIndex(b, WAITING));
    expect(lineIndex(b, STREAMING)).toBeGreaterThan(lineIndex(b, ACQUIRED));
    // B continues from the slot A confirmed: no new slot, no new snapshot
    expect(lineIndex(b, /"msg":"reusing replication slot"/)).toBeGreaterThan(lineIndex(b, ACQUIRED));
    expect(lineIndex(b, /"msg":"replication slot created"/)).toBe(-1);
    expect((await httpGet(portB, '/readyz')).status).toBe(200);
    const after = await lockHolders();
    expect(after).toEqual([{ pid: expect.any(Number), granted: true, application_name: 'cdc-worker' }]);
    expect(after[0].pid).not.toBe(holderA);
    expect((await pg.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [holderA])).rowCount).toBe(0);

    for (let i = 0; i < 20; i++) await w.step(pg); // after the take-over
    await readUntil(env, topic, w.expected);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    // exactly-once (read_committed): one record per version, delete and tombstone, A's and B's together
    const { records, duplicates } = await verifyDelivery(env, topic, w, pg, mode, () => [...a.logs, `---- A ${signal} ----`, ...b.logs]);
    expect(records).toBeGreaterThan(beforeKill);
    console.log(
      `audit #25 PostgreSQL ${mode}: ${w.transactions} transactions, ${w.changes} changes; ${beforeKill} item records before the ${signal} (all A's), ` +
        `B streaming ${takeoverMs} ms after it; ${records} records in all, ${duplicates} repeated versions; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  });
});

/** Inserts, updates (v + 1) and deletes on one MariaDB table (id, v), with every version written kept. */
class MariaDbChanges {
  readonly live = new Map<number, number>();
  readonly versions = new Set<string>();
  readonly deleted = new Set<number>();
  changes = 0;
  private nextId = 1;
  constructor(
    private readonly db: Connection,
    private readonly table: string,
  ) {}

  async step(): Promise<void> {
    const ids = [...this.live.keys()];
    const id = this.nextId++;
    const upd = ids.filter((_, i) => i % 3 === id % 3).slice(0, 4);
    const del = id % 7 === 0 ? ids.find((x) => !upd.includes(x)) : undefined;
    await this.db.query(
      [
        'BEGIN',
        `INSERT INTO \`${this.table}\` (id, v) VALUES (${id}, 0)`,
        ...upd.map((u) => `UPDATE \`${this.table}\` SET v = v + 1 WHERE id = ${u}`),
        ...(del !== undefined ? [`DELETE FROM \`${this.table}\` WHERE id = ${del}`] : []),
        'COMMIT',
      ].join('; '),
    );
    this.live.set(id, 0);
    this.versions.add(`${id}:0`);
    for (const u of upd) {
      const v = this.live.get(u)! + 1;
      this.live.set(u, v);
      this.versions.add(`${u}:${v}`);
    }
    if (del !== undefined) {
      this.live.delete(del);
      this.deleted.add(del);
    }
    this.changes += 1 + upd.length + (del !== undefined ? 1 : 0);
  }

  /** Records Kafka holds when each change arrived once: a record per version, delete and tombstone. */
  get expectedRecords(): number {
    return this.versions.size + this.deleted.size * 2;
  }
}

describe('audit #25: MariaDB, two workers on one binlog', () => {
  let env: MySqlInfra;
  let db: Connection;
  const name = scratchName('cdcw_mylease');
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    env = mysqlInfra();
    db = await mariadb(env);
    await db.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, v INT NOT NULL)`);
  });

  afterAll(async () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
    if (db) {
      await db.query(`DROP TABLE IF EXISTS \`${name}\``).catch(() => undefined);
      await db.end();
    }
    if (env) await deleteTopics(env, name);
  });

  test('audit #25: MariaDB: a second worker waits for GET_LOCK while the first streams, takes over after SIGKILL, no gap', async () => {
    const t0 = Date.now();
    const topic = `${name}.${env.MARIADB_DATABASE}.${name}`;
    const lock = `cdc-worker:${name}`;
    const kenv = env as unknown as Infra;
    const cfgFile = writeConfigFile(
      mysqlWorkerConfig(env, name, [`${env.MARIADB_DATABASE}.${name}`], {
        output: { topicPrefix: name, schemasEnable: false },
        delivery: { statusIntervalMs: 200 },
      }),
    );
    const holder = async () => {
      const [rows] = (await db.query('SELECT IS_USED_LOCK(?) AS holder', [lock])) as unknown as [{ holder: number | null }[]];
      return rows[0].holder === null ? null : Number(rows[0].holder);
    };
    const alive = async (id: number) => {
      const [rows] = (await db.query('SELECT ID FROM information_schema.PROCESSLIST WHERE ID = ?', [id])) as unknown as [unknown[]];
      return rows.length > 0;
    };

    const a = startMysqlWorker(cfgFile, env);
    workers.push(a);
    await a.waitForLog(STREAMING);
    const portA = await httpPort(a);
    const w = new MariaDbChanges(db, name);
    for (let i = 0; i < 10; i++) await w.step(); // before the overlap

    const b = startMysqlWorker(cfgFile, env);
    workers.push(b);
    const portB = await httpPort(b);
    expect(portB).not.toBe(portA);
    await b.waitForLog(WAITING, 30000);

    // both run: A's control connection holds the named lock, B waits, not ready, reading and producing nothing
    const holderA = await holder();
    expect(holderA).not.toBeNull();
    expect(await alive(holderA!)).toBe(true);
    expect((await httpGet(portA, '/readyz')).status).toBe(200);
    const readyB = await httpGet(portB, '/readyz');
    expect(readyB.status).toBe(503);
    expect(JSON.parse(readyB.body).phase).toBe('starting');

    for (let i = 0; i < 20; i++) {
      await w.step(); // during the overlap
      await sleep(100); // over more than one of B's 2 s retries
    }
    const overlap = await readUntil(kenv, topic, w.versions, w.expectedRecords);
    expect(overlap).toHaveLength(w.expectedRecords); // each change once: nobody but A produced
    expect(await produced(portB)).toEqual({ acked: 0, events: 0 });
    expect((await httpGet(portB, '/readyz')).status).toBe(503);
    expect(await holder()).toBe(holderA);
    expect(b.logs.filter((l) => WAITING.test(l))).toHaveLength(1);
    for (const re of [ACQUIRED, STREAMING, /"msg":"source server ready"/, /"msg":"resuming from the stored offset"/]) expect(lineIndex(b, re)).toBe(-1);
    const beforeKill = overlap.length;

    a.proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await a.exited).toBeNull();
    await b.waitForLog(STREAMING, 30000);
    const takeoverMs = Date.now() - killedAt;
    expect(lineIndex(b, ACQUIRED)).toBeGreaterThan(lineIndex(b, WAITING));
    expect(lineIndex(b, STREAMING)).toBeGreaterThan(lineIndex(b, ACQUIRED));
    // B continues from the offset A stored: no second snapshot
    expect(lineIndex(b, /"msg":"resuming from the stored offset"/)).toBeGreaterThan(lineIndex(b, ACQUIRED));
    expect((await httpGet(portB, '/readyz')).status).toBe(200);
    const holderB = await holder();
    expect(holderB).not.toBeNull();
    expect(holderB).not.toBe(holderA);
    expect(await alive(holderA!)).toBe(false);

    for (let i = 0; i < 20; i++) await w.step(); // after the take-over
    const recs = await readUntil(kenv, topic, w.versions, w.expectedRecords);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    // row by row: every version (checked by readUntil), every delete and its tombstone, first occurrences in order per key, the last event is the table
    const perKey = new Map<number, { op: string; v: number | null }[]>();
    for (const r of recs) {
      const id = JSON.parse(r.key!).id as number;
      const p = r.value ? JSON.parse(r.value) : null;
      (perKey.get(id) ?? perKey.set(id, []).get(id)!).push({ op: p ? p.op : 'tombstone', v: p?.after?.v ?? null });
    }
    const [rows] = (await db.query(`SELECT id, v FROM \`${name}\``)) as unknown as [{ id: number; v: number }[]];
    const table = new Map(rows.map((r) => [r.id, r.v]));
    expect(table).toEqual(w.live);
    const problems: string[] = [];
    let duplicates = 0;
    for (const [id, evs] of perKey) {
      const firsts: number[] = [];
      for (const e of evs) if (e.v !== null && !firsts.includes(e.v)) firsts.push(e.v);
      duplicates += evs.filter((e) => e.v !== null).length - firsts.length;
      if (firsts.some((v, i) => i > 0 && v <= firsts[i - 1])) problems.push(`id ${id}: versions out of order ${JSON.stringify(firsts)}`);
      const last = evs[evs.length - 1];
      if (table.has(id) ? last.v !== table.get(id) : last.op !== 'tombstone')
        problems.push(`id ${id}: last event ${JSON.stringify(last)}, table ${table.get(id) ?? 'deleted'}`);
    }
    for (const id of w.deleted) {
      const evs = perKey.get(id) ?? [];
      const d = evs.findIndex((e) => e.op === 'd');
      if (d < 0 || evs[d + 1]?.op !== 'tombstone') problems.push(`id ${id}: delete or its tombstone missing`);
    }
    expect(problems.slice(0, 20)).toEqual([]);
    expect(recs.length).toBeGreaterThanOrEqual(w.expectedRecords);
    console.log(
      `audit #25 MariaDB: ${w.changes} changes; ${beforeKill} records before the SIGKILL (all A's), B streaming ${takeoverMs} ms after it; ` +
        `${recs.length} records in all, ${duplicates} repeated versions; ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  });
});

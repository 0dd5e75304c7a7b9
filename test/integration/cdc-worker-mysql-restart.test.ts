/**
 * The MySQL/MariaDB worker across a MariaDB restart (issue 7, the binlog side of
 * cdc-worker-server-restarts.test.ts): random transactions of inserts, updates and deletes run
 * while MariaDB is shut down (SIGTERM), kept down a few seconds and started again on its data.
 *
 * The worker runs under the fault tests' supervisor, which starts it again whenever it exits, as
 * Cloud Run restarts a container. The test asserts what the worker did: exactly one exit while
 * streaming, code 1 with the line `fatal error; stopping without storing undelivered changes`,
 * kind `mariadb` (a connection the server closed), never an uncaught exception; any other exits are
 * start-up failures (kind `startup`) while the server is down; the first start after it is back
 * resumes from the stored offset. Then row by row: every version of every row and every delete
 * arrived (at least once), first occurrences in order per key, the last event per key is the table.
 *
 * The shared MariaDB is not touched: the test starts its own with test/infra/mariadb.sh in a run
 * directory of its own (CDP_RUN) on another port (CDP_MARIADB_PORT), and deletes it afterwards.
 * Kafka is the shared broker.
 *
 * Environment: CDCW_MYRESTART_CHANGES (default 15000), CDCW_MYRESTART_PORT (23306),
 * CDCW_MYRESTART_DOWN_S (3), CDCW_MYRESTART_RUN (run directory; default a new one under the temp
 * dir, deleted afterwards unless the test failed).
 */
import { spawn } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { connect } from 'net';
import { join } from 'path';
import { Connection } from 'mysql2/promise';
import { requireInfra } from './infra';
import { Infra, KafkaRecord, REPO, readTopics, scratchName, writeConfigFile } from '../cdc-worker/harness';
import { MySqlInfra, deleteTopics, mariadb, mysqlWorkerConfig } from '../cdc-worker/mysql-harness';
import { WorkerExit, WorkerSupervisor, sleep } from '../cdc-worker/fault-workload';

jest.setTimeout(300000);

const CHANGES = Number(process.env.CDCW_MYRESTART_CHANGES ?? 15000);
const PORT = Number(process.env.CDCW_MYRESTART_PORT ?? 23306);
const DOWN_S = Number(process.env.CDCW_MYRESTART_DOWN_S ?? 3);
const MARIADB_KEYS = ['MARIADB_HOST', 'MARIADB_PORT', 'MARIADB_USER', 'MARIADB_PASSWORD', 'MARIADB_DATABASE'] as const;

/** A MariaDB of this test's own, run by test/infra/mariadb.sh. */
class PrivateMariaDb {
  readonly run = process.env.CDCW_MYRESTART_RUN ?? mkdtempSync(join(tmpdir(), 'cdcw-myrestart-'));
  private readonly ownRun = !process.env.CDCW_MYRESTART_RUN;

  /** `bash test/infra/mariadb.sh <command>` on the private run directory and port. */
  script(command: 'up' | 'down' | 'clean'): Promise<number> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
      const p = spawn('bash', [join(REPO, 'test/infra/mariadb.sh'), command], {
        env: { ...process.env, CDP_RUN: this.run, CDP_MARIADB_PORT: String(PORT) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: string[] = [];
      p.stdout.on('data', (d) => out.push(String(d)));
      p.stderr.on('data', (d) => out.push(String(d)));
      p.on('error', (e) => reject(new Error(`could not run test/infra/mariadb.sh ${command}: ${e.message}`)));
      p.on('close', (code) =>
        code === 0
          ? resolve(Date.now() - t0)
          : reject(
              new Error(`test/infra/mariadb.sh ${command} failed (exit ${code}; logs in ${this.run}/logs):\n${out.join('').split('\n').slice(-20).join('\n')}`),
            ),
      );
    });
  }

  async up(): Promise<Record<(typeof MARIADB_KEYS)[number], string>> {
    const taken = await new Promise<boolean>((resolve) => {
      const s = connect(PORT, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (taken) throw new Error(`port ${PORT} is in use (a leftover of an earlier run, or another server); free it or set CDCW_MYRESTART_PORT`);
    await this.script('up');
    const env = requireInfra(MARIADB_KEYS, { ...process.env, CDP_RUN: this.run });
    expect(env.MARIADB_PORT).toBe(String(PORT)); // never the shared server
    return env;
  }

  async clean(keepLogs: boolean): Promise<void> {
    await this.script('clean');
    if (this.ownRun && !keepLogs) rmSync(this.run, { recursive: true, force: true });
    if (keepLogs) console.log(`mariadb restart test: logs kept in ${this.run}/logs`);
  }
}

/**
 * Random transactions on one table (id, v): one insert, up to five updates (v + 1) and now and
 * then a delete each, through a connection that may break. Keeps every version written (`id:v`)
 * and the deleted ids; a transaction whose outcome a broken connection hid is settled by whether
 * its inserted row exists.
 */
class MySqlChanges {
  readonly live = new Map<number, number>();
  readonly versions = new Set<string>();
  readonly deleted = new Set<number>();
  changes = 0;
  unknownOutcomes = 0;
  private nextId = 1;
  private conn: Connection | null = null;

  constructor(
    private readonly env: MySqlInfra,
    private readonly table: string,
  ) {}

  private async connection(): Promise<Connection> {
    for (const t0 = Date.now(); !this.conn;) {
      try {
        this.conn = await mariadb(this.env);
        this.conn.on('error', () => (this.conn = null));
      } catch (e) {
        if (Date.now() - t0 > 120000) throw new Error(`MariaDB not reachable again within 120 s: ${(e as Error).message}`);
        await sleep(250);
      }
    }
    return this.conn;
  }

  async step(): Promise<void> {
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const ids = [...this.live.keys()];
    const id = this.nextId++;
    const upd = [...new Set(Array.from({ length: rnd(6) }, () => ids[rnd(ids.length)]))].filter((x) => x !== undefined);
    const others = ids.filter((x) => !upd.includes(x));
    const del = id % 10 === 0 && others.length > 50 ? others[rnd(others.length)] : undefined;
    const sql = [
      'BEGIN',
      `INSERT INTO \`${this.table}\` (id, v) VALUES (${id}, 0)`,
      ...upd.map((u) => `UPDATE \`${this.table}\` SET v = v + 1 WHERE id = ${u}`),
      ...(del !== undefined ? [`DELETE FROM \`${this.table}\` WHERE id = ${del}`] : []),
      'COMMIT',
    ].join('; ');
    let committed: boolean;
    try {
      await (await this.connection()).query(sql);
      committed = true;
    } catch {
      this.conn?.destroy();
      this.conn = null;
      const [rows] = (await (await this.connection()).query(`SELECT 1 FROM \`${this.table}\` WHERE id = ${id}`)) as unknown as [unknown[]];
      committed = rows.length > 0;
      this.unknownOutcomes++;
    }
    if (!committed) return;
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

  async end(): Promise<void> {
    await this.conn?.end().catch(() => undefined);
  }
}

const server = new PrivateMariaDb();
let env: MySqlInfra;
let passed = false;

beforeAll(async () => {
  env = { ...requireInfra(['KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD'] as const), ...(await server.up()) };
}, 180000);

afterAll(async () => {
  await server.clean(!passed);
}, 120000);

test(`${CHANGES} changes, MariaDB shut down and started again under load: exit 1 (kind mariadb), restart, every change in Kafka`, async () => {
  const t0 = Date.now();
  const name = scratchName('cdcw_myrs');
  const db = await mariadb(env);
  const w = new MySqlChanges(env, name);
  let sup: WorkerSupervisor | null = null;
  try {
    await db.query(`CREATE TABLE \`${name}\` (id INT PRIMARY KEY, v INT NOT NULL)`);
    await db.end();
    const cfg = mysqlWorkerConfig(env, name, [`${env.MARIADB_DATABASE}.${name}`], {
      output: { topicPrefix: name, schemasEnable: false },
      delivery: { statusIntervalMs: 200 },
    });
    // the supervisor passes PG_PASSWORD as the database password (CDC_SOURCE__PASSWORD)
    sup = new WorkerSupervisor(writeConfigFile(cfg), { ...env, PG_PASSWORD: env.MARIADB_PASSWORD } as unknown as Infra);
    await sup.waitStreaming();

    const faultAt = Math.floor(CHANGES * (0.3 + Math.random() * 0.3));
    let fault: Promise<void> | null = null;
    let faultDone = false;
    let faultError: Error | null = null;
    const outage = { startedAtMs: 0, endedAtMs: 0, atChanges: 0 };
    while (w.changes < CHANGES || (fault && !faultDone)) {
      if (!fault && w.changes >= faultAt && sup.streaming) {
        outage.startedAtMs = Date.now();
        outage.atChanges = w.changes;
        fault = (async () => {
          await server.script('down');
          await sleep(DOWN_S * 1000);
          await server.script('up');
          outage.endedAtMs = Date.now();
        })()
          .catch((e: Error) => void (faultError = e))
          .finally(() => (faultDone = true));
      }
      if (faultError) throw faultError; // a script failed (e.g. the server did not come back)
      // during the outage, and past the fault's point, the workload is paced (50 transactions/s)
      if ((fault && !faultDone) || (!fault && w.changes >= faultAt)) await sleep(20);
      await w.step();
    }
    await fault;
    if (faultError) throw faultError;
    await sup.waitStreaming(120000);
    const workloadMs = Date.now() - t0;

    const topic = `${name}.${env.MARIADB_DATABASE}.${name}`;
    const seen = new Set<string>();
    let scanned = 0;
    const complete = (recs: KafkaRecord[]) => {
      for (; scanned < recs.length; scanned++) {
        const after = recs[scanned].value ? JSON.parse(recs[scanned].value!).after : null;
        if (after) seen.add(`${after.id}:${after.v}`);
      }
      return [...w.versions].every((k) => seen.has(k));
    };
    const recs = await readTopics(env as unknown as Infra, [topic], complete, 120000);
    complete(recs);

    // what the worker did: one exit while streaming (the shutdown), kind mariadb; start-up failures while the server was down
    const show = (e: WorkerExit) =>
      `code ${e.code} signal ${e.signal} ${e.streamed ? 'streaming' : 'starting'} ${e.fatal?.kind ?? 'no fatal line'}: ${e.fatal?.err ?? e.tail.slice(-5).join('\n')}`;
    const whileStreaming = sup.exits.filter((e) => e.streamed);
    expect(whileStreaming.map(show)).toEqual([expect.stringMatching(/^code 1 signal null streaming mariadb: mariadb (control|binlog) connection lost: /)]);
    expect(sup.exits.filter((e) => !e.streamed && !(e.code === 1 && e.fatal?.kind === 'startup')).map(show)).toEqual([]);
    for (const e of sup.exits) expect(e.atMs).toBeGreaterThanOrEqual(outage.startedAtMs);
    expect(sup.streamingStarts).toBe(2);
    const logs = sup.allLogs();
    expect(logs.filter((l) => l.includes('"msg":"resuming from the stored offset"'))).toHaveLength(1);
    expect(logs.filter((l) => /Uncaught|uncaughtException|^\s+at /.test(l))).toEqual([]);

    // row by row
    const missing = [...w.versions].filter((k) => !seen.has(k));
    expect(missing.slice(0, 20)).toEqual([]);
    const perKey = new Map<number, { op: string; v: number | null }[]>();
    for (const r of recs) {
      const id = JSON.parse(r.key!).id as number;
      const p = r.value ? JSON.parse(r.value) : null;
      (perKey.get(id) ?? perKey.set(id, []).get(id)!).push({ op: p ? p.op : 'tombstone', v: p?.after?.v ?? null });
    }
    const check = await mariadb(env);
    const [rows] = (await check.query(`SELECT id, v FROM \`${name}\``)) as unknown as [{ id: number; v: number }[]];
    await check.end();
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
    for (const id of w.deleted) if (!perKey.get(id)?.some((e) => e.op === 'd')) problems.push(`id ${id}: delete missing`);
    expect(problems.slice(0, 20)).toEqual([]);

    const exits = sup.exits;
    expect(await sup.stop()).toBe(0);
    sup = null;
    console.log(
      `mariadb restart: ${w.changes} changes (${w.unknownOutcomes} transactions with the reply lost); MariaDB stopped at ${outage.atChanges} changes, ` +
        `back after ${((outage.endedAtMs - outage.startedAtMs) / 1000).toFixed(1)} s; worker exits: ${exits.map(show).join('; ')}; ` +
        `${recs.length} records, ${duplicates} repeated versions; workload ${(workloadMs / 1000).toFixed(1)} s, test ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    passed = true;
  } finally {
    sup?.kill();
    await w.end();
    await deleteTopics(env, name);
  }
});

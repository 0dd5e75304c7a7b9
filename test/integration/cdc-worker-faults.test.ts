/**
 * No lost change under faults: a 100,000-change workload (inserts, updates, deletes in
 * transactions of random size) runs while the worker is killed with SIGKILL at random points and
 * restarted. Afterwards every row version and every delete must be in Kafka (at least once), the
 * first occurrences in order per key, and the last event of each key must match the table.
 * In exactly-once mode (read with read_committed) there must be no duplicate at all.
 */
import { Client } from 'pg';
import { Infra, KafkaRecord, RunningWorker, cleanup, infra, pgClient, readTopics, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';

jest.setTimeout(600000);

const TOTAL_CHANGES = Number(process.env.CDCW_FAULT_CHANGES ?? 100000);
const KILLS = 3;

describe.each(['at-least-once', 'exactly-once'] as const)('cdc-worker %s: kill -9 under load', (mode) => {
  let env: Infra;
  let pg: Client;
  const name = scratchName(mode === 'exactly-once' ? 'cdcw_eos' : 'cdcw_fault');
  const s = name;

  beforeAll(async () => {
    env = infra();
    pg = await pgClient(env);
    await pg.query(`CREATE SCHEMA ${s}; CREATE TABLE ${s}.items (id int PRIMARY KEY, v int NOT NULL, note text);
                    CREATE TABLE ${s}.events (id bigserial PRIMARY KEY, item int, at timestamptz DEFAULT now());`);
  });

  afterAll(async () => {
    await pg?.end();
    if (env) await cleanup(env, name);
  });

  test(`${TOTAL_CHANGES} changes, ${KILLS} SIGKILLs: every change arrives${mode === 'exactly-once' ? ', exactly once' : ''}`, async () => {
    const cfgFile = writeConfigFile(
      workerConfig(env, name, [`${s}.items`, `${s}.events`], { output: { topicPrefix: name, schemasEnable: false }, delivery: { mode } }),
    );
    let worker: RunningWorker = startWorker(cfgFile, env);
    await worker.waitForLog(/"msg":"streaming started"/);

    // ground truth
    const versions = new Map<number, number>(); // live rows: id -> v
    const expected = new Set<string>(); // "id:v" for every version written, "id:d<n>" for deletes
    const deletes = new Map<number, number>();
    let nextId = 1;
    let changes = 0;
    let eventsRows = 0;
    const killAt = Array.from({ length: KILLS }, () => Math.floor(TOTAL_CHANGES * (0.1 + Math.random() * 0.8))).sort((a, b) => a - b);
    const killed: number[] = [];
    const allLogs: string[] = [];
    const restarts: Promise<void>[] = [];
    const rnd = (n: number) => Math.floor(Math.random() * n);

    while (changes < TOTAL_CHANGES) {
      const ins = 1 + rnd(30);
      const live = [...versions.keys()];
      const upd = live.length ? Array.from(new Set(Array.from({ length: rnd(20) }, () => live[rnd(live.length)]))) : [];
      const del = live.length > 200 ? Array.from(new Set(Array.from({ length: rnd(5) }, () => live[rnd(live.length)]))).filter((id) => !upd.includes(id)) : [];
      const ids = Array.from({ length: ins }, () => nextId++);
      // one round trip per transaction (integers only, so plain SQL text is safe)
      await pg.query(
        [
          'BEGIN',
          `INSERT INTO ${s}.items (id, v, note) SELECT i, 1, md5(i::text) FROM unnest('{${ids.join(',')}}'::int[]) AS i`,
          upd.length ? `UPDATE ${s}.items SET v = v + 1 WHERE id = ANY('{${upd.join(',')}}'::int[])` : '',
          del.length ? `DELETE FROM ${s}.items WHERE id = ANY('{${del.join(',')}}'::int[])` : '',
          `INSERT INTO ${s}.events (item) VALUES (${ids[0]})`,
          'COMMIT',
        ].filter((x) => x).join(';\n'),
      );
      for (const id of ids) {
        versions.set(id, 1);
        expected.add(`${id}:1`);
      }
      for (const id of upd) {
        const v = versions.get(id)! + 1;
        versions.set(id, v);
        expected.add(`${id}:${v}`);
      }
      for (const id of del) {
        versions.delete(id);
        deletes.set(id, (deletes.get(id) ?? 0) + 1);
      }
      eventsRows++;
      changes += ins + upd.length + del.length + 1;
      if (killAt.length && changes >= killAt[0]) {
        killAt.shift();
        killed.push(changes);
        worker.proc.kill('SIGKILL');
        const old = worker;
        allLogs.push(...old.logs, '---- SIGKILL ----');
        // restart without waiting for the workload to pause
        restarts.push(
          (async () => {
            await old.exited;
            worker = startWorker(cfgFile, env);
            await worker.waitForLog(/"msg":"streaming started"/, 120000);
          })(),
        );
        await restarts[restarts.length - 1].catch(() => undefined);
      }
    }
    await Promise.all(restarts);
    expect(killed).toHaveLength(KILLS);

    const topic = `${name}.${s}.items`;
    const expectedMinimum = expected.size + [...deletes.values()].reduce((a, b) => a + b, 0) * 2;
    // read until every expected item change was seen
    const seen = new Set<string>();
    let scanned = 0;
    function lastSeenComplete(recs: KafkaRecord[]): boolean {
      for (; scanned < recs.length; scanned++) {
        const r = recs[scanned];
        if (!r.value) continue;
        const p = JSON.parse(r.value);
        if (p.after) seen.add(`${p.after.id}:${p.after.v}`);
      }
      return [...expected].every((k) => seen.has(k));
    }

    const records = await readTopics(
      env,
      [topic],
      (recs) => recs.length >= expectedMinimum && lastSeenComplete(recs),
      Number(process.env.CDCW_FAULT_READ_MS ?? 240000),
    );
    lastSeenComplete(records);
    // 1. every version of every row arrived
    const missing = [...expected].filter((k) => !seen.has(k));
    if (missing.length) {
      // eslint-disable-next-line no-console
      console.log(`missing ${missing.length}; worker logs:\n${allLogs.concat(worker.logs).slice(-60).join('\n')}`);
    }
    expect(missing.slice(0, 20)).toEqual([]);
    // 2. every delete arrived, followed by a tombstone
    const deleteEvents = new Map<number, number>();
    const perKey = new Map<number, { op: string; v: number | null }[]>();
    for (const r of records) {
      const id = JSON.parse(r.key!).id as number;
      const p = r.value ? JSON.parse(r.value) : null;
      if (p?.op === 'd') deleteEvents.set(id, (deleteEvents.get(id) ?? 0) + 1);
      perKey.set(id, [...(perKey.get(id) ?? []), { op: p ? p.op : 'tombstone', v: p?.after?.v ?? null }]);
    }
    for (const [id] of deletes) expect(deleteEvents.get(id) ?? 0).toBeGreaterThanOrEqual(1);
    // 3. per key, first occurrences of versions are in increasing order; the last event matches the table
    const table = new Map<number, number>((await pg.query(`SELECT id, v FROM ${s}.items`)).rows.map((r) => [r.id, r.v]));
    let duplicates = 0;
    for (const [id, evs] of perKey) {
      const firsts: number[] = [];
      const got = new Set<number>();
      for (const e of evs) {
        if (e.v === null) continue;
        if (got.has(e.v)) duplicates++;
        else {
          got.add(e.v);
          firsts.push(e.v);
        }
      }
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      const last = evs[evs.length - 1];
      if (table.has(id)) expect(last).toEqual({ op: expect.stringMatching(/^[cu]$/), v: table.get(id) });
      else expect(last.op).toBe('tombstone');
    }
    expect(table.size).toBe(versions.size);
    if (mode === 'exactly-once') {
      expect(duplicates).toBe(0);
      expect(records).toHaveLength(expectedMinimum); // read_committed: every version, delete and tombstone once
    }
    // eslint-disable-next-line no-console
    console.log(`fault test (${mode}): ${changes} changes, SIGKILL after ${killed.join(', ')} changes; ${records.length} records read, ${duplicates} duplicate versions (at-least-once replays)`);

    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});

/**
 * No lost change under faults: a 100,000-change workload (inserts, updates, deletes in
 * transactions of random size) runs while the worker is killed with SIGKILL at random points and
 * restarted. Afterwards every row version and every delete must be in Kafka (at least once), the
 * first occurrences in order per key, and the last event of each key must match the table.
 * In exactly-once mode (read with read_committed) there must be no duplicate at all.
 */
import { Client } from 'pg';
import { Infra, RunningWorker, cleanup, infra, pgClient, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';
import { ChangeWorkload, verifyDelivery, workloadDdl } from '../cdc-worker/fault-workload';

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
    await pg.query(workloadDdl(s));
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

    const w = new ChangeWorkload(s); // random transactions and their ground truth
    const killAt = Array.from({ length: KILLS }, () => Math.floor(TOTAL_CHANGES * (0.1 + Math.random() * 0.8))).sort((a, b) => a - b);
    const killed: number[] = [];
    const allLogs: string[] = [];
    const restarts: Promise<void>[] = [];

    while (w.changes < TOTAL_CHANGES) {
      await w.step(pg);
      if (killAt.length && w.changes >= killAt[0]) {
        killAt.shift();
        killed.push(w.changes);
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

    const { records, duplicates } = await verifyDelivery(env, `${name}.${s}.items`, w, pg, mode, () => allLogs.concat(worker.logs));
    console.log(
      `fault test (${mode}): ${w.changes} changes, SIGKILL after ${killed.join(', ')} changes; ${records} records read, ${duplicates} duplicate versions (at-least-once replays)`,
    );

    worker.proc.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});

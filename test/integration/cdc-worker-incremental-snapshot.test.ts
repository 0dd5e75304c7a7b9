/**
 * Incremental snapshots on the real PostgreSQL and Kafka: an `execute-snapshot` signal snapshots a
 * table of CDCW_SNAPSHOT_ROWS rows (default 200,000) while updates, deletes and inserts hit the
 * keys the snapshot is about to read, and the worker is killed with SIGKILL twice mid-snapshot and
 * restarted; it must resume from its last delivered chunk. Afterwards the state rebuilt from the
 * topic equals the table row for row, and no key's snapshot row follows a newer change of that key.
 *
 * Then a table added at run time (ALTER PUBLICATION … ADD TABLE, then an `execute-snapshot` sent
 * on the Kafka signal topic) is backfilled the same way without a restart; and a table added to
 * `source.tables` is backfilled at the next start.
 */
import { writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Client } from 'pg';
import { Infra, RunningWorker, cleanup, infra, kafka, pgClient, scratchName, startWorker, workerConfig, writeConfigFile } from '../cdc-worker/harness';
import {
  SnapshotFollower,
  TargetedWorkload,
  checkTopicAgainstTable,
  createSnapshotTable,
  readWholeTopic,
  waitForConfirmed,
} from '../cdc-worker/incremental-workload';

jest.setTimeout(900000);

const ROWS = Number(process.env.CDCW_SNAPSHOT_ROWS ?? 200000);

describe('cdc-worker: incremental snapshots', () => {
  let env: Infra;
  let pg: Client;
  const name = scratchName('cdcw_incr');
  const s = name;
  const signalTopic = `${name}.signals`;
  let cfgFile = '';
  let worker: RunningWorker | null = null;
  const allLogs: string[] = [];

  const config = (tables: string[]) =>
    writeConfigFile(
      workerConfig(env, name, tables, {
        source: { tables, slotName: name, publicationName: name, snapshotMode: 'no_data' },
        output: { topicPrefix: name, schemasEnable: false },
        signal: { table: `${s}.debezium_signal`, kafkaTopic: signalTopic, chunkSize: 1024 },
      } as never),
    );

  const start = async (file: string) => {
    if (worker) allLogs.push(...worker.logs, '---- restart ----');
    worker = startWorker(file, env);
    await worker.waitForLog(/"msg":"streaming started"/, 120000);
    return worker;
  };
  const kill = async () => {
    const w = worker!;
    w.proc.kill('SIGKILL');
    await w.exited;
    w.logs.push('---- SIGKILL ----');
  };
  const waitFor = async (what: string, cond: () => boolean, timeoutMs = 600000) => {
    const until = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}; logs:\n${worker?.logs.slice(-30).join('\n')}`);
      if (worker && worker.proc.exitCode !== null) throw new Error(`worker exited waiting for ${what}; logs:\n${worker.logs.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    env = infra();
    pg = await pgClient(env);
    await pg.query(`CREATE SCHEMA ${s}`);
    await createSnapshotTable(pg, `${s}.items`, ROWS);
    cfgFile = config([`${s}.items`]);
  });

  afterAll(async () => {
    if (worker && worker.proc.exitCode === null) {
      worker.proc.kill('SIGKILL');
      await worker.exited;
    }
    // the workers' log lines, for a failure's post-mortem
    writeFileSync(join(tmpdir(), `${name}.log`), [...allLogs, ...(worker?.logs ?? [])].join('\n'));
    await pg?.end();
    if (env) await cleanup(env, name);
  });

  test(`${ROWS} rows under concurrent changes, 2 SIGKILLs mid-snapshot: resumes from the last chunk, topic = table, no stale snapshot row`, async () => {
    await start(cfgFile);
    const topic = `${name}.${s}.items`;
    const follower = new SnapshotFollower(env, topic);
    await follower.start();
    const workload = new TargetedWorkload(pg, `${s}.items`, ROWS, () => follower.maxSnapshotId);
    const signal = { 'data-collections': [`${s}.items`], type: 'incremental' };
    await pg.query(`INSERT INTO ${s}.debezium_signal (id, type, data) VALUES ('snap-1', 'execute-snapshot', $1)`, [JSON.stringify(signal)]);
    workload.start();
    const resumedFrom: number[] = [];
    try {
      for (const share of [0.25, 0.6]) {
        await waitFor(`the snapshot to pass ${share * 100}%`, () => follower.maxSnapshotId >= ROWS * share);
        expect(worker!.logs.some((l) => l.includes('incremental snapshot of table finished'))).toBe(false);
        await kill();
        const w = await start(cfgFile);
        const line = await w.waitForLog(/resuming from the stored progress/);
        resumedFrom.push(Number((JSON.parse(line) as { lastKey: string[] | null }).lastKey?.[0] ?? 0));
      }
      await worker!.waitForLog(/incremental snapshot of table finished/, 600000);
    } finally {
      await workload.stop();
      await follower.stop();
    }
    // the second start resumed past the first kill's point, not from the start
    expect(resumedFrom[0]).toBeGreaterThan(0);
    expect(resumedFrom[1]).toBeGreaterThan(resumedFrom[0]);
    await waitForConfirmed(pg, name);
    const records = await readWholeTopic(env, topic);
    const check = await checkTopicAgainstTable(records, pg, `${s}.items`, ROWS);
    const finished = JSON.parse((await worker!.waitForLog(/incremental snapshot of table finished/)) as string) as { rows: number; superseded: number };
    console.log(
      `incremental snapshot: ${ROWS} rows, ${workload.changes} concurrent changes, resumed from keys ${resumedFrom.join(', ')}; ` +
        `${check.snapshotRows} snapshot records, ${finished.superseded} chunk rows superseded by streamed changes; ${records.length} records`,
    );
    expect(check.mismatches).toEqual([]);
    expect(check.staleSnapshotRows).toEqual([]);
    expect([...check.snapshotMarkers]).toEqual(['incremental']);
    expect(check.unsnapshotted).toEqual([]);
    expect(finished.superseded).toBeGreaterThan(0);
  });

  test('a table added at run time (publication + execute-snapshot on the Kafka signal topic) is backfilled without a restart', async () => {
    const rows = Math.max(5000, Math.floor(ROWS / 10));
    await createSnapshotTable(pg, `${s}.added`, rows);
    await pg.query(`ALTER PUBLICATION ${name} ADD TABLE ${s}.added`);
    const topic = `${name}.${s}.added`;
    const follower = new SnapshotFollower(env, topic);
    const producer = kafka(env).producer();
    await producer.connect();
    await producer.send({
      topic: signalTopic,
      messages: [{ key: name, value: JSON.stringify({ type: 'execute-snapshot', data: { 'data-collections': [`${s}.added`], type: 'INCREMENTAL' } }) }],
    });
    await producer.disconnect();
    await worker!.waitForLog(/^(?=.*incremental snapshot of table started)(?=.*\.added")/);
    await follower.start().catch(() => undefined);
    const workload = new TargetedWorkload(pg, `${s}.added`, rows, () => follower.maxSnapshotId);
    workload.start();
    try {
      await worker!.waitForLog(/^(?=.*incremental snapshot of table finished)(?=.*\.added")/, 600000);
    } finally {
      await workload.stop();
      await follower.stop();
    }
    await waitForConfirmed(pg, name);
    const check = await checkTopicAgainstTable(await readWholeTopic(env, topic), pg, `${s}.added`, rows);
    expect(check.mismatches).toEqual([]);
    expect(check.staleSnapshotRows).toEqual([]);
    expect(check.unsnapshotted).toEqual([]);
  });

  test('a table added to source.tables is put in the publication and backfilled at the next start', async () => {
    const rows = 3000;
    await createSnapshotTable(pg, `${s}.later`, rows);
    worker!.proc.kill('SIGTERM');
    expect(await worker!.exited).toBe(0);
    await start(config([`${s}.items`, `${s}.later`]));
    await worker!.waitForLog(/^(?=.*incremental snapshot of table finished)(?=.*\.later")/, 300000);
    await pg.query(`UPDATE ${s}.later SET v = v + 1, note = md5(id::text || ':' || (v + 1)) WHERE id <= 10`);
    await waitForConfirmed(pg, name);
    const check = await checkTopicAgainstTable(await readWholeTopic(env, `${name}.${s}.later`), pg, `${s}.later`, rows);
    expect(check.mismatches).toEqual([]);
    expect(check.snapshotRows).toBe(rows);
  });

  test('snapshotMode initial_only: the tables are snapshotted when the slot is created, then the worker stops (exit 0) without streaming', async () => {
    const only = scratchName('cdcw_only');
    const rows = 500;
    await createSnapshotTable(pg, `${s}.only_t`, rows);
    const file = writeConfigFile(
      workerConfig(env, only, [`${s}.only_t`], {
        source: { tables: [`${s}.only_t`], slotName: only, publicationName: only, snapshotMode: 'initial_only' },
        output: { topicPrefix: only, schemasEnable: false },
      } as never),
    );
    const w = startWorker(file, env);
    try {
      const code = await Promise.race([w.exited, new Promise((r) => setTimeout(() => r('still running'), 120000))]);
      expect(code).toBe(0);
      expect(w.logs.some((l) => l.includes('snapshotMode initial_only: not streaming'))).toBe(true);
      const records = await readWholeTopic(env, `${only}.${s}.only_t`);
      const ops = records.map((r) => (JSON.parse(r.value!) as { op: string }).op);
      expect(ops).toHaveLength(rows);
      expect(new Set(ops)).toEqual(new Set(['r']));
      // the slot stays, so that switching to initial or when_needed streams on from the snapshot
      expect((await pg.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [only])).rowCount).toBe(1);
    } finally {
      if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
      await cleanup(env, only, []);
    }
  });
});

/**
 * Incremental snapshots on the real MariaDB and Kafka (the binlog twin of
 * cdc-worker-incremental-snapshot.test.ts): an `execute-snapshot` row in the signal table
 * `debezium_signal` of the captured database snapshots a table of CDCW_MY_SNAPSHOT_ROWS rows
 * (default 200,000) while updates, deletes and inserts hit the keys the snapshot is about to read,
 * and the worker is killed with SIGKILL twice mid-snapshot and restarted; it must resume from its
 * last delivered chunk. Afterwards the state rebuilt from the topic equals the table row for row,
 * and no key's snapshot row follows a newer change of that key. The snapshot records carry the
 * `source` block Debezium's MariaDB connector gives incremental snapshot records.
 *
 * Then `additional-conditions` (sent on the Kafka signal topic): only the filtered rows of a second
 * table are snapshotted, and a `log` signal is logged.
 */
import { writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Connection } from 'mysql2/promise';
import { Infra, KafkaRecord, RunningWorker, readTopics, scratchName, writeConfigFile } from '../cdc-worker/harness';
import { SnapshotFollower, readWholeTopic } from '../cdc-worker/incremental-workload';
import { MySqlInfra, deleteTopics, mariadb, mysqlInfra, mysqlKafka, mysqlWorkerConfig, startMysqlWorker } from '../cdc-worker/mysql-harness';
import { MySqlTargetedWorkload, checkMySqlTopicAgainstTable, createMySqlSnapshotTable } from '../cdc-worker/mysql-incremental-workload';

jest.setTimeout(900000);

const ROWS = Number(process.env.CDCW_MY_SNAPSHOT_ROWS ?? 200000);

describe('cdc-worker MariaDB: incremental snapshots', () => {
  let env: MySqlInfra;
  let db: Connection;
  const name = scratchName('cdcw_myincr');
  const items = `${name}_items`;
  const filtered = `${name}_filtered`;
  const signalTopic = `${name}.signals`;
  let database = '';
  let cfgFile = '';
  let worker: RunningWorker | null = null;
  const allLogs: string[] = [];
  const kafkaEnv = () => env as unknown as Infra;

  const start = async () => {
    if (worker) allLogs.push(...worker.logs, '---- restart ----');
    worker = startMysqlWorker(cfgFile, env);
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
  /** Every record of the topic, once the workload's last insert (`lastId`) is on it. */
  const topicUpTo = async (topic: string, lastId: number): Promise<KafkaRecord[]> => {
    const isLast = (r: KafkaRecord) => r.key !== null && (JSON.parse(r.key) as { id: number }).id === lastId;
    const seen = await readTopics(kafkaEnv(), [topic], (rs) => rs.some(isLast), 300000);
    if (!seen.some(isLast)) throw new Error(`the last change (id ${lastId}) did not reach ${topic}`);
    return readWholeTopic(kafkaEnv(), topic);
  };

  beforeAll(async () => {
    env = mysqlInfra();
    db = await mariadb(env);
    database = env.MARIADB_DATABASE;
    await createMySqlSnapshotTable(db, items, ROWS);
    await createMySqlSnapshotTable(db, filtered, 4000);
    const tables = [`${database}.${items}`, `${database}.${filtered}`];
    cfgFile = writeConfigFile(
      mysqlWorkerConfig(env, name, tables, {
        source: { snapshotMode: 'no_data' },
        output: { schemasEnable: false },
        signal: { table: `${database}.debezium_signal`, kafkaTopic: signalTopic, chunkSize: 1024 },
      }),
    );
  });

  afterAll(async () => {
    if (worker && worker.proc.exitCode === null) {
      worker.proc.kill('SIGKILL');
      await worker.exited;
    }
    // the workers' log lines, for a failure's post-mortem
    writeFileSync(join(tmpdir(), `${name}.log`), [...allLogs, ...(worker?.logs ?? [])].join('\n'));
    for (const t of [items, filtered]) await db?.query(`DROP TABLE IF EXISTS \`${t}\``).catch(() => undefined);
    await db?.end();
    if (env) await deleteTopics(env, name);
  });

  test(`${ROWS} rows under concurrent changes, 2 SIGKILLs mid-snapshot: resumes from the last chunk, topic = table, no stale snapshot row`, async () => {
    await start();
    const topic = `${name}.${database}.${items}`;
    const follower = new SnapshotFollower(kafkaEnv(), topic);
    await follower.start();
    const workload = new MySqlTargetedWorkload(db, items, ROWS, () => follower.maxSnapshotId);
    const signal = { 'data-collections': [`${database}.${items}`], type: 'incremental' };
    const t0 = Date.now();
    await db.query(`INSERT INTO debezium_signal (id, type, data) VALUES (?, 'execute-snapshot', ?)`, [`${name}-1`.slice(0, 42), JSON.stringify(signal)]);
    workload.start();
    const resumedFrom: number[] = [];
    let lastId = 0;
    try {
      for (const share of [0.25, 0.6]) {
        await waitFor(`the snapshot to pass ${share * 100}%`, () => follower.maxSnapshotId >= ROWS * share);
        expect(worker!.logs.some((l) => l.includes('incremental snapshot of table finished'))).toBe(false);
        await kill();
        const w = await start();
        const line = await w.waitForLog(/resuming from the stored progress/);
        resumedFrom.push(Number((JSON.parse(line) as { lastKey: string[] | null }).lastKey?.[0] ?? 0));
      }
      await worker!.waitForLog(/incremental snapshot of table finished/, 600000);
    } finally {
      await workload.stop();
      lastId = await workload.last();
      await follower.stop();
    }
    const seconds = (Date.now() - t0) / 1000;
    // the second start resumed past the first kill's point, not from the start
    expect(resumedFrom[0]).toBeGreaterThan(0);
    expect(resumedFrom[1]).toBeGreaterThan(resumedFrom[0]);
    const records = await topicUpTo(topic, lastId);
    const check = await checkMySqlTopicAgainstTable(records, db, items);
    const finished = JSON.parse(await worker!.waitForLog(/incremental snapshot of table finished/)) as { rows: number; superseded: number };
    console.log(
      `MariaDB incremental snapshot: ${ROWS} rows in ${seconds.toFixed(1)} s with 2 SIGKILLs, ${workload.changes} concurrent changes, resumed from keys ${resumedFrom.join(', ')}; ` +
        `${check.snapshotRows} snapshot records, ${finished.superseded} chunk rows superseded by streamed changes (last run); ${records.length} records`,
    );
    expect(check.mismatches).toEqual([]);
    expect(check.staleSnapshotRows).toEqual([]);
    expect([...check.snapshotMarkers]).toEqual(['incremental']);
    expect(check.snapshotRows).toBeGreaterThanOrEqual(check.keys * 0.9);
    expect(finished.superseded).toBeGreaterThan(0);

    // the source block of an incremental snapshot record, as Debezium's MariaDB connector writes it
    const r = records.find((x) => x.value && JSON.parse(x.value).op === 'r')!;
    const ev = JSON.parse(r.value!) as { before: unknown; after: Record<string, unknown>; source: Record<string, unknown> };
    expect(ev.before).toBeNull();
    expect(ev.source).toMatchObject({ connector: 'mariadb', name, db: database, table: items, snapshot: 'incremental', query: null });
    expect(ev.source.file).toMatch(/\S/);
    expect(ev.source.pos).toBeGreaterThan(0);
    expect(ev.source.server_id).toBeGreaterThan(0);
    expect(ev.source.gtid).toMatch(/^\d+-\d+-\d+$/);
    // the same value forms as binlog events: DECIMAL(12,2) as Connect Decimal bytes, DATETIME(6) as epoch micros
    expect(typeof ev.after.amount).toBe('string');
    expect(typeof ev.after.created).toBe('number');
    // the signal table's rows are signals, never events
    expect(records.some((x) => x.topic.includes('debezium_signal'))).toBe(false);
  });

  test('additional-conditions on the Kafka signal topic: only the filtered rows are snapshotted; a log signal is logged', async () => {
    const topic = `${name}.${database}.${filtered}`;
    const producer = mysqlKafka(env).producer();
    await producer.connect();
    await producer.send({
      topic: signalTopic,
      messages: [
        { key: name, value: JSON.stringify({ type: 'log', data: { message: `hello from ${name}` } }) },
        {
          key: name,
          value: JSON.stringify({
            type: 'execute-snapshot',
            data: {
              'data-collections': [`${database}.${filtered}`],
              type: 'INCREMENTAL',
              'additional-conditions': [{ 'data-collection': `${database}.${filtered}`, filter: 'id % 3 = 0' }],
            },
          }),
        },
      ],
    });
    await producer.disconnect();
    // after a kill -9 the signal consumer's group waits for the killed member's session to time out
    await worker!.waitForLog(new RegExp(`hello from ${name}`), 180000);
    await worker!.waitForLog(new RegExp(`^(?=.*incremental snapshot of table finished)(?=.*${filtered})`), 300000);
    await db.query(`UPDATE \`${filtered}\` SET v = v + 1, note = MD5(CONCAT(id, ':', v)) WHERE id = 3`);
    const records = await readTopics(kafkaEnv(), [topic], (rs) => rs.some((x) => x.value !== null && JSON.parse(x.value).op === 'u'), 120000);
    const snapshotIds = records
      .filter((x) => x.value && JSON.parse(x.value).op === 'r')
      .map((x) => (JSON.parse(x.value!) as { after: { id: number } }).after.id);
    expect(snapshotIds.length).toBe(Math.floor(4000 / 3));
    expect(snapshotIds.every((id) => id % 3 === 0)).toBe(true);
    expect(new Set(snapshotIds).size).toBe(snapshotIds.length);
  });
});

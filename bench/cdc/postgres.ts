/**
 * The PostgreSQL side of `npm run bench:cdc`: the workload, the worker (this checkout's and a
 * baseline's), pg_recvlogical (the raw pgoutput decode limit) and Debezium's PostgreSQL connector.
 */
import { spawn } from 'child_process';
import { appendFileSync } from 'fs';
import { Client } from 'pg';
import { Infra, cleanup, scratchName, startWorker, workerConfig, writeConfigFile } from '../../test/cdc-worker/harness';
import { WorkerBuild, imageNodeFlags } from './build';
import {
  RATE,
  ROWS,
  Result,
  SECONDS,
  connectJson,
  cpuMs,
  createTopic,
  latencies,
  pct,
  pgCommitTime,
  sampleValues,
  sleep,
  topicCount,
  vmHwmMb,
  waitConnectorState,
  waitForCount,
} from './common';

async function setupSchema(pg: Client, s: string): Promise<void> {
  await pg.query(`CREATE SCHEMA ${s};
    CREATE TABLE ${s}.t (id bigint PRIMARY KEY, qty int NOT NULL, label text, price numeric(10,2), at timestamptz DEFAULT now());
    CREATE PUBLICATION ${s} FOR TABLE ${s}.t;`);
}

/** Writes the backlog; returns the number of row changes and of Kafka records Debezium-style readers produce. */
async function backlog(pg: Client, s: string, rows: number, offset: number): Promise<{ changes: number; records: number }> {
  const inserts = Math.round(rows * 0.6);
  const updates = Math.round(rows * 0.3);
  const deletes = rows - inserts - updates;
  const tx = 1000;
  const range = async (sql: string, from: number, count: number) => {
    for (let a = 0; a < count; a += tx) await pg.query(sql, [from + a, from + Math.min(count, a + tx) - 1]);
  };
  await range(
    `INSERT INTO ${s}.t (id, qty, label, price) SELECT g, g % 100, md5(g::text), (g % 100000) / 100.0 FROM generate_series($1::bigint, $2::bigint) g`,
    offset,
    inserts,
  );
  await range(`UPDATE ${s}.t SET qty = qty + 1, label = label || 'x' WHERE id BETWEEN $1 AND $2`, offset, updates);
  await range(`DELETE FROM ${s}.t WHERE id BETWEEN $1 AND $2`, offset + inserts - deletes, deletes);
  return { changes: rows, records: rows + deletes /* tombstones */ };
}

/**
 * Paced inserts: RATE rows/s in 100 transactions per second, for SECONDS.
 *
 * The harness runs PostgreSQL with `synchronous_commit = off` to make tests fast. A walsender
 * decodes only WAL that is flushed, and with asynchronous commit the WAL writer flushes every
 * `wal_writer_delay` (200 ms), so every reader would see 0–200 ms of latency that production
 * (where commits are synchronous, the default) does not have. The paced session therefore
 * commits synchronously, as an application on a default server does.
 */
async function pacedInserts(pg: Client, s: string, offset: number): Promise<number> {
  const perTx = Math.max(1, Math.round(RATE / 100));
  await pg.query('SET synchronous_commit = on');
  const t0 = Date.now();
  let n = 0;
  try {
    for (let i = 0; i < SECONDS * 100; i++) {
      const wait = t0 + i * 10 - Date.now();
      if (wait > 0) await sleep(wait);
      await pg.query(`INSERT INTO ${s}.t (id, qty, label, price) SELECT g, 1, 'live', 1.00 FROM generate_series($1::bigint, $2::bigint) g`, [
        offset + n,
        offset + n + perTx - 1,
      ]);
      n += perTx;
    }
  } finally {
    await pg.query('RESET synchronous_commit');
  }
  return n;
}

/** The worker's node flags: the image's CMD unless BENCH_WORKER_NODE_ARGS says otherwise (tuning, profiling). */
export function workerNodeArgs(): string[] {
  return (process.env.BENCH_WORKER_NODE_ARGS ?? imageNodeFlags().join(' ')).split(' ').filter((a) => a);
}

/** BENCH_WORKER_LOG=<file>: the worker's output (e.g. with --trace-gc in BENCH_WORKER_NODE_ARGS) is appended there. */
export function keepLogs(logs: string[], label: string): void {
  if (process.env.BENCH_WORKER_LOG) appendFileSync(process.env.BENCH_WORKER_LOG, `--- ${label}\n${logs.join('\n')}\n`);
}

/** Extra worker config of tuning runs: BENCH_WORKER_KAFKA / BENCH_WORKER_OUTPUT / BENCH_WORKER_DELIVERY, JSON merged into those sections. */
export function workerTuning(kafkaTuning: object): { kafka: object; output: object; delivery: object } {
  const env = (name: string) => JSON.parse(process.env[name] ?? '{}') as object;
  return { kafka: { ...kafkaTuning, ...env('BENCH_WORKER_KAFKA') }, output: env('BENCH_WORKER_OUTPUT'), delivery: env('BENCH_WORKER_DELIVERY') };
}

export async function benchWorker(env: Infra, pg: Client, build: WorkerBuild, kafkaTuning: object = {}, sample = false): Promise<Result> {
  const s = scratchName('bench_w');
  await setupSchema(pg, s);
  const topic = `${s}.${s}.t`;
  await createTopic(env, topic);
  await pg.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [s]);
  const tuning = workerTuning(kafkaTuning);
  const cfg = writeConfigFile(
    workerConfig(env, s, [`${s}.t`], {
      source: { snapshotMode: 'never' } as object,
      kafka: tuning.kafka,
      output: { topicPrefix: s, ...tuning.output },
      delivery: tuning.delivery,
    }),
  );
  let worker = null as ReturnType<typeof startWorker> | null;
  try {
    const { records } = await backlog(pg, s, ROWS, 0);
    worker = startWorker(cfg, env, { cmd: process.execPath, args: [...workerNodeArgs(), build.mainJs, '--config', cfg] });
    await worker.waitForLog(/"msg":"streaming started"/);
    const [t0, cpu0] = [Date.now(), cpuMs(worker.proc.pid!)];
    const t1 = await waitForCount(env, topic, records, Number(process.env.BENCH_TIMEOUT_MS ?? 600000));
    const cpuMsPer1kRows = Math.round((cpuMs(worker.proc.pid!) - cpu0) / (ROWS / 1000));
    const rowsPerSec = Math.round(ROWS / ((t1 - t0) / 1000));
    // latency at a steady rate, same worker, now caught up
    const before = await topicCount(env, topic);
    const n = await pacedInserts(pg, s, 10_000_000);
    await waitForCount(env, topic, before + n, 120000);
    const lat = (await latencies(env, topic, Math.round(ROWS * 0.6) + n, pgCommitTime, sample ? sampleValues.postgres : undefined)).slice(-n);
    const rss = vmHwmMb(worker.proc.pid!);
    worker.proc.kill('SIGTERM');
    await worker.exited;
    keepLogs(worker.logs, build.label);
    return { reader: build.label, engine: 'postgres', rowsPerSec, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), peakRssMb: rss, cpuMsPer1kRows };
  } catch (e) {
    process.stderr.write(`worker logs:\n${worker?.logs.slice(-20).join('\n')}\n`);
    throw e;
  } finally {
    worker?.proc.kill('SIGKILL');
    await cleanup(env, s);
  }
}

export async function benchRecvlogical(env: Infra, pg: Client): Promise<Result> {
  const s = scratchName('bench_r');
  await setupSchema(pg, s);
  await pg.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [s]);
  try {
    await backlog(pg, s, ROWS, 0);
    const end = (await pg.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string;
    const t0 = Date.now();
    const conn = ['-h', env.PG_HOST, '-p', env.PG_PORT, '-U', env.PG_USER, '-d', env.PG_DATABASE];
    const args = [...conn, '--slot', s, '--start', '--endpos', end, '-o', 'proto_version=1', '-o', `publication_names=${s}`, '-f', '/dev/null', '--no-loop'];
    const proc = spawn('/usr/bin/time', ['-f', '%M', 'pg_recvlogical', ...args], {
      env: { ...process.env, PGPASSWORD: env.PG_PASSWORD },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((r) => proc.on('exit', r));
    const t1 = Date.now();
    if (code !== 0) throw new Error(`pg_recvlogical exited ${code}: ${err}`);
    const rss = Math.round(Number(err.trim().split('\n').pop()) / 1024);
    const lat = await recvlogicalLatency(env, pg, s);
    return {
      reader: 'pg_recvlogical (decode only, no Kafka)',
      engine: 'postgres',
      rowsPerSec: Math.round(ROWS / ((t1 - t0) / 1000)),
      p50Ms: pct(lat, 50),
      p99Ms: pct(lat, 99),
      peakRssMb: rss,
      note: 'throughput: pgoutput to /dev/null; latency: commit → line received from test_decoding (include-timestamp), per transaction',
    };
  } finally {
    await cleanup(env, s);
  }
}

/** Commit → arrival of the COMMIT line at pg_recvlogical's stdout (test_decoding), at the same paced rate. */
async function recvlogicalLatency(env: Infra, pg: Client, s: string): Promise<number[]> {
  const slot = `${s}_td`;
  await pg.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [slot]);
  const conn = ['-h', env.PG_HOST, '-p', env.PG_PORT, '-U', env.PG_USER, '-d', env.PG_DATABASE];
  const args = [...conn, '--slot', slot, '--start', '-o', 'include-timestamp=on', '-o', 'skip-empty-xacts=on', '-f', '-', '-F', '0'];
  const proc = spawn('pg_recvlogical', args, { env: { ...process.env, PGPASSWORD: env.PG_PASSWORD }, stdio: ['ignore', 'pipe', 'ignore'] });
  const lat: number[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const now = Date.now();
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /^COMMIT \d+ \(at (.+)\)$/.exec(line);
      if (m) lat.push(now - Date.parse(m[1].replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')));
    }
  });
  try {
    await sleep(1000);
    await pacedInserts(pg, s, 20_000_000);
    await sleep(2000);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.on('exit', r));
    await pg.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
  }
  return lat;
}

/** The connector's settings: pgoutput, the bench's publication and slot, JsonConverter with schemas. */
function debeziumConfig(env: Infra, pluginClass: string, s: string): Record<string, string> {
  return {
    'connector.class': pluginClass,
    'plugin.name': 'pgoutput',
    'database.hostname': env.PG_HOST,
    'database.port': env.PG_PORT,
    'database.user': env.PG_USER,
    'database.password': env.PG_PASSWORD,
    'database.dbname': env.PG_DATABASE,
    'topic.prefix': s,
    'slot.name': s,
    'publication.name': s,
    'publication.autocreate.mode': 'disabled',
    'table.include.list': `${s}.t`,
    'snapshot.mode': 'no_data',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
  };
}

export async function benchDebezium(env: Infra, pg: Client, connectUrl: string, connectPid: number): Promise<Result> {
  const plugins = (await connectJson(`${connectUrl}/connector-plugins`)) as { class: string; version: string }[];
  const plugin = plugins.find((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector');
  if (!plugin) throw new Error('the Connect worker has no Debezium PostgreSQL connector');
  const s = scratchName('bench_d');
  await setupSchema(pg, s);
  const topic = `${s}.${s}.t`;
  await createTopic(env, topic);
  try {
    await connectJson(`${connectUrl}/connectors`, 'POST', { name: s, config: debeziumConfig(env, plugin.class, s) });
    await waitConnectorState(connectUrl, s, 'RUNNING');
    // wait for the slot to be created and streaming
    for (let i = 0; i < 150; i++) {
      const r = await pg.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [s]);
      if (r.rows[0]?.active) break;
      await sleep(200);
    }
    await connectJson(`${connectUrl}/connectors/${s}/pause`, 'PUT');
    await waitConnectorState(connectUrl, s, 'PAUSED');
    const { records } = await backlog(pg, s, ROWS, 0);
    const rssBefore = vmHwmMb(connectPid);
    const t0 = Date.now();
    await connectJson(`${connectUrl}/connectors/${s}/resume`, 'PUT');
    const t1 = await waitForCount(env, topic, records, 900000);
    const rowsPerSec = Math.round(ROWS / ((t1 - t0) / 1000));
    const before = await topicCount(env, topic);
    const n = await pacedInserts(pg, s, 10_000_000);
    await waitForCount(env, topic, before + n, 180000);
    const lat = (await latencies(env, topic, Math.round(ROWS * 0.6) + n, pgCommitTime)).slice(-n);
    return {
      reader: `Debezium ${plugin.version} PostgreSQL connector on Kafka Connect`,
      engine: 'postgres',
      rowsPerSec,
      p50Ms: pct(lat, 50),
      p99Ms: pct(lat, 99),
      peakRssMb: vmHwmMb(connectPid),
      note: `RSS of the whole Connect worker JVM (peak before this run: ${rssBefore} MB)`,
    };
  } finally {
    await connectJson(`${connectUrl}/connectors/${s}`, 'DELETE').catch(() => undefined);
    await sleep(2000);
    await cleanup(env, s);
  }
}

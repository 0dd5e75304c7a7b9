/**
 * `npm run bench:snapshot`: the CDC worker's incremental snapshot against Debezium's PostgreSQL
 * connector's incremental snapshot, on the same database and broker, in one run.
 *
 * Each reader gets its own copy of a table of BENCH_SNAPSHOT_ROWS rows (default 200,000) and a
 * signal table, is started streaming (snapshot mode `no_data`), and is then sent the same
 * `execute-snapshot` signal row; rows/s = table rows / (last snapshot record in Kafka − signal
 * commit). Both read chunks of 1,024 rows (Debezium's default `incremental.snapshot.chunk.size`)
 * with JSON and schemas. Peak RSS: VmHWM of the worker process; for Debezium, of the whole Kafka
 * Connect JVM (as in bench:cdc). Both write their watermarks with synchronous_commit on (the worker
 * always does; Debezium through `database.initial.statements`), as on a default server.
 *
 * Needs `npm run infra:up`. Prints a table and the ratio; writes bench/snapshot/results.json.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Client } from 'pg';
import { loadInfraEnv } from '../../test/integration/infra';
import { Infra, cleanup, infra, pgClient, scratchName, startWorker, workerConfig, writeConfigFile } from '../../test/cdc-worker/harness';
import { compileWorker, imageNodeFlags } from '../cdc/build';
import { connectJson, createTopic, sleep, vmHwmMb, waitConnectorState, waitForCount } from '../cdc/common';

const ROWS = Number(process.env.BENCH_SNAPSHOT_ROWS ?? 200000);
const CHUNK = 1024;

interface SnapshotResult {
  reader: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  peakRssMb: number | null;
  note?: string;
}

async function setup(pg: Client, s: string): Promise<void> {
  await pg.query(`CREATE SCHEMA ${s};
    CREATE TABLE ${s}.t (id bigint PRIMARY KEY, qty int NOT NULL, label text, price numeric(10,2), at timestamptz DEFAULT now());
    INSERT INTO ${s}.t (id, qty, label, price) SELECT g, g % 100, md5(g::text), (g % 100000) / 100.0 FROM generate_series(1, ${ROWS}) g;
    CREATE TABLE ${s}.debezium_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048) NULL);
    CREATE PUBLICATION ${s} FOR TABLE ${s}.t, ${s}.debezium_signal;
    ANALYZE ${s}.t;`);
}

/** Inserts the execute-snapshot signal; returns its commit time (ms). */
async function signal(pg: Client, s: string): Promise<number> {
  const data = JSON.stringify({ type: 'incremental', 'data-collections': [`${s}.t`] });
  await pg.query(`INSERT INTO ${s}.debezium_signal (id, type, data) VALUES ('bench-1', 'execute-snapshot', $1)`, [data]);
  return Date.now();
}

async function benchWorker(env: Infra, pg: Client, mainJs: string): Promise<SnapshotResult> {
  const s = scratchName('bsnap_w');
  await setup(pg, s);
  const topic = `${s}.${s}.t`;
  await createTopic(env, topic);
  const cfg = writeConfigFile(
    workerConfig(env, s, [`${s}.t`], {
      source: { snapshotMode: 'no_data' } as object,
      signal: { table: `${s}.debezium_signal`, chunkSize: CHUNK },
    } as never),
  );
  const worker = startWorker(cfg, env, { cmd: process.execPath, args: [...imageNodeFlags(), mainJs, '--config', cfg] });
  try {
    await worker.waitForLog(/"msg":"streaming started"/);
    const t0 = await signal(pg, s);
    const t1 = await waitForCount(env, topic, ROWS, 900000);
    const seconds = (t1 - t0) / 1000;
    const rss = vmHwmMb(worker.proc.pid!);
    worker.proc.kill('SIGTERM');
    await worker.exited;
    return { reader: 'cdc-worker (this checkout)', rows: ROWS, seconds, rowsPerSec: Math.round(ROWS / seconds), peakRssMb: rss };
  } catch (e) {
    process.stderr.write(`worker logs:\n${worker.logs.slice(-20).join('\n')}\n`);
    throw e;
  } finally {
    worker.proc.kill('SIGKILL');
    await cleanup(env, s);
  }
}

async function benchDebezium(env: Infra, pg: Client, connectUrl: string, connectPid: number): Promise<SnapshotResult> {
  const plugins = (await connectJson(`${connectUrl}/connector-plugins`)) as { class: string; version: string }[];
  const plugin = plugins.find((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector');
  if (!plugin) throw new Error('the Connect worker has no Debezium PostgreSQL connector');
  const s = scratchName('bsnap_d');
  await setup(pg, s);
  const topic = `${s}.${s}.t`;
  await createTopic(env, topic);
  // Debezium also emits the signal table's rows (its watermarks); the broker creates no topic on its own
  await createTopic(env, `${s}.${s}.debezium_signal`);
  const config = {
    'connector.class': plugin.class,
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
    'table.include.list': `${s}.t,${s}.debezium_signal`,
    'signal.data.collection': `${s}.debezium_signal`,
    'incremental.snapshot.chunk.size': String(CHUNK),
    // as the worker's watermark session: the harness runs PostgreSQL with synchronous_commit off,
    // where a watermark would reach the stream only at the WAL writer's next flush (200 ms)
    'database.initial.statements': 'SET synchronous_commit = on',
    'snapshot.mode': 'no_data',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
  };
  try {
    const rssBefore = vmHwmMb(connectPid);
    await connectJson(`${connectUrl}/connectors`, 'POST', { name: s, config });
    await waitConnectorState(connectUrl, s, 'RUNNING');
    for (let i = 0; i < 150; i++) {
      const r = await pg.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [s]);
      if (r.rows[0]?.active) break;
      await sleep(200);
    }
    await sleep(2000); // streaming has begun
    const t0 = await signal(pg, s);
    const t1 = await waitForCount(env, topic, ROWS, Number(process.env.BENCH_TIMEOUT_MS ?? 900000));
    const seconds = (t1 - t0) / 1000;
    return {
      reader: `Debezium ${plugin.version} PostgreSQL connector on Kafka Connect`,
      rows: ROWS,
      seconds,
      rowsPerSec: Math.round(ROWS / seconds),
      peakRssMb: vmHwmMb(connectPid),
      note: `RSS of the whole Connect worker JVM (peak before this run: ${rssBefore} MB)`,
    };
  } finally {
    await connectJson(`${connectUrl}/connectors/${s}`, 'DELETE').catch(() => undefined);
    await sleep(2000);
    await cleanup(env, s);
  }
}

async function main(): Promise<void> {
  const env = infra();
  const infraEnv = loadInfraEnv();
  const pg = await pgClient(env);
  const results: SnapshotResult[] = [];
  const errors: string[] = [];
  const run = async (what: string, f: () => Promise<SnapshotResult>) => {
    try {
      const r = await f();
      results.push(r);
      process.stderr.write(`  ${what}: ${JSON.stringify(r)}\n`);
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message}`);
    }
  };
  try {
    const mainJs = compileWorker();
    await run('cdc-worker', () => benchWorker(env, pg, mainJs));
    const connectPid = Number(readFileSync(join(infraEnv.CDP_RUN, 'connect', 'connect.pid'), 'utf8').trim());
    await run('Debezium', () => benchDebezium(env, pg, infraEnv.CONNECT_URL, connectPid));
  } finally {
    await pg.end();
  }
  console.log(`\nincremental snapshot of ${ROWS} rows (chunks of ${CHUNK}), same PostgreSQL and Kafka:\n`);
  console.log('| reader | rows/s | seconds | peak RSS MB |\n| --- | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.reader} | ${r.rowsPerSec} | ${r.seconds.toFixed(1)} | ${r.peakRssMb ?? 'n/a'} |`);
  const [w, d] = [results.find((r) => r.reader.startsWith('cdc-worker')), results.find((r) => r.reader.startsWith('Debezium'))];
  if (w && d) {
    console.log(
      `\nworker / Debezium: ${(w.rowsPerSec / d.rowsPerSec).toFixed(2)}× the rows/s, ${w.peakRssMb && d.peakRssMb ? (w.peakRssMb / d.peakRssMb).toFixed(3) : 'n/a'}× the peak RSS`,
    );
  }
  for (const e of errors) console.log(`not measured: ${e}`);
  writeFileSync(join(__dirname, 'results.json'), JSON.stringify({ rows: ROWS, chunk: CHUNK, at: new Date().toISOString(), results, errors }, null, 2) + '\n');
  if (errors.length) process.exitCode = 1;
}

void main();

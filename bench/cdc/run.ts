/**
 * `npm run bench:cdc [-- --engine postgres|mysql|both] [--baseline <git ref> …]`: the CDC worker
 * against Debezium's connector for the engine, Kafka's own Java producer sending the worker's
 * events (the ceiling of any Kafka writer here) and, for PostgreSQL, pg_recvlogical (the raw
 * pgoutput decode limit) — same database, same Kafka, same workload, one run.
 * `--baseline <ref>` (repeatable) adds the worker of that commit (built from a git worktree), side by side.
 *
 *  - throughput: a backlog of BENCH_ROWS row changes (60% inserts, 30% updates, 10% deletes, in
 *    transactions of 1,000) is written while the reader is stopped; then the reader starts and
 *    we time until every event is in Kafka (worker, Debezium: topic end offsets) or decoded
 *    (pg_recvlogical: --endpos). Rows/s = row changes / that time.
 *  - latency: BENCH_RATE rows/s (default 5,000) of inserts for BENCH_SECONDS, reader streaming;
 *    latency = Kafka LogAppendTime − commit time, p50/p99 (PostgreSQL: source.ts_us; MariaDB,
 *    whose binlog has whole seconds: the client's time of the autocommitted INSERT, in the row).
 *  - peak RSS: VmHWM of the reader process (for Debezium: the whole Connect worker JVM).
 *
 * Needs `npm run infra:up`. Prints a table and the ratios; writes bench/cdc/results.json
 * (results-mysql.json for `--engine mysql`).
 */
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Client } from 'pg';
import { loadInfraEnv } from '../../test/integration/infra';
import { infra, pgClient } from '../../test/cdc-worker/harness';
import { WorkerBuild, baselineWorker, compileWorker } from './build';
import { RATE, ROWS, Result, SECONDS, sampleValues } from './common';
import { benchKafkaProducer } from './kafka-producer';
import { benchSinkCeiling } from './sink-ceiling';
import { benchDebeziumMariaDb, benchMysqlWorker } from './mysql';
import { benchDebezium, benchRecvlogical, benchWorker } from './postgres';

const LOAD_AT_START = readFileSync('/proc/loadavg', 'utf8').trim();

interface Options {
  engines: Result['engine'][];
  baselines: string[];
}

function options(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    if (i < 0) return null;
    if (!argv[i + 1] || argv[i + 1].startsWith('--')) throw new Error(`${name} needs a value`);
    return argv[i + 1];
  };
  const engine = value('--engine') ?? 'postgres';
  if (!['postgres', 'mysql', 'both'].includes(engine)) throw new Error(`--engine: ${engine} is not valid; allowed: postgres, mysql, both`);
  const baselines = argv.flatMap((a, i) => (a === '--baseline' ? [argv[i + 1]] : []));
  if (baselines.some((b) => !b || b.startsWith('--'))) throw new Error('--baseline needs a git ref');
  return { engines: engine === 'both' ? ['postgres', 'mysql'] : [engine as Result['engine']], baselines };
}

/** Runs one contender; a failure is recorded (not measured: why) and the run goes on. */
async function contender(results: Result[], errors: string[], what: string, run: () => Promise<Result>): Promise<void> {
  try {
    const r = await run();
    results.push(r);
    process.stderr.write(`  ${what} done: ${JSON.stringify(r)}\n`);
  } catch (e) {
    errors.push(`${what}: ${(e as Error).message}`);
    process.stderr.write(`  ${what} failed: ${(e as Error).stack}\n`);
  }
}

const connectPid = () => Number(readFileSync(join(loadInfraEnv().CDP_RUN, 'connect', 'connect.pid'), 'utf8').trim());

async function benchPostgres(pg: Client, current: WorkerBuild, baselines: WorkerBuild[], results: Result[], errors: string[]): Promise<void> {
  const env = infra();
  await contender(results, errors, current.label, () => benchWorker(env, pg, current, {}, true));
  for (const b of baselines) await contender(results, errors, b.label, () => benchWorker(env, pg, b));
  if (!process.env.BENCH_SKIP_UNCOMPRESSED) {
    const none = { ...current, label: `${current.label}, kafka.compression=none` };
    await contender(results, errors, none.label, () => benchWorker(env, pg, none, { compression: 'none' }));
  }
  if (!process.env.BENCH_SKIP_KAFKA_PRODUCER) {
    await contender(results, errors, 'Kafka producer (postgres)', () =>
      benchKafkaProducer(env, ROWS + Math.round(ROWS * 0.1), sampleValues.postgres, 'postgres'),
    );
  }
  if (!process.env.BENCH_SKIP_SINK_CEILING) {
    await contender(results, errors, 'KafkaSink alone (postgres)', () =>
      benchSinkCeiling(env, ROWS + Math.round(ROWS * 0.1), sampleValues.postgres, 'postgres'),
    );
  }
  if (!process.env.BENCH_SKIP_RECVLOGICAL) await contender(results, errors, 'pg_recvlogical', () => benchRecvlogical(env, pg));
  const connectUrl = loadInfraEnv().CONNECT_URL;
  if (process.env.BENCH_SKIP_DEBEZIUM) errors.push('Debezium (postgres): skipped (BENCH_SKIP_DEBEZIUM)');
  else if (!connectUrl) errors.push('Debezium: CONNECT_URL not in infra.env (run `npm run infra:up`)');
  else await contender(results, errors, 'Debezium (postgres)', () => benchDebezium(env, pg, connectUrl, connectPid()));
}

async function benchMysql(current: WorkerBuild, baselines: WorkerBuild[], results: Result[], errors: string[]): Promise<void> {
  const env = infra();
  await contender(results, errors, `${current.label} (mariadb)`, () => benchMysqlWorker(current, true));
  for (const b of baselines) await contender(results, errors, `${b.label} (mariadb)`, () => benchMysqlWorker(b));
  if (!process.env.BENCH_SKIP_KAFKA_PRODUCER) {
    await contender(results, errors, 'Kafka producer (mysql)', () => benchKafkaProducer(env, ROWS + Math.round(ROWS * 0.1), sampleValues.mysql, 'mysql'));
  }
  if (!process.env.BENCH_SKIP_SINK_CEILING) {
    await contender(results, errors, 'KafkaSink alone (mysql)', () => benchSinkCeiling(env, ROWS + Math.round(ROWS * 0.1), sampleValues.mysql, 'mysql'));
  }
  const connectUrl = loadInfraEnv().CONNECT_URL;
  if (process.env.BENCH_SKIP_DEBEZIUM) errors.push('Debezium (mysql): skipped (BENCH_SKIP_DEBEZIUM)');
  else if (!connectUrl) errors.push('Debezium: CONNECT_URL not in infra.env (run `npm run infra:up`)');
  else await contender(results, errors, 'Debezium (mariadb)', () => benchDebeziumMariaDb(connectUrl, connectPid()));
}

/** The figures against issue 20's targets, per engine. */
function ratios(results: Result[], engine: Result['engine']): string[] {
  const of = results.filter((x) => x.engine === engine);
  const w = of.find((x) => x.reader.startsWith('cdc-worker') && !x.reader.includes('baseline') && !x.reader.includes('compression=none'));
  const baselines = of.filter((x) => x.reader.includes('baseline'));
  const r = of.find((x) => x.reader.startsWith('pg_recvlogical'));
  const d = of.find((x) => x.reader.startsWith('Debezium'));
  const k = of.find((x) => x.reader.startsWith("Kafka's"));
  const out: string[] = [];
  const x = (a: number, c: number) => (a / c).toFixed(2);
  if (w?.rowsPerSec && k?.rowsPerSec) out.push(`${engine}: worker / Kafka's Java producer: ${x(w.rowsPerSec, k.rowsPerSec)}× (target ≥ 0.8×)`);
  if (w?.rowsPerSec && d?.rowsPerSec) out.push(`${engine}: worker / Debezium: ${x(w.rowsPerSec, d.rowsPerSec)}× (target ≥ 3×)`);
  for (const b of baselines) {
    if (w?.rowsPerSec && b.rowsPerSec)
      out.push(
        `${engine}: worker / ${b.reader}: ${x(w.rowsPerSec, b.rowsPerSec)}× (CPU/1k rows ${w.cpuMsPer1kRows} vs ${b.cpuMsPer1kRows} ms, p99 ${w.p99Ms} vs ${b.p99Ms} ms, RSS ${w.peakRssMb} vs ${b.peakRssMb} MB)`,
      );
  }
  if (w?.rowsPerSec && r?.rowsPerSec) out.push(`${engine}: worker / pg_recvlogical: ${x(w.rowsPerSec, r.rowsPerSec)}×`);
  if (w && w.p99Ms !== null) out.push(`${engine}: worker p99 at ${RATE} rows/s: ${w.p99Ms} ms (target < 50 ms)`);
  if (w?.peakRssMb) out.push(`${engine}: worker peak RSS: ${w.peakRssMb} MB (target < 200 MB)`);
  return out;
}

function report(results: Result[], errors: string[], opts: Options): void {
  const fmt = (v: number | null) => (v === null ? 'n/a' : String(v));
  const lines = [
    `| engine | reader | rows/s | p50 ms | p99 ms | peak RSS MB | CPU ms / 1k rows | note |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...results.map(
      (x) =>
        `| ${x.engine} | ${x.reader} | ${fmt(x.rowsPerSec)} | ${fmt(x.p50Ms)} | ${fmt(x.p99Ms)} | ${fmt(x.peakRssMb)} | ${fmt(x.cpuMsPer1kRows ?? null)} | ${x.note ?? ''} |`,
    ),
  ];
  const all = opts.engines.flatMap((e) => ratios(results, e));
  process.stdout.write([...lines, '', ...all.map((x) => `- ${x}`), ...errors.map((e) => `- not measured: ${e}`)].join('\n') + '\n');
  const file = opts.engines.length === 1 && opts.engines[0] === 'mysql' ? 'results-mysql.json' : 'results.json';
  const meta = {
    at: new Date().toISOString(),
    argv: process.argv.slice(2),
    loadavg: { start: LOAD_AT_START, end: readFileSync('/proc/loadavg', 'utf8').trim() },
    rows: ROWS,
    rate: RATE,
    seconds: SECONDS,
  };
  writeFileSync(join(__dirname, file), JSON.stringify({ ...meta, results, errors }, null, 2) + '\n');
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const results: Result[] = [];
  const errors: string[] = [];
  const current: WorkerBuild = { mainJs: compileWorker(), label: 'cdc-worker (this checkout), default config (gzip)' };
  const baselines = opts.baselines.map(baselineWorker);
  process.stderr.write(`bench: ${ROWS} row changes backlog; latency at ${RATE} rows/s for ${SECONDS}s; load ${readFileSync('/proc/loadavg', 'utf8')}`);
  if (opts.engines.includes('postgres')) {
    const pg = await pgClient(infra());
    try {
      await benchPostgres(pg, current, baselines, results, errors);
    } finally {
      await pg.end();
    }
  }
  if (opts.engines.includes('mysql')) await benchMysql(current, baselines, results, errors);
  report(results, errors, opts);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});

/**
 * `npm run bench:cdc`: the CDC worker against pg_recvlogical (the raw pgoutput decode limit)
 * and, when the harness's Kafka Connect has it, Debezium's PostgreSQL connector — same
 * PostgreSQL, same Kafka, same workload, one run.
 *
 *  - throughput: a backlog of BENCH_ROWS row changes (60% inserts, 30% updates, 10% deletes, in
 *    transactions of 1,000) is written while the reader is stopped; then the reader starts and
 *    we time until every event is in Kafka (worker, Debezium: topic end offsets) or decoded
 *    (pg_recvlogical: --endpos). Rows/s = row changes / that time.
 *  - latency: BENCH_RATE rows/s (default 5,000) of inserts for BENCH_SECONDS, reader streaming;
 *    latency = Kafka LogAppendTime − PostgreSQL commit time (source.ts_us), p50/p99.
 *  - peak RSS: VmHWM of the reader process (for Debezium: the whole Connect worker JVM).
 *
 * Needs `npm run infra:up`. Prints a table and the ratios; writes bench/cdc/results.json.
 */
import { execFileSync, spawn } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Client } from 'pg';
import { loadInfraEnv } from '../../test/integration/infra';
import { Infra, REPO, cleanup, infra, kafka, pgClient, scratchName, startWorker, workerConfig, writeConfigFile } from '../../test/cdc-worker/harness';

const ROWS = Number(process.env.BENCH_ROWS ?? 100000);
const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

interface Result {
  reader: string;
  rowsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  peakRssMb: number | null;
  note?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function vmHwmMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

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
  for (let a = 0; a < inserts; a += tx) {
    const b = Math.min(inserts, a + tx) - 1;
    await pg.query(`INSERT INTO ${s}.t (id, qty, label, price) SELECT g, g % 100, md5(g::text), (g % 100000) / 100.0 FROM generate_series($1::bigint, $2::bigint) g`, [offset + a, offset + b]);
  }
  for (let a = 0; a < updates; a += tx) {
    const b = Math.min(updates, a + tx) - 1;
    await pg.query(`UPDATE ${s}.t SET qty = qty + 1, label = label || 'x' WHERE id BETWEEN $1 AND $2`, [offset + a, offset + b]);
  }
  for (let a = 0; a < deletes; a += tx) {
    const b = Math.min(deletes, a + tx) - 1;
    await pg.query(`DELETE FROM ${s}.t WHERE id BETWEEN $1 AND $2`, [offset + inserts - deletes + a, offset + inserts - deletes + b]);
  }
  return { changes: rows, records: rows + deletes /* tombstones */ };
}

async function topicCount(env: Infra, topic: string): Promise<number> {
  const admin = kafka(env).admin();
  await admin.connect();
  try {
    const offs = await admin.fetchTopicOffsets(topic);
    return offs.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } catch {
    return 0;
  } finally {
    await admin.disconnect();
  }
}

async function waitForCount(env: Infra, topic: string, n: number, timeoutMs: number): Promise<number> {
  const admin = kafka(env).admin();
  await admin.connect();
  const t0 = Date.now();
  try {
    for (;;) {
      let c = 0;
      try {
        c = (await admin.fetchTopicOffsets(topic)).reduce((a, o) => a + Number(o.high), 0);
      } catch {
        /* topic not there yet */
      }
      if (c >= n) return Date.now();
      if (Date.now() - t0 > timeoutMs) throw new Error(`${topic}: ${c} of ${n} records after ${timeoutMs} ms`);
      await sleep(20);
    }
  } finally {
    await admin.disconnect();
  }
}

async function createTopic(env: Infra, topic: string): Promise<void> {
  const admin = kafka(env).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Up to this many event values of the worker's run are kept, as the payloads of Kafka's own producer run. */
const SAMPLE_EVENTS = 2000;
const sampleValues: string[] = [];

/** Latency of records already in `topic` (LogAppendTime − source commit time). */
async function latencies(env: Infra, topic: string, expected: number): Promise<number[]> {
  const consumer = kafka(env).consumer({ groupId: scratchName('bench'), maxBytes: 64 * 1024 * 1024 });
  const out: number[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (!m.value) continue;
        const text = m.value.toString();
        if (sampleValues.length < SAMPLE_EVENTS) sampleValues.push(text);
        const v = JSON.parse(text);
        const p = v.payload ?? v;
        if (p.op !== 'c') continue;
        const commitMs = (p.source.ts_us ?? p.source.ts_ms * 1000) / 1000;
        out.push(Number(m.timestamp) - commitMs);
      }
      if (out.length >= expected) done();
    },
  });
  await Promise.race([finished, sleep(120000)]);
  await consumer.disconnect();
  return out;
}

function pct(xs: number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
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
      const due = t0 + i * 10;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      await pg.query(`INSERT INTO ${s}.t (id, qty, label, price) SELECT g, 1, 'live', 1.00 FROM generate_series($1::bigint, $2::bigint) g`, [offset + n, offset + n + perTx - 1]);
      n += perTx;
    }
  } finally {
    await pg.query('RESET synchronous_commit');
  }
  return n;
}

/** The node flags of the Dockerfile's CMD. */
function imageNodeFlags(): string[] {
  const df = readFileSync(join(REPO, 'lib/cdc-worker/Dockerfile'), 'utf8');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(df)![1]) as string[];
  return cmd.slice(1).filter((a) => a.startsWith('--'));
}

function compileWorker(): string {
  const out = mkdtempSync(join(tmpdir(), 'cdcw-bench-build-'));
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), join(REPO, 'lib/cdc-worker/main.ts'), '--outDir', out, '--target', 'ES2022', '--module', 'commonjs', '--esModuleInterop', '--skipLibCheck', '--types', 'node'], { stdio: 'pipe' });
  } catch {
    /* type errors elsewhere still emit */
  }
  const main = join(out, 'main.js');
  if (!existsSync(main)) throw new Error('could not compile lib/cdc-worker/main.ts');
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  process.env.NODE_PATH = join(REPO, 'node_modules'); // the build lives outside the repository
  return main;
}

async function benchWorker(env: Infra, pg: Client, mainJs: string, label: string, kafkaTuning: object): Promise<Result> {
  const s = scratchName('bench_w');
  await setupSchema(pg, s);
  const topic = `${s}.${s}.t`;
  await createTopic(env, topic);
  await pg.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [s]);
  // BENCH_WORKER_KAFKA / BENCH_WORKER_OUTPUT: JSON merged into those config sections (tuning runs)
  const cfg = writeConfigFile(
    workerConfig(env, s, [`${s}.t`], {
      source: { snapshotMode: 'never' } as object,
      kafka: { ...kafkaTuning, ...JSON.parse(process.env.BENCH_WORKER_KAFKA ?? '{}') },
      output: { topicPrefix: s, ...JSON.parse(process.env.BENCH_WORKER_OUTPUT ?? '{}') },
    }),
  );
  let worker = null as ReturnType<typeof startWorker> | null;
  try {
    const { records } = await backlog(pg, s, ROWS, 0);
    // node flags as in the image's CMD (lib/cdc-worker/Dockerfile) unless BENCH_WORKER_NODE_ARGS says otherwise
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? imageNodeFlags().join(' ')).split(' ').filter((a) => a);
    worker = startWorker(cfg, env, { cmd: process.execPath, args: [...nodeArgs, mainJs, '--config', cfg] });
    await worker.waitForLog(/"msg":"streaming started"/);
    const t0 = Date.now();
    const t1 = await waitForCount(env, topic, records, Number(process.env.BENCH_TIMEOUT_MS ?? 600000));
    const rowsPerSec = Math.round(ROWS / ((t1 - t0) / 1000));
    // latency at a steady rate, same worker, now caught up
    const before = await topicCount(env, topic);
    const n = await pacedInserts(pg, s, 10_000_000);
    await waitForCount(env, topic, before + n, 120000);
    const lat = (await latencies(env, topic, Math.round(ROWS * 0.6) + n)).slice(-n);
    const rss = vmHwmMb(worker.proc.pid!);
    worker.proc.kill('SIGTERM');
    await worker.exited;
    return { reader: label, rowsPerSec, p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), peakRssMb: rss };
  } catch (e) {
    process.stderr.write(`worker logs:\n${worker?.logs.slice(-20).join('\n')}\n`);
    throw e;
  } finally {
    worker?.proc.kill('SIGKILL');
    await cleanup(env, s);
  }
}

async function benchRecvlogical(env: Infra, pg: Client): Promise<Result> {
  const s = scratchName('bench_r');
  await setupSchema(pg, s);
  await pg.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [s]);
  try {
    await backlog(pg, s, ROWS, 0);
    const end = (await pg.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l as string;
    const t0 = Date.now();
    const proc = spawn('/usr/bin/time', ['-f', '%M', 'pg_recvlogical', '-h', env.PG_HOST, '-p', env.PG_PORT, '-U', env.PG_USER, '-d', env.PG_DATABASE,
      '--slot', s, '--start', '--endpos', end, '-o', 'proto_version=1', '-o', `publication_names=${s}`, '-f', '/dev/null', '--no-loop'], {
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
  const proc = spawn('pg_recvlogical', ['-h', env.PG_HOST, '-p', env.PG_PORT, '-U', env.PG_USER, '-d', env.PG_DATABASE,
    '--slot', slot, '--start', '-o', 'include-timestamp=on', '-o', 'skip-empty-xacts=on', '-f', '-', '-F', '0'], {
    env: { ...process.env, PGPASSWORD: env.PG_PASSWORD },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
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

/**
 * Kafka's own Java producer (`ProducerPerformance` from the broker's distribution) sending the
 * worker's events (sampled from its run) to the same broker: what any Kafka client can write on
 * this host, the ceiling for every reader that writes to Kafka. Same delivery settings as the
 * worker (acks=all, idempotent, gzip), batches up to the worker's default request size, and up to
 * 5 requests in flight (the Java client pipelines; kafkajs's idempotent producer cannot).
 */
async function benchKafkaProducer(env: Infra, records: number): Promise<Result> {
  if (!sampleValues.length) throw new Error('no worker events were sampled (run the worker first)');
  const all = loadInfraEnv();
  const libs = join(all.CDP_CACHE, `kafka-${all.KAFKA_VERSION}`, 'libs');
  if (!existsSync(libs)) throw new Error(`${libs} is missing: run \`npm run infra:up\` (it installs Kafka there)`);
  const s = scratchName('bench_k');
  await createTopic(env, s);
  const dir = mkdtempSync(join(tmpdir(), 'cdcw-bench-kafka-'));
  const payloads = join(dir, 'events.jsonl');
  writeFileSync(payloads, sampleValues.join('\n'));
  const props = join(dir, 'producer.properties');
  writeFileSync(
    props,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${env.KAFKA_ADMIN_USER}" password="${env.KAFKA_ADMIN_PASSWORD}";`,
      `bootstrap.servers=${env.KAFKA_BOOTSTRAP}`,
      'acks=all',
      'enable.idempotence=true',
      'compression.type=gzip',
      'batch.size=900000',
      'linger.ms=5',
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  const meanBytes = Math.round(sampleValues.reduce((n, v) => n + Buffer.byteLength(v), 0) / sampleValues.length);
  try {
    const out = await new Promise<string>((resolve, reject) => {
      const proc = spawn('/usr/bin/time', ['-f', 'maxrss=%M', 'java', '-Xmx512m', '-cp', `${libs}/*`, 'org.apache.kafka.tools.ProducerPerformance',
        '--topic', s, '--num-records', String(records), '--throughput', '-1', '--payload-file', payloads, '--command-config', props], { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      proc.stdout!.on('data', (d) => (text += d));
      proc.stderr!.on('data', (d) => (text += d));
      proc.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`ProducerPerformance exited ${code}: ${text.slice(-800)}`))));
    });
    const final = /(\d+) records sent, ([\d.]+) records\/sec .*?([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th/.exec(out);
    if (!final) throw new Error(`could not read ProducerPerformance's summary: ${out.slice(-800)}`);
    const rss = /maxrss=(\d+)/.exec(out);
    return {
      reader: "Kafka's Java producer, the worker's events (ProducerPerformance)",
      rowsPerSec: Math.round(Number(final[2])),
      p50Ms: Number(final[3]),
      p99Ms: Number(final[4]),
      peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : null,
      note: `${records} of the worker's events (${sampleValues.length} sampled, mean ${meanBytes} bytes), gzip, acks=all, idempotent, batch.size=900000, linger.ms=5; latency: send → ack under full load`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true }); // the properties file holds the admin password
    await cleanup(env, s);
  }
}

async function connectJson(url: string, method = 'GET', body?: unknown): Promise<unknown> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function benchDebezium(env: Infra, pg: Client, connectUrl: string): Promise<Result> {
  const plugins = (await connectJson(`${connectUrl}/connector-plugins`)) as { class: string; version: string }[];
  const plugin = plugins.find((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector');
  if (!plugin) throw new Error('the Connect worker has no Debezium PostgreSQL connector');
  const s = scratchName('bench_d');
  await setupSchema(pg, s);
  const topic = `${s}.${s}.t`;
  await createTopic(env, topic);
  const name = s;
  const connectPid = Number(readFileSync(join(loadInfraEnv().CDP_RUN, 'connect', 'connect.pid'), 'utf8').trim());
  try {
    await connectJson(`${connectUrl}/connectors`, 'POST', {
      name,
      config: {
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
        'table.include.list': `${s}.t`,
        'snapshot.mode': 'no_data',
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable': 'true',
        'value.converter.schemas.enable': 'true',
      },
    });
    const waitState = async (want: string) => {
      for (let i = 0; i < 300; i++) {
        const st = (await connectJson(`${connectUrl}/connectors/${name}/status`).catch(() => null)) as { connector: { state: string }; tasks: { state: string; trace?: string }[] } | null;
        if (st?.tasks?.[0]?.state === 'FAILED') throw new Error(`Debezium task failed: ${st.tasks[0].trace?.slice(0, 500)}`);
        if (st?.connector.state === want && st.tasks?.[0]?.state === want) return;
        await sleep(200);
      }
      throw new Error(`connector never reached ${want}`);
    };
    await waitState('RUNNING');
    // wait for the slot to be created and streaming
    for (let i = 0; i < 150; i++) {
      const r = await pg.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [s]);
      if (r.rows[0]?.active) break;
      await sleep(200);
    }
    await connectJson(`${connectUrl}/connectors/${name}/pause`, 'PUT');
    await waitState('PAUSED');
    const { records } = await backlog(pg, s, ROWS, 0);
    const rssBefore = vmHwmMb(connectPid);
    const t0 = Date.now();
    await connectJson(`${connectUrl}/connectors/${name}/resume`, 'PUT');
    const t1 = await waitForCount(env, topic, records, 900000);
    const rowsPerSec = Math.round(ROWS / ((t1 - t0) / 1000));
    const before = await topicCount(env, topic);
    const n = await pacedInserts(pg, s, 10_000_000);
    await waitForCount(env, topic, before + n, 180000);
    const lat = (await latencies(env, topic, Math.round(ROWS * 0.6) + n)).slice(-n);
    return {
      reader: `Debezium ${plugin.version} on Kafka Connect`,
      rowsPerSec,
      p50Ms: pct(lat, 50),
      p99Ms: pct(lat, 99),
      peakRssMb: vmHwmMb(connectPid),
      note: `RSS of the whole Connect worker JVM (peak before this run: ${rssBefore} MB)`,
    };
  } finally {
    await connectJson(`${connectUrl}/connectors/${name}`, 'DELETE').catch(() => undefined);
    await sleep(2000);
    await cleanup(env, s);
  }
}

async function main(): Promise<void> {
  const env = infra();
  const pg = await pgClient(env);
  const results: Result[] = [];
  const errors: string[] = [];
  try {
    const mainJs = compileWorker();
    process.stderr.write(`bench: ${ROWS} row changes backlog; latency at ${RATE} rows/s for ${SECONDS}s\n`);
    results.push(await benchWorker(env, pg, mainJs, 'cdc-worker, default config (gzip)', {}));
    process.stderr.write(`  worker done: ${JSON.stringify(results[results.length - 1])}\n`);
    if (!process.env.BENCH_SKIP_UNCOMPRESSED) {
      results.push(await benchWorker(env, pg, mainJs, 'cdc-worker, kafka.compression=none', { compression: 'none' }));
      process.stderr.write(`  worker (uncompressed) done: ${JSON.stringify(results[results.length - 1])}\n`);
    }
    if (!process.env.BENCH_SKIP_KAFKA_PRODUCER) {
      results.push(await benchKafkaProducer(env, ROWS + Math.round(ROWS * 0.1)));
      process.stderr.write(`  Kafka producer done: ${JSON.stringify(results[results.length - 1])}\n`);
    }
    if (!process.env.BENCH_SKIP_RECVLOGICAL) {
      results.push(await benchRecvlogical(env, pg));
      process.stderr.write(`  pg_recvlogical done: ${JSON.stringify(results[results.length - 1])}\n`);
    }
    const connectUrl = loadInfraEnv().CONNECT_URL;
    if (process.env.BENCH_SKIP_DEBEZIUM) errors.push('Debezium: skipped (BENCH_SKIP_DEBEZIUM)');
    else if (connectUrl) {
      try {
        results.push(await benchDebezium(env, pg, connectUrl));
        process.stderr.write(`  debezium done: ${JSON.stringify(results[results.length - 1])}\n`);
      } catch (e) {
        errors.push(`Debezium: ${(e as Error).message}`);
      }
    } else errors.push('Debezium: CONNECT_URL not in infra.env (run `npm run infra:up`)');
  } finally {
    await pg.end();
  }
  const w = results[0];
  const wt = results.find((x) => x.reader.includes('compression=none'));
  const r = results.find((x) => x.reader.startsWith('pg_recvlogical'));
  const d = results.find((x) => x.reader.startsWith('Debezium'));
  const k = results.find((x) => x.reader.startsWith("Kafka's"));
  const fmt = (v: number | null) => (v === null ? 'n/a' : String(v));
  const lines = [
    `| reader | rows/s | p50 ms | p99 ms | peak RSS MB | note |`,
    `| --- | --- | --- | --- | --- | --- |`,
    ...results.map((x) => `| ${x.reader} | ${fmt(x.rowsPerSec)} | ${fmt(x.p50Ms)} | ${fmt(x.p99Ms)} | ${fmt(x.peakRssMb)} | ${x.note ?? ''} |`),
  ];
  const ratios: string[] = [];
  if (w?.rowsPerSec && r?.rowsPerSec) ratios.push(`worker / pg_recvlogical throughput: ${(w.rowsPerSec / r.rowsPerSec).toFixed(2)}× (target ≥ 0.7×)`);
  if (w?.rowsPerSec && d?.rowsPerSec) ratios.push(`worker / Debezium throughput: ${(w.rowsPerSec / d.rowsPerSec).toFixed(2)}× (target ≥ 1.5×)`);
  if (wt?.rowsPerSec && d?.rowsPerSec) ratios.push(`uncompressed worker / Debezium throughput: ${(wt.rowsPerSec / d.rowsPerSec).toFixed(2)}×`);
  if (k?.rowsPerSec && r?.rowsPerSec) ratios.push(`Kafka's Java producer (same events) / pg_recvlogical: ${(k.rowsPerSec / r.rowsPerSec).toFixed(2)}× (the most any Kafka writer reaches here)`);
  if (w?.rowsPerSec && k?.rowsPerSec) ratios.push(`worker / Kafka's Java producer: ${(w.rowsPerSec / k.rowsPerSec).toFixed(2)}×`);
  if (w?.p99Ms !== null && w?.p99Ms !== undefined) ratios.push(`worker p99 at ${RATE} rows/s: ${w.p99Ms} ms (target < 50 ms)`);
  if (w?.peakRssMb) ratios.push(`worker peak RSS: ${w.peakRssMb} MB (target < 200 MB)`);
  const report = [...lines, '', ...ratios.map((x) => `- ${x}`), ...errors.map((e) => `- not measured: ${e}`)].join('\n');
  process.stdout.write(report + '\n');
  writeFileSync(join(__dirname, 'results.json'), JSON.stringify({ at: new Date().toISOString(), rows: ROWS, rate: RATE, seconds: SECONDS, results, errors }, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});


/**
 * The MySQL/MariaDB side of `npm run bench:cdc -- --engine mysql`: the same workload on the
 * harness's MariaDB, the worker (this checkout's and a baseline's) and Debezium's MariaDB connector.
 *
 * A reader is started once, shown one row (so it has a stored position), stopped (the worker by
 * SIGTERM, Debezium by pausing the connector), the backlog is written, and the clock runs from its
 * restart until every event is in Kafka. MariaDB's binlog gives commit times in whole seconds, so
 * the latency rows carry the client's time of their autocommitted INSERT (`sent_us`).
 */
import type { Connection } from 'mysql2/promise';
import { Infra, RunningWorker, scratchName, startWorker, writeConfigFile } from '../../test/cdc-worker/harness';
import { MySqlInfra, deleteTopics, mariadb, mysqlInfra, mysqlWorkerConfig } from '../../test/cdc-worker/mysql-harness';
import { WorkerBuild } from './build';
import {
  CommitTimeOf,
  RATE,
  ROWS,
  Result,
  SECONDS,
  connectJson,
  cpuMs,
  createTopic,
  latencies,
  pct,
  sampleValues,
  sleep,
  topicCount,
  vmHwmMb,
  waitConnectorState,
  waitForCount,
} from './common';
import { keepLogs, workerNodeArgs, workerTuning } from './postgres';

const asInfra = (env: MySqlInfra) => env as unknown as Infra;

const sentTime: CommitTimeOf = (p) => (p.op === 'c' && p.after?.sent_us ? p.after.sent_us / 1000 : null);

async function createTable(db: Connection, t: string): Promise<void> {
  await db.query(
    `CREATE TABLE \`${t}\` (id BIGINT PRIMARY KEY, qty INT NOT NULL, label TEXT, price DECIMAL(10,2), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6), sent_us BIGINT)`,
  );
}

/** The PostgreSQL bench's backlog on MariaDB: 60% inserts, 30% updates, 10% deletes, 1,000 rows a transaction. */
async function backlog(db: Connection, t: string, rows: number): Promise<number> {
  const inserts = Math.round(rows * 0.6);
  const updates = Math.round(rows * 0.3);
  const deletes = rows - inserts - updates;
  const tx = 1000;
  for (let a = 0; a < inserts; a += tx) {
    const ids = Array.from({ length: Math.min(tx, inserts - a) }, (_, i) => a + i);
    await db.query(`INSERT INTO \`${t}\` (id, qty, label, price) VALUES ${ids.map((g) => `(${g}, ${g % 100}, MD5('${g}'), ${(g % 100000) / 100})`).join(',')}`);
  }
  for (let a = 0; a < updates; a += tx) {
    await db.query(`UPDATE \`${t}\` SET qty = qty + 1, label = CONCAT(label, 'x') WHERE id BETWEEN ? AND ?`, [a, Math.min(updates, a + tx) - 1]);
  }
  for (let a = 0; a < deletes; a += tx) {
    await db.query(`DELETE FROM \`${t}\` WHERE id BETWEEN ? AND ?`, [inserts - deletes + a, inserts - deletes + Math.min(deletes, a + tx) - 1]);
  }
  return rows + deletes; // records: the changes and a tombstone per delete
}

/** RATE rows/s in 100 autocommitted INSERTs per second for SECONDS, each row with the client's time. */
async function pacedInserts(db: Connection, t: string, offset: number): Promise<number> {
  const perTx = Math.max(1, Math.round(RATE / 100));
  const t0 = Date.now();
  let n = 0;
  for (let i = 0; i < SECONDS * 100; i++) {
    const wait = t0 + i * 10 - Date.now();
    if (wait > 0) await sleep(wait);
    const us = Date.now() * 1000;
    const rows = Array.from({ length: perTx }, (_, j) => `(${offset + n + j}, 1, 'live', 1.00, ${us})`);
    await db.query(`INSERT INTO \`${t}\` (id, qty, label, price, sent_us) VALUES ${rows.join(',')}`);
    n += perTx;
  }
  return n;
}

/** Latency at the paced rate once the backlog is in, and a sample of the events. */
async function pacedLatency(env: MySqlInfra, db: Connection, t: string, topic: string, sample?: string[]): Promise<number[]> {
  const before = await topicCount(asInfra(env), topic);
  const n = await pacedInserts(db, t, 10_000_000);
  await waitForCount(asInfra(env), topic, before + n, 180000);
  return (await latencies(asInfra(env), topic, n, sentTime, sample)).slice(-n);
}

export async function benchMysqlWorker(build: WorkerBuild, sample = false): Promise<Result> {
  const env = mysqlInfra();
  const db = await mariadb(env);
  const s = scratchName('bench_mw');
  const topic = `${s}.${env.MARIADB_DATABASE}.${s}`;
  const tuning = workerTuning({});
  const cfg = writeConfigFile(
    mysqlWorkerConfig(env, s, [`${env.MARIADB_DATABASE}.${s}`], {
      source: { snapshotMode: 'never' },
      kafka: tuning.kafka,
      output: { topicPrefix: s, ...tuning.output },
      delivery: tuning.delivery,
    }),
  );
  let worker: RunningWorker | null = null;
  try {
    await createTable(db, s);
    await createTopic(asInfra(env), topic);
    worker = startBuild(build, cfg, env);
    await worker.waitForLog(/"msg":"streaming started"/);
    await db.query(`INSERT INTO \`${s}\` (id, qty) VALUES (-1, 0)`);
    await waitForCount(asInfra(env), topic, 1, 60000);
    worker.proc.kill('SIGTERM');
    await worker.exited;
    const records = 1 + (await backlog(db, s, ROWS));
    worker = startBuild(build, cfg, env);
    await worker.waitForLog(/"msg":"streaming started"/);
    const [t0, cpu0] = [Date.now(), cpuMs(worker.proc.pid!)];
    const t1 = await waitForCount(asInfra(env), topic, records, Number(process.env.BENCH_TIMEOUT_MS ?? 600000));
    const cpuMsPer1kRows = Math.round((cpuMs(worker.proc.pid!) - cpu0) / (ROWS / 1000));
    const lat = await pacedLatency(env, db, s, topic, sample ? sampleValues.mysql : undefined);
    const rss = vmHwmMb(worker.proc.pid!);
    worker.proc.kill('SIGTERM');
    await worker.exited;
    keepLogs(worker.logs, `${build.label} (mariadb)`);
    return {
      reader: `${build.label} (mariadb)`,
      engine: 'mysql',
      rowsPerSec: Math.round(ROWS / ((t1 - t0) / 1000)),
      p50Ms: pct(lat, 50),
      p99Ms: pct(lat, 99),
      peakRssMb: rss,
      cpuMsPer1kRows,
    };
  } catch (e) {
    process.stderr.write(`worker logs:\n${worker?.logs.slice(-20).join('\n')}\n`);
    throw e;
  } finally {
    worker?.proc.kill('SIGKILL');
    await db.query(`DROP TABLE IF EXISTS \`${s}\``).catch(() => undefined);
    await db.end();
    await deleteTopics(env, s);
  }
}

/** The build's worker; the database password through the environment, as in production. */
function startBuild(build: WorkerBuild, cfg: string, env: MySqlInfra): RunningWorker {
  const cmd = { cmd: process.execPath, args: [...workerNodeArgs(), build.mainJs, '--config', cfg] };
  return startWorker(cfg, { ...env, PG_PASSWORD: env.MARIADB_PASSWORD } as unknown as Infra, cmd);
}

function debeziumMariaDbConfig(env: MySqlInfra, pluginClass: string, s: string): Record<string, string> {
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${env.KAFKA_ADMIN_USER}" password="${env.KAFKA_ADMIN_PASSWORD}";`;
  const sasl = (p: string) => ({ [`${p}.security.protocol`]: 'SASL_PLAINTEXT', [`${p}.sasl.mechanism`]: 'SCRAM-SHA-512', [`${p}.sasl.jaas.config`]: jaas });
  return {
    'connector.class': pluginClass,
    'database.hostname': env.MARIADB_HOST,
    'database.port': env.MARIADB_PORT,
    'database.user': env.MARIADB_USER,
    'database.password': env.MARIADB_PASSWORD,
    'database.server.id': String(200000 + Math.floor(Math.random() * 100000)),
    'topic.prefix': s,
    'database.include.list': env.MARIADB_DATABASE,
    'table.include.list': `${env.MARIADB_DATABASE}.${s}`,
    'snapshot.mode': 'no_data',
    'include.schema.changes': 'false',
    'schema.history.internal.kafka.bootstrap.servers': env.KAFKA_BOOTSTRAP,
    'schema.history.internal.kafka.topic': `${s}.schema-history`,
    ...sasl('schema.history.internal.producer'),
    ...sasl('schema.history.internal.consumer'),
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
  };
}

/**
 * Inserts a row every 5 s until one reaches the topic: the connector is then streaming. (A row
 * written while its no_data snapshot reads the schema can fall before the snapshot's binlog
 * position, and is then neither snapshotted nor streamed.)
 */
async function untilStreaming(env: MySqlInfra, db: Connection, t: string, topic: string): Promise<void> {
  for (let i = 1; i <= 36; i++) {
    await db.query(`INSERT INTO \`${t}\` (id, qty) VALUES (?, 0)`, [-i]);
    try {
      await waitForCount(asInfra(env), topic, 1, 5000);
      return;
    } catch {
      /* not yet streaming */
    }
  }
  throw new Error(`${topic}: the connector streamed none of 36 rows in 3 minutes`);
}

export async function benchDebeziumMariaDb(connectUrl: string, connectPid: number): Promise<Result> {
  const env = mysqlInfra();
  const plugins = (await connectJson(`${connectUrl}/connector-plugins`)) as { class: string; version: string }[];
  const plugin = plugins.find((p) => p.class === 'io.debezium.connector.mariadb.MariaDbConnector');
  if (!plugin) throw new Error('the Connect worker has no Debezium MariaDB connector');
  const db = await mariadb(env);
  const s = scratchName('bench_md');
  const topic = `${s}.${env.MARIADB_DATABASE}.${s}`;
  try {
    await createTable(db, s);
    await createTopic(asInfra(env), topic);
    await connectJson(`${connectUrl}/connectors`, 'POST', { name: s, config: debeziumMariaDbConfig(env, plugin.class, s) });
    await waitConnectorState(connectUrl, s, 'RUNNING');
    await untilStreaming(env, db, s, topic);
    await connectJson(`${connectUrl}/connectors/${s}/pause`, 'PUT');
    await waitConnectorState(connectUrl, s, 'PAUSED');
    const records = (await topicCount(asInfra(env), topic)) + (await backlog(db, s, ROWS));
    const rssBefore = vmHwmMb(connectPid);
    const t0 = Date.now();
    await connectJson(`${connectUrl}/connectors/${s}/resume`, 'PUT');
    const t1 = await waitForCount(asInfra(env), topic, records, 900000);
    const lat = await pacedLatency(env, db, s, topic);
    return {
      reader: `Debezium ${plugin.version} MariaDB connector on Kafka Connect`,
      engine: 'mysql',
      rowsPerSec: Math.round(ROWS / ((t1 - t0) / 1000)),
      p50Ms: pct(lat, 50),
      p99Ms: pct(lat, 99),
      peakRssMb: vmHwmMb(connectPid),
      note: `RSS of the whole Connect worker JVM (peak before this run: ${rssBefore} MB)`,
    };
  } finally {
    await connectJson(`${connectUrl}/connectors/${s}`, 'DELETE').catch(() => undefined);
    await sleep(2000);
    await db.query(`DROP TABLE IF EXISTS \`${s}\``).catch(() => undefined);
    await db.end();
    await deleteTopics(env, s);
  }
}

/**
 * What every part of `npm run bench:cdc` shares: sizes, the result row, Kafka topic helpers,
 * commit-to-ack latencies read back from Kafka, percentiles, peak RSS.
 */
import { readFileSync } from 'fs';
import { Infra, kafka, scratchName } from '../../test/cdc-worker/harness';

export const ROWS = Number(process.env.BENCH_ROWS ?? 100000);
export const RATE = Number(process.env.BENCH_RATE ?? 5000);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);

export interface Result {
  reader: string;
  engine: 'postgres' | 'mysql';
  rowsPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  peakRssMb: number | null;
  /** CPU time of the reader process per 1,000 rows of the backlog (user + system, all its threads): less noisy than rows/s on a shared host. */
  cpuMsPer1kRows?: number | null;
  note?: string;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function vmHwmMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** User + system CPU time of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

export async function topicCount(env: Infra, topic: string): Promise<number> {
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

/** Waits until `topic` holds `n` records; returns the time it did. */
export async function waitForCount(env: Infra, topic: string, n: number, timeoutMs: number): Promise<number> {
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

/** One partition, LogAppendTime: the broker's append time is the ack side of the latency. */
export async function createTopic(env: Infra, topic: string): Promise<void> {
  const admin = kafka(env).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Up to this many event values of a worker's run are kept, as the payloads of Kafka's own producer run. */
const SAMPLE_EVENTS = 2000;

/** Event values sampled from the worker's run, per engine (the Java producer sends them). */
export const sampleValues: Record<Result['engine'], string[]> = { postgres: [], mysql: [] };

/**
 * The commit time of a change event in ms, or null if the event is not one of the paced inserts.
 * PostgreSQL: `source.ts_us` of creates. MariaDB's binlog carries commit times in whole seconds,
 * so the MySQL bench writes the client's time of the INSERT into the row (`sent_us`).
 */
export type CommitTimeOf = (payload: Record<string, any>) => number | null;

export const pgCommitTime: CommitTimeOf = (p) => (p.op === 'c' ? (p.source.ts_us ?? p.source.ts_ms * 1000) / 1000 : null);

/** Latency of records already in `topic` (LogAppendTime − commit time); samples the values into `sample`. */
export async function latencies(env: Infra, topic: string, expected: number, commitTime: CommitTimeOf, sample?: string[]): Promise<number[]> {
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
        if (sample && sample.length < SAMPLE_EVENTS) sample.push(text);
        const v = JSON.parse(text);
        const at = commitTime(v.payload ?? v);
        if (at !== null) out.push(Number(m.timestamp) - at);
      }
      if (out.length >= expected) done();
    },
  });
  await Promise.race([finished, sleep(120000)]);
  await consumer.disconnect();
  return out;
}

export function pct(xs: number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
}

export async function connectJson(url: string, method = 'GET', body?: unknown): Promise<unknown> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Waits until a connector and its task are in `want` (RUNNING, PAUSED); a failed task throws with its trace. */
export async function waitConnectorState(connectUrl: string, name: string, want: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    type Status = { connector: { state: string }; tasks: { state: string; trace?: string }[] };
    const st = (await connectJson(`${connectUrl}/connectors/${name}/status`).catch(() => null)) as Status | null;
    if (st?.tasks?.[0]?.state === 'FAILED') throw new Error(`Debezium task failed: ${st.tasks[0].trace?.slice(0, 500)}`);
    if (st?.connector.state === want && st.tasks?.[0]?.state === want) return;
    await sleep(200);
  }
  throw new Error(`connector ${name} never reached ${want}`);
}

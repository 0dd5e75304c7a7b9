/**
 * Helpers for the CDC worker's integration tests and benchmark: a scratch schema, slot and
 * publication per run on the harness PostgreSQL, the worker as a child process, and a Kafka reader.
 */
import { ChildProcess, spawn } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { requireInfra } from '../integration/infra';
import type { CdcWorkerConfig } from '../../lib/cdc-worker/config';

export const REPO = resolve(__dirname, '..', '..');

export type Infra = ReturnType<typeof infra>;
export function infra() {
  return requireInfra(['PG_HOST', 'PG_PORT', 'PG_USER', 'PG_PASSWORD', 'PG_DATABASE', 'KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD'] as const);
}

export async function pgClient(env: Infra): Promise<Client> {
  const c = new Client({ host: env.PG_HOST, port: Number(env.PG_PORT), user: env.PG_USER, password: env.PG_PASSWORD, database: env.PG_DATABASE });
  await c.connect();
  return c;
}

export function kafka(env: Infra): Kafka {
  return new Kafka({
    clientId: 'cdc-worker-test',
    brokers: [env.KAFKA_BOOTSTRAP],
    sasl: { mechanism: 'scram-sha-512', username: env.KAFKA_ADMIN_USER, password: env.KAFKA_ADMIN_PASSWORD },
    logLevel: logLevel.NOTHING,
  });
}

/** A fresh name for schema, slot, publication and topic prefix. */
export function scratchName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function workerConfig(env: Infra, name: string, tables: string[], extra: Partial<Record<keyof CdcWorkerConfig, object>> = {}): CdcWorkerConfig {
  const base: CdcWorkerConfig = {
    source: {
      host: env.PG_HOST,
      port: Number(env.PG_PORT),
      database: env.PG_DATABASE,
      user: env.PG_USER,
      tables,
      slotName: name,
      publicationName: name,
    },
    kafka: { brokers: [env.KAFKA_BOOTSTRAP], sasl: { username: env.KAFKA_ADMIN_USER, password: env.KAFKA_ADMIN_PASSWORD } },
    output: { topicPrefix: name },
    http: { port: 0, host: '127.0.0.1' },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) merged[k] = { ...(merged[k] as object), ...v };
  return merged as unknown as CdcWorkerConfig;
}

export function writeConfigFile(cfg: CdcWorkerConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdc-worker-'));
  const file = join(dir, 'config.json');
  // The database password goes through the environment, as in production.
  const { password: _omit, ...source } = cfg.source as CdcWorkerConfig['source'] & { password?: string };
  writeFileSync(file, JSON.stringify({ ...cfg, source }, null, 2));
  return file;
}

export interface RunningWorker {
  proc: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
  /** Resolves when a log line matches. */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<string>;
}

/** Starts the worker as `node -r ts-node/register/transpile-only lib/cdc-worker/main.ts --config FILE`, or `command` if given. */
export function startWorker(configFile: string, env: Infra, command?: { cmd: string; args: string[]; cwd?: string }): RunningWorker {
  const cmd = command?.cmd ?? process.execPath;
  const args = command?.args ?? ['-r', 'ts-node/register/transpile-only', join(REPO, 'lib/cdc-worker/main.ts'), '--config', configFile];
  const proc = spawn(cmd, args, {
    cwd: command?.cwd ?? REPO,
    env: { ...process.env, CDC_SOURCE__PASSWORD: env.PG_PASSWORD, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      logs.push(line);
      listeners.forEach((l) => l(line));
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    proc,
    logs,
    exited,
    waitForLog(re, timeoutMs = 60000) {
      const hit = logs.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no log line matching ${re} within ${timeoutMs} ms; logs:\n${logs.slice(-30).join('\n')}`)), timeoutMs);
        const l = (line: string) => {
          if (re.test(line)) {
            clearTimeout(t);
            res(line);
          }
        };
        listeners.push(l);
        void exited.then(() => {
          setTimeout(() => {
            clearTimeout(t);
            if (logs.some((x) => re.test(x))) return res(logs.find((x) => re.test(x))!);
            rej(new Error(`worker exited before a log line matching ${re}; logs:\n${logs.slice(-30).join('\n')}`));
          }, 100);
        });
      });
    },
  };
}

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  receivedAtMs: number;
}

/** Reads topics from the beginning until `done(records)` is true or the timeout passes. */
export async function readTopics(env: Infra, topics: string[], done: (records: KafkaRecord[]) => boolean, timeoutMs = 60000): Promise<KafkaRecord[]> {
  const consumer = kafka(env).consumer({ groupId: scratchName('reader'), maxBytes: 50 * 1024 * 1024 });
  const records: KafkaRecord[] = [];
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(v);
          records.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key ? m.key.toString() : null,
            value: m.value ? m.value.toString() : null,
            headers,
            receivedAtMs: now,
          });
        }
        if (done(records)) finish();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    return records;
  } finally {
    await consumer.disconnect();
  }
}

/** Drops the slot (waiting until no worker uses it), the publication and the schema. */
export async function cleanup(env: Infra, name: string, schemas: string[] = [name]): Promise<void> {
  const c = await pgClient(env);
  try {
    for (let i = 0; i < 50; i++) {
      const r = await c.query('SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [name]);
      if (r.rowCount === 0) break;
      if (r.rows[0].active_pid) {
        await c.query('SELECT pg_terminate_backend($1)', [r.rows[0].active_pid]);
        await new Promise((res) => setTimeout(res, 200));
        continue;
      }
      await c.query('SELECT pg_drop_replication_slot($1)', [name]);
      break;
    }
    await c.query(`DROP PUBLICATION IF EXISTS "${name}"`);
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await c.end();
  }
  const admin = kafka(env).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${name}.`) || t.endsWith(`.${name}`));
    if (topics.length) await admin.deleteTopics({ topics });
  } catch {
    /* best effort */
  } finally {
    await admin.disconnect();
  }
}

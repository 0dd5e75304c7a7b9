/**
 * Helpers for the MySQL/MariaDB source's integration tests: the harness MariaDB, worker configs
 * and the worker as a child process (the database password goes through CDC_SOURCE__PASSWORD).
 */
import { createConnection, Connection } from 'mysql2/promise';
import { Kafka } from 'kafkajs';
import { requireInfra } from '../integration/infra';
import type { CdcWorkerConfig } from '../../lib/cdc-worker/config';
import { Infra, RunningWorker, kafka as pgHarnessKafka, startWorker } from './harness';

export type MySqlInfra = ReturnType<typeof mysqlInfra>;
export function mysqlInfra() {
  return requireInfra([
    'MARIADB_HOST',
    'MARIADB_PORT',
    'MARIADB_USER',
    'MARIADB_PASSWORD',
    'MARIADB_DATABASE',
    'KAFKA_BOOTSTRAP',
    'KAFKA_ADMIN_USER',
    'KAFKA_ADMIN_PASSWORD',
  ] as const);
}

export function mysqlKafka(env: MySqlInfra): Kafka {
  return pgHarnessKafka(env as unknown as Infra);
}

export async function mariadb(env: MySqlInfra): Promise<Connection> {
  return createConnection({
    host: env.MARIADB_HOST,
    port: Number(env.MARIADB_PORT),
    user: env.MARIADB_USER,
    password: env.MARIADB_PASSWORD,
    database: env.MARIADB_DATABASE,
    multipleStatements: true,
    timezone: 'Z',
  });
}

export function mysqlWorkerConfig(
  env: MySqlInfra,
  prefix: string,
  tables: string[],
  extra: Partial<Record<keyof CdcWorkerConfig, object>> = {},
): CdcWorkerConfig {
  const base: CdcWorkerConfig = {
    source: {
      engine: 'mariadb',
      host: env.MARIADB_HOST,
      port: Number(env.MARIADB_PORT),
      database: env.MARIADB_DATABASE,
      user: env.MARIADB_USER,
      tables,
      serverId: 100000 + Math.floor(Math.random() * 800000),
    },
    kafka: { brokers: [env.KAFKA_BOOTSTRAP], sasl: { username: env.KAFKA_ADMIN_USER, password: env.KAFKA_ADMIN_PASSWORD } },
    output: { topicPrefix: prefix },
    http: { port: 0, host: '127.0.0.1' },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) merged[k] = { ...(merged[k] as object), ...v };
  return merged as unknown as CdcWorkerConfig;
}

export function startMysqlWorker(configFile: string, env: MySqlInfra): RunningWorker {
  return startWorker(configFile, { ...env, PG_PASSWORD: env.MARIADB_PASSWORD } as unknown as Infra);
}

/** Deletes the prefix's topics (and the offsets topic). */
export async function deleteTopics(env: MySqlInfra, prefix: string): Promise<void> {
  const admin = mysqlKafka(env).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t === prefix || t.startsWith(`${prefix}.`));
    if (topics.length) await admin.deleteTopics({ topics });
  } catch {
    /* best effort */
  } finally {
    await admin.disconnect();
  }
}

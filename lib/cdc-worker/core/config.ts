/**
 * Configuration of the CDC worker: a JSON file (`--config FILE`, `CDC_CONFIG=FILE`, or the JSON
 * itself in `CDC_CONFIG_JSON`) plus environment overrides, validated as a whole
 * at start. Every problem is reported at once, each naming the field (and the environment
 * variable when the value came from one).
 *
 * Environment overrides: `CDC_<SECTION>__<FIELD>` (double underscore between levels, single
 * underscores inside a name are ignored when matching, case-insensitive), e.g.
 * `CDC_SOURCE__PASSWORD`, `CDC_KAFKA__SASL__PASSWORD`, `CDC_KAFKA__BROKERS=a:9092,b:9092`,
 * `CDC_SOURCE__SLOT_NAME`. `PORT` (as set by Cloud Run) overrides `http.port`. A `CDC_*__*` name
 * that matches no field is an error (a typo must not be ignored); `CDC_*` names without `__` are not read.
 *
 * This module is also what the `CdcWorkerService` construct uses to generate a config file:
 * `CdcWorkerConfig` is the type, `CDC_WORKER_CONFIG_SCHEMA` the JSON schema.
 */
import { readFileSync } from 'fs';
import Ajv, { ErrorObject } from 'ajv';
import { DETECTION_CONFIG_SCHEMA, DetectionConfig, validateDetectionConfig } from '../detect/config';
import { CdcSignalConfig, SIGNAL_CONFIG_SCHEMA, signalProblems } from './signal-config';

export type { CdcSignalConfig };

/** The PostgreSQL database the worker captures. */
export interface CdcSourceConfig {
  /** Host name or address. */
  readonly host: string;
  /** @default 5432 (3306 for mysql and mariadb) */
  readonly port?: number;
  /** Database name; also `source.db` in events. */
  readonly database: string;
  /** User with REPLICATION (and SELECT on the tables for the snapshot). */
  readonly user: string;
  /** Password; usually supplied through `CDC_SOURCE__PASSWORD` from a secret. */
  readonly password?: string;
  /** Use TLS to the database. @default false */
  readonly ssl?: boolean;
  /** Tables to capture, as `schema.table`. */
  readonly tables: string[];
  /** Logical replication slot; created if missing, reused otherwise. @default "cdc_worker" */
  readonly slotName?: string;
  /** Publication; created (FOR TABLE the tables) if missing, reused otherwise. @default "cdc_worker" */
  readonly publicationName?: string;
  /** Debezium's `snapshot.mode` (see signal-config.ts for each value's meaning). @default "initial" */
  readonly snapshotMode?: 'initial' | 'never' | 'no_data' | 'initial_only' | 'when_needed';
  /** Rows fetched per round trip during the snapshot. @default 5000 */
  readonly snapshotFetchSize?: number;
  /** The database engine: `postgres` (logical replication) or `mysql` / `mariadb` (binlog; tables as `database.table`, see mysql/engine.ts). @default "postgres" */
  readonly engine?: 'postgres' | 'mysql' | 'mariadb';
  /** MySQL/MariaDB: the replica server id the binlog connection uses; unique among the server's replicas. @default 184054 */
  readonly serverId?: number;
  /**
   * PostgreSQL: how often, in ms, the slot's retained WAL and confirmed position are read from
   * `pg_replication_slots` on a connection of their own (metrics and a `replication slot status`
   * log line); 0 = off. @default 30000
   */
  readonly slotMonitorIntervalMs?: number;
}

/** The Kafka cluster events go to. */
export interface CdcKafkaConfig {
  /** Bootstrap brokers, `host:port`. */
  readonly brokers: string[];
  /** @default "cdc-worker" */
  readonly clientId?: string;
  /** TLS to the brokers. @default false */
  readonly ssl?: boolean;
  /** SASL authentication; omitted means none. */
  readonly sasl?: {
    /** @default "scram-sha-512" */
    readonly mechanism?: 'scram-sha-512' | 'scram-sha-256' | 'plain';
    readonly username: string;
    /** Usually supplied through `CDC_KAFKA__SASL__PASSWORD` from a secret. */
    readonly password: string;
  };
  /** Events per produce batch. @default 2000 */
  readonly batchSize?: number;
  /**
   * Bytes (keys + values) per produce batch; keep it under the brokers' `message.max.bytes`
   * (1 MiB by default), which bounds one partition's record batch. @default 900000
   */
  readonly maxBatchBytes?: number;
  /**
   * Compression of produced batches. Debezium's JSON events repeat their schema in every record and
   * shrink about tenfold, so with gzip one produce request carries the same events in a fraction of
   * the bytes; `npm run bench:cdc` measures 1.2–1.4× the throughput of `none` on the same host.
   * Every Kafka client and broker reads gzip. @default "gzip"
   */
  readonly compression?: 'none' | 'gzip';
  /**
   * How long, in ms, a produce batch that failed because Kafka is unreachable for now (a broker
   * restart, a leader election: connection refused or closed, request time-out, retriable broker
   * errors) is sent again before the worker gives up and exits 1, counted from the batch's first
   * send. Reading from the database pauses meanwhile and nothing after the batch is sent before it.
   * Authentication, authorization (ACL) and fencing errors are fatal at once, whatever this is.
   * At least 30000, the Kafka request time-out (as Java producers require `delivery.timeout.ms` ≥
   * `request.timeout.ms`); the default is Java's `delivery.timeout.ms` default. @default 120000
   */
  readonly outageTimeoutMs?: number;
}

/** What the events look like; defaults follow Debezium's PostgreSQL connector. */
export interface CdcOutputConfig {
  /** Topic prefix (Debezium's `topic.prefix`); topics are `<prefix>.<schema>.<table>`. */
  readonly topicPrefix: string;
  /** Wrap key and value in `{schema, payload}` like JsonConverter with `schemas.enable=true`. @default true */
  readonly schemasEnable?: boolean;
  /** Emit a tombstone (null value) after each delete. @default true */
  readonly tombstonesOnDelete?: boolean;
  /** Emit truncate events (op `t`). @default true */
  readonly includeTruncate?: boolean;
  /** Debezium's `decimal.handling.mode`. @default "precise" */
  readonly decimalHandlingMode?: 'precise' | 'string' | 'double';
  /** What to do with a column of a type the worker cannot map: stop with an error, or leave it out. @default "fail" */
  readonly unknownTypes?: 'fail' | 'skip';
  /** Largest serialized event value in bytes; a bigger row stops the worker before anything past it is acknowledged. @default 1000000 */
  readonly maxEventBytes?: number;
  /** Heartbeat interval in ms (0 = off); topic `<heartbeatTopicsPrefix>.<topicPrefix>`. @default 0 */
  readonly heartbeatIntervalMs?: number;
  /** @default "__debezium-heartbeat" */
  readonly heartbeatTopicsPrefix?: string;
  /**
   * Debezium's `heartbeat.action.query`: SQL run on the source at each heartbeat (PostgreSQL only),
   * e.g. `SELECT pg_logical_emit_message(false, 'heartbeat', now()::text)`, which writes WAL so a
   * slot on a database with no other traffic still advances. @default "" (none)
   */
  readonly heartbeatActionQuery?: string;
  /** Emit BEGIN/END records to `<topicPrefix>.transaction` and a `transaction` block in events. @default false */
  readonly provideTransactionMetadata?: boolean;
  /** Debezium version string put in `source.version` (the format follows Debezium 3.x). @default "3.6.1.Final" */
  readonly debeziumVersion?: string;
}

/** Delivery and flow control. */
export interface CdcDeliveryConfig {
  /**
   * `at-least-once`: the slot is confirmed after Kafka acknowledges; a crash may repeat changes.
   * `exactly-once`: each batch of whole transactions and the source position go to Kafka in one
   * Kafka transaction (consumers read with isolation.level=read_committed); after a crash the
   * worker resumes from the stored position and skips what Kafka already has.
   * @default "at-least-once"
   */
  readonly mode?: 'at-least-once' | 'exactly-once';
  /** Compacted topic holding the source position in exactly-once mode. @default "<topicPrefix>.cdc-worker.offsets" */
  readonly offsetsTopic?: string;
  /** Kafka transactional id in exactly-once mode; one per slot, so a stale instance is fenced. @default "cdc-worker-<slotName>" (PostgreSQL), "cdc-worker-<output.topicPrefix>" (MySQL/MariaDB: no slot); the Kafka signal channel's group is "<transactionalId>-signals" */
  readonly transactionalId?: string;
  /** Decoded events held in memory before reading from PostgreSQL pauses. @default 5000 */
  readonly maxBufferedEvents?: number;
  /** How often the acknowledged position is reported to PostgreSQL, ms. @default 1000 */
  readonly statusIntervalMs?: number;
}

export interface CdcWorkerConfig {
  readonly source: CdcSourceConfig;
  readonly kafka: CdcKafkaConfig;
  readonly output: CdcOutputConfig;
  readonly delivery?: CdcDeliveryConfig;
  /** Signals and incremental snapshots (off when absent). */
  readonly signal?: CdcSignalConfig;
  /** Health and metrics endpoint. */
  readonly http?: {
    /** @default 8080 (or `PORT`) */
    readonly port?: number;
    /** @default "0.0.0.0" */
    readonly host?: string;
  };
  /** Sensitive-data detection on the stream (off when absent); the hash key comes from `CDC_DETECTION__HASH_KEY`, never the file. */
  readonly detection?: DetectionConfig;
  readonly log?: {
    /** @default "info" */
    readonly level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
}

type DeepRequired<T> = T extends (infer U)[] ? U[] : T extends object ? { readonly [K in keyof T]-?: DeepRequired<NonNullable<T[K]>> } : T;

/** The configuration after defaults are applied (`kafka.sasl` and `source.password` stay optional). */
export type ResolvedCdcWorkerConfig = Omit<DeepRequired<CdcWorkerConfig>, 'kafka' | 'source' | 'detection' | 'signal'> & {
  readonly detection?: DetectionConfig;
  readonly signal?: { readonly table: string; readonly kafkaTopic?: string; readonly chunkSize: number };
  readonly kafka: Omit<DeepRequired<CdcKafkaConfig>, 'sasl'> & {
    readonly sasl?: { readonly mechanism: 'scram-sha-512' | 'scram-sha-256' | 'plain'; readonly username: string; readonly password: string };
  };
  readonly source: Omit<DeepRequired<CdcSourceConfig>, 'password'> & { readonly password?: string };
};

/** Default of `kafka.outageTimeoutMs`: Java producers' `delivery.timeout.ms` default. */
export const KAFKA_OUTAGE_TIMEOUT_MS = 120000;
/** The worker's Kafka request time-out (kafkajs `requestTimeout`); also the least `kafka.outageTimeoutMs`. */
export const KAFKA_REQUEST_TIMEOUT_MS = 30000;

const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_$]*$', maxLength: 63 };
const qualifiedTable = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_$]*\\.[A-Za-z_][A-Za-z0-9_$]*$' };

/** JSON schema (draft-07) of the config file, with defaults. */
export const CDC_WORKER_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['source', 'kafka', 'output'],
  properties: {
    source: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'database', 'user', 'tables'],
      properties: {
        host: { type: 'string', minLength: 1 },
        port: { type: 'integer', minimum: 1, maximum: 65535, default: 5432 },
        database: { type: 'string', minLength: 1 },
        user: { type: 'string', minLength: 1 },
        password: { type: 'string' },
        ssl: { type: 'boolean', default: false },
        tables: { type: 'array', minItems: 1, uniqueItems: true, items: qualifiedTable },
        slotName: { ...identifier, pattern: '^[a-z0-9_]+$', default: 'cdc_worker' },
        publicationName: { ...identifier, default: 'cdc_worker' },
        snapshotMode: { enum: ['initial', 'never', 'no_data', 'initial_only', 'when_needed'], default: 'initial' },
        snapshotFetchSize: { type: 'integer', minimum: 1, default: 5000 },
        engine: { enum: ['postgres', 'mysql', 'mariadb'], default: 'postgres' },
        serverId: { type: 'integer', minimum: 1, maximum: 4294967295, default: 184054 },
        slotMonitorIntervalMs: { type: 'integer', minimum: 0, default: 30000 },
      },
    },
    kafka: {
      type: 'object',
      additionalProperties: false,
      required: ['brokers'],
      properties: {
        brokers: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^\\s:]+:[0-9]{1,5}$' } },
        clientId: { type: 'string', minLength: 1, default: 'cdc-worker' },
        ssl: { type: 'boolean', default: false },
        sasl: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: {
            mechanism: { enum: ['scram-sha-512', 'scram-sha-256', 'plain'], default: 'scram-sha-512' },
            username: { type: 'string', minLength: 1 },
            password: { type: 'string', minLength: 1 },
          },
        },
        batchSize: { type: 'integer', minimum: 1, maximum: 100000, default: 2000 },
        maxBatchBytes: { type: 'integer', minimum: 1024, default: 900000 },
        compression: { enum: ['none', 'gzip'], default: 'gzip' },
        outageTimeoutMs: { type: 'integer', minimum: KAFKA_REQUEST_TIMEOUT_MS, default: KAFKA_OUTAGE_TIMEOUT_MS },
      },
    },
    output: {
      type: 'object',
      additionalProperties: false,
      required: ['topicPrefix'],
      properties: {
        topicPrefix: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 200 },
        schemasEnable: { type: 'boolean', default: true },
        tombstonesOnDelete: { type: 'boolean', default: true },
        includeTruncate: { type: 'boolean', default: true },
        decimalHandlingMode: { enum: ['precise', 'string', 'double'], default: 'precise' },
        unknownTypes: { enum: ['fail', 'skip'], default: 'fail' },
        maxEventBytes: { type: 'integer', minimum: 1024, default: 1000000 },
        heartbeatIntervalMs: { type: 'integer', minimum: 0, default: 0 },
        heartbeatTopicsPrefix: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', default: '__debezium-heartbeat' },
        heartbeatActionQuery: { type: 'string', default: '' },
        provideTransactionMetadata: { type: 'boolean', default: false },
        debeziumVersion: { type: 'string', minLength: 1, default: '3.6.1.Final' },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        mode: { enum: ['at-least-once', 'exactly-once'], default: 'at-least-once' },
        offsetsTopic: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 249 },
        transactionalId: { type: 'string', minLength: 1 },
        maxBufferedEvents: { type: 'integer', minimum: 1, default: 5000 },
        statusIntervalMs: { type: 'integer', minimum: 100, default: 1000 },
      },
    },
    signal: SIGNAL_CONFIG_SCHEMA,
    http: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        host: { type: 'string', minLength: 1, default: '0.0.0.0' },
      },
    },
    detection: DETECTION_CONFIG_SCHEMA,
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
  },
} as const;

/** A configuration that cannot be used; `problems` lists every bad field. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid cdc-worker configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type JsonSchemaNode = { type?: string; properties?: Record<string, JsonSchemaNode>; items?: JsonSchemaNode; enum?: readonly unknown[] };

const ENV_PREFIX = 'CDC_';
const norm = (s: string) => s.replace(/_/g, '').toLowerCase();

/**
 * Applies `CDC_*` (and `PORT`) environment variables onto a parsed config object.
 * Returns the merged object and, for each overridden path, the variable that set it.
 */
export function applyEnvOverrides(
  base: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { config: Record<string, unknown>; sources: Map<string, string>; problems: string[] } {
  const config = JSON.parse(JSON.stringify(base ?? {})) as Record<string, unknown>;
  const sources = new Map<string, string>();
  const problems: string[] = [];
  // Only CDC_<SECTION>__<FIELD> names are configuration; other CDC_* variables are left alone.
  const entries = Object.entries(env).filter(([k, v]) => k.startsWith(ENV_PREFIX) && k.includes('__') && v !== undefined) as [string, string][];
  if (env.PORT !== undefined && !entries.some(([k]) => norm(k) === norm('CDC_HTTP__PORT'))) {
    entries.push(['PORT', env.PORT]);
  }
  for (const [name, raw] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    const parts = name === 'PORT' ? ['http', 'port'] : name.slice(ENV_PREFIX.length).split('__');
    let node: JsonSchemaNode | undefined = CDC_WORKER_CONFIG_SCHEMA as unknown as JsonSchemaNode;
    const path: string[] = [];
    for (const part of parts) {
      const props: Record<string, JsonSchemaNode> = node?.properties ?? {};
      const key: string | undefined = Object.keys(props).find((k) => norm(k) === norm(part));
      if (!key) {
        node = undefined;
        break;
      }
      path.push(key);
      node = props[key];
    }
    if (!node) {
      problems.push(`${name}: no such configuration field (expected CDC_<SECTION>__<FIELD>, e.g. CDC_SOURCE__PASSWORD)`);
      continue;
    }
    let value: unknown = raw;
    if (node.type === 'integer' || node.type === 'number') {
      value = raw.trim() !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
    } else if (node.type === 'boolean') {
      value = raw === 'true' ? true : raw === 'false' ? false : raw;
    } else if (node.type === 'array') {
      value = raw.trim().startsWith('[')
        ? safeJson(raw)
        : raw
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
    } else if (node.type === 'object') {
      value = safeJson(raw);
    }
    let target = config;
    for (const key of path.slice(0, -1)) {
      if (typeof target[key] !== 'object' || target[key] === null) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path[path.length - 1]] = value;
    sources.set('/' + path.join('/'), name);
  }
  return { config, sources, problems };
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, verbose: true });
const validate = ajv.compile(CDC_WORKER_CONFIG_SCHEMA);

function describe(err: ErrorObject, sources: Map<string, string>): string {
  let path = err.instancePath;
  let message = err.message ?? 'is invalid';
  if (err.keyword === 'required') {
    path = `${path}/${(err.params as { missingProperty: string }).missingProperty}`;
    message = 'is required';
  } else if (err.keyword === 'additionalProperties') {
    path = `${path}/${(err.params as { additionalProperty: string }).additionalProperty}`;
    message = 'is not a known field';
  } else if (err.keyword === 'enum') {
    message = `must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const field =
    path
      .replace(/^\//, '')
      .replace(/\/(\d+)(?=\/|$)/g, '[$1]')
      .replace(/\//g, '.') || '(root)';
  const env = sources.get(err.instancePath) ?? sources.get(path);
  const got = err.keyword === 'required' || err.keyword === 'additionalProperties' ? '' : ` (got ${JSON.stringify(err.data)})`;
  return `${field} ${message}${got}${env ? ` [from ${env}]` : ''}`;
}

/** Validates a parsed config (already merged with the environment) and applies defaults. */
export function validateConfig(raw: unknown, sources: Map<string, string> = new Map()): ResolvedCdcWorkerConfig {
  const copy = JSON.parse(JSON.stringify(raw ?? null));
  const src = copy?.source;
  if (src && typeof src === 'object' && src.port === undefined && (src.engine === 'mysql' || src.engine === 'mariadb')) src.port = 3306;
  if (!validate(copy)) {
    const seen = new Set<string>();
    const problems = (validate.errors ?? []).map((e) => describe(e, sources)).filter((p) => !seen.has(p) && !!seen.add(p));
    throw new ConfigError(problems);
  }
  const problems: string[] = [];
  const c = copy as ResolvedCdcWorkerConfig;
  if (c.kafka.sasl && !c.kafka.sasl.mechanism) (c.kafka.sasl as { mechanism: string }).mechanism = 'scram-sha-512';
  const d = c.delivery as { offsetsTopic?: string; transactionalId?: string };
  if (!d.offsetsTopic) d.offsetsTopic = `${c.output.topicPrefix}.cdc-worker.offsets`;
  // PostgreSQL: one per slot; a binlog source has no slot, so one per topic prefix (its offsets' key).
  if (!d.transactionalId) d.transactionalId = `cdc-worker-${c.source.engine === 'postgres' ? c.source.slotName : c.output.topicPrefix}`;
  if (c.delivery.maxBufferedEvents < c.kafka.batchSize) {
    problems.push(`delivery.maxBufferedEvents must be at least kafka.batchSize (${c.kafka.batchSize}) (got ${c.delivery.maxBufferedEvents})`);
  }
  if (c.source.engine !== 'postgres' && c.delivery.mode === 'exactly-once') {
    problems.push(`delivery.mode "exactly-once" is supported with source.engine "postgres" only (got source.engine "${c.source.engine}"); use "at-least-once"`);
  }
  if (c.output.heartbeatActionQuery.trim() !== '' && (c.source.engine !== 'postgres' || c.output.heartbeatIntervalMs === 0)) {
    problems.push(
      `output.heartbeatActionQuery needs source.engine "postgres" and output.heartbeatIntervalMs > 0 (got engine "${c.source.engine}", heartbeatIntervalMs ${c.output.heartbeatIntervalMs})`,
    );
  }
  problems.push(...signalProblems(c));
  if (c.detection) {
    problems.push(...validateDetectionConfig(c.detection));
    if (c.detection.hashKey && !sources.has('/detection/hashKey')) {
      problems.push('detection.hashKey must not be in the config file: supply it from a secret through CDC_DETECTION__HASH_KEY');
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return c;
}

/**
 * Reads the JSON file (or, without one, the JSON in `CDC_CONFIG_JSON`), applies environment
 * overrides, validates.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): ResolvedCdcWorkerConfig {
  let parsed: Record<string, unknown> = {};
  if (!file && env.CDC_CONFIG_JSON) {
    try {
      parsed = JSON.parse(env.CDC_CONFIG_JSON);
    } catch (e) {
      throw new ConfigError([`CDC_CONFIG_JSON is not valid JSON: ${(e as Error).message}`]);
    }
  } else if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError([`config file ${file} cannot be read: ${(e as Error).message}`]);
    }
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new ConfigError([`config file ${file} is not valid JSON: ${(e as Error).message}`]);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError([`config file ${file} must hold a JSON object`]);
    }
  }
  const { config, sources, problems } = applyEnvOverrides(parsed, env);
  try {
    const resolved = validateConfig(config, sources);
    if (problems.length) throw new ConfigError(problems);
    return resolved;
  } catch (e) {
    if (e instanceof ConfigError && problems.length && e.problems !== problems) throw new ConfigError([...problems, ...e.problems]);
    throw e;
  }
}

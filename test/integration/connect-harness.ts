/**
 * Helpers for the integration tests that run a stack's connectors on a least-privileged Kafka
 * Connect worker of their own ({@link NamedConnectWorker}): Kafka clients as a given SCRAM
 * user, connector status, an event collector, and the stack's ACLs next to the broker's.
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Admin, Consumer, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretValue } from '../../constructs/core/secret-value';
import { KafkaCluster } from '../../constructs/kafka/kafka-cluster';
import { KafkaScramUser } from '../../constructs/kafka/kafka-scram-user';
import { KafkaConnectCluster } from '../../constructs/connect/kafka-connect-cluster';
import { ExternalSourceDatabase } from '../../constructs/sources/source-database';
import { RealtimePipeline } from '../../constructs/stages/realtime-pipeline';
import { validateAll } from '../../stacks/reference-app';
import { TerraformWorkdir, TfResult } from './terraform';

/** A kafkajs client logged in as `username` over SASL/SCRAM-SHA-512. */
export function kafkaAs(bootstrap: string, username: string, password: string, clientId = 'cdp-it'): Kafka {
  return new Kafka({
    clientId,
    brokers: bootstrap.split(','),
    sasl: { mechanism: 'scram-sha-512', username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
}

/** Polls `probe` every second until it returns something other than undefined. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = undefined;
    } catch (e) {
      if ((e as { fatal?: boolean }).fatal) throw e;
      last = e;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** `GET /connectors/<name>/status`, or `{ error: <HTTP status> }`. */
export async function connectorStatus(url: string, name: string): Promise<any> {
  const res = await fetch(`${url}/connectors/${encodeURIComponent(name)}/status`);
  return res.ok ? res.json() : { error: res.status, body: await res.text() };
}

/** An error that {@link waitFor} does not retry. */
export function fatal(message: string): Error {
  return Object.assign(new Error(message), { fatal: true });
}

/**
 * Waits until the connector and all its tasks are RUNNING; fails at once when a task is FAILED,
 * except during the first `graceMs` (after a restart, the status topic may still say FAILED).
 */
export async function waitRunning(url: string, name: string, timeoutMs = 120_000, graceMs = 0): Promise<any> {
  const start = Date.now();
  return waitFor(
    `connector ${name} and its tasks RUNNING on ${url}`,
    async () => {
      const s = await connectorStatus(url, name);
      const failed = (s.tasks ?? []).filter((t: any) => t.state === 'FAILED');
      if ((failed.length > 0 || s.connector?.state === 'FAILED') && Date.now() - start >= graceMs)
        throw fatal(`connector ${name} FAILED: ${(failed[0]?.trace ?? s.connector?.trace ?? JSON.stringify(s)).slice(0, 4000)}`);
      return s.connector?.state === 'RUNNING' && s.tasks?.length > 0 && s.tasks.every((t: any) => t.state === 'RUNNING') ? s : undefined;
    },
    timeoutMs,
  );
}

/** Waits until a task of the connector is FAILED and returns its trace. */
export async function waitTaskFailed(url: string, name: string, timeoutMs = 120_000): Promise<string> {
  return waitFor(
    `a task of ${name} FAILED`,
    async () => {
      const s = await connectorStatus(url, name);
      return (s.tasks ?? []).find((t: any) => t.state === 'FAILED')?.trace as string | undefined;
    },
    timeoutMs,
  );
}

/** POST to a Connect REST path; throws unless 2xx. */
export async function connectPost(url: string, pathname: string): Promise<void> {
  const res = await fetch(`${url}${pathname}`, { method: 'POST' });
  if (!res.ok) throw new Error(`POST ${pathname}: ${res.status} ${await res.text()}`);
}

/** One record read from a topic, with key and value parsed from JSON (`payload` of a schema envelope). */
export interface CollectedEvent {
  readonly topic: string;
  readonly key: any;
  readonly value: any;
}

const payloadOf = (e: any) => (e && typeof e === 'object' && 'payload' in e && 'schema' in e ? e.payload : e);
const parse = (b: Buffer | null) => {
  if (b === null) return null;
  try {
    return payloadOf(JSON.parse(b.toString()));
  } catch {
    return b.toString();
  }
};

/** Reads topics from the beginning, as a given client, into {@link events} until stopped. */
export class EventCollector {
  public readonly events: CollectedEvent[] = [];
  private consumer?: Consumer;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
  ) {}

  public async start(topics: string[]): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: this.groupId, retry: { retries: 5 } });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        this.events.push({ topic, key: parse(message.key), value: parse(message.value) });
      },
    });
  }

  /** Change events (not tombstones) of `topic`. */
  public changes(topic: string): { op: string; before: any; after: any; key: any }[] {
    return this.events
      .filter((e) => e.topic === topic && e.value && typeof e.value === 'object')
      .map((e) => ({ op: e.value.op, before: e.value.before, after: e.value.after, key: e.key }));
  }

  /**
   * Waits for a change event on `topic` that `match` accepts; with `watch`, fails at once when
   * that connector or one of its tasks is FAILED (with its trace).
   */
  public async waitForChange(
    topic: string,
    what: string,
    match: (c: { op: string; before: any; after: any }) => boolean,
    options: { timeoutMs?: number; watch?: { url: string; connector: string } } = {},
  ): Promise<{ op: string; before: any; after: any }> {
    const probe = async () => {
      const found = this.changes(topic).find(match);
      if (found || !options.watch) return found;
      const s = await connectorStatus(options.watch.url, options.watch.connector);
      const failed = (s.tasks ?? []).find((t: any) => t.state === 'FAILED') ?? (s.connector?.state === 'FAILED' ? s.connector : undefined);
      if (failed) throw fatal(`connector ${options.watch.connector} FAILED while waiting for ${what}: ${String(failed.trace).slice(0, 4000)}`);
      return undefined;
    };
    return waitFor(`${what} on ${topic}`, probe, options.timeoutMs ?? 90_000).catch((e) => {
      if ((e as { fatal?: boolean }).fatal) throw e;
      throw new Error(
        `${(e as Error).message}; events seen on ${topic}: ${JSON.stringify(this.changes(topic).map((c) => [c.op, c.after ?? c.before])).slice(0, 2000)}`,
      );
    });
  }

  public async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

const nameOf = (e: Record<string, number | string>, n: number) =>
  Object.keys(e)
    .find((k) => e[k] === n)!
    .toLowerCase()
    .replace(/_/g, '');

/** Every ACL on the broker, as `principal operation resourcetype:patterntype:name` (lower case but the names). */
export async function brokerAcls(admin: Admin): Promise<string[]> {
  const acls = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  return acls.resources
    .flatMap((r) =>
      r.acls.map(
        (a) =>
          `${a.principal} ${nameOf(AclOperationTypes as never, a.operation)}${a.permissionType === AclPermissionTypes.DENY ? '(deny)' : ''} ${nameOf(AclResourceTypes as never, r.resourceType)}:${nameOf(ResourcePatternTypes as never, r.resourcePatternType)}:${r.resourceName}`,
      ),
    )
    .sort();
}

/** The `kafka_acl` resources of a synthesized stack, in the format of {@link brokerAcls}. */
export function stackAcls(json: any): string[] {
  return Object.values<any>(json.resource?.kafka_acl ?? {})
    .map(
      (a) =>
        `${a.acl_principal} ${a.acl_operation.toLowerCase()}${a.acl_permission_type?.toLowerCase() === 'deny' ? '(deny)' : ''} ${a.resource_type.toLowerCase()}:${a.resource_pattern_type_filter.toLowerCase()}:${a.resource_name}`,
    )
    .sort();
}

/**
 * Applies only the stack's Kafka resources (SCRAM users, topics, ACLs): a least-privileged
 * Connect worker can start only once its user, internal topics and ACLs exist, and the
 * connectors can be created only once the worker runs.
 */
export function applyKafkaResources(tf: TerraformWorkdir, json: any): void {
  const targets = ['kafka_user_scram_credential', 'kafka_topic', 'kafka_acl'].flatMap((type) =>
    Object.keys(json.resource?.[type] ?? {}).map((n) => `-target=${type}.${n}`),
  );
  apply(tf, targets);
}

/** The Mongey/kafka provider's client lost its broker connection (seen under a load average of 8-15). */
const BROKER_NOT_CONNECTED = /broker not connected/;

/**
 * `terraform plan -detailed-exitcode` (0: no changes, 2: changes), once more after
 * "kafka: broker not connected".
 */
export function plan(tf: TerraformWorkdir): TfResult {
  const args = ['plan', '-detailed-exitcode', '-input=false', '-no-color'];
  const first = tf.run(args);
  return first.status === 1 && BROKER_NOT_CONNECTED.test(first.stdout + first.stderr) ? tf.run(args) : first;
}

/**
 * `terraform apply -auto-approve [extra]`, once more after "kafka: broker not connected".
 */
export function apply(tf: TerraformWorkdir, extra: string[] = []): void {
  const args = ['apply', '-auto-approve', '-input=false', '-no-color', ...extra];
  const first = tf.run(args, 480_000);
  if (first.status === 0) return;
  if (!BROKER_NOT_CONNECTED.test(first.stdout + first.stderr)) {
    const shown = extra.length > 3 ? [...args.slice(0, 4), `(${extra.length} -target options)`] : args;
    throw new Error(`terraform ${shown.join(' ')} exited ${first.status} in ${tf.dir}\n${first.stdout.slice(-4000)}\n${first.stderr.slice(-4000)}`);
  }
  tf.must(args, [0], 480_000);
}

/**
 * A Connect cluster construct's `workerProperties` with each `<sensitive variable var.NAME>`
 * placeholder replaced by `vars[NAME]` (the value the test gives Terraform), ready for a worker.
 */
export function resolveWorkerProperties(properties: Record<string, string>, vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) {
    out[k] = v.replace(/<sensitive variable var\.([A-Za-z0-9_]+)>/g, (_, name: string) => {
      if (vars[name] === undefined) throw new Error(`worker property ${k} needs variable ${name}, which the test does not set`);
      return vars[name];
    });
  }
  return out;
}

/** What {@link leastPrivilegedPipelineStack} needs of the harness's environment (test/integration/infra.ts). */
export interface PipelineStackEnv {
  readonly KAFKA_BOOTSTRAP: string;
  readonly KAFKA_VERSION: string;
  readonly KAFKA_ADMIN_USER: string;
  readonly PG_HOST: string;
  readonly PG_PORT: string;
  readonly PG_USER: string;
  readonly PG_DATABASE: string;
  readonly MARIADB_HOST: string;
  readonly MARIADB_PORT: string;
  readonly MARIADB_USER: string;
  readonly MARIADB_DATABASE: string;
}

/** Options of {@link leastPrivilegedPipelineStack}. */
export interface PipelineStackOptions {
  /** Stack name. */
  readonly stackName: string;
  /** This run's prefix: logical names `<run>pg` and `<run>my`, internal topics `<run>-connect.*`. */
  readonly run: string;
  /** The harness's environment. */
  readonly env: PipelineStackEnv;
  /** REST URL of the named Connect worker the test starts. */
  readonly connectUrl: string;
  /** The Connect workers' SCRAM user, also their group id. */
  readonly connectUser: string;
  /** The captured PostgreSQL table. */
  readonly pgTable: string;
  /** The captured MariaDB table. */
  readonly myTable: string;
  /** Partitions of the workers' offsets topic. */
  readonly offsetStoragePartitions: number;
  /** Mount path of the workers' secrets directory: connector secrets become config-provider references. @default secrets in config_sensitive */
  readonly secretsMountPath?: string;
}

/**
 * The stack the Connect integration tests apply: the harness's PostgreSQL and MariaDB captured by a
 * realtime pipeline on a Connect cluster whose workers log in as a SCRAM user the stack creates,
 * with the group and internal topics the cluster declares (audit #23). Passwords are Terraform
 * variables: kafka_admin_password, connect_password, pg_cdc_password, mariadb_cdc_password.
 */
export function leastPrivilegedPipelineStack(o: PipelineStackOptions): { json: any; pipeline: RealtimePipeline; connect: KafkaConnectCluster } {
  const { env, run } = o;
  const stack = new TerraformStack(Testing.app(), o.stackName);
  new GoogleProvider(stack, 'google', { project: 'acme-it' });
  const kafka = new KafkaCluster(stack, 'kafka', {
    bootstrapServers: env.KAFKA_BOOTSTRAP.split(','),
    kafkaVersion: env.KAFKA_VERSION,
    tlsEnabled: false,
    brokerCount: 1,
    sasl: { username: env.KAFKA_ADMIN_USER, password: SecretValue.fromVariable('kafka_admin_password') },
  });
  const user = new KafkaScramUser(stack, 'connect-user', { platform: kafka, username: o.connectUser, password: SecretValue.fromVariable('connect_password') });
  const connect = new KafkaConnectCluster(stack, 'connect', {
    url: o.connectUrl,
    kafka,
    workerPrincipal: user.principal,
    kafkaCredentials: { username: user.username, password: user.password },
    secrets: o.secretsMountPath ? { mountPath: o.secretsMountPath } : undefined,
    worker: {
      groupId: o.connectUser,
      configStorageTopic: `${run}-connect.configs`,
      offsetStorageTopic: `${run}-connect.offsets`,
      statusStorageTopic: `${run}-connect.status`,
      offsetStoragePartitions: o.offsetStoragePartitions,
      statusStoragePartitions: 1,
      replicationFactor: 1,
    },
    // Only the BigQuery sinks (left out of the apply) use it.
    googleServiceAccount: 'connect-it@acme-it.iam.gserviceaccount.com',
  });
  const pg = new ExternalSourceDatabase(stack, 'pg', {
    logicalName: `${run}pg`,
    engine: 'postgres',
    host: env.PG_HOST,
    port: Number(env.PG_PORT),
    databaseName: env.PG_DATABASE,
    replicationUser: env.PG_USER,
    replicationPassword: SecretValue.fromVariable('pg_cdc_password'),
    tables: [{ name: o.pgTable, primaryKey: ['id'] }],
  });
  const maria = new ExternalSourceDatabase(stack, 'maria', {
    logicalName: `${run}my`,
    engine: 'mariadb',
    host: env.MARIADB_HOST,
    port: Number(env.MARIADB_PORT),
    databaseName: env.MARIADB_DATABASE,
    replicationUser: env.MARIADB_USER,
    replicationPassword: SecretValue.fromVariable('mariadb_cdc_password'),
    tables: [{ name: o.myTable, primaryKey: ['id'] }],
  });
  const pipeline = new RealtimePipeline(stack, 'realtime', {
    kafka,
    connect,
    sources: [pg, maria],
    warehouse: { project: 'acme-it' },
    topicPartitions: 1,
    sourceOptions: { [`${run}pg`]: { heartbeatIntervalMs: 1000 }, [`${run}my`]: { heartbeatIntervalMs: 1000 } },
  });
  const problems = validateAll([stack]);
  if (problems.length) throw new Error(problems.join('\n'));
  return { json: JSON.parse(Testing.synth(stack)), pipeline, connect };
}

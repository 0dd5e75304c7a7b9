/**
 * The Kafka broker and Kafka Connect worker of test/infra (kafka.sh, connect.sh) are what
 * the other integration tests assume: SASL/SCRAM-SHA-512 with a super user, ACLs enforced,
 * topics that carry messages, and a Connect worker with the Debezium, JDBC and BigQuery
 * plugins. Needs `npm run infra:up` (or `bash test/infra/up.sh kafka connect`).
 *
 * The Connect checks run on a worker of this test's own (GoldenConnect, the same plugin path as
 * the shared worker) that logs in as a least-privileged user whose ACLs the stack's Terraform
 * applies (its group and internal topics only), never as the broker's super user.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Admin, ConfigResourceTypes, Kafka, logLevel, ResourcePatternTypes } from 'kafkajs';
import { GoldenConnect } from './golden-connect';
import { requireInfra } from './infra';

jest.setTimeout(600_000);

const run = promisify(execFile);
const KAFKA_SH = path.resolve(__dirname, '..', 'infra', 'kafka.sh');
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const TOPIC = `cdp-harness-${suffix}`;
const USER = `cdp-harness-${suffix}`;
const USER_PASSWORD = `pw-${suffix}`;

type Env = Record<'KAFKA_BOOTSTRAP' | 'KAFKA_ADMIN_USER' | 'KAFKA_ADMIN_PASSWORD' | 'KAFKA_SASL_MECHANISM' | 'KAFKA_VERSION', string>;

function kafkaAs(env: Env, username: string, password: string, clientId: string): Kafka {
  if (env.KAFKA_SASL_MECHANISM !== 'scram-sha-512') {
    throw new Error(`KAFKA_SASL_MECHANISM is '${env.KAFKA_SASL_MECHANISM}'; this harness expects 'scram-sha-512'`);
  }
  return new Kafka({
    clientId,
    brokers: env.KAFKA_BOOTSTRAP.split(','),
    sasl: { mechanism: 'scram-sha-512', username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 200 },
  });
}

/** Runs `bash test/infra/kafka.sh ARGS...` (the shell route other scripts use too). */
async function kafkaSh(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [KAFKA_SH, ...args], { timeout: 60_000 });
  return stdout;
}

/** Sends one message as `kafka`; resolves to the error, or undefined on success. */
async function trySend(kafka: Kafka, topic: string, value: string): Promise<Error | undefined> {
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  try {
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value }], acks: -1 }); // the topic is compacted: keys required
    return undefined;
  } catch (e) {
    return e as Error;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** Error type names along the kafkajs cause chain (e.g. TOPIC_AUTHORIZATION_FAILED). */
function errorTypes(e: unknown): string[] {
  const out: string[] = [];
  let cur = e as { type?: string; name?: string; cause?: unknown; originalError?: unknown } | undefined;
  for (let i = 0; cur && i < 10; i++) {
    if (cur.type) out.push(cur.type);
    if (cur.name) out.push(cur.name);
    cur = (cur.originalError ?? cur.cause) as typeof cur;
  }
  return out;
}

describe('Kafka and Kafka Connect of test/infra', () => {
  let env: Env;
  let admin: Admin;

  beforeAll(async () => {
    env = requireInfra(['KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_SASL_MECHANISM', 'KAFKA_VERSION']);
    admin = kafkaAs(env, env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD, 'cdp-harness-admin').admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (!admin) return;
    await admin.deleteTopics({ topics: [TOPIC] }).catch(() => undefined);
    await admin
      .deleteAcls({
        filters: [
          {
            resourceType: AclResourceTypes.TOPIC,
            resourceName: TOPIC,
            resourcePatternType: ResourcePatternTypes.LITERAL,
            principal: `User:${USER}`,
            host: '*',
            operation: AclOperationTypes.ANY,
            permissionType: AclPermissionTypes.ANY,
          },
        ],
      })
      .catch(() => undefined);
    await kafkaSh('del-user', USER).catch(() => undefined);
    await admin.disconnect();
  });

  it('lets the super user in over SASL/SCRAM-SHA-512 and describes a one-node cluster', async () => {
    const cluster = await admin.describeCluster();
    const [host, port] = env.KAFKA_BOOTSTRAP.split(':');
    expect(cluster.brokers).toEqual([{ nodeId: 1, host, port: Number(port) }]);
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(env.KAFKA_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('refuses a wrong password', async () => {
    const intruder = kafkaAs(env, env.KAFKA_ADMIN_USER, 'not-the-password', 'cdp-harness-intruder').admin();
    await expect(intruder.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed|Authentication failed/i);
    await intruder.disconnect().catch(() => undefined);
  });

  it('creates a topic with the partitions and configs asked for, and carries a message through it', async () => {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const meta = await admin.fetchTopicMetadata({ topics: [TOPIC] });
    expect(meta.topics[0].partitions).toHaveLength(3);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configNames: ['cleanup.policy'] }],
    });
    expect(described.resources[0].configEntries.map((c) => [c.configName, c.configValue])).toEqual([['cleanup.policy', 'compact']]);

    const kafka = kafkaAs(env, env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD, 'cdp-harness-io');
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: TOPIC, messages: [{ key: 'order-1', value: 'hello from the harness' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `cdp-harness-${suffix}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message on ${TOPIC} within 30 s`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({ key: String(message.key), value: String(message.value) });
        },
      });
    });
    await consumer.disconnect();
    expect(received).toEqual({ key: 'order-1', value: 'hello from the harness' });
  });

  it('topics cannot be created by a producer (auto.create.topics.enable=false)', async () => {
    const kafka = kafkaAs(env, env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD, 'cdp-harness-autocreate');
    const err = await trySend(kafka, `cdp-harness-absent-${suffix}`, 'x');
    expect(err).toBeDefined();
    const topics = await admin.listTopics();
    expect(topics).not.toContain(`cdp-harness-absent-${suffix}`);
  });

  it('enforces ACLs: a SCRAM user without Write is refused, and allowed once granted', async () => {
    // kafkajs cannot create SCRAM users; the shell route does (kafka-configs as admin).
    expect(await kafkaSh('add-user', USER, USER_PASSWORD)).toContain(`Completed updating config for user ${USER}`);
    const users = await kafkaSh('configs', '--describe', '--entity-type', 'users', '--entity-name', USER);
    expect(users).toContain('SCRAM-SHA-512');

    const asUser = kafkaAs(env, USER, USER_PASSWORD, 'cdp-harness-user');
    // The credential reaches the broker through the metadata log: allow it a moment.
    let denied: Error | undefined;
    for (let i = 0; i < 20; i++) {
      denied = await trySend(asUser, TOPIC, 'should be refused');
      if (!denied || !/authentication failed/i.test(String(denied.message))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(denied).toBeDefined();
    expect(errorTypes(denied).join(' ')).toMatch(/TOPIC_AUTHORIZATION_FAILED/);

    await admin.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: TOPIC,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: `User:${USER}`,
          host: '*',
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    const acls = await kafkaSh('acls', '--list', '--topic', TOPIC);
    expect(acls).toContain(`principal=User:${USER}`);
    expect(acls).toContain('operation=WRITE');

    let allowed: Error | undefined = new Error('not tried');
    for (let i = 0; i < 20 && allowed; i++) {
      allowed = await trySend(asUser, TOPIC, 'allowed now');
      if (allowed) await new Promise((r) => setTimeout(r, 250));
    }
    expect(allowed).toBeUndefined();
  });
});

describe('Kafka Connect of test/infra, on a worker logged in as a least-privileged user', () => {
  // A worker of this test's own, logged in as `<run>-connect` with the ACLs of its group and internal topics only.
  const connect = new GoldenConnect({ run: `kh${Date.now().toString(36).slice(-5)}`, port: 18295, produce: [] });
  beforeAll(() => connect.up());
  afterAll(() => connect.down());

  it('Connect lists the Debezium, JDBC sink and BigQuery sink plugins, on a worker that logs in as a least-privileged user', async () => {
    expect(connect.loginUsers()).toEqual([connect.user]);
    const res = await fetch(`${connect.url}/connector-plugins`);
    expect(res.status).toBe(200);
    const plugins = (await res.json()) as { class: string; type: string; version: string }[];
    const byClass = Object.fromEntries(plugins.map((p) => [p.class, p]));
    expect(byClass['io.debezium.connector.postgresql.PostgresConnector']).toMatchObject({ type: 'source' });
    expect(byClass['io.debezium.connector.mysql.MySqlConnector']).toMatchObject({ type: 'source' });
    expect(byClass['io.debezium.connector.mariadb.MariaDbConnector']).toMatchObject({ type: 'source' });
    expect(byClass['io.debezium.connector.jdbc.JdbcSinkConnector']).toMatchObject({ type: 'sink' });
    expect(byClass['com.wepay.kafka.connect.bigquery.BigQuerySinkConnector']).toMatchObject({ type: 'sink' });
    expect(byClass['io.debezium.connector.postgresql.PostgresConnector'].version).toMatch(/^3\.6\./);
    expect(connect.authorizationErrors()).toEqual([]);
  });

  it("Connect validates a BigQuery sink config with the plugin's own rules", async () => {
    const cls = 'com.wepay.kafka.connect.bigquery.BigQuerySinkConnector';
    const res = await fetch(`${connect.url}/connector-plugins/${cls}/config/validate`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ 'connector.class': cls, name: 'bq', topics: 'orders', project: 'p' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { error_count: number; configs: { value: { name: string; errors: string[] } }[] };
    const errors = Object.fromEntries(body.configs.filter((c) => c.value.errors.length).map((c) => [c.value.name, c.value.errors]));
    expect(Object.keys(errors)).toEqual(['defaultDataset']);
    expect(body.error_count).toBe(1);
    expect(connect.authorizationErrors()).toEqual([]);
  });
});

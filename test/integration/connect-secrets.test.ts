/**
 * Audit #32 on the real parts: connector secrets are config-provider references, never values.
 * A Connect cluster declared with `secrets` (Kafka's DirectoryConfigProvider over a directory of
 * one file per secret) gets Debezium PostgreSQL and MariaDB connectors through Terraform whose
 * database passwords and schema-history SASL login hold `${secrets:<dir>:<file>}` references.
 * The worker, least-privileged and started with the cluster's own `workerProperties`, resolves
 * them and the connectors connect and stream; yet `GET /connectors/<name>/config`, Connect's
 * config topic and Terraform's state hold no secret. Needs `npm run infra:up`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client as PgClient } from 'pg';
import * as mysql from 'mysql2/promise';
import { BIGQUERY_SINK_CLASS } from '../../constructs/connect/bigquery-sink';
import { NamedConnectWorker, requireInfra } from './infra';
import { TerraformWorkdir, withoutGoogle } from './terraform';
import { apply, applyKafkaResources, EventCollector, kafkaAs, resolveWorkerProperties, waitRunning, leastPrivilegedPipelineStack } from './connect-harness';

jest.setTimeout(600_000);

const run = `cs${Date.now().toString(36).slice(-5)}`;
const env = requireInfra([
  'KAFKA_BOOTSTRAP',
  'KAFKA_ADMIN_USER',
  'KAFKA_ADMIN_PASSWORD',
  'KAFKA_VERSION',
  'PG_HOST',
  'PG_PORT',
  'PG_USER',
  'PG_PASSWORD',
  'PG_DATABASE',
  'MARIADB_HOST',
  'MARIADB_PORT',
  'MARIADB_USER',
  'MARIADB_PASSWORD',
  'MARIADB_DATABASE',
  'TF_CLI_CONFIG_FILE',
  'TERRAFORM_BIN',
] as const);

const connectUser = `${run}-connect`;
const connectUrl = 'http://127.0.0.1:18184';
// The harness's databases have one password each (cdc-secret); a distinctive Connect password
// is what the assertions below look for besides them.
const passwords = {
  kafka_admin_password: env.KAFKA_ADMIN_PASSWORD,
  connect_password: `connect-${run}-S3cr3t`,
  pg_cdc_password: env.PG_PASSWORD,
  mariadb_cdc_password: env.MARIADB_PASSWORD,
};
const secretDir = fs.mkdtempSync(path.join(os.tmpdir(), `cdp-secrets-${run}-`));
const pgTable = `vault_${run}`;
const myTable = `ledger_${run}`;

function buildStack() {
  return leastPrivilegedPipelineStack({
    stackName: 'connect-secrets-it',
    run,
    env,
    connectUrl,
    connectUser,
    pgTable,
    myTable,
    offsetStoragePartitions: 1,
    secretsMountPath: secretDir,
  });
}

describe('audit #32: connector secrets on the real Connect are config-provider references', () => {
  const { json: full, pipeline, connect } = buildStack();
  const { json } = withoutGoogle(full, { dropConnectorClasses: [BIGQUERY_SINK_CLASS] });
  const tf = new TerraformWorkdir(json, passwords);
  const worker = new NamedConnectWorker({
    name: run,
    port: 18184,
    user: connectUser,
    password: passwords.connect_password,
    group: `${run}-connect`,
    configTopic: `${run}-connect.configs`,
    offsetTopic: `${run}-connect.offsets`,
    statusTopic: `${run}-connect.status`,
    // As the construct says; with `secrets`, even the worker's own SASL password is a reference.
    workerProperties: resolveWorkerProperties(connect.workerProperties, passwords),
  });
  const pgPart = pipeline.sources[`${run}pg`];
  const myPart = pipeline.sources[`${run}my`];
  const connectors = [pgPart.capture.connector.name, myPart.capture.connector.name];
  const pgTopic = pgPart.capture.topicsByTable[`public.${pgTable}`];
  const myTopic = myPart.capture.topicsByTable[`${env.MARIADB_DATABASE}.${myTable}`];
  const admin = () => kafkaAs(env.KAFKA_BOOTSTRAP, env.KAFKA_ADMIN_USER, env.KAFKA_ADMIN_PASSWORD, `cdp-${run}`);
  const collector = new EventCollector(admin(), `${run}-it-reader`);
  const secrets = [passwords.connect_password, env.PG_PASSWORD, env.MARIADB_PASSWORD];
  let pg: PgClient;
  let maria: mysql.Connection;

  beforeAll(async () => {
    // The directory the workers read: one file per secret, its exact bytes, as the construct names them.
    const files = connect.secretFiles;
    for (const file of Object.keys(files)) {
      const value = (passwords as Record<string, string>)[file];
      if (value === undefined) throw new Error(`the cluster needs secret file ${file}, which the test cannot fill`);
      fs.writeFileSync(path.join(secretDir, file), value, { mode: 0o600 });
    }
    pg = new PgClient({ host: env.PG_HOST, port: Number(env.PG_PORT), user: env.PG_USER, password: env.PG_PASSWORD, database: env.PG_DATABASE });
    await pg.connect();
    await pg.query(`CREATE TABLE public.${pgTable} (id int PRIMARY KEY, note text)`);
    await pg.query(`INSERT INTO public.${pgTable} VALUES (1, 'snapshot')`);
    maria = await mysql.createConnection({
      host: env.MARIADB_HOST,
      port: Number(env.MARIADB_PORT),
      user: env.MARIADB_USER,
      password: env.MARIADB_PASSWORD,
      database: env.MARIADB_DATABASE,
    });
    await maria.query(`CREATE TABLE ${myTable} (id INT PRIMARY KEY, note VARCHAR(32))`);
    await maria.query(`INSERT INTO ${myTable} VALUES (1, 'snapshot')`);
    tf.must(['init', '-input=false', '-no-color']);
    applyKafkaResources(tf, json);
    worker.up();
    apply(tf);
    await collector.start([pgTopic, myTopic]);
  });

  afterAll(async () => {
    await collector.stop();
    const targets = Object.keys(json.resource['kafka-connect_connector'] ?? {}).map((n) => `-target=kafka-connect_connector.${n}`);
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color', ...targets]);
    try {
      worker.clean();
    } catch (e) {
      console.error(String(e));
    }
    tf.run(['destroy', '-auto-approve', '-input=false', '-no-color']);
    const prefixId = `${run}pg`;
    await pg?.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1', [`${prefixId}_debezium`]).catch(() => undefined);
    await pg?.query(`DROP PUBLICATION IF EXISTS ${prefixId}_publication`).catch(() => undefined);
    await pg?.query(`DROP TABLE IF EXISTS public.${pgTable}`).catch(() => undefined);
    await pg?.end().catch(() => undefined);
    await maria?.query(`DROP TABLE IF EXISTS ${myTable}`).catch(() => undefined);
    await maria?.end().catch(() => undefined);
    fs.rmSync(secretDir, { recursive: true, force: true });
  });

  test('audit #32: the synthesized connectors hold references (escaped for Terraform) and no config_sensitive', () => {
    // In Terraform's JSON syntax "${…}" is an interpolation; a literal "${secrets:…}" for
    // Connect must be written "$${secrets:…}" (Terraform then sends "${secrets:…}").
    for (const c of Object.values<any>(json.resource['kafka-connect_connector'])) {
      expect(c.config_sensitive).toBeUndefined();
      expect(c.config['database.password']).toMatch(/^\$\$\{secrets:[^:}]+:[a-z_]+\}$/);
      const text = JSON.stringify(c);
      for (const s of secrets) expect(text).not.toContain(s);
    }
    const my = Object.values<any>(json.resource['kafka-connect_connector']).find((c) => c.name === connectors[1]);
    expect(my.config['schema.history.internal.producer.sasl.jaas.config']).toContain(`password="$\${secrets:${secretDir}:connect_password}"`);
  });

  test('audit #32: the connectors connect (snapshot and streaming) with the secrets the worker resolved', async () => {
    for (const name of connectors) await waitRunning(worker.url, name);
    await collector.waitForChange(pgTopic, 'PostgreSQL snapshot row', (c) => c.op === 'r' && c.after?.id === 1);
    await collector.waitForChange(myTopic, 'MariaDB snapshot row', (c) => c.op === 'r' && c.after?.id === 1);
    await pg.query(`INSERT INTO public.${pgTable} VALUES (2, 'streamed')`);
    await maria.query(`INSERT INTO ${myTable} VALUES (2, 'streamed')`);
    await collector.waitForChange(pgTopic, 'PostgreSQL insert', (c) => c.op === 'c' && c.after?.id === 2, {
      watch: { url: worker.url, connector: connectors[0] },
    });
    await collector.waitForChange(myTopic, 'MariaDB insert', (c) => c.op === 'c' && c.after?.id === 2, {
      watch: { url: worker.url, connector: connectors[1] },
    });
  });

  test('audit #32: GET /connectors/<name>/config shows references, never a secret', async () => {
    for (const name of connectors) {
      const res = await fetch(`${worker.url}/connectors/${encodeURIComponent(name)}/config`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const config = JSON.parse(text);
      expect(config['database.password']).toBe(`\${secrets:${secretDir}:${name === connectors[0] ? 'pg_cdc_password' : 'mariadb_cdc_password'}}`);
      for (const s of secrets) expect({ name, leaks: text.includes(s) }).toEqual({ name, leaks: false });
    }
    // GET /connectors?expand=info returns the same stored configs.
    const all = await (await fetch(`${worker.url}/connectors?expand=info`)).text();
    for (const s of secrets) expect(all).not.toContain(s);
  });

  test("audit #32: neither Connect's config topic nor Terraform's state holds a secret", async () => {
    const reader = admin().consumer({ groupId: `${run}-it-configs` });
    const records: string[] = [];
    await reader.connect();
    await reader.subscribe({ topic: `${run}-connect.configs`, fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void records.push(message.value?.toString() ?? '') });
    const end = Date.now() + 30_000;
    while (!records.some((r) => r.includes('database.password')) && Date.now() < end) await new Promise((r) => setTimeout(r, 500));
    await reader.disconnect();
    const stored = records.join('\n');
    expect(stored).toContain('${secrets:');
    for (const s of secrets) expect(stored).not.toContain(s);
    const state = fs.readFileSync(path.join(tf.dir, 'terraform.tfstate'), 'utf8');
    expect(state).toContain('kafka-connect_connector');
    for (const s of secrets) expect(state).not.toContain(s);
  });
});

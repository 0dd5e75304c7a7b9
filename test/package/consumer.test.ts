/**
 * The library as a user gets it: `npm pack`, install the tarball into a fresh cdktf project
 * that has only public packages, compose a realtime pipeline from the public API (type-checked
 * against the shipped declarations), synthesize it, and check the output. Needs the npm
 * registry (or a warm npm cache) for the consumer's own dependencies.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

jest.setTimeout(900_000);

const root = path.join(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const sh = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', CHECKPOINT_DISABLE: '1' }, maxBuffer: 64 * 1024 * 1024 });

const consumerMain = `
import { App, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { SecretValue, KafkaCluster, KafkaConnectCluster, ExternalSourceDatabase, RealtimePipeline } from 'cdktf-data-pipelines';

const app = new App({ outdir: 'cdktf.out' });
const stack = new TerraformStack(app, 'consumer-realtime');
new GoogleProvider(stack, 'google', { project: 'consumer-data', region: 'europe-west1' });
const kafka = new KafkaCluster(stack, 'kafka', {
  bootstrapServers: ['k1:9093', 'k2:9093', 'k3:9093'],
  kafkaVersion: '3.9.0',
  sasl: { username: 'terraform', password: SecretValue.fromVariable('kafka_password') },
});
const connect = new KafkaConnectCluster(stack, 'connect', {
  url: 'https://connect:8083',
  kafka,
  kafkaCredentials: { username: 'connect', password: SecretValue.fromVariable('connect_password') },
});
const crm = new ExternalSourceDatabase(stack, 'crm', {
  logicalName: 'crm', engine: 'postgres', host: 'crm-db', databaseName: 'crm',
  replicationPassword: SecretValue.fromVariable('crm_password'),
  tables: [{ name: 'contacts', primaryKey: ['id'] }],
});
new RealtimePipeline(stack, 'realtime', { kafka, connect, sources: [crm], warehouse: { project: 'consumer-data', location: 'EU' } });
app.synth();
`;

describe('the packed library in a fresh consumer project', () => {
  let work: string;
  let tarball: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-consumer-'));
    const out = sh('npm', ['pack', '--pack-destination', work, '--json'], root);
    tarball = path.join(work, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
    const app = path.join(work, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, esModuleInterop: true, skipLibCheck: true, outDir: 'out' }, files: ['main.ts'] }),
    );
    fs.writeFileSync(path.join(app, 'main.ts'), consumerMain);
    sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline',
      `cdktf@${pkg.peerDependencies.cdktf}`, `constructs@${pkg.devDependencies.constructs}`,
      `@cdktf/provider-google@${pkg.peerDependencies['@cdktf/provider-google']}`, `typescript@${pkg.devDependencies.typescript}`, tarball], app);
  });

  test('the tarball holds compiled code, declarations and the worker, but no tests or sources', () => {
    const listing = sh('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
    expect(listing).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/lib/cdc-worker/main.js', 'package/package.json', 'package/README.md']));
    expect(listing.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(listing.filter((f) => f.includes('/test/') || f.includes('/bench/'))).toEqual([]);
  });

  test('one copy of constructs and cdktf in the consumer (peer dependencies)', () => {
    const app = path.join(work, 'app');
    // `npm ls` must succeed (no invalid or missing peers), and exactly one installed copy of each.
    sh('npm', ['ls', 'constructs', 'cdktf', '@cdktf/provider-google'], app);
    const copies: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const full = path.join(dir, e.name);
        if (e.name.startsWith('@')) walk(full);
        else {
          if (e.name === 'constructs' || e.name === 'cdktf') copies.push(`${e.name}@${JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8')).version}`);
          if (fs.existsSync(path.join(full, 'node_modules'))) walk(path.join(full, 'node_modules'));
        }
      }
    };
    walk(path.join(app, 'node_modules'));
    expect(copies.sort()).toEqual([`cdktf@${pkg.peerDependencies.cdktf}`, `constructs@${pkg.devDependencies.constructs}`]);
    expect(fs.existsSync(path.join(app, 'node_modules', 'cdktf-data-pipelines', 'node_modules', 'constructs'))).toBe(false);
  });

  test('a stack composed from the public API type-checks, synthesizes and holds the pipeline', () => {
    const app = path.join(work, 'app');
    sh(process.execPath, [path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
    sh(process.execPath, ['out/main.js'], app);
    const json = JSON.parse(fs.readFileSync(path.join(app, 'cdktf.out', 'stacks', 'consumer-realtime', 'cdk.tf.json'), 'utf8'));
    const topics = Object.values<any>(json.resource.kafka_topic).map((t) => t.name).sort();
    expect(topics).toEqual(['__debezium-heartbeat.crm', 'crm.public.contacts']);
    const connectors = Object.values<any>(json.resource['kafka-connect_connector']).map((c) => c.name).sort();
    expect(connectors).toEqual(['crm-bigquery-sink', 'crm-postgres-source']);
    expect(Object.values<any>(json.resource.google_bigquery_dataset)[0]).toMatchObject({ dataset_id: 'crm_cdc', location: 'EU' });
    expect(json.terraform.required_providers.kafka).toEqual({ source: 'mongey/kafka', version: '0.13.1' });
  });

  test('the cdc-worker command of the package starts and rejects a bad config with a clear error', () => {
    const app = path.join(work, 'app');
    fs.writeFileSync(path.join(app, 'bad.json'), JSON.stringify({ source: { host: 'x' } }));
    let stderr = '';
    let status = 0;
    try {
      execFileSync(path.join(app, 'node_modules', '.bin', 'cdc-worker'), ['--config', 'bad.json'], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    } catch (e: any) {
      status = e.status;
      stderr = `${e.stdout}${e.stderr}`;
    }
    expect(status).not.toBe(0);
    expect(stderr).toMatch(/source\.database|database/);
  });
});

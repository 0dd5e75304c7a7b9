/**
 * The library as a user gets it, set up by the README to the letter: `npm pack`, then the README's
 * "Set up a project" blocks for one core line (CDP_CORE_LINE=cdktf, the default, or cdktn), its
 * cdktf.json and tsconfig.json, its example as main.ts and its synth block, run as written (only
 * `cdktf-data-pipelines` becomes the packed tarball, and installs prefer the npm cache). Needs the
 * npm registry (or a warm npm cache) for the consumer's own dependencies.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

jest.setTimeout(900_000);

const root = path.join(__dirname, '..', '..');
const line = (process.env.CDP_CORE_LINE ?? 'cdktf') as 'cdktf' | 'cdktn';
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' };

/** The fenced block right after `<!-- marker -->` in the README. */
function block(marker: string): string {
  const at = readme.indexOf(`<!-- ${marker} -->`);
  if (at < 0) throw new Error(`README has no <!-- ${marker} --> block`);
  const m = /```\w*\n([\s\S]*?)```/.exec(readme.slice(at));
  return m![1];
}
/** The commands of a bash block: one per line, comments dropped. */
const commands = (text: string) =>
  text
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
/** The README's first TypeScript example (the one "Set up a project" calls main.ts). */
const example = /## Example\n+```ts\n([\s\S]*?)```/.exec(readme)![1];

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}
function sh(command: string, cwd: string, extraEnv: Record<string, string> = {}): Ran {
  const r = spawnSync('bash', ['-c', command], { cwd, encoding: 'utf8', env: { ...env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
  const ran = { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  if (ran.status !== 0) throw new Error(`${command} (in ${cwd}) exited ${ran.status}:\n${ran.stdout}\n${ran.stderr}`);
  return ran;
}

describe(`the packed library in a fresh consumer project, set up by the README (core line ${line})`, () => {
  let work: string;
  let tarball: string;
  let app: string;
  const installOutput: string[] = [];
  let synthEnv: Record<string, string> = {};

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-consumer-'));
    const out = execFileSync('npm', ['pack', '--pack-destination', work, '--json'], {
      cwd: root,
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    tarball = path.join(work, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
    let cwd = work;
    for (const command of commands(block(`consumer-setup:${line}`))) {
      const mkdir = /^mkdir (\S+) && cd \1$/.exec(command);
      if (mkdir) {
        cwd = path.join(cwd, mkdir[1]);
        fs.mkdirSync(cwd);
        continue;
      }
      const r = sh(command.replace(/(^| )cdktf-data-pipelines( |$)/, `$1${tarball}$2`), cwd);
      if (command.startsWith('npm install')) installOutput.push(r.stdout + r.stderr);
    }
    app = cwd;
    fs.writeFileSync(path.join(app, 'cdktf.json'), block('consumer:cdktf.json'));
    fs.writeFileSync(path.join(app, 'tsconfig.json'), block('consumer:tsconfig.json'));
    fs.writeFileSync(path.join(app, 'main.ts'), example);
    for (const command of commands(block('consumer:synth'))) {
      const exported = /^export (\w+)=(\S*)$/.exec(command);
      if (exported) synthEnv = { ...synthEnv, [exported[1]]: exported[2] };
      else sh(command, app, synthEnv);
    }
  });

  afterAll(() => {
    if (work && !process.env.KEEP) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds compiled code, declarations and the worker, but no tests or sources', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listing).toEqual(
      expect.arrayContaining([
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/lib/cdc-worker/main.js',
        'package/package.json',
        'package/README.md',
      ]),
    );
    expect(listing.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(listing.filter((f) => f.includes('/test/') || f.includes('/bench/'))).toEqual([]);
  });

  test('installs are quiet: no warning (peer ranges met, the one install script declined in package.json)', () => {
    expect(installOutput.join('\n')).not.toMatch(/warn|ERESOLVE|deprecated/i);
  });

  test('exact peer versions; one copy of constructs and of the core, the line chosen', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({
      '@cdktf/provider-google': '16.12.1',
      cdktf: line === 'cdktn' ? 'npm:cdktn@0.24.0' : '0.21.0',
      'cdktf-data-pipelines': expect.stringMatching(/\.tgz$/),
      constructs: line === 'cdktn' ? '10.7.2' : '10.4.2',
    });
    // `npm ls` must succeed (no invalid or missing peers), and exactly one installed copy of each.
    sh('npm ls constructs cdktf @cdktf/provider-google', app);
    const copies: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!e.isDirectory()) continue;
        const full = path.join(dir, e.name);
        if (e.name.startsWith('@')) walk(full);
        else {
          if (['constructs', 'cdktf', 'cdktn'].includes(e.name)) {
            const p = JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8'));
            copies.push(`${e.name}=${p.name}@${p.version}`);
          }
          if (fs.existsSync(path.join(full, 'node_modules'))) walk(path.join(full, 'node_modules'));
        }
      }
    };
    walk(path.join(app, 'node_modules'));
    expect(copies.sort()).toEqual(
      line === 'cdktn' ? ['cdktf=cdktn@0.24.0', 'constructs=constructs@10.7.2'] : ['cdktf=cdktf@0.21.0', 'constructs=constructs@10.4.2'],
    );
    const loaded = sh(`node -e "console.log(JSON.stringify(require('cdktf-data-pipelines').coreLine()))"`, app).stdout;
    expect(JSON.parse(loaded)).toEqual(line === 'cdktn' ? { name: 'cdktn', version: '0.24.0' } : { name: 'cdktf', version: '0.21.0' });
  });

  test("cdktf.json's app command is the one the README's synth block runs", () => {
    const config = JSON.parse(fs.readFileSync(path.join(app, 'cdktf.json'), 'utf8'));
    expect(commands(block('consumer:synth'))).toContain(config.app);
    expect(synthEnv).toEqual({ CHECKPOINT_DISABLE: '1' });
  });

  test('the example synthesizes and holds the pipeline', () => {
    const json = JSON.parse(fs.readFileSync(path.join(app, 'cdktf.out', 'stacks', 'shop-realtime', 'cdk.tf.json'), 'utf8'));
    const topics = Object.values<any>(json.resource.kafka_topic)
      .map((t) => t.name)
      .sort();
    expect(topics).toEqual(['__debezium-heartbeat.shop', 'shop.public.orders']);
    const connectors = Object.values<any>(json.resource['kafka-connect_connector'])
      .map((c) => c.name)
      .sort();
    expect(connectors).toEqual(['shop-bigquery-sink', 'shop-postgres-source']);
    expect(Object.values<any>(json.resource.google_bigquery_dataset)[0]).toMatchObject({ dataset_id: 'shop_cdc' });
    expect(json.terraform.required_providers.kafka).toEqual({ source: 'mongey/kafka', version: '0.13.1' });
    expect(fs.existsSync(path.join(app, 'cdktf.out', 'manifest.json'))).toBe(true);
  });

  test('a bad prop in two stacks: one error with both, and nothing written', () => {
    const bad = example
      .replace("kafkaVersion: '3.9.0'", "kafkaVersion: 'latest'")
      .replace(
        'app.synth();',
        "const second = new TerraformStack(app, 'second');\nnew KafkaCluster(second, 'kafka', { bootstrapServers: ['k:9093'], kafkaVersion: '3' });\napp.synth();",
      );
    fs.writeFileSync(path.join(app, 'bad.ts'), bad);
    const r = spawnSync('bash', ['-c', 'npx ts-node --transpile-only bad.ts'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...env, ...synthEnv, CDKTF_OUTDIR: 'bad.out' },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /Synth stopped: 2 problem\(s\); nothing was written\.\n {2}\[shop-realtime\/kafka\] kafkaVersion: "latest" is not valid.*\n {2}\[second\/kafka\] kafkaVersion: "3" is not valid/,
    );
    expect(fs.existsSync(path.join(app, 'bad.out'))).toBe(false);
  });

  test('the cdc-worker command of the package starts and rejects a bad config with a clear error', () => {
    fs.writeFileSync(path.join(app, 'bad.json'), JSON.stringify({ source: { host: 'x' } }));
    const r = spawnSync(path.join(app, 'node_modules', '.bin', 'cdc-worker'), ['--config', 'bad.json'], { cwd: app, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/source\.database|database/);
  });
});

/**
 * The container without a container engine: builds and `npm pack`s the package as the
 * Dockerfile's build stage does, installs the tarball with the runtime stage's own `npm install`
 * line, and runs the runtime stage's exact CMD (with `/app` mapped to a temporary directory)
 * against the real PostgreSQL and Kafka.
 */
import { execFileSync, execSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Client } from 'pg';
import { Infra, REPO, cleanup, infra, pgClient, readTopics, scratchName, startWorker, workerConfig } from '../cdc-worker/harness';

jest.setTimeout(600000);

/** The runtime (last) stage of the Dockerfile: its ENV, its npm install command and its CMD. */
export function runtimeStage(dockerfile: string): { env: Record<string, string>; install: string; cmd: string[]; workdir: string } {
  const text = dockerfile.replace(/\\\n/g, ' ');
  const stages = text.split(/^FROM /m);
  const last = stages[stages.length - 1];
  const lines = last.split('\n').map((l) => l.trim());
  const env: Record<string, string> = {};
  for (const l of lines.filter((x) => x.startsWith('ENV '))) {
    const [k, v] = l.slice(4).split('=');
    env[k] = v;
  }
  const run = lines.find((l) => l.startsWith('RUN npm install'))!;
  const install = run.slice(4).split('&&')[0].trim();
  const cmd = JSON.parse(lines.find((l) => l.startsWith('CMD '))!.slice(4));
  const workdir = lines
    .find((l) => l.startsWith('WORKDIR '))!
    .slice(8)
    .trim();
  return { env, install, cmd, workdir };
}

describe('cdc-worker container command from an npm-packed install', () => {
  let env: Infra;
  let pg: Client;
  const name = scratchName('cdcw_pack');
  /** Build, pack and install directories (~75 MB a run): removed after the tests. */
  const scratchDirs: string[] = [];
  const scratchDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    scratchDirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    env = infra();
    pg = await pgClient(env);
    await pg.query(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.t (id int PRIMARY KEY, v text)`);
  });

  afterAll(async () => {
    await pg?.end();
    if (env) await cleanup(env, name);
    for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  });

  test('the Dockerfile is multi-stage, node:22-slim, non-root', () => {
    const df = readFileSync(join(REPO, 'lib/cdc-worker/Dockerfile'), 'utf8');
    const froms = df.match(/^FROM .*/gm)!;
    expect(froms).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim']);
    expect(df.split(/^FROM /m).pop()).toMatch(/^USER node$/m);
    expect(runtimeStage(df).install).toContain('--omit=dev');
  });

  test('runs the image CMD from the packed package and streams a change', async () => {
    const stage = runtimeStage(readFileSync(join(REPO, 'lib/cdc-worker/Dockerfile'), 'utf8'));
    // build stage: build and pack (node_modules from the checkout instead of `npm ci`)
    const src = scratchDir('cdcw-src-');
    for (const f of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'index.ts',
      'README.md',
      '.gitignore',
      'lib',
      'constructs',
      'stacks',
    ]) {
      if (existsSync(join(REPO, f))) cpSync(join(REPO, f), join(src, f), { recursive: true });
    }
    symlinkSync(join(REPO, 'node_modules'), join(src, 'node_modules'));
    execSync('npm run build', { cwd: src, stdio: 'pipe' });
    const packDir = scratchDir('cdcw-pack-');
    execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: src, stdio: 'pipe' });
    const tgz = join(
      packDir,
      readdirSync(packDir).find((f) => f.endsWith('.tgz'))!,
    );

    // runtime stage: the same npm install line, in a stand-in for /app
    const app = scratchDir('cdcw-app-');
    const install = stage.install.replace('/tmp/package.tgz', tgz);
    execSync(install, { cwd: app, stdio: 'pipe', env: { ...process.env, ...stage.env } });
    expect(existsSync(join(app, 'node_modules/cdktf-data-pipelines/dist/lib/cdc-worker/main.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/kafkajs'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false); // no dev dependencies
    expect(existsSync(join(app, 'node_modules/cdktf'))).toBe(false); // no peer dependencies

    const cmd = stage.cmd.map((a) => a.replace(new RegExp(`^${stage.workdir}/`), `${app}/`));
    const cfg = workerConfig(env, name, [`${name}.t`]);
    const { password: _p, ...source } = cfg.source;
    process.env.CDC_CONFIG_JSON = JSON.stringify({ ...cfg, source, http: undefined });
    process.env.PORT = '0';
    process.env.NODE_ENV = stage.env.NODE_ENV;
    let worker;
    try {
      worker = startWorker('', env, { cmd: cmd[0], args: cmd.slice(1), cwd: app });
    } finally {
      delete process.env.CDC_CONFIG_JSON;
      delete process.env.PORT;
      delete process.env.NODE_ENV;
    }
    try {
      const listening = JSON.parse(await worker.waitForLog(/http server listening/));
      await worker.waitForLog(/"msg":"streaming started"/);
      await pg.query(`INSERT INTO ${name}.t VALUES (1, 'from the packed worker')`);
      const recs = await readTopics(env, [`${name}.${name}.t`], (r) => r.length >= 1, 60000);
      expect(JSON.parse(recs[0].value!).payload).toMatchObject({ op: 'c', after: { id: 1, v: 'from the packed worker' } });
      const base = `http://127.0.0.1:${listening.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^cdc_events_total\{table="[^"]+\.t",op="c"\} 1$/m);
      expect(metrics).toMatch(/^cdc_lag_bytes /m);
      worker.proc.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      worker.proc.kill('SIGKILL');
    }
  });
});

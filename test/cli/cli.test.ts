import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthReferenceApp } from '../../stacks/reference-app';
import { parseArgs, run } from '../../lib/cli/main';

const root = join(__dirname, '..', '..');
let work: string;
let out: string;

/** A cdktf.out with talk-slides and a stack that is not a pipeline of ours. */
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cdp-cli-run-'));
  out = join(work, 'cdktf.out');
  synthReferenceApp({ outdir: out, stacks: ['talk-slides'] });
  mkdirSync(join(out, 'stacks', 'web'), { recursive: true });
  writeFileSync(
    join(out, 'stacks', 'web', 'cdk.tf.json'),
    JSON.stringify({
      '//': { metadata: { stackName: 'web' } },
      resource: { aws_s3_bucket: { site: { bucket: 'www' } } },
    }),
  );
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  manifest.stacks.web = { name: 'web', synthesizedStackPath: 'stacks/web/cdk.tf.json' };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest));
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('arguments', () => {
  test('flags with values, in both spellings', () => {
    expect(parseArgs(['diagram', '--stack', 'a', '--out=-', '--format', 'mermaid'])).toMatchObject({
      command: 'diagram',
      stack: 'a',
      out: '-',
      format: 'mermaid',
    });
  });

  test.each([
    [['diagram', '--format', 'png'], '--format: "png" is not known; allowed: svg, mermaid.'],
    [['diagram', '--stack'], '--stack needs a value.'],
    [['assess', '--verbose'], 'Unknown argument "--verbose".'],
    [['draw'], 'Unknown command "draw"; commands: diagram, assess.'],
    [['assess', '--format', 'svg'], 'assess takes no --out or --format; use --json for JSON.'],
  ])('%j is a usage error', async (argv, message) => {
    const r = await run(argv, work);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  test('--help prints the usage; no command is a usage error', async () => {
    expect(await run(['--help'], work)).toMatchObject({ code: 0, stdout: expect.stringContaining('cdktf-data-pipelines assess [--stack NAME] [--json]') });
    expect((await run([], work)).code).toBe(2);
  });
});

describe('bad input gives a clear message', () => {
  test('no cdktf.out', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cdp-cli-empty-'));
    const r = await run(['assess'], empty);
    rmSync(empty, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^cdktf-data-pipelines: No synthesized app at .*cdktf\.out: run `npx cdktf synth` \(in this repository: `npm run synth`\) first, or pass --cdktf-out/,
    );
  });

  test('a folder that is not cdktf output', async () => {
    const r = await run(['assess', '--cdktf-out', 'stacks-not-here'], work);
    expect(r.stderr).toContain('No synthesized app at');
    mkdirSync(join(work, 'plain'), { recursive: true });
    const r2 = await run(['diagram', '--cdktf-out', 'plain'], work);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('has no manifest.json, so it is not the output of `cdktf synth`');
  });

  test('an unknown stack names the stacks there', async () => {
    const r = await run(['assess', '--stack', 'nope'], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No stack "nope" in .*manifest\.json; stacks there: talk-slides, web\./);
  });

  test('a stack that is not ours says what it holds', async () => {
    const r = await run(['diagram', '--stack', 'web'], work);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Stack "web" is not a data pipeline made with cdktf-data-pipelines');
    expect(r.stderr).toContain('it has aws_s3_bucket (1).');
  });

  test('without --stack, stacks that are not ours are skipped with a note', async () => {
    const r = await run(['assess'], work);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('talk-slides: stage 2 (realtime)');
    expect(r.stderr).toContain('skipped: Stack "web" is not a data pipeline');
  });
});

describe('commands', () => {
  test('assess --json', async () => {
    const r = await run(['assess', '--stack', 'talk-slides', '--json'], work);
    const a = JSON.parse(r.stdout);
    expect(a).toMatchObject({ stack: 'talk-slides', stage: 2, stageName: 'realtime', next: { stage: 3, name: 'integration' } });
    expect(a.next.parts.find((p: any) => p.id === 'integration.non-warehouse-sinks')).toMatchObject({
      present: true,
      evidence: 'test-sink (JDBC sink (Confluent))',
    });
    expect(JSON.parse((await run(['assess', '--json'], work)).stdout)).toHaveLength(1);
  });

  test('diagram writes SVG and Mermaid files, or to standard output', async () => {
    const r = await run(['diagram', '--out', 'pics'], work);
    expect(r).toMatchObject({ code: 0, stdout: 'pics/talk-slides.svg: 0 sources, 3 topics, 1 sinks, 0 datasets\n' });
    const svg = readFileSync(join(work, 'pics', 'talk-slides.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('stage 2 (realtime)');
    await run(['diagram', '--out', 'pics', '--format', 'mermaid'], work);
    expect(readFileSync(join(work, 'pics', 'talk-slides.mmd'), 'utf8')).toMatch(/^flowchart LR\n/);
    const s = await run(['diagram', '--stack', 'talk-slides', '--format', 'mermaid', '--out', '-'], work);
    expect(s.stdout).toContain('-->|consumes|');
    expect(existsSync(join(out, 'diagrams'))).toBe(false);
  });
});

describe('the binary', () => {
  const bin = join(root, 'bin', 'cdktf-data-pipelines.js');
  const exec = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });

  test('runs, and exits 1 with the message on bad input', () => {
    const ok = exec('assess', '--stack', 'talk-slides');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('talk-slides: stage 2 (realtime)');
    const bad = exec('assess', '--cdktf-out', 'missing');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('cdktf-data-pipelines: No synthesized app at');
    expect(bad.stderr).not.toContain('    at '); // no stack trace
  });

  test('loads neither cdktf nor the layout engine to assess', () => {
    const script = `
      require(${JSON.stringify(join(root, 'lib', 'cli', 'main.ts'))}).run(['assess', '--stack', 'talk-slides'], ${JSON.stringify(work)}).then(() => {
        const loaded = Object.keys(require.cache);
        console.log(JSON.stringify({ cdktf: loaded.some((f) => /node_modules[\\\\/](cdktf|constructs)[\\\\/]/.test(f)), elk: loaded.some((f) => f.includes('elkjs')) }));
      });`;
    const r = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.json') },
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim())).toEqual({ cdktf: false, elk: false });
  });
});

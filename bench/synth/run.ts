import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { contentOf, differences } from './compare';

/**
 * `npm run bench:synth`: the company of 50 domains × 200 tables (≈ 10,000 tables) synthesized twice
 * in one run, each in its own process: with this library's constructs, and with the same Terraform
 * resources written directly with the L1 provider classes. Prints wall time and peak RSS of each and
 * their ratio, and checks that both wrote the same resources.
 *
 * Both children run compiled JavaScript, as an app using the published package does (the library's
 * TypeScript is transpiled once, before anything is timed, into node_modules/.cache/bench-synth);
 * BENCH_RUNNER=ts-node runs them with `ts-node --transpile-only` instead (then loading includes
 * transpiling the library, and every token's captured stack trace goes through source maps).
 *
 * Options (environment): BENCH_DOMAINS (50), BENCH_TABLES (200), BENCH_ROUNDS (2: each mode twice,
 * in the order constructs, L1, L1, constructs, so neither profits from a warmer machine; the mean is reported).
 */
const domains = Number(process.env.BENCH_DOMAINS ?? 50);
const tables = Number(process.env.BENCH_TABLES ?? 200);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const runner = process.env.BENCH_RUNNER === 'ts-node' ? 'ts-node' : 'js';
const hasGnuTime = fs.existsSync('/usr/bin/time');
const root = path.join(__dirname, '..', '..');
const buildDir = path.join(root, 'node_modules', '.cache', 'bench-synth');

/** Transpiles the library, the reference stacks and this benchmark to JavaScript (no type check), once. */
function transpile(): number {
  const start = Date.now();
  fs.rmSync(buildDir, { recursive: true, force: true });
  const walk = (dir: string): string[] =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) return walk(rel);
      return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
    });
  const files = ['index.ts', ...walk('constructs'), ...walk('lib'), ...walk('stacks'), ...walk(path.join('bench', 'synth'))];
  for (const file of files) {
    const out = ts.transpileModule(fs.readFileSync(path.join(root, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
      fileName: file,
    });
    const target = path.join(buildDir, file.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.outputText);
  }
  return Date.now() - start;
}

interface Result {
  mode: string;
  wallS: number;
  /** User + system CPU time of the child (from /usr/bin/time): steadier than wall time on a shared machine. */
  cpuS: number;
  peakRssMiB: number;
  loadMs: number;
  buildMs: number;
  validateMs: number;
  synthMs: number;
  outdir: string;
}

/** Whether the library's connectors carry depends_on (then the hand-written L1 build writes it too). */
let dependsOn = false;

function runOnce(mode: 'constructs' | 'l1'): Result {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-synth-${mode}-`));
  const args = [mode, String(domains), String(tables), outdir, dependsOn ? 'depends-on' : ''];
  const node =
    runner === 'js'
      ? [process.execPath, path.join(buildDir, 'bench', 'synth', 'child.js'), ...args]
      : [process.execPath, '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'child.ts'), ...args];
  const cmd = hasGnuTime ? ['/usr/bin/time', '-v', ...node] : node;
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${mode} failed (${r.status}):\n${r.stderr}`);
  const stats = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const cpu = (label: string) => Number(new RegExp(`${label} time \\(seconds\\): ([0-9.]+)`).exec(r.stderr)?.[1] ?? NaN);
  const cpuS = hasGnuTime ? cpu('User') + cpu('System') : NaN;
  const rss = hasGnuTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024 : stats.maxRssMiB;
  return {
    mode,
    wallS,
    cpuS,
    peakRssMiB: Math.round(rss),
    loadMs: stats.loadMs,
    buildMs: stats.buildMs,
    validateMs: stats.validateMs,
    synthMs: stats.synthMs,
    outdir,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function main(): void {
  console.log(
    `synth benchmark: ${domains} domains × ${tables} tables (${domains * tables} tables), ${os.cpus().length} CPUs, node ${process.version}, ${rounds} round(s), runner ${runner}`,
  );
  if (runner === 'js') console.log(`  transpiled the library to ${path.relative(root, buildDir)} in ${(transpile() / 1000).toFixed(1)} s (not timed below)`);
  const results: Record<string, Result[]> = { constructs: [], l1: [] };
  const report = (r: Result) =>
    console.log(
      `  ${r.mode.padEnd(10)} wall ${r.wallS.toFixed(1)} s, CPU ${r.cpuS.toFixed(1)} s (load ${(r.loadMs / 1000).toFixed(1)} s, build ${(r.buildMs / 1000).toFixed(1)} s, validate ${(r.validateMs / 1000).toFixed(1)} s, synth ${(r.synthMs / 1000).toFixed(1)} s), peak RSS ${r.peakRssMiB} MiB`,
    );
  // The constructs first: what they write decides what the L1 build must write.
  const first = runOnce('constructs');
  results.constructs.push(first);
  report(first);
  dependsOn = fs.readFileSync(path.join(first.outdir, 'stacks', 'domain-team-000', 'cdk.tf.json'), 'utf8').includes('"depends_on"');
  for (let i = 0; i < rounds; i++) {
    const order: ('constructs' | 'l1')[] = i === 0 ? ['l1'] : i % 2 === 1 ? ['l1', 'constructs'] : ['constructs', 'l1'];
    for (const mode of order) {
      const r = runOnce(mode);
      results[mode].push(r);
      report(r);
    }
  }
  const a = contentOf(results.constructs[0].outdir);
  const b = contentOf(results.l1[0].outdir);
  const same = a.digest === b.digest;
  const total = Object.values(a.counts).reduce((x, y) => x + y, 0);
  console.log(
    `resources: ${total} (${Object.entries(a.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  console.log(`same Terraform from both: ${same ? 'yes' : 'NO'} (digest ${a.digest} / ${b.digest})`);
  if (!same) console.log(differences(a, b).join('\n'));
  const wall = (m: string) => mean(results[m].map((r) => r.wallS));
  const work = (m: string) => mean(results[m].map((r) => (r.buildMs + r.validateMs + r.synthMs) / 1000));
  const rss = (m: string) => mean(results[m].map((r) => r.peakRssMiB));
  const cpu = (m: string) => mean(results[m].map((r) => r.cpuS));
  for (const m of ['constructs', 'l1']) {
    console.log(
      `  mean ${m.padEnd(10)} wall ${wall(m).toFixed(1)} s, CPU ${cpu(m).toFixed(1)} s, build+validate+synth ${work(m).toFixed(1)} s, peak RSS ${rss(m).toFixed(0)} MiB`,
    );
  }
  console.log(
    `ratio constructs / L1: wall ${(wall('constructs') / wall('l1')).toFixed(2)}×, CPU ${(cpu('constructs') / cpu('l1')).toFixed(2)}×, ` +
      `build+validate+synth ${(work('constructs') / work('l1')).toFixed(2)}×, peak RSS ${(rss('constructs') / rss('l1')).toFixed(2)}×`,
  );
  const ok = (x: boolean) => (x ? 'met' : 'MISSED');
  console.log(
    `targets: constructs ≤ 1.2× L1 (CPU time, steady on a shared machine): ${ok(cpu('constructs') / cpu('l1') <= 1.2)}; (wall time): ${ok(wall('constructs') / wall('l1') <= 1.2)}`,
  );
  console.log(
    `         whole synth < 60 s: ${ok(Math.max(...results.constructs.map((r) => r.wallS)) < 60)}; < 1.5 GB: ${ok(Math.max(...results.constructs.map((r) => r.peakRssMiB)) < 1536)}`,
  );
  for (const list of Object.values(results)) for (const r of list) fs.rmSync(r.outdir, { recursive: true, force: true });
  if (!same) process.exit(1);
}

main();

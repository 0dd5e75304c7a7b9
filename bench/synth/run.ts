import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { contentOf, differences } from './compare';

/**
 * `npm run bench:synth`: the company of 50 domains × 200 tables (≈ 10,000 tables) synthesized twice
 * in one run, each in its own process: with this library's constructs, and with the same Terraform
 * resources written directly with the L1 provider classes. Prints wall time and peak RSS of each and
 * their ratio, and checks that both wrote the same resources.
 *
 * Options (environment): BENCH_DOMAINS (50), BENCH_TABLES (200), BENCH_ROUNDS (1: each mode once;
 * more alternates the modes and reports the median).
 */
const domains = Number(process.env.BENCH_DOMAINS ?? 50);
const tables = Number(process.env.BENCH_TABLES ?? 200);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const hasGnuTime = fs.existsSync('/usr/bin/time');

interface Result {
  mode: string;
  wallS: number;
  peakRssMiB: number;
  loadMs: number;
  buildMs: number;
  validateMs: number;
  synthMs: number;
  outdir: string;
}

function runOnce(mode: 'constructs' | 'l1'): Result {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-synth-${mode}-`));
  const child = path.join(__dirname, 'child.ts');
  const node = [process.execPath, '-r', 'ts-node/register/transpile-only', child, mode, String(domains), String(tables), outdir];
  const cmd = hasGnuTime ? ['/usr/bin/time', '-v', ...node] : node;
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallS = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${mode} failed (${r.status}):\n${r.stderr}`);
  const stats = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const rss = hasGnuTime ? Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024 : stats.maxRssMiB;
  return { mode, wallS, peakRssMiB: Math.round(rss), loadMs: stats.loadMs, buildMs: stats.buildMs, validateMs: stats.validateMs, synthMs: stats.synthMs, outdir };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  console.log(`synth benchmark: ${domains} domains × ${tables} tables (${domains * tables} tables), ${os.cpus().length} CPUs, node ${process.version}, ${rounds} round(s)`);
  const results: Record<string, Result[]> = { constructs: [], l1: [] };
  for (let i = 0; i < rounds; i++) {
    const order: ('constructs' | 'l1')[] = i % 2 === 0 ? ['constructs', 'l1'] : ['l1', 'constructs'];
    for (const mode of order) {
      const r = runOnce(mode);
      results[mode].push(r);
      console.log(
        `  ${mode.padEnd(10)} wall ${r.wallS.toFixed(1)} s (load ${(r.loadMs / 1000).toFixed(1)} s, build ${(r.buildMs / 1000).toFixed(1)} s, validate ${(r.validateMs / 1000).toFixed(1)} s, synth ${(r.synthMs / 1000).toFixed(1)} s), peak RSS ${r.peakRssMiB} MiB`,
      );
    }
  }
  const a = contentOf(results.constructs[0].outdir);
  const b = contentOf(results.l1[0].outdir);
  const same = a.digest === b.digest;
  const total = Object.values(a.counts).reduce((x, y) => x + y, 0);
  console.log(`resources: ${total} (${Object.entries(a.counts).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  console.log(`same Terraform from both: ${same ? 'yes' : 'NO'} (digest ${a.digest} / ${b.digest})`);
  if (!same) console.log(differences(a, b).join('\n'));
  const wall = (m: string) => median(results[m].map((r) => r.wallS));
  const work = (m: string) => median(results[m].map((r) => (r.buildMs + r.validateMs + r.synthMs) / 1000));
  const rss = (m: string) => median(results[m].map((r) => r.peakRssMiB));
  console.log(`ratio constructs / L1: wall ${(wall('constructs') / wall('l1')).toFixed(2)}×, build+validate+synth ${(work('constructs') / work('l1')).toFixed(2)}×, peak RSS ${(rss('constructs') / rss('l1')).toFixed(2)}×`);
  const ok = wall('constructs') / wall('l1') <= 1.2 && wall('constructs') < 60 && rss('constructs') < 1536;
  console.log(`targets (≤ 1.2× L1 wall time, < 60 s, < 1.5 GB): ${ok ? 'met' : 'MISSED'}`);
  for (const list of Object.values(results)) for (const r of list) fs.rmSync(r.outdir, { recursive: true, force: true });
  if (!same) process.exit(1);
}

main();

/**
 * The workers the bench runs: this checkout's, compiled as the image compiles it, and with
 * `--baseline <git ref>` the worker of that commit, from a git worktree of it, compiled the same
 * way with the same node_modules, so both run side by side against the same database and broker.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { REPO } from '../../test/cdc-worker/harness';

/** A compiled worker: its main.js and what the report calls it. */
export interface WorkerBuild {
  mainJs: string;
  label: string;
}

/** The node flags of the Dockerfile's CMD. */
export function imageNodeFlags(): string[] {
  const df = readFileSync(join(REPO, 'lib/cdc-worker/Dockerfile'), 'utf8');
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(df)![1]) as string[];
  return cmd.slice(1).filter((a) => a.startsWith('--'));
}

/** Compiles `<root>/lib/cdc-worker/main.ts` with this repository's TypeScript; removed when the bench exits. */
export function compileWorker(root: string = REPO): string {
  const out = mkdtempSync(join(tmpdir(), 'cdcw-bench-build-'));
  const tsc = join(REPO, 'node_modules/typescript/bin/tsc');
  const args = [tsc, join(root, 'lib/cdc-worker/main.ts'), '--outDir', out, '--target', 'ES2022', '--module', 'commonjs'];
  try {
    execFileSync(process.execPath, [...args, '--esModuleInterop', '--skipLibCheck', '--types', 'node'], { stdio: 'pipe' });
  } catch {
    /* type errors elsewhere still emit */
  }
  const main = join(out, 'main.js');
  if (!existsSync(main)) throw new Error(`could not compile ${root}/lib/cdc-worker/main.ts`);
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  process.env.NODE_PATH = join(REPO, 'node_modules'); // the build lives outside the repository
  return main;
}

/**
 * The worker at `ref`: a detached worktree of that commit under /tmp (kept for the next run, keyed
 * by the commit), this repository's node_modules linked into it, compiled like the current one.
 */
export function baselineWorker(ref: string): WorkerBuild {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: REPO, encoding: 'utf8' }).trim();
  const sha = git('rev-parse', '--verify', `${ref}^{commit}`);
  const short = sha.slice(0, 7);
  const dir = join(tmpdir(), `cdp-baseline-${short}`);
  if (!existsSync(join(dir, 'lib/cdc-worker/main.ts'))) {
    rmSync(dir, { recursive: true, force: true });
    git('worktree', 'prune');
    git('worktree', 'add', '--detach', dir, sha);
  }
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) symlinkSync(join(REPO, 'node_modules'), modules);
  return { mainJs: compileWorker(dir), label: `cdc-worker @ ${short} (baseline)` };
}

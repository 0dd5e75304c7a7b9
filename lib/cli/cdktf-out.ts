/** Reading what `cdktf synth` wrote, with errors that say what to do. */
import { existsSync, readFileSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import { isPipelineStack, KNOWN_RESOURCE_PREFIXES, SynthesizedStack } from './model';

/** An error meant for the user: printed as is, without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** One synthesized stack. */
export interface SynthesizedStackFile {
  readonly name: string;
  readonly file: string;
  readonly json: SynthesizedStack;
  /** Stacks it depends on (cross-stack references), from manifest.json. */
  readonly dependencies: string[];
}

const shown = (p: string) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};

/** The folder `cdktf synth` writes to: `--cdktf-out`, else cdktf.json's `output`, else `cdktf.out`. */
export function defaultCdktfOut(cwd = process.cwd()): string {
  const config = join(cwd, 'cdktf.json');
  if (existsSync(config)) {
    try {
      const out = JSON.parse(readFileSync(config, 'utf8')).output;
      if (typeof out === 'string' && out) return resolve(cwd, out);
    } catch {
      // an unreadable cdktf.json is cdktf's problem to report; the default folder is still right
    }
  }
  return resolve(cwd, 'cdktf.out');
}

/** Stack names in the manifest, in its order. */
export function listStacks(outDir: string): { names: string[]; manifest: any } {
  if (!existsSync(outDir) || !statSync(outDir).isDirectory()) {
    throw new CliError(
      `No synthesized app at ${shown(outDir)}: run \`npx cdktf synth\` (in this repository: \`npm run synth\`) first, or pass --cdktf-out <folder that holds manifest.json>.`,
    );
  }
  const manifestFile = join(outDir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new CliError(
      `${shown(outDir)} has no manifest.json, so it is not the output of \`cdktf synth\`: synthesize again, or pass --cdktf-out <folder that holds manifest.json>.`,
    );
  }
  let manifest: any;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    throw new CliError(`${shown(manifestFile)} is not valid JSON (${(err as Error).message}); synthesize again.`);
  }
  const stacks = manifest?.stacks;
  if (!stacks || typeof stacks !== 'object' || Object.keys(stacks).length === 0) {
    throw new CliError(`${shown(manifestFile)} lists no stacks; it is not the manifest of a cdktf app with stacks.`);
  }
  return { names: Object.keys(stacks), manifest };
}

/** Reads one stack's `cdk.tf.json` and checks that it holds a pipeline of this library. */
export function readStack(outDir: string, name: string): SynthesizedStackFile {
  const { names, manifest } = listStacks(outDir);
  if (!names.includes(name)) {
    throw new CliError(`No stack "${name}" in ${shown(join(outDir, 'manifest.json'))}; stacks there: ${names.join(', ')}.`);
  }
  const rel = manifest.stacks[name].synthesizedStackPath ?? join('stacks', name, 'cdk.tf.json');
  const file = join(outDir, rel);
  if (!existsSync(file)) {
    throw new CliError(`Stack "${name}" is in the manifest but ${shown(file)} is missing; synthesize again.`);
  }
  let json: any;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`${shown(file)} is not valid JSON (${(err as Error).message}); synthesize again.`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new CliError(`${shown(file)} is not a synthesized Terraform stack (expected a JSON object).`);
  }
  if (!isPipelineStack(json)) {
    const types = Object.entries<Record<string, unknown>>(json.resource ?? {}).map(([t, r]) => `${t} (${Object.keys(r ?? {}).length})`);
    throw new CliError(
      `Stack "${name}" is not a data pipeline made with cdktf-data-pipelines: it has none of the resources this tool reads ` +
        `(${KNOWN_RESOURCE_PREFIXES.map((p) => p.replace(/_$/, '*')).join(', ')}); ` +
        `it has ${types.length ? types.join(', ') : 'no resources at all'}.`,
    );
  }
  const deps = manifest.stacks[name].dependencies;
  return { name, file, json, dependencies: Array.isArray(deps) ? deps.map(String) : [] };
}

/**
 * The stacks a command works on: the one named, or every stack that is ours (the others are
 * reported in `skipped`); an error when none is.
 */
export function selectStacks(outDir: string, stack?: string): { stacks: SynthesizedStackFile[]; skipped: string[]; all: SynthesizedStackFile[] } {
  if (stack) {
    const one = readStack(outDir, stack);
    return { stacks: [one], skipped: [], all: ourStacks(outDir) };
  }
  const { names } = listStacks(outDir);
  const stacks: SynthesizedStackFile[] = [];
  const skipped: string[] = [];
  for (const n of names) {
    try {
      stacks.push(readStack(outDir, n));
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      skipped.push(err.message);
    }
  }
  if (stacks.length === 0) throw new CliError(`No stack in ${shown(outDir)} is a data pipeline made with cdktf-data-pipelines:\n  ${skipped.join('\n  ')}`);
  return { stacks, skipped, all: stacks };
}

/** Every stack of the app that is ours (to find the company of one stack). */
function ourStacks(outDir: string): SynthesizedStackFile[] {
  const out: SynthesizedStackFile[] = [];
  for (const n of listStacks(outDir).names) {
    try {
      out.push(readStack(outDir, n));
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
    }
  }
  return out;
}

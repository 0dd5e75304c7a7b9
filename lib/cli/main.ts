/**
 * `cdktf-data-pipelines`: reads a synthesized app (cdktf.out) and draws its data flow or assesses
 * its stage. No cdktf import on this path, so it starts in well under a second.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import { assessStage, formatAssessment } from './assess';
import { CliError, defaultCdktfOut, selectStacks } from './cdktf-out';
import { companies } from './company';
import { extractModel, PipelineModel } from './model';

export const USAGE = `Usage:
  cdktf-data-pipelines diagram [--stack NAME] [--out DIR] [--format svg|mermaid] [--cdktf-out DIR]
      Draws the data flow of each stack (sources → capture → topics → sinks → datasets → consumers,
      with DLP scans and grants) into DIR/<stack>.svg or DIR/<stack>.mmd.
      --out -  writes to standard output instead.  Default DIR: <cdktf-out>/diagrams
  cdktf-data-pipelines assess [--stack NAME] [--json] [--cdktf-out DIR]
      Reports the stage each stack has reached (0 none … 5 decentralization) and, for the next
      stage, which parts are present and which are missing. --json prints one object per stack
      (an object with --stack, else an array).

  --stack NAME      one stack of the app (default: every stack made with this library)
  --cdktf-out DIR   the folder cdktf synth wrote (default: cdktf.json's "output", else ./cdktf.out)
  -h, --help        this text
`;

interface Options {
  command?: string;
  stack?: string;
  out?: string;
  format: 'svg' | 'mermaid';
  json: boolean;
  cdktfOut?: string;
  help: boolean;
}

/** Parses the command line; throws a {@link CliError} (exit code 2) on anything it does not know. */
export function parseArgs(argv: string[]): Options {
  const o: Options = { format: 'svg', json: false, help: false };
  const value = (flag: string, i: number): string => {
    const v = argv[i + 1];
    if (v === undefined || (v.startsWith('--') && v !== '-')) throw new CliError(`${flag} needs a value.\n\n${USAGE}`, 2);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = () => (inline !== undefined ? inline : value(flag, i++));
    switch (flag) {
      case '-h':
      case '--help':
        o.help = true;
        break;
      case '--stack':
        o.stack = take();
        break;
      case '--out':
        o.out = take();
        break;
      case '--cdktf-out':
        o.cdktfOut = take();
        break;
      case '--format': {
        const f = take();
        if (f !== 'svg' && f !== 'mermaid') throw new CliError(`--format: "${f}" is not known; allowed: svg, mermaid.`, 2);
        o.format = f;
        break;
      }
      case '--json':
        o.json = true;
        break;
      default:
        if (flag.startsWith('-') || o.command !== undefined) throw new CliError(`Unknown argument "${a}".\n\n${USAGE}`, 2);
        o.command = a;
    }
  }
  return o;
}

/** What a run printed and its exit code (so tests need no child process). */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI with the given arguments, in `cwd`. */
export async function run(argv: string[], cwd = process.cwd()): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  try {
    const o = parseArgs(argv);
    if (o.help || o.command === undefined) return { code: o.help ? 0 : 2, stdout: o.help ? USAGE : '', stderr: o.help ? '' : USAGE };
    if (o.command !== 'diagram' && o.command !== 'assess') throw new CliError(`Unknown command "${o.command}"; commands: diagram, assess.\n\n${USAGE}`, 2);
    if (o.command === 'assess' && (o.out !== undefined || argv.some((a) => a.startsWith('--format'))))
      throw new CliError('assess takes no --out or --format; use --json for JSON.', 2);
    if (o.command === 'diagram' && o.json) throw new CliError('diagram takes no --json; use --format svg|mermaid.', 2);
    const outDir = o.cdktfOut ? resolve(cwd, o.cdktfOut) : defaultCdktfOut(cwd);
    const { stacks, skipped, all } = selectStacks(outDir, o.stack);
    for (const s of skipped) stderr += `skipped: ${s}\n`;
    const byName = new Map(all.map((s) => [s.name, extractModel(s.name, s.json)]));
    const models = stacks.map((s) => byName.get(s.name) ?? extractModel(s.name, s.json));
    const company = companies(all.map((s) => ({ model: byName.get(s.name)!, dependencies: s.dependencies })));
    const assess = (m: PipelineModel) =>
      assessStage(
        m,
        (company.get(m.stack) ?? []).map((n) => byName.get(n)!),
      );
    for (const m of models) for (const w of m.warnings) stderr += `warning: ${m.stack}: ${w}\n`;

    if (o.command === 'assess') {
      const results = models.map(assess);
      stdout += o.json ? `${JSON.stringify(o.stack ? results[0] : results, null, 2)}\n` : results.map(formatAssessment).join('\n');
      return { code: 0, stdout, stderr };
    }

    const { layoutDiagram, renderMermaid, renderSvg } = await import('./diagram');
    const toStdout = o.out === '-';
    const dir = toStdout ? '' : o.out ? resolve(cwd, o.out) : join(outDir, 'diagrams');
    if (!toStdout) mkdirSync(dir, { recursive: true });
    for (const m of models) {
      const a = assess(m);
      const text = o.format === 'mermaid' ? renderMermaid(m) : renderSvg(await layoutDiagram(m), { subtitle: `stage ${a.stage} (${a.stageName})` });
      if (toStdout) {
        stdout += text;
      } else {
        const file = join(dir, `${m.stack}.${o.format === 'mermaid' ? 'mmd' : 'svg'}`);
        writeFileSync(file, text);
        const counts = ['source', 'topic', 'sink', 'dataset'].map(
          (k) => `${m.nodes.filter((n) => n.kind === k && !(k === 'topic' && n.internal)).length} ${k}s`,
        );
        const rel = relative(cwd, file);
        stdout += `${rel && !rel.startsWith('..') ? rel : file}: ${counts.join(', ')}\n`;
      }
    }
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (err instanceof CliError) return { code: err.exitCode, stdout, stderr: `${stderr}cdktf-data-pipelines: ${err.message}\n` };
    throw err;
  }
}

/** Entry point of the `cdktf-data-pipelines` binary. */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const r = await run(argv);
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stderr.write(r.stderr);
  process.exitCode = r.code;
}

if (require.main === module) void main();

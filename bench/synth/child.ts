import { performance } from 'perf_hooks';
import { App } from 'cdktf';

// One build and synth of the benchmark company, in its own process: `child.ts <constructs|l1> <domains> <tables> <outdir>`.
const t0 = performance.now();
const [mode, domains, tables, outdir, flags = ''] = process.argv.slice(2);
const shape = { domains: Number(domains), tablesPerDomain: Number(tables) };
// Each mode loads only its own modules: the L1 build never loads the library.
const buildL1 = mode === 'l1' ? require('./l1').buildWithL1 : undefined;
const build: (app: App, s: typeof shape) => import('cdktf').TerraformStack[] =
  mode === 'constructs' ? require('./company').buildWithConstructs : (a, s) => buildL1(a, s, { connectorsDependOnTopics: flags.includes('depends-on') });
// The library's path is the reference app's: validate every stack first, then synthesize.
const validateAll: (stacks: import('cdktf').TerraformStack[]) => string[] =
  mode === 'constructs' ? require('../../stacks/reference-app').validateAll : () => [];
const tLoaded = performance.now();
const app = new App({ outdir });
const stacks = build(app, shape);
const tBuilt = performance.now();
let problems: string[] = [];
problems = validateAll(stacks);
const tValidated = performance.now();
if (problems.length > 0) {
  process.stderr.write(`${problems.length} problem(s):\n${problems.slice(0, 20).join('\n')}\n`);
  process.exit(1);
}
app.synth();
const tSynth = performance.now();
process.stdout.write(
  JSON.stringify({
    mode,
    stacks: stacks.length,
    loadMs: Math.round(tLoaded - t0),
    buildMs: Math.round(tBuilt - tLoaded),
    validateMs: Math.round(tValidated - tBuilt),
    synthMs: Math.round(tSynth - tValidated),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);

/**
 * `npm run diagrams`: synthesizes every reference stack into a temporary folder and writes
 * docs/diagrams/<stack>.svg and <stack>.mmd with the CLI, then checks each layout (no overlapping
 * boxes, no edge through a box). Fails when a layout check fails, so a regenerated picture that
 * became unreadable is noticed.
 *
 *   npm run diagrams                 # every stack of stacks/registry.ts
 *   npm run diagrams -- --png[=DIR]  # also <DIR>/<stack>.png (default $TMPDIR/cdp-diagrams-png) via headless Chromium, to look at them
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { synthReferenceApp } from '../stacks/reference-app';
import { REFERENCE_STACKS } from '../stacks/registry';
import { run } from '../lib/cli/main';
import { checkLayout, layoutDiagram } from '../lib/cli/diagram';
import { extractModel } from '../lib/cli/model';

async function main(): Promise<void> {
  const root = join(__dirname, '..');
  const docs = join(root, 'docs', 'diagrams');
  const outdir = mkdtempSync(join(tmpdir(), 'cdp-diagrams-'));
  try {
    synthReferenceApp({ outdir });
    let failed = false;
    for (const format of ['svg', 'mermaid']) {
      const r = await run(['diagram', '--cdktf-out', outdir, '--out', docs, '--format', format], root);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      if (r.code !== 0) failed = true;
    }
    for (const name of Object.keys(REFERENCE_STACKS)) {
      const model = extractModel(name, JSON.parse(readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')));
      const problems = checkLayout(await layoutDiagram(model));
      for (const p of problems) process.stderr.write(`${name}: ${p}\n`);
      if (problems.length) failed = true;
    }
    const pngFlag = process.argv.find((a) => a === '--png' || a.startsWith('--png='));
    if (pngFlag) {
      const png = pngFlag.includes('=') ? pngFlag.slice(6) : join(tmpdir(), 'cdp-diagrams-png');
      mkdirSync(png, { recursive: true });
      for (const name of Object.keys(REFERENCE_STACKS)) screenshot(join(docs, `${name}.svg`), join(png, `${name}.png`));
    }
    removeStale(docs, Object.keys(REFERENCE_STACKS));
    const assessed = await run(['assess', '--json', '--cdktf-out', outdir], root);
    const stages = new Map<string, string>(
      (JSON.parse(assessed.stdout) as { stack: string; stage: number; stageName: string }[]).map((a) => [a.stack, `stage ${a.stage} (${a.stageName})`]),
    );
    updateReadme(join(root, 'README.md'), Object.keys(REFERENCE_STACKS), stages);
    if (failed) process.exitCode = 1;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Removes the pictures of stacks that are no longer reference stacks. */
function removeStale(docs: string, names: string[]): void {
  for (const f of readdirSync(docs)) {
    const m = /^(.+)\.(svg|mmd)$/.exec(f);
    if (m && !names.includes(m[1])) {
      rmSync(join(docs, f));
      process.stdout.write(`removed docs/diagrams/${f}\n`);
    }
  }
}

const START = '<!-- diagrams:start (npm run diagrams writes this block) -->';
const END = '<!-- diagrams:end -->';

/** Rewrites the block of README.md between the markers: one picture per reference stack. */
function updateReadme(readme: string, names: string[], stages: Map<string, string>): void {
  const text = readFileSync(readme, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  if (from < 0 || to < from) return;
  const block = names.map((n) => `**${n}** — ${stages.get(n) ?? 'not assessed'}\n\n![data flow of ${n}](docs/diagrams/${n}.svg)\n`).join('\n');
  const next = `${text.slice(0, from + START.length)}\n${block}${text.slice(to)}`;
  if (next !== text) writeFileSync(readme, next);
}

/** Renders an SVG at its own size with headless Chromium (Debian's `chromium` package). */
function screenshot(svg: string, png: string): void {
  const text = readFileSync(svg, 'utf8');
  const width = /width="(\d+)"/.exec(text)?.[1];
  const height = /height="(\d+)"/.exec(text)?.[1];
  const profile = mkdtempSync(join(tmpdir(), 'cdp-chromium-'));
  const r = spawnSync(
    'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--hide-scrollbars',
      `--user-data-dir=${profile}`,
      `--window-size=${width},${height}`,
      `--screenshot=${png}`,
      `file://${svg}`,
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  rmSync(profile, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`chromium failed on ${svg}: ${r.error?.message ?? r.stderr}`);
  process.stdout.write(`${png}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

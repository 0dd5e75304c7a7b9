import * as fs from 'fs';
import * as path from 'path';
import { App, AppConfig } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * Every problem of the given stacks (or of every construct under any scope): each construct's
 * validations (`node.addValidation`, which every construct of this library uses for its props),
 * as `[path] message` lines in tree order. Runs nothing else: no aspect, no synthesis, no file
 * written. Works on constructs of any copy of the core (no `instanceof`).
 */
export function validateStacks(scopes: readonly IConstruct[]): string[] {
  const problems: string[] = [];
  for (const scope of scopes) {
    for (const node of scope.node.findAll()) {
      for (const message of node.node.validate()) problems.push(`[${node.node.path}] ${message}`);
    }
  }
  return problems;
}

/** Every problem of every stack of an app (see {@link validateStacks}). */
export function validateApp(app: IConstruct): string[] {
  return validateStacks([app]);
}

/** The error {@link synthApp} throws: every problem of every stack, nothing written. */
export class AppValidationError extends Error {
  /** The problems, each `[construct path] property: value is not valid; allowed: …`. */
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Synth stopped: ${problems.length} problem(s); nothing was written.\n  ${problems.join('\n  ')}`);
    this.name = 'AppValidationError';
    this.problems = problems;
  }
}

/** Removes `dir` if it exists and is empty. */
function removeIfEmpty(dir: string): void {
  try {
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  } catch {
    // absent or not empty: leave it
  }
}

interface MutableApp {
  outdir: string;
  skipValidation?: boolean;
  manifest: { outdir: string };
}

/** What existed before an App's constructor created its output folders. */
interface OutdirState {
  readonly outdir: string;
  readonly hadOutdir: boolean;
  readonly hadStacks: boolean;
}

function outdirState(outdir: string): OutdirState {
  return { outdir, hadOutdir: fs.existsSync(outdir), hadStacks: fs.existsSync(path.join(outdir, 'stacks')) };
}

/** Removes the empty folders the App's constructor made, so a failed synth leaves no trace. */
function undoOutdir(state: OutdirState): void {
  if (!state.hadStacks) removeIfEmpty(path.join(state.outdir, 'stacks'));
  if (!state.hadOutdir) removeIfEmpty(state.outdir);
}

/**
 * Validates, then synthesizes into a staging folder beside the output and moves the result in
 * only when the whole synthesis succeeded, so a problem found late (an aspect's error, a failing
 * custom synthesis) writes nothing either.
 */
function validatedSynth(app: App, state: OutdirState, synth: () => void): void {
  const problems = validateApp(app);
  if (problems.length > 0) {
    undoOutdir(state);
    throw new AppValidationError(problems);
  }
  const target = app as unknown as MutableApp;
  const outdir = target.outdir;
  fs.mkdirSync(outdir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(outdir, '.synth-'));
  fs.mkdirSync(path.join(staging, 'stacks'));
  const saved = { outdir: target.outdir, manifestOutdir: target.manifest.outdir, skipValidation: target.skipValidation };
  // Validated above: cdktf's per-stack pass would repeat every validation.
  target.skipValidation = true;
  target.outdir = staging;
  target.manifest.outdir = staging;
  try {
    synth();
    const stacksDir = path.join(outdir, 'stacks');
    fs.mkdirSync(stacksDir, { recursive: true });
    for (const name of fs.readdirSync(path.join(staging, 'stacks'))) {
      fs.rmSync(path.join(stacksDir, name), { recursive: true, force: true });
      fs.renameSync(path.join(staging, 'stacks', name), path.join(stacksDir, name));
    }
    // The manifest last: a reader that sees it sees every stack it names.
    for (const name of fs.readdirSync(staging).filter((n) => n !== 'stacks' && n !== 'manifest.json')) {
      fs.rmSync(path.join(outdir, name), { recursive: true, force: true });
      fs.renameSync(path.join(staging, name), path.join(outdir, name));
    }
    if (fs.existsSync(path.join(staging, 'manifest.json'))) fs.renameSync(path.join(staging, 'manifest.json'), path.join(outdir, 'manifest.json'));
  } catch (err) {
    undoOutdir(state);
    throw err;
  } finally {
    target.outdir = saved.outdir;
    target.skipValidation = saved.skipValidation;
    target.manifest.outdir = saved.manifestOutdir;
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

const IS_DATA_PIPELINES_APP = Symbol.for('cdktf-data-pipelines/DataPipelinesApp');

/**
 * Validates every stack of any cdktf `App` and synthesizes it only when there is no problem:
 * one {@link AppValidationError} lists every problem of every stack, and nothing is written (no
 * stack folder, no `manifest.json`; the folders `new App()` made are removed again if empty).
 * Use it instead of `app.synth()`, or use {@link DataPipelinesApp}, whose `synth()` does this.
 *
 * ```ts
 * const app = new App();
 * new MyStack(app, 'a');
 * new MyStack(app, 'b');
 * synthApp(app);
 * ```
 */
export function synthApp(app: App): void {
  if ((app as unknown as Record<symbol, unknown>)[IS_DATA_PIPELINES_APP]) {
    app.synth();
    return;
  }
  // A plain App made its folders in its constructor: on a problem they are removed again if empty.
  validatedSynth(app, { outdir: app.outdir, hadOutdir: false, hadStacks: false }, () => app.synth());
}

/**
 * A cdktf `App` whose `synth()` validates every stack first and writes nothing when any
 * construct of any stack has a problem: one {@link AppValidationError} lists them all.
 *
 * ```ts
 * const app = new DataPipelinesApp();
 * new TerraformStack(app, 'shop-realtime');
 * app.synth();
 * ```
 */
export class DataPipelinesApp extends App {
  /** True when `x` is a DataPipelinesApp (of any copy of this library). */
  public static isDataPipelinesApp(x: unknown): x is DataPipelinesApp {
    return typeof x === 'object' && x !== null && IS_DATA_PIPELINES_APP in x;
  }

  private readonly outdirState: OutdirState;

  constructor(config: AppConfig = {}) {
    const state = outdirState(config.outdir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out');
    super(config);
    this.outdirState = state;
    Object.defineProperty(this, IS_DATA_PIPELINES_APP, { value: true });
  }

  /** Validates every stack, then synthesizes; throws {@link AppValidationError} and writes nothing on any problem. */
  public override synth(): void {
    if (this.skipValidation) {
      super.synth();
      return;
    }
    validatedSynth(this, this.outdirState, () => super.synth());
  }
}

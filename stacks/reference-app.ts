import { App, TerraformStack } from 'cdktf';
import { loadReferenceStackConfig, ReferenceStackConfig } from './stack-config';

/** Options of {@link buildReferenceApp}. */
export interface ReferenceAppOptions {
  /** Output folder. @default 'cdktf.out' (or what the cdktf CLI passes) */
  readonly outdir?: string;
  /** Stacks to build, by name. @default every reference stack */
  readonly stacks?: string[];
  /** Settings. @default from the environment */
  readonly config?: ReferenceStackConfig;
}

/** Builds the app holding the reference stacks (not yet synthesized or validated: use {@link synthReferenceApp}). */
export function buildReferenceApp(options: ReferenceAppOptions = {}): { app: App; stacks: TerraformStack[] } {
  // Loaded here, not at the top: `validateAll` is imported by apps and tests that build their own
  // stacks, and loading every reference stack with it cost them ~0.4 s (bench/synth).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { REFERENCE_STACKS } = require('./registry') as typeof import('./registry');
  const names = options.stacks ?? Object.keys(REFERENCE_STACKS);
  const unknown = names.filter((n) => !(n in REFERENCE_STACKS));
  if (unknown.length > 0) {
    throw new Error(`CDP_STACKS: ${unknown.map((n) => JSON.stringify(n)).join(', ')} not known; allowed: ${Object.keys(REFERENCE_STACKS).join(', ')}`);
  }
  // Validation runs once, over every stack, in validateAll below; cdktf's own per-stack pass would repeat it.
  const app = new App({ ...(options.outdir ? { outdir: options.outdir } : {}), skipValidation: true });
  const config = options.config ?? loadReferenceStackConfig();
  const stacks = names.map((name) => REFERENCE_STACKS[name](app, name, config));
  return { app, stacks };
}

/**
 * Validates every stack first and only then writes any output, so a bad prop anywhere gives one
 * error listing every problem and no half-written cdktf.out.
 */
export function validateAll(stacks: TerraformStack[]): string[] {
  const problems: string[] = [];
  for (const stack of stacks) {
    for (const node of stack.node.findAll()) {
      for (const message of node.node.validate()) problems.push(`[${node.node.path}] ${message}`);
    }
  }
  return problems;
}

/** Builds, validates and synthesizes; throws one error with every problem. */
export function synthReferenceApp(options: ReferenceAppOptions = {}): App {
  const { app, stacks } = buildReferenceApp(options);
  const problems = validateAll(stacks);
  if (problems.length > 0) {
    throw new Error(`Synth stopped: ${problems.length} problem(s); nothing was written.\n  ${problems.join('\n  ')}`);
  }
  app.synth();
  return app;
}

import { TerraformStack } from 'cdktf';
import { DataPipelinesApp, validateStacks } from '../constructs/core/app-validation';
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

/**
 * Reference stacks that are snapshots of one company at different stages: they create the same
 * Cloud SQL instances, datasets, service accounts, topics and connectors, so one Google project
 * and one Kafka cluster hold one of them (`decentralized` with its domain stacks counts as one).
 */
export const COMPANY_SNAPSHOTS = ['wepay-2014', 'wepay-2016', 'wepay-2017', 'wepay-2019', 'automation', 'decentralized'];

/** The company snapshots among `names` (`decentralized-<domain>` counts as `decentralized`). */
function snapshotsIn(names: string[]): string[] {
  return [...new Set(names.map((n) => (n.startsWith('decentralized-') ? 'decentralized' : n)).filter((n) => COMPANY_SNAPSHOTS.includes(n)))];
}

/** Builds the app holding the reference stacks (not yet synthesized or validated: use {@link synthReferenceApp}). */
export function buildReferenceApp(options: ReferenceAppOptions = {}): { app: DataPipelinesApp; stacks: TerraformStack[] } {
  // Loaded here, not at the top: `validateAll` is imported by apps and tests that build their own
  // stacks, and loading every reference stack with it cost them ~0.4 s (bench/synth).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { REFERENCE_STACKS } = require('./registry') as typeof import('./registry');
  const names = options.stacks ?? Object.keys(REFERENCE_STACKS);
  const unknown = names.filter((n) => !(n in REFERENCE_STACKS));
  if (unknown.length > 0) {
    throw new Error(`CDP_STACKS: ${unknown.map((n) => JSON.stringify(n)).join(', ')} not known; allowed: ${Object.keys(REFERENCE_STACKS).join(', ')}`);
  }
  // The library's app: its synth() validates every stack once and writes nothing on any problem.
  const app = new DataPipelinesApp(options.outdir ? { outdir: options.outdir } : {});
  const config = options.config ?? loadReferenceStackConfig();
  // With remote state the app deploys: two snapshots of the company in one project collide (409).
  const snapshots = snapshotsIn(names);
  if (config.stateBucket && snapshots.length > 1) {
    throw new Error(
      `CDP_STACKS: ${snapshots.join(', ')} are alternative snapshots of one company (the same Cloud SQL instances, datasets, service accounts, topics and connectors), so a project deploys one of them; with remote state (CDP_STATE_BUCKET) name the one you deploy, e.g. CDP_STACKS=${snapshots[snapshots.length - 1] === 'decentralized' ? 'decentralized,decentralized-payments,decentralized-fraud,decentralized-marketing' : snapshots[snapshots.length - 1]} (README "Reference stacks")`,
    );
  }
  const stacks = names.map((name) => REFERENCE_STACKS[name](app, name, config));
  return { app, stacks };
}

/**
 * Every problem of the given stacks, without writing anything: the library's
 * {@link validateStacks}, kept under this name for the tests and benchmarks that use it.
 */
export function validateAll(stacks: TerraformStack[]): string[] {
  return validateStacks(stacks);
}

/** Builds, validates and synthesizes; throws one error with every problem of every stack, and writes nothing then. */
export function synthReferenceApp(options: ReferenceAppOptions = {}): DataPipelinesApp {
  const { app } = buildReferenceApp(options);
  app.synth();
  return app;
}

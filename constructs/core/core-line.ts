/**
 * Which line of the CDK for Terraform core this library runs on. Two are supported, as
 * alternative peer dependencies:
 *
 * - `cdktf` 0.21, HashiCorp's last release (the project was deprecated on 2025-12-10);
 * - CDK Terrain `cdktn` 0.24, its community continuation, installed under the name `cdktf`
 *   (`"cdktf": "npm:cdktn@0.24.0"` with `"overrides": { "cdktf": "$cdktf" }`), because this library
 *   and the prebuilt providers (`@cdktf/provider-google`) import the core as `cdktf`.
 *
 * Loaded first by the package entry point, so a missing core is one clear error, not a
 * `Cannot find module` from deep inside a construct. Imports nothing from the core itself.
 */

/** The core line found. */
export interface CoreLine {
  /** `cdktf` (HashiCorp) or `cdktn` (CDK Terrain, aliased as `cdktf`). */
  readonly name: 'cdktf' | 'cdktn';
  /** Its version, e.g. `0.21.0` or `0.24.0`. */
  readonly version: string;
}

/** The versions tested, by line: `scripts/test-core-line.sh <line>` runs the unit suite on each. */
export const SUPPORTED_CORE_LINES: Readonly<Record<CoreLine['name'], string>> = { cdktf: '0.21.0', cdktn: '0.24.0' };

type Resolve = (request: string) => string;
type Load = (path: string) => { name?: string; version?: string };

/**
 * Finds the core the library will load (the package installed as `cdktf`) and tells which line it
 * is. Throws one error saying what to install when there is none, or when CDK Terrain is installed
 * under its own name only.
 */
export function findCoreLine(resolve: Resolve = require.resolve, load: Load = require as Load): CoreLine {
  let manifest: { name?: string; version?: string } | undefined;
  try {
    manifest = load(resolve('cdktf/package.json'));
  } catch {
    manifest = undefined;
  }
  if (!manifest) {
    let terrain = false;
    try {
      resolve('cdktn/package.json');
      terrain = true;
    } catch {
      terrain = false;
    }
    const install = `npm install --save-exact cdktf@${SUPPORTED_CORE_LINES.cdktf}   (or, for CDK Terrain: npm install --save-exact cdktf@npm:cdktn@${SUPPORTED_CORE_LINES.cdktn}, with "overrides": { "cdktf": "$cdktf" } in package.json)`;
    throw new Error(
      terrain
        ? `cdktf-data-pipelines: CDK Terrain (cdktn) is installed under its own name, but this library and the prebuilt providers import the core as "cdktf". Install it under that name: ${install}`
        : `cdktf-data-pipelines: no CDK for Terraform core found. It is a peer dependency; install one line: ${install}`,
    );
  }
  return { name: manifest.name === 'cdktn' ? 'cdktn' : 'cdktf', version: String(manifest.version) };
}

let found: CoreLine | undefined;

/** The core line this process loaded (see {@link findCoreLine}). */
export function coreLine(): CoreLine {
  found ??= findCoreLine();
  return found;
}

// Fail at load with the error above rather than later with a bare `Cannot find module 'cdktf'`.
coreLine();

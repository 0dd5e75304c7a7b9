/**
 * Where the integration tests find the real parts started by `npm run infra:up`
 * (test/infra/up.sh). The scripts write `export KEY='value'` lines to `$CDP_RUN/infra.env`;
 * this module reads them. A test that needs a part asks for it with `requireInfra`, which
 * throws with the command to run when the part is missing: tests never skip silently.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The parts of `test/infra/up.sh` and the infra.env keys each one writes. */
export const INFRA_PARTS: Readonly<Record<string, readonly string[]>> = {
  providers: ['TF_CLI_CONFIG_FILE', 'TF_PROVIDER_MIRROR', 'TERRAFORM_BIN'],
  postgres: ['PG_HOST', 'PG_PORT', 'PG_USER', 'PG_PASSWORD', 'PG_DATABASE'],
  mariadb: ['MARIADB_HOST', 'MARIADB_PORT', 'MARIADB_USER', 'MARIADB_PASSWORD', 'MARIADB_DATABASE'],
  kafka: ['KAFKA_BOOTSTRAP', 'KAFKA_ADMIN_USER', 'KAFKA_ADMIN_PASSWORD', 'KAFKA_SASL_MECHANISM', 'KAFKA_VERSION'],
  connect: ['CONNECT_URL'],
};

/** Resolved like test/infra/common.sh: `${CDP_CACHE:-$HOME/.cache/cdktf-data-pipelines}`. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CDP_CACHE || path.join(env.HOME || os.homedir(), '.cache', 'cdktf-data-pipelines');
}

/** Resolved like test/infra/common.sh: `${CDP_RUN:-$CDP_CACHE/run}`. */
export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CDP_RUN || path.join(cacheDir(env), 'run');
}

/** Path of the file the infra scripts write. */
export function infraEnvFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'infra.env');
}

/**
 * Parse shell assignment lines (`export KEY='v'`, `KEY="v"`, `KEY=v`), with the quoting the
 * scripts produce: single quotes (with `'\''` for a quote), double quotes with backslash
 * escapes, and bare words. Comments and blank lines are ignored.
 */
export function parseInfraEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]] = unquote(m[2]);
  }
  return out;
}

function unquote(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated single quote in infra.env value: ${s}`);
      out += s.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        out += s[i++];
      }
      if (i >= s.length) throw new Error(`unterminated double quote in infra.env value: ${s}`);
      i++;
    } else if (c === '\\' && i + 1 < s.length) {
      out += s[i + 1];
      i += 2;
    } else if (/\s/.test(c)) {
      break; // a trailing comment or garbage after the value
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The variables in `$CDP_RUN/infra.env`, plus `CDP_CACHE` and `CDP_RUN` as the scripts
 * resolve them. Empty (apart from those two) when the file does not exist.
 */
export function loadInfraEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const file = infraEnvFile(env);
  const vars = fs.existsSync(file) ? parseInfraEnv(fs.readFileSync(file, 'utf8')) : {};
  return { ...vars, CDP_CACHE: cacheDir(env), CDP_RUN: runDir(env) };
}

function partOf(key: string): string {
  for (const [part, keys] of Object.entries(INFRA_PARTS)) {
    if (keys.includes(key)) return part;
  }
  return 'unknown';
}

/**
 * The values of `keys` from infra.env. Throws, naming the missing parts and how to start
 * them, when any key is absent: a test that needs a real part fails, it does not skip.
 */
export function requireInfra<K extends string>(keys: readonly K[], env: NodeJS.ProcessEnv = process.env): Record<K, string> {
  const file = infraEnvFile(env);
  const vars = loadInfraEnv(env);
  const missing = keys.filter((k) => !vars[k]);
  if (missing.length > 0) {
    const parts = [...new Set(missing.map(partOf))];
    const where = fs.existsSync(file) ? `${file} lacks ${missing.join(', ')}` : `${file} does not exist`;
    throw new Error(
      `This test needs the real part(s) ${parts.join(', ')} of test/infra, which are not up (${where}). ` +
        `Run \`npm run infra:up\` (or \`bash test/infra/up.sh ${parts.join(' ')}\`) first; ` +
        'with another CDP_CACHE/CDP_RUN, use the same values for the tests.',
    );
  }
  const out = {} as Record<K, string>;
  for (const k of keys) out[k] = vars[k];
  return out;
}

/**
 * Where the integration tests find the real parts started by `npm run infra:up`
 * (test/infra/up.sh). The scripts write `export KEY='value'` lines to `$CDP_RUN/infra.env`;
 * this module reads them. A test that needs a part asks for it with `requireInfra`, which
 * throws with the command to run when the part is missing: tests never skip silently.
 */
import { spawnSync } from 'child_process';
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

/** Options of {@link NamedConnectWorker}: who the worker is on the broker. */
export interface NamedConnectWorkerOptions {
  /** Worker name: state in `$CDP_RUN/connect-workers/<name>`, log `$CDP_RUN/logs/connect-<name>.log`. */
  readonly name: string;
  /** REST port on 127.0.0.1 (not the shared worker's 18083). */
  readonly port: number;
  /** SCRAM-SHA-512 user the worker and the producer/consumer/admin clients it makes for connectors log in as. */
  readonly user: string;
  /** Its password. */
  readonly password: string;
  /** group.id of the worker. */
  readonly group: string;
  /** config.storage.topic. */
  readonly configTopic: string;
  /** offset.storage.topic. */
  readonly offsetTopic: string;
  /** status.storage.topic. */
  readonly statusTopic: string;
  /** Extra worker properties (appended; they win), e.g. `config.providers`. @default none */
  readonly workerProperties?: Record<string, string>;
}

/**
 * A Kafka Connect worker of a test's own (`test/infra/connect.sh` with `CDP_CONNECT_NAME`): a
 * one-worker Connect cluster on loopback that logs in to the harness's broker as a given SCRAM
 * user, never as the super user. The user, its ACLs and (unless the user may create them) the
 * internal topics must exist before {@link up}.
 */
export class NamedConnectWorker {
  /** REST URL. */
  public readonly url: string;
  /** The worker's log file. */
  public readonly logFile: string;
  /** The worker properties connect.sh writes (with the SCRAM password; mode 600). */
  public readonly configFile: string;
  private readonly script: string;
  private readonly env: NodeJS.ProcessEnv;

  constructor(public readonly options: NamedConnectWorkerOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.logFile = path.join(runDir(), 'logs', `connect-${options.name}.log`);
    this.configFile = path.join(runDir(), 'connect-workers', options.name, 'connect-distributed.properties');
    this.script = path.join(__dirname, '..', 'infra', 'connect.sh');
    this.env = {
      ...process.env,
      CDP_CONNECT_NAME: options.name,
      CDP_CONNECT_PORT: String(options.port),
      CDP_CONNECT_USER: options.user,
      CDP_CONNECT_PASSWORD: options.password,
      CDP_CONNECT_GROUP: options.group,
      CDP_CONNECT_CONFIG_TOPIC: options.configTopic,
      CDP_CONNECT_OFFSET_TOPIC: options.offsetTopic,
      CDP_CONNECT_STATUS_TOPIC: options.statusTopic,
    };
    if (options.workerProperties) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cdp-connect-${options.name}-`));
      const file = path.join(dir, 'worker.properties');
      fs.writeFileSync(
        file,
        Object.entries(options.workerProperties)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n') + '\n',
        { mode: 0o600 },
      );
      this.env.CDP_CONNECT_WORKER_PROPERTIES = file;
    }
  }

  private sh(command: 'up' | 'down' | 'kill' | 'clean', timeoutMs: number): string {
    const r = spawnSync('bash', [this.script, command], { env: this.env, encoding: 'utf8', timeout: timeoutMs });
    if (r.status !== 0) {
      throw new Error(
        `connect.sh ${command} (worker ${this.options.name}) exited ${r.status}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}\n--- last lines of ${this.logFile} ---\n${this.logTail(40)}`,
      );
    }
    return r.stdout;
  }

  /** Starts the worker (if not running) and waits until it lists the plugins and answers GET /connectors. */
  public up(timeoutMs = 300_000): void {
    this.sh('up', timeoutMs);
  }

  /** Stops it (SIGTERM, data in Kafka kept). */
  public down(): void {
    this.sh('down', 60_000);
  }

  /** `kill -9`, as a crash would; {@link up} starts it again. */
  public kill(): void {
    this.sh('kill', 30_000);
  }

  /** Stops it and deletes its local state (its connectors, offsets and status live in Kafka). */
  public clean(): void {
    this.sh('clean', 60_000);
  }

  /** Size of the log now, to read only what comes after with {@link logSince}. */
  public logMark(): number {
    return fs.existsSync(this.logFile) ? fs.statSync(this.logFile).size : 0;
  }

  /** The log from byte `mark` on. */
  public logSince(mark = 0): string {
    if (!fs.existsSync(this.logFile)) return '';
    const fd = fs.openSync(this.logFile, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - mark));
      fs.readSync(fd, buf, 0, buf.length, mark);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The last `lines` lines of the log. */
  public logTail(lines: number): string {
    return this.logSince(0).split('\n').slice(-lines).join('\n');
  }

  /**
   * Lines of the log (from `mark` on) that report an authentication or authorization failure:
   * Kafka's `*AuthorizationException`s and `*_AUTHORIZATION_FAILED` errors, "Not authorized",
   * SASL failures, and Connect's note that its principal may not describe a topic's configs. A
   * line of a stack trace comes with the log record it belongs to (`<record> → <line>`), which
   * says who was refused what.
   */
  public authorizationErrors(mark = 0): string[] {
    const out: string[] = [];
    let record = '';
    for (const line of this.logSince(mark).split('\n')) {
      if (line.startsWith('[')) record = line;
      if (!AUTHORIZATION_ERROR.test(line)) continue;
      out.push(line.startsWith('[') ? line : `${record} → ${line.trim()}`);
    }
    return out;
  }
}

/** What {@link NamedConnectWorker.authorizationErrors} looks for. */
export const AUTHORIZATION_ERROR =
  /AuthorizationException|AUTHORIZATION_FAILED|[Nn]ot authorized|SaslAuthenticationException|Authentication failed|required permission/;

/**
 * Running the real Terraform CLI on what our constructs synthesize, with the three real providers
 * (hashicorp/google 6.50.0, Mongey/kafka 0.13.1, Mongey/kafka-connect 0.5.0) from the harness's
 * filesystem mirror (`bash test/infra/providers.sh up`). No registry and no cloud API is reached:
 * `init` reads the mirror, and `plan` runs with `-refresh=false`, a dummy Google access token and
 * every HTTP(S) request sent to a dead proxy, so a provider that tried to call an API would fail.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireInfra } from './infra';

/** The command that builds the providers into the mirror (hashicorp/google: minutes, once per machine). */
export const PROVIDERS_UP = 'bash test/infra/providers.sh up';

/** The providers the stacks pin, as the mirror lays them out (`<host>/<namespace>/<type>/<version>`). */
export const MIRRORED_PROVIDERS = [
  { address: 'registry.terraform.io/hashicorp/google', version: '6.50.0' },
  { address: 'registry.terraform.io/mongey/kafka', version: '0.13.1' },
  { address: 'registry.terraform.io/mongey/kafka-connect', version: '0.5.0' },
] as const;

/** Where terraform and the mirror are. */
export interface TerraformTools {
  readonly TF_CLI_CONFIG_FILE: string;
  readonly TF_PROVIDER_MIRROR: string;
  readonly TERRAFORM_BIN: string;
}

/**
 * The Terraform CLI and a mirror holding `providers` (default: all three). Throws, naming
 * {@link PROVIDERS_UP}, when the harness has not built them (or built them without Google, as
 * `CDP_SKIP_GOOGLE=1` does): a test that needs a provider fails, it never skips.
 */
export function requireProviders(providers: readonly string[] = MIRRORED_PROVIDERS.map((p) => p.address)): TerraformTools {
  let tools: TerraformTools;
  try {
    tools = requireInfra(['TF_CLI_CONFIG_FILE', 'TF_PROVIDER_MIRROR', 'TERRAFORM_BIN'] as const);
  } catch (err) {
    throw new Error(
      `The Terraform providers are not set up: build them with \`${PROVIDERS_UP}\` (hashicorp/google takes minutes the first time, then is cached).\n${(err as Error).message}`,
    );
  }
  const rc = fs.existsSync(tools.TF_CLI_CONFIG_FILE) ? fs.readFileSync(tools.TF_CLI_CONFIG_FILE, 'utf8') : '';
  const missing = MIRRORED_PROVIDERS.filter((p) => providers.includes(p.address)).filter((p) => {
    const dir = path.join(tools.TF_PROVIDER_MIRROR, p.address, p.version);
    return !fs.existsSync(dir) || fs.readdirSync(dir).length === 0 || !rc.includes(p.address.split('/').slice(0, 2).join('/'));
  });
  if (missing.length > 0 || !fs.existsSync(tools.TERRAFORM_BIN)) {
    const what =
      missing.length > 0
        ? `${missing.map((p) => `${p.address} ${p.version}`).join(', ')} not in the mirror ${tools.TF_PROVIDER_MIRROR} (or not served by ${tools.TF_CLI_CONFIG_FILE})`
        : `${tools.TERRAFORM_BIN} does not exist`;
    throw new Error(`This test needs the real Terraform providers: ${what}. Build them with \`${PROVIDERS_UP}\` (without CDP_SKIP_GOOGLE).`);
  }
  return tools;
}

/** Registry addresses of the providers a configuration requires (`required_providers`). */
export function requiredProviders(json: any): string[] {
  return Object.values<any>(json?.terraform?.required_providers ?? {}).map((p) => {
    const parts = String(p.source ?? '')
      .toLowerCase()
      .split('/');
    return parts.length === 1
      ? `registry.terraform.io/hashicorp/${parts[0]}`
      : parts.length === 2
        ? `registry.terraform.io/${parts.join('/')}`
        : parts.join('/');
  });
}

/**
 * A limit on how many stacks a test file works on at once (each is terraform plus three provider
 * processes): `CDP_TF_PARALLEL`, default 2. `limited(work)` starts `work` when a slot is free.
 */
export function concurrencyLimit(parallel = Math.max(1, Number(process.env.CDP_TF_PARALLEL ?? 2))): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    while (running >= parallel) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Result of one terraform command. */
export interface TfResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of every terraform command: the mirror, and nothing of the caller's Terraform
 * settings. Nor the harness's KAFKA_* variables (.ci/run exports infra.env): the Mongey providers
 * read KAFKA_SASL_MECHANISM and others as defaults, so a stack would be checked with settings it
 * does not declare (the harness spells the mechanism scram-sha-512, which the provider refuses).
 */
function terraformEnv(tools: TerraformTools): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(TF_VAR_|TF_LOG|TF_DATA_DIR|TF_WORKSPACE|TF_PLUGIN_CACHE|KAFKA_)/.test(k)) delete env[k];
  return { ...env, TF_CLI_CONFIG_FILE: tools.TF_CLI_CONFIG_FILE, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
}

/**
 * What `validate` and `plan` run with on top: a dummy Google token (planning with
 * `-refresh=false` makes no API call), no real Google credential from the caller, and a dead
 * HTTP(S) proxy, so that a provider trying to reach an API fails at once instead of reaching out.
 */
function offline(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^(GOOGLE_|GCLOUD_|CLOUDSDK_)/.test(k) || /^(https?_proxy|no_proxy|all_proxy)$/i.test(k)) continue;
    out[k] = v;
  }
  return { ...out, GOOGLE_OAUTH_ACCESS_TOKEN: 'offline-plan-dummy-token', HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
}

/** A dummy value for a variable of HCL type `type` (the stacks' variables are secrets, all strings today). */
function dummyValue(type: unknown): string {
  const t = typeof type === 'string' ? type.replace(/\s/g, '') : 'string';
  if (t === 'number') return '1';
  if (t === 'bool') return 'false';
  if (/^(list|set|tuple)/.test(t)) return '[]';
  if (/^(map|object)/.test(t)) return '{}';
  return 'offline-plan-dummy';
}

/** The JSON of `terraform plan` as `terraform show -json` prints it (the parts the tests read). */
export interface PlanJson {
  readonly resource_changes?: ResourceChange[];
  readonly [key: string]: unknown;
}

/** One entry of `resource_changes`. */
export interface ResourceChange {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly name: string;
  readonly provider_name: string;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: string[];
    readonly before: any;
    readonly after: any;
    readonly after_unknown: any;
    readonly before_sensitive: any;
    readonly after_sensitive: any;
    readonly replace_paths?: unknown[];
    readonly importing?: unknown;
  };
}

/** A working directory holding one configuration, and terraform bound to the mirror. */
export class TerraformWorkdir {
  public readonly dir: string;
  /** The configuration now in `main.tf.json`. */
  public config: any;
  private readonly env: NodeJS.ProcessEnv;
  private readonly bin: string;

  /**
   * `json`: the configuration (`main.tf.json`); the mirror must hold the providers it requires.
   * Variables without a default get a dummy value (`TF_VAR_*`) unless given in `vars`.
   * `files`: more files to write beside it.
   */
  constructor(json: any, vars: Record<string, string> = {}, files: Record<string, string> = {}) {
    const tools = requireProviders(requiredProviders(json));
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-tf-'));
    this.bin = tools.TERRAFORM_BIN;
    this.env = terraformEnv(tools);
    this.setConfig(json, vars);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(this.dir, name), text);
  }

  /** Replaces the configuration (e.g. stage N+1 over stage N's state); `init` again if providers change. */
  public setConfig(json: any, vars: Record<string, string> = {}): void {
    fs.writeFileSync(path.join(this.dir, 'main.tf.json'), JSON.stringify(json, null, 2));
    this.config = json;
    for (const k of Object.keys(this.env)) if (k.startsWith('TF_VAR_')) delete this.env[k];
    for (const [name, v] of Object.entries<any>(json.variable ?? {})) {
      if (v.default === undefined) this.env[`TF_VAR_${name}`] = dummyValue(v.type);
    }
    for (const [k, v] of Object.entries(vars)) this.env[`TF_VAR_${k}`] = v;
  }

  /** Runs terraform with `args`; returns status and output (never throws). */
  public run(args: string[], timeoutMs = 300000): TfResult {
    const r = spawnSync(this.bin, args, { cwd: this.dir, env: this.env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
  }

  /**
   * As {@link run}, without blocking the event loop (to run several stacks' commands at once).
   * `offline`: with {@link offline}'s environment (what `validate` and `plan` here use).
   */
  public runAsync(args: string[], timeoutMs = 300000, offlineEnv = false): Promise<TfResult> {
    return new Promise((resolve) => {
      const child = spawn(this.bin, args, { cwd: this.dir, env: offlineEnv ? offline(this.env) : this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          status: code ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8') + (signal ? `\nkilled by ${signal}` : ''),
        });
      });
    });
  }

  /** Runs terraform and throws with its output unless it exits with one of `ok`. */
  public must(args: string[], ok: number[] = [0], timeoutMs?: number): TfResult {
    return this.check(args, this.run(args, timeoutMs), ok);
  }

  /** As {@link must}, asynchronously. */
  public async mustAsync(args: string[], ok: number[] = [0], timeoutMs?: number, offlineEnv = false): Promise<TfResult> {
    return this.check(args, await this.runAsync(args, timeoutMs, offlineEnv), ok);
  }

  private check(args: string[], r: TfResult, ok: number[]): TfResult {
    if (!ok.includes(r.status)) {
      throw new Error(`terraform ${args.join(' ')} exited ${r.status} in ${this.dir}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-6000)}`);
    }
    return r;
  }

  /** `terraform init` from the mirror only, without the configuration's backend. */
  public init(): Promise<TfResult> {
    return this.mustAsync(['init', '-backend=false', '-input=false', '-no-color']);
  }

  /** `terraform validate -json`: `{ valid, diagnostics }`. */
  public async validate(): Promise<{ valid: boolean; diagnostics: any[] }> {
    const r = await this.mustAsync(['validate', '-json', '-no-color'], [0, 1], undefined, true);
    const report = JSON.parse(r.stdout);
    return { valid: report.valid, diagnostics: report.diagnostics };
  }

  /**
   * `terraform plan -refresh=false` over `terraform.tfstate` of this folder (none: an empty
   * state), then `terraform show -json` of the saved plan.
   */
  public async plan(): Promise<PlanJson> {
    await this.mustAsync(['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-out=offline.tfplan'], [0], undefined, true);
    const shown = await this.mustAsync(['show', '-json', '-no-color', 'offline.tfplan'], [0], undefined, true);
    return JSON.parse(shown.stdout);
  }

  /** Writes `terraform.tfstate` (the default local state the plan reads). */
  public writeState(state: unknown): void {
    fs.writeFileSync(path.join(this.dir, 'terraform.tfstate'), JSON.stringify(state, null, 2));
  }

  /** Removes the folder (kept when `CDP_KEEP_TF=1`, to look at after a failure). */
  public dispose(): void {
    if (process.env.CDP_KEEP_TF !== '1') fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Data sources that need the Google API, and the values that stand in for them in an offline
 * plan. Add one here when a construct starts to read a new kind: {@link offlinePlanConfig} fails
 * on a Google data source it has no stub for (unless it has a `count`, see there).
 */
export const OFFLINE_DATA_STUBS: Record<string, (body: any) => unknown> = {
  // data "google_project": what the DLP findings construct reads (the project number).
  google_project: (body) => ({
    number: '123456789012',
    project_id: body.project_id ?? 'acme-data-platform',
    id: `projects/${body.project_id ?? 'acme-data-platform'}`,
  }),
};

/**
 * Stack variables whose documented offline value turns API reads off, and that value:
 * `adopt_existing_tables` (ClassifiedTable) false reads no existing table to adopt.
 */
export const OFFLINE_VARIABLES: Record<string, unknown> = { adopt_existing_tables: false };

/** Options of {@link offlinePlanConfig}. */
export interface OfflinePlanOptions {
  /** Values for stack variables, over {@link OFFLINE_VARIABLES}. */
  readonly variables?: Record<string, unknown>;
  /**
   * Stand-ins for data sources by address (`data.type.name`), over {@link OFFLINE_DATA_STUBS}: the
   * data source's attributes, or for one with `count` the list of its instances.
   */
  readonly data?: Record<string, unknown>;
  /** Keep `import` blocks (a plan over a state that already holds their targets skips them). @default false */
  readonly keepImports?: boolean;
}

/** A synthesized configuration made plannable offline, and what was changed to get there. */
export interface OfflinePlanConfig {
  /** The configuration to plan. */
  readonly json: any;
  /** Files to write beside it (the remote states the configuration reads). */
  readonly files: Record<string, string>;
  /** One line per change made, for the test's report. */
  readonly stubs: string[];
}

/**
 * A synthesized stack as `terraform plan -refresh=false` can run it with no cloud account. What
 * changes, and nothing else:
 *
 * - the backend block goes (the plan uses `terraform.tfstate` of its own folder);
 * - `import` blocks go unless `keepImports`: importing reads the remote object, an API call (a plan
 *   over state puts the imported object in the state instead, see plan-over-state.ts);
 * - the variables of {@link OFFLINE_VARIABLES} that the stack declares get their offline value as
 *   default (the constructs document them as the switch for an offline plan);
 * - each Google data source (an API read) becomes a local value with the attributes the
 *   configuration reads ({@link OFFLINE_DATA_STUBS}, `options.data`); references to it point at
 *   the local. One with a `count` and no stub stays: a variable above turns it off (count 0),
 *   and were it read, the dead proxy of the plan's environment would fail the plan;
 * - each `terraform_remote_state` with the local backend reads a state file written beside the
 *   configuration, holding the outputs it is asked for with placeholder values (the data source
 *   itself stays and is read by Terraform).
 */
export function offlinePlanConfig(stackJson: any, options: OfflinePlanOptions = {}): OfflinePlanConfig {
  const json = JSON.parse(JSON.stringify(stackJson));
  const stubs: string[] = [];
  const files: Record<string, string> = {};
  if (json.terraform?.backend) {
    stubs.push(`backend ${Object.keys(json.terraform.backend).join(',')}: removed (local state of the plan's folder)`);
    delete json.terraform.backend;
  }
  if (Array.isArray(json.import) && !options.keepImports) {
    stubs.push(...json.import.map((i: any) => `import ${i.to}: dropped (importing reads the remote object)`));
    delete json.import;
  }
  for (const [name, value] of Object.entries({ ...OFFLINE_VARIABLES, ...options.variables })) {
    if (!json.variable?.[name]) continue;
    json.variable[name].default = value;
    stubs.push(`variable ${name}: ${JSON.stringify(value)}`);
  }
  let text = JSON.stringify(json);
  const locals: Record<string, unknown> = {};
  const replaced: string[] = [];
  for (const [type, byName] of Object.entries<any>(json.data ?? {})) {
    for (const [name, body] of Object.entries<any>(byName)) {
      const address = `data.${type}.${name}`;
      if (type === 'terraform_remote_state') {
        if (body.backend !== 'local') throw new Error(`${address}: backend ${body.backend} cannot be read offline; plan with the default (local) state config`);
        const file = `remote-${name}.tfstate`;
        const prefix = `${address}.outputs.`;
        const outputs: Record<string, unknown> = {};
        for (const m of text.matchAll(new RegExp(`${prefix.replace(/[.]/g, '\\.')}([A-Za-z0-9_-]+)`, 'g'))) {
          outputs[m[1]] = {
            value: /email$/i.test(m[1]) ? `remote-${idHash(m[1])}@acme-data-platform.iam.gserviceaccount.com` : `remote-${m[1]}`,
            type: 'string',
          };
        }
        files[file] = JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: 'offline-remote-state', outputs, resources: [] }, null, 2);
        text = text.split(JSON.stringify(body.config.path)).join(JSON.stringify(file));
        stubs.push(`${address}: reads ${file} with outputs ${Object.keys(outputs).join(', ')} (placeholder values)`);
        continue;
      }
      const given = options.data && address in options.data;
      const stub = given ? () => options.data![address] : OFFLINE_DATA_STUBS[type];
      if (!stub) {
        if (body.count !== undefined) stubs.push(`${address}: kept (count = ${body.count})`);
        else if (type.startsWith('google_'))
          throw new Error(`${address} needs the Google API; add an offline stub to OFFLINE_DATA_STUBS in test/integration/terraform.ts`);
        continue;
      }
      const local = `offline_data_${type}_${name}`.replace(/[^A-Za-z0-9_]/g, '_');
      locals[local] = stub(body);
      replaced.push(address);
      text = text.split(`"${address}"`).join('"__drop_dependency__"');
      text = text.replace(new RegExp(`${address.replace(/[.]/g, '\\.')}(?=[.[])`, 'g'), `local.${local}`);
      const shown = JSON.stringify(locals[local]);
      stubs.push(`${address}: replaced by local.${local} = ${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}`);
    }
  }
  const out = JSON.parse(text);
  for (const address of replaced) {
    const [, type, name] = address.split('.');
    delete out.data[type][name];
    if (Object.keys(out.data[type]).length === 0) delete out.data[type];
  }
  if (out.data && Object.keys(out.data).length === 0) delete out.data;
  for (const block of ['resource', 'data', 'output', 'module']) {
    for (const byName of Object.values<any>(out[block] ?? {})) {
      for (const body of Object.values<any>(byName)) {
        if (Array.isArray(body?.depends_on)) {
          body.depends_on = body.depends_on.filter((d: string) => d !== '__drop_dependency__');
          if (body.depends_on.length === 0) delete body.depends_on;
        }
      }
    }
  }
  if (Object.keys(locals).length > 0) out.locals = { ...(out.locals ?? {}), ...locals };
  return { json: out, files, stubs };
}

function idHash(s: string): string {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(36).slice(0, 6);
}

const GOOGLE_REF = /\$\{(data\.)?google_[^}]*\}/g;

/**
 * For `terraform apply` against the harness's local Kafka and Connect only (realtime-apply,
 * connect-least-privilege): those tests create real topics, ACLs and connectors, and no Google
 * resource can be created here. The configuration without the hashicorp/google provider, its
 * resources and data sources, and without the connectors that need Google at run time when
 * `dropConnectorClasses`; references into removed Google objects become a placeholder variable.
 * Never used for `validate` or `plan`: those run every stack whole (terraform-validate.test.ts).
 */
export function withoutGoogle(stackJson: any, options: { dropConnectorClasses?: string[] } = {}): { json: any; removed: string[] } {
  const json = JSON.parse(JSON.stringify(stackJson));
  const removed: string[] = [];
  delete json['//'];
  for (const block of ['resource', 'data']) {
    for (const type of Object.keys(json[block] ?? {})) {
      if (type.startsWith('google_')) {
        removed.push(...Object.keys(json[block][type]).map((n) => `${block === 'data' ? 'data.' : ''}${type}.${n}`));
        delete json[block][type];
      }
    }
    if (json[block] && Object.keys(json[block]).length === 0) delete json[block];
  }
  const connectors = json.resource?.['kafka-connect_connector'] ?? {};
  for (const [name, c] of Object.entries<any>(connectors)) {
    if ((options.dropConnectorClasses ?? []).includes(c.config?.['connector.class'])) {
      removed.push(`kafka-connect_connector.${name}`);
      delete connectors[name];
    }
  }
  // import and moved blocks that target Google resources go with them.
  for (const block of ['import', 'moved']) {
    if (Array.isArray(json[block])) {
      json[block] = json[block].filter((b: any) => ![b.to, b.from].some((a) => typeof a === 'string' && /^(data\.)?google_/.test(a)));
      if (json[block].length === 0) delete json[block];
    }
  }
  if (json.provider) delete json.provider.google;
  // A Google-only stack (e.g. stage 0 or 1) has no provider left; Terraform refuses an empty block.
  if (json.provider && Object.keys(json.provider).length === 0) delete json.provider;
  if (json.terraform?.required_providers) delete json.terraform.required_providers.google;
  if (json.terraform?.backend) delete json.terraform.backend;
  let text = JSON.stringify(json);
  if (GOOGLE_REF.test(text)) {
    text = text.replace(GOOGLE_REF, '${var.removed_google_reference}');
    const out = JSON.parse(text);
    out.variable = { ...(out.variable ?? {}), removed_google_reference: { type: 'string', default: 'removed-google-reference' } };
    return { json: out, removed };
  }
  return { json: JSON.parse(text), removed };
}

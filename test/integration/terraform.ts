/**
 * Running the real Terraform CLI on what our constructs synthesize, with the providers from the
 * harness's filesystem mirror (test/infra/providers.sh). No registry is reached.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requireInfra } from './infra';

/** Result of one terraform command. */
export interface TfResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A working directory holding one synthesized stack, and terraform bound to the mirror. */
export class TerraformWorkdir {
  public readonly dir: string;
  private readonly env: NodeJS.ProcessEnv;
  private readonly bin: string;

  constructor(json: unknown, vars: Record<string, string> = {}) {
    const infra = requireInfra(['TF_CLI_CONFIG_FILE', 'TERRAFORM_BIN'] as const);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-tf-'));
    fs.writeFileSync(path.join(this.dir, 'main.tf.json'), JSON.stringify(json, null, 2));
    this.bin = infra.TERRAFORM_BIN;
    this.env = { ...process.env, TF_CLI_CONFIG_FILE: infra.TF_CLI_CONFIG_FILE, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
    for (const [k, v] of Object.entries(vars)) this.env[`TF_VAR_${k}`] = v;
  }

  /** Runs terraform with `args`; returns status and output (never throws). */
  public run(args: string[], timeoutMs = 300000): TfResult {
    const r = spawnSync(this.bin, args, { cwd: this.dir, env: this.env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
  }

  /** Runs terraform and throws with its output unless it exits with one of `ok`. */
  public must(args: string[], ok: number[] = [0], timeoutMs?: number): TfResult {
    const r = this.run(args, timeoutMs);
    if (!ok.includes(r.status)) {
      throw new Error(`terraform ${args.join(' ')} exited ${r.status} in ${this.dir}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    }
    return r;
  }
}

const GOOGLE_REF = /\$\{(data\.)?google_[^}]*\}/g;

/**
 * The parts of a synthesized stack that the harness's providers can check: everything but the
 * hashicorp/google provider, its resources and data sources (no Google provider binary can be
 * had here), and the connectors that need Google at run time when `dropGoogleConnectors`.
 * References into removed Google objects are replaced by a placeholder variable so that
 * validation still sees a well-formed configuration.
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

/**
 * Plans over a hand-made state: what a stack's second `terraform apply` would do, with no cloud
 * account. Nothing can be applied here (no Google project), so the state "after the first apply"
 * is built from the configuration itself by the real providers:
 *
 * 1. plan over the state so far (`-refresh=false`, offline: see terraform.ts);
 * 2. every resource the plan would create or change gets, in the state, the values the plan says
 *    it would have; a value known only after apply (ids, emails, etags: `after_unknown`) keeps the
 *    state's value or gets a placeholder shaped like Google's (see {@link placeholder}). A resource
 *    whose configured values are still unknown (an IAM member naming a service account created in
 *    the same round) waits for the next round, when its references resolve through the state;
 * 3. repeat until the plan shows no change. The sensitive marks are recorded as Terraform records
 *    them, or the next plan would be an update of marks only.
 *
 * The result is a version-4 `terraform.tfstate` in which a plan of the same configuration is
 * empty. Tests then change it as the world does between two applies ({@link secondDay}: the
 * BigQuery sink adds columns to the tables it writes, Google fills in computed fields) or swap the
 * configuration (stage N's state, stage N+1's configuration), plan again and read the plan with
 * {@link planLosses}: deletes, replacements, and BigQuery columns an in-place update would drop.
 */
import { createHash } from 'crypto';
import { PlanJson, requiredProviders, ResourceChange, TerraformWorkdir } from './terraform';

/** A version-4 Terraform state (the parts this module writes). */
export interface TfState {
  version: 4;
  terraform_version: string;
  serial: number;
  lineage: string;
  outputs: Record<string, unknown>;
  resources: StateResource[];
}

/** One resource of a state (no count/for_each: cdktf writes neither here). */
export interface StateResource {
  mode: 'managed';
  type: string;
  name: string;
  provider: string;
  instances: { schema_version: number; attributes: Record<string, any>; sensitive_attributes: unknown[]; dependencies?: string[] }[];
}

/** `terraform providers schema -json`, as far as it is read here. */
interface ProviderSchemas {
  provider_schemas: Record<string, { resource_schemas: Record<string, { version: number; block: Block }> }>;
}
interface Block {
  attributes?: Record<string, { type: any; computed?: boolean; optional?: boolean; sensitive?: boolean }>;
  block_types?: Record<string, { nesting_mode: 'single' | 'group' | 'list' | 'set' | 'map'; block: Block }>;
}
type Shape = { block: Block } | { cty: any };

const schemaCache = new Map<string, ProviderSchemas>();

/** The providers' schemas (one `terraform providers schema -json` per set of providers and process). */
async function schemasOf(tf: TerraformWorkdir, key: string): Promise<ProviderSchemas> {
  let s = schemaCache.get(key);
  if (!s) {
    s = JSON.parse((await tf.mustAsync(['providers', 'schema', '-json'])).stdout) as ProviderSchemas;
    schemaCache.set(key, s);
  }
  return s;
}

/** An empty state. */
export function emptyState(): TfState {
  return { version: 4, terraform_version: '1.11.4', serial: 1, lineage: 'cdp-plan-over-state', outputs: {}, resources: [] };
}

/** The state's resource at `address` (`type.name`), or undefined. */
export function stateResource(state: TfState, address: string): StateResource | undefined {
  return state.resources.find((r) => `${r.type}.${r.name}` === address);
}

/** The changes of a plan that are not no-ops, on managed resources. */
export function changesOf(plan: PlanJson): ResourceChange[] {
  return (plan.resource_changes ?? []).filter((c) => c.mode === 'managed' && !(c.change.actions.length === 1 && c.change.actions[0] === 'no-op'));
}

/** One line per change: `address: actions`. */
export function describeChanges(plan: PlanJson): string[] {
  return changesOf(plan).map((c) => `${c.address}: ${c.change.actions.join('+')}${c.action_reason ? ` (${c.action_reason})` : ''}`);
}

/** What {@link applyOffline} did. */
export interface OfflineApply {
  /** The state after it. */
  readonly state: TfState;
  /** Plans it took (the last one empty, unless a plan was refused). */
  readonly rounds: number;
  /** Every change it applied, `address: actions`, in order. */
  readonly actions: string[];
  /** What the changes lost ({@link changeLosses}), including a plan refused by `prevent_destroy`. */
  readonly losses: string[];
}

/**
 * An apply simulated with the providers' plans, from `start` (see the module comment): plan, put
 * what the plan says into the state, again until the plan is empty. A resource whose configured
 * values are unknown (they read a resource this round creates) waits for the next round, so each
 * change is judged ({@link changeLosses}) with its values known, as at apply. A resource the plan
 * deletes leaves the state. Stops at a plan Terraform refuses (prevent_destroy). Throws when the
 * plan never settles, naming what keeps changing (a perpetual diff: every apply would change it).
 */
export async function applyOffline(tf: TerraformWorkdir, start: TfState = emptyState(), maxRounds = 8): Promise<OfflineApply> {
  const state: TfState = JSON.parse(JSON.stringify(start));
  const schemas = await schemasOf(tf, requiredProviders(tf.config).sort().join(' '));
  const referenced = referencedAttributes(tf.config);
  const reads = sensitiveReader(tf.config);
  const actions: string[] = [];
  const losses: string[] = [];
  let last: string[] = [];
  for (let round = 1; round <= maxRounds; round++) {
    tf.writeState(state);
    const { plan, losses: refused } = await planAndLosses(tf);
    if (!plan) return { state, rounds: round, actions, losses: [...losses, ...refused] };
    const changes = changesOf(plan);
    if (changes.length === 0) return { state, rounds: round, actions, losses };
    last = changes.map((c) => {
      const keys = diffKeys(c.change.before, c.change.after);
      return `${c.address}: ${c.change.actions.join('+')} ${keys.length > 0 || !c.change.before ? JSON.stringify(keys) : '(no value changes: the sensitive marks differ)'}`;
    });
    let applied = 0;
    for (const c of changes) {
      if (configUnknowns(c.change.after_unknown, configBody(tf.config, c), []).length > 0) continue;
      applied++;
      actions.push(`${c.address}: ${c.change.actions.join('+')}`);
      losses.push(...changeLosses(c));
      if (c.change.actions.includes('delete') && !c.change.actions.includes('create')) {
        state.resources = state.resources.filter((r) => `${r.type}.${r.name}` !== c.address);
        continue;
      }
      const resourceSchema = (schemas.provider_schemas[c.provider_name] ?? BUILTIN_SCHEMAS[c.provider_name])?.resource_schemas[c.type];
      if (!resourceSchema) throw new Error(`no schema for ${c.type} in ${c.provider_name}`);
      const attributes = fill(
        c.change.after,
        c.change.after_unknown,
        c.change.before,
        { block: resourceSchema.block },
        { address: c.address, type: c.type, path: [], referenced: referenced.get(c.address) ?? new Set() },
      );
      const sensitive = uniquePaths([
        ...markedPaths(c.change.after_sensitive, { block: resourceSchema.block }),
        ...configMarks(configBody(tf.config, c), resourceSchema.block, reads),
      ]);
      setInstance(state, c, resourceSchema.block, resourceSchema.version, attributes, sensitive);
    }
    if (applied === 0) break;
    state.serial++;
  }
  throw new Error(`the plan does not settle (${maxRounds} rounds at most); still changing:\n${last.join('\n')}`);
}

/**
 * The state after a first apply of the configuration in `tf` ({@link applyOffline} from an empty
 * state): a plan of the same configuration over it is empty.
 */
export async function stateAfterFirstApply(tf: TerraformWorkdir): Promise<{ state: TfState; rounds: number }> {
  const { state, rounds, losses } = await applyOffline(tf);
  if (losses.length > 0) throw new Error(`a first apply that loses something:\n${losses.join('\n')}`);
  return { state, rounds };
}

/**
 * Terraform's built-in provider, which `terraform providers schema -json` leaves out: `terraform_data`
 * (ClassifiedTable keeps the columns it adopted in one).
 */
const BUILTIN_SCHEMAS: ProviderSchemas['provider_schemas'] = {
  'terraform.io/builtin/terraform': {
    resource_schemas: {
      terraform_data: {
        version: 0,
        block: {
          attributes: {
            id: { type: 'string', computed: true },
            input: { type: 'dynamic', optional: true },
            output: { type: 'dynamic', computed: true },
            triggers_replace: { type: 'dynamic', optional: true },
          },
        },
      },
    },
  },
};

/** The cty type of a JSON value, as the state writes it beside a value of a `dynamic` attribute. */
function ctyTypeOf(v: unknown): unknown {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return ['tuple', v.map(ctyTypeOf)];
  if (v && typeof v === 'object') return ['object', Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ctyTypeOf(x)]))];
  return 'dynamic';
}

function setInstance(state: TfState, c: ResourceChange, block: Block, schemaVersion: number, attributes: Record<string, any>, sensitive: unknown[]): void {
  // After apply, a terraform_data's output is its input.
  if (c.type === 'terraform_data' && (attributes.output === null || attributes.output === undefined)) attributes.output = attributes.input ?? null;
  // The state writes a value of a `dynamic` attribute with its type.
  for (const [k, a] of Object.entries(block.attributes ?? {})) {
    if (a.type === 'dynamic' && attributes[k] !== null && attributes[k] !== undefined) attributes[k] = { value: attributes[k], type: ctyTypeOf(attributes[k]) };
  }
  let r = stateResource(state, c.address);
  if (!r) {
    r = { mode: 'managed', type: c.type, name: c.name, provider: `provider["${c.provider_name}"]`, instances: [] };
    state.resources.push(r);
  }
  r.instances = [{ schema_version: schemaVersion, attributes, sensitive_attributes: sensitive }];
}

/** The synthesized body of a change's resource. */
function configBody(config: any, c: ResourceChange): any {
  return config?.resource?.[c.type]?.[c.name] ?? {};
}

/**
 * Paths of `after_unknown` that the configuration sets (cdktf writes a single block as an object,
 * a repeated one as an array), e.g. `member` of an IAM member holding a service account's email.
 * The others are computed by the provider or the API.
 */
function configUnknowns(unknown: any, config: any, path: (string | number)[]): string[] {
  if (config === undefined || config === null) return [];
  if (unknown === true) return [path.join('.')];
  if (!unknown || typeof unknown !== 'object') return [];
  const out: string[] = [];
  for (const [k, u] of Object.entries<any>(unknown)) {
    const key: string | number = Array.isArray(unknown) ? Number(k) : k;
    let c: any;
    if (typeof key === 'number') c = Array.isArray(config) ? config[key] : key === 0 ? config : undefined;
    else c = Array.isArray(config) ? config[0]?.[key] : config[key];
    out.push(...configUnknowns(u, c, [...path, key]));
  }
  return out;
}

/** Top-level keys whose values differ (for messages). */
function diffKeys(before: any, after: any): string[] {
  if (!before || !after) return [];
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

interface FillContext {
  readonly address: string;
  readonly type: string;
  readonly path: (string | number)[];
  readonly top?: Record<string, any>;
  /** Attribute names of this resource that the configuration reads (`${type.name.attr…}`). */
  readonly referenced: Set<string>;
}

/**
 * For each resource address, the attribute names (at any depth) that expressions of the
 * configuration read from it: `${google_composer_environment.x.config[0].dag_gcs_prefix}` gives
 * `config` and `dag_gcs_prefix` for `google_composer_environment.x`.
 */
export function referencedAttributes(config: any): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const text = JSON.stringify(config);
  const types = Object.keys(config?.resource ?? {})
    .map((t) => t.replace(/[-]/g, '\\-'))
    .join('|');
  if (!types) return out;
  for (const m of text.matchAll(new RegExp(`\\b(${types})\\.([A-Za-z0-9_-]+)((?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*)`, 'g'))) {
    const address = `${m[1]}.${m[2]}`;
    const set = out.get(address) ?? new Set<string>();
    for (const part of m[3].split(/[.[\]]/).filter((p) => p && !/^[0-9]+$/.test(p))) set.add(part);
    out.set(address, set);
  }
  return out;
}

/** `after` with every unknown value replaced: by `before`'s value when there is one, else {@link placeholder}. */
function fill(after: any, unknown: any, before: any, shape: Shape, ctx: FillContext): any {
  if (unknown === true) return before !== undefined && before !== null ? before : placeholder(shape, ctx);
  if (after === null || after === undefined) return after ?? null;
  const top = ctx.top ?? after;
  const at = (key: string | number, child: Shape) => fill(after[key], unknown?.[key], before?.[key], child, { ...ctx, top, path: [...ctx.path, key] });
  if ('block' in shape) {
    const out: Record<string, any> = {};
    const attrs = shape.block.attributes ?? {};
    const blocks = shape.block.block_types ?? {};
    for (const key of new Set([...Object.keys(after), ...Object.keys(unknown ?? {})])) {
      if (attrs[key]) out[key] = at(key, { cty: attrs[key].type });
      else if (blocks[key]) {
        const b = blocks[key];
        const v = after[key];
        if (unknown?.[key] === true) out[key] = at(key, { cty: b.nesting_mode === 'single' || b.nesting_mode === 'group' ? 'block-single' : 'block-many' });
        else if (b.nesting_mode === 'single' || b.nesting_mode === 'group') out[key] = at(key, { block: b.block });
        else if (Array.isArray(v))
          out[key] = v.map((_, i) => fill(v[i], unknown?.[key]?.[i], before?.[key]?.[i], { block: b.block }, { ...ctx, top, path: [...ctx.path, key, i] }));
        else if (v && typeof v === 'object')
          out[key] = Object.fromEntries(
            Object.keys(v).map((k) => [
              k,
              fill(v[k], unknown?.[key]?.[k], before?.[key]?.[k], { block: b.block }, { ...ctx, top, path: [...ctx.path, key, k] }),
            ]),
          );
        else out[key] = v ?? null;
      } else out[key] = after[key] ?? null;
    }
    return out;
  }
  const t = shape.cty;
  if (Array.isArray(t) && (t[0] === 'list' || t[0] === 'set') && Array.isArray(after)) return after.map((_, i) => at(i, { cty: t[1] }));
  if (Array.isArray(t) && t[0] === 'tuple' && Array.isArray(after)) return after.map((_, i) => at(i, { cty: t[1][i] }));
  if (Array.isArray(t) && t[0] === 'map' && typeof after === 'object') return Object.fromEntries(Object.keys(after).map((k) => [k, at(k, { cty: t[1] })]));
  if (Array.isArray(t) && t[0] === 'object' && typeof after === 'object') return Object.fromEntries(Object.keys(t[1]).map((k) => [k, at(k, { cty: t[1][k] })]));
  return after;
}

/** Computed attributes that a real apply always fills and plans compare (none is read by an expression). */
const ALWAYS_FILLED = new Set([
  'google_bigquery_table.type',
  'google_bigquery_table.location',
  'google_bigquery_dataset.location',
  'google_service_account.email',
  'google_service_account.member',
  'google_storage_bucket_object.md5hash',
]);

const PROJECT_NUMBER = '123456789012';

/** A small number derived from a string, so placeholders are the same in every run and stage. */
function n(s: string): number {
  let h = 7;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) % 1000003;
  return h;
}

/**
 * A value for something only Google (or Kafka) knows after apply. An attribute that nothing reads
 * gets the zero value of its type ("", 0, false, [], {}), as the providers store a field the API
 * leaves empty: a null computed attribute would be planned again ("known after apply"), and a
 * made-up value could trip a provider's own checks (a Composer 3 field on a Composer 2
 * environment). The id, and what the configuration reads, get values shaped like the real ones
 * where an expression depends on their shape (emails, resource names, IPs, the Composer bucket),
 * otherwise a plain marker. The same address and path always give the same value.
 */
function placeholder(shape: Shape, ctx: FillContext): any {
  const name = String(ctx.path[ctx.path.length - 1]);
  if (!(ctx.path.length === 1 && name === 'id') && !ctx.referenced.has(name) && !ALWAYS_FILLED.has(`${ctx.type}.${name}`)) return zeroValue(shape);
  if ('block' in shape) return null;
  const t = shape.cty;
  if (t === 'block-single') return null;
  if (t === 'block-many') return [];
  if (t === 'number') return 0;
  if (t === 'bool') return false;
  if (Array.isArray(t)) return zeroValue(shape);
  if (t !== 'string') return null;
  const attr = String(ctx.path[ctx.path.length - 1]);
  const top = ctx.top ?? {};
  const project = top.project ?? 'acme-data-platform';
  const id = n(ctx.address);
  const email = `${top.account_id ?? `sa-${id}`}@${project}.iam.gserviceaccount.com`;
  switch (`${ctx.type}.${attr}`) {
    case 'google_service_account.email':
      return email;
    case 'google_service_account.member':
      return `serviceAccount:${email}`;
    case 'google_service_account.unique_id':
      return String(100000000000000000000 + id);
    case 'google_data_catalog_taxonomy.name':
      return `projects/${project}/locations/${top.region ?? 'us'}/taxonomies/${id}`;
    case 'google_data_catalog_policy_tag.name':
      return `${String(top.taxonomy ?? `projects/${project}/locations/us/taxonomies/0`)}/policyTags/${id}`;
    case 'google_sql_database_instance.connection_name':
      return `${project}:${top.region ?? 'us-central1'}:${top.name}`;
    case 'google_sql_database_instance.private_ip_address':
      return `10.10.${id % 250}.${(id >> 8) % 250}`;
    case 'google_sql_database_instance.public_ip_address':
      return '';
    case 'google_composer_environment.dag_gcs_prefix':
      return `gs://${top.region ?? 'us-central1'}-${top.name}-${id}-bucket/dags`;
    case 'google_storage_bucket_object.md5hash':
      // The provider plans an upload again unless this is the MD5 of `content` (its CustomizeDiff).
      return typeof top.content === 'string' ? createHash('md5').update(top.content).digest('base64') : '';
    case 'google_bigquery_table.type':
      return 'TABLE';
    case 'google_bigquery_table.location':
    case 'google_bigquery_dataset.location':
      return 'US';
  }
  if (attr === 'number' || attr === 'project_number') return PROJECT_NUMBER;
  if (attr === 'etag') return `etag-${id}`;
  if (attr === 'self_link' || attr === 'uri') return `https://offline.invalid/${ctx.address}`;
  if (attr === 'id') return `offline-${ctx.type}-${id}`;
  return `offline-${attr}-${id}`;
}

/** The value a provider stores for a field the API leaves empty. */
function zeroValue(shape: Shape): any {
  if ('block' in shape) return null;
  const t = shape.cty;
  if (t === 'string') return '';
  if (t === 'number') return 0;
  if (t === 'bool') return false;
  if (t === 'block-many') return [];
  if (Array.isArray(t) && ['list', 'set', 'tuple'].includes(t[0])) return [];
  if (Array.isArray(t) && t[0] === 'map') return {};
  return null;
}

type PathStep = { type: 'get_attr'; value: string } | { type: 'index'; value: { value: string | number; type: 'string' | 'number' } };

const getAttr = (name: string): PathStep => ({ type: 'get_attr', value: name });
const index = (key: string | number): PathStep => ({ type: 'index', value: { value: key, type: typeof key === 'number' ? 'number' : 'string' } });

/** The paths `after_sensitive` marks (what the schema declares sensitive, at the attribute). */
function markedPaths(marks: any, shape: Shape | undefined, path: PathStep[] = []): PathStep[][] {
  if (marks === true) return [path];
  if (!marks || typeof marks !== 'object') return [];
  const out: PathStep[][] = [];
  if (Array.isArray(marks)) {
    const child: Shape | undefined = shape && 'cty' in shape && Array.isArray(shape.cty) ? { cty: shape.cty[1] } : shape;
    marks.forEach((m, i) => out.push(...markedPaths(m, child, [...path, index(i)])));
    return out;
  }
  for (const [k, m] of Object.entries(marks)) {
    if (shape && 'block' in shape) {
      const a = shape.block.attributes?.[k];
      const b = shape.block.block_types?.[k];
      out.push(...markedPaths(m, a ? { cty: a.type } : b ? { block: b.block } : undefined, [...path, getAttr(k)]));
    } else if (shape && Array.isArray(shape.cty) && shape.cty[0] === 'map') out.push(...markedPaths(m, { cty: shape.cty[1] }, [...path, index(k)]));
    else
      out.push(...markedPaths(m, shape && Array.isArray(shape.cty) && shape.cty[0] === 'object' ? { cty: shape.cty[1][k] } : undefined, [...path, getAttr(k)]));
  }
  return out;
}

function uniquePaths(paths: PathStep[][]): PathStep[][] {
  const seen = new Set<string>();
  return paths.filter((p) => !seen.has(JSON.stringify(p)) && !!seen.add(JSON.stringify(p)));
}

/** A test for "this configuration value reads something sensitive": a sensitive variable. */
function sensitiveReader(config: any): (v: unknown) => boolean {
  const names = Object.entries<any>(config?.variable ?? {})
    .filter(([, v]) => v.sensitive)
    .map(([k]) => k);
  if (names.length === 0) return () => false;
  const re = new RegExp(`\\bvar\\.(${names.map((n) => n.replace(/[-]/g, '\\-')).join('|')})\\b`);
  return (v) => re.test(JSON.stringify(v ?? null));
}

/**
 * The paths of a resource whose configured value reads a sensitive variable, as Terraform marks
 * them (a map element, not the whole map; a repeated block's element). The state's
 * `sensitive_attributes` hold these and the schema's sensitive attributes ({@link markedPaths});
 * when they differ from the plan's marks, Terraform plans an update that changes nothing but marks.
 */
function configMarks(body: any, block: Block, reads: (v: unknown) => boolean, path: PathStep[] = []): PathStep[][] {
  const out: PathStep[][] = [];
  for (const [key, v] of Object.entries<any>(body ?? {})) {
    if (!reads(v)) continue;
    const attr = block.attributes?.[key];
    const nested = block.block_types?.[key];
    if (attr) {
      if (Array.isArray(attr.type) && attr.type[0] === 'map' && v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, e] of Object.entries(v)) if (reads(e)) out.push([...path, getAttr(key), index(k)]);
      } else out.push([...path, getAttr(key)]);
    } else if (nested) {
      if (nested.nesting_mode === 'single' || nested.nesting_mode === 'group') out.push(...configMarks(v, nested.block, reads, [...path, getAttr(key)]));
      else if (nested.nesting_mode === 'list')
        (Array.isArray(v) ? v : [v]).forEach((e, i) => out.push(...configMarks(e, nested.block, reads, [...path, getAttr(key), index(i)])));
      else out.push([...path, getAttr(key)]);
    }
  }
  return out;
}

/** A BigQuery column as a table's `schema` JSON lists it. */
interface Column {
  name: string;
  type?: string;
  mode?: string;
  fields?: Column[];
  [k: string]: unknown;
}

/** Every column path of a `schema` JSON (`a`, `a.b` for RECORD fields), or undefined when it is not JSON. */
export function columnPaths(schema: unknown): string[] | undefined {
  if (typeof schema !== 'string' || schema === '') return undefined;
  let cols: Column[];
  try {
    cols = JSON.parse(schema);
  } catch {
    return undefined;
  }
  const out: string[] = [];
  const walk = (cs: Column[], prefix: string) => {
    for (const c of cs) {
      out.push(`${prefix}${c.name}`.toLowerCase());
      if (Array.isArray(c.fields)) walk(c.fields, `${prefix}${c.name}.`);
    }
  };
  walk(Array.isArray(cols) ? cols : [], '');
  return out;
}

/** The column the sink adds in {@link secondDay}. */
export const SINK_ADDED_COLUMN = 'added_by_sink';

/**
 * The state one day after the first apply, as the world changes it outside Terraform:
 * - the BigQuery sink (KCBQ with `allowNewBigQueryFields`) adds a NULLABLE column,
 *   {@link SINK_ADDED_COLUMN}, to every table it could write (each `google_bigquery_table` that
 *   is not a view), as it does when the source table gains a column;
 * - Google fills the computed parts: a table's type and location, a dataset's default access
 *   entries (project owners, writers and readers), creation and modification times.
 * Returns the changed tables' addresses.
 */
export function secondDay(state: TfState): string[] {
  const widened: string[] = [];
  for (const r of state.resources) {
    for (const inst of r.instances) {
      const a = inst.attributes;
      if (r.type === 'google_bigquery_table' && (a.view ?? []).length === 0 && (a.materialized_view ?? []).length === 0) {
        // The provider's read puts a column the configuration does not declare into
        // generated_schema_columns when ignore_auto_generated_schema is set, else into schema.
        const key = a.ignore_auto_generated_schema ? 'generated_schema_columns' : 'schema';
        const cols: Column[] = a[key] ? JSON.parse(a[key]) : [];
        cols.push({ name: SINK_ADDED_COLUMN, type: 'STRING', mode: 'NULLABLE' });
        a[key] = JSON.stringify(cols);
        a.type = 'TABLE';
        a.num_rows = 1000;
        a.last_modified_time = 1767225600000;
        widened.push(`${r.type}.${r.name}`);
      }
      if (r.type === 'google_bigquery_dataset' && (a.access ?? []).length === 0) {
        const entry = (role: string, group: string) => ({
          role,
          special_group: group,
          domain: '',
          group_by_email: '',
          user_by_email: '',
          iam_member: '',
          dataset: [],
          routine: [],
          view: [],
          condition: [],
        });
        a.access = [entry('OWNER', 'projectOwners'), entry('WRITER', 'projectWriters'), entry('READER', 'projectReaders')];
        a.creation_time = 1767225600000;
        a.last_modified_time = 1767225600000;
      }
    }
  }
  return widened;
}

/**
 * A plan over the state in `tf`'s folder, and what it would lose ({@link planLosses}). A plan that
 * Terraform refuses because it would destroy a `prevent_destroy` resource (a replacement) has no
 * plan JSON: each refused resource is then a loss, with Terraform's message.
 */
export async function planAndLosses(tf: TerraformWorkdir): Promise<{ plan?: PlanJson; losses: string[] }> {
  const r = await tf.runAsync(['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-out=offline.tfplan'], undefined, true);
  if (r.status !== 0) {
    const refused = [...r.stderr.matchAll(/Error: Instance cannot be destroyed[\s\S]*?Resource\s+(\S+)\s+has lifecycle\.prevent_destroy/g)].map((m) => m[1]);
    if (refused.length === 0) throw new Error(`terraform plan exited ${r.status} in ${tf.dir}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-6000)}`);
    const reasons = refusedReasons(r.stdout);
    return { losses: refused.map((a) => `${a}: replaced (the plan stops: prevent_destroy)${reasons[a] ? `, forced by ${reasons[a]}` : ''}`) };
  }
  const plan = JSON.parse((await tf.mustAsync(['show', '-json', '-no-color', 'offline.tfplan'], [0], undefined, true)).stdout) as PlanJson;
  return { plan, losses: planLosses(plan) };
}

/** From a human-readable plan: for each resource that "must be replaced", the top-level attributes marked "# forces replacement". */
function refusedReasons(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let address: string | undefined;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const head = /^\s*# (\S+) must be replaced/.exec(line);
    if (head) address = head[1];
    else if (/^\s*# /.test(line)) address = undefined;
    if (!address || !line.includes('# forces replacement')) return;
    for (let j = i; j >= 0; j--) {
      const m = /^ {6}[~+-] ([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(lines[j]) ?? /^ {8}([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(lines[j]);
      if (m) {
        const seen = out[address] ? out[address].split(', ') : [];
        if (!seen.includes(m[1])) out[address] = [...seen, m[1]].join(', ');
        break;
      }
    }
  });
  return out;
}

/** What each change of a plan would lose ({@link changeLosses}). */
export function planLosses(plan: PlanJson): string[] {
  return changesOf(plan).flatMap((c) => changeLosses(c));
}

/** The columns a table has, as its state records them: `schema`, and `generated_schema_columns` (those the configuration does not declare, with `ignore_auto_generated_schema`). */
function liveColumns(table: any): string[] | undefined {
  const declared = columnPaths(table?.schema);
  const generated = table?.ignore_auto_generated_schema ? columnPaths(table?.generated_schema_columns) : [];
  return declared || generated?.length ? [...(declared ?? []), ...(generated ?? [])] : undefined;
}

/**
 * What one change would lose: a delete or a replacement (with Terraform's reason), or for a
 * BigQuery table updated in place, each column it has that the update would not leave. hashicorp/google
 * 6.50 sends `schema` (plus `generated_schema_columns` when `ignore_auto_generated_schema`) and,
 * without that flag, first drops every other top-level column (`ALTER TABLE … DROP COLUMN`). A
 * new schema still unknown is a loss too: nothing shows the columns are kept.
 */
export function changeLosses(c: ResourceChange): string[] {
  const actions = c.change.actions;
  if (actions.includes('delete')) {
    return [
      `${c.address}: ${actions.includes('create') ? 'replaced' : 'deleted'}${c.action_reason ? ` (${c.action_reason})` : ''}${c.change.replace_paths ? `, forced by ${JSON.stringify(c.change.replace_paths)}` : ''}`,
    ];
  }
  if (c.type !== 'google_bigquery_table' || !actions.includes('update')) return [];
  const before = liveColumns(c.change.before);
  if (!before) return [];
  const unknown = c.change.after_unknown ?? {};
  if (unknown.schema === true || (c.change.after?.ignore_auto_generated_schema && unknown.generated_schema_columns === true)) {
    return [`${c.address}: the new schema is unknown until apply; nothing shows that columns ${before.join(', ')} are kept`];
  }
  const after = new Set(liveColumns(c.change.after) ?? []);
  const dropped = before.filter((p) => !after.has(p));
  return dropped.length > 0 ? [`${c.address}: update in place drops column(s) ${dropped.join(', ')}`] : [];
}

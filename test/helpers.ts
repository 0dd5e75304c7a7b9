import { App, Testing, TerraformStack } from 'cdktf';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { validateAll } from '../stacks/reference-app';

/** Synthesized Terraform JSON of one stack (the parts tests read). */
export interface SynthJson {
  resource: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  provider?: Record<string, any[]>;
  variable?: Record<string, any>;
  terraform?: any;
  moved?: any[];
}

/** Builds a stack with `build`, fails on any validation problem, and returns its JSON. */
export function synth(build: (stack: TerraformStack, app: App) => void): SynthJson {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new GoogleProvider(stack, 'google', { project: 'acme-test', region: 'us-central1' });
  build(stack, app);
  const problems = validateAll([stack]);
  if (problems.length > 0) throw new Error(`unexpected validation problems:\n${problems.join('\n')}`);
  return JSON.parse(Testing.synth(stack, true));
}

/** Builds a stack with `build` and returns every validation problem (empty when valid). */
export function problems(build: (stack: TerraformStack, app: App) => void): string[] {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new GoogleProvider(stack, 'google', { project: 'acme-test', region: 'us-central1' });
  build(stack, app);
  return validateAll([stack]);
}

/** Resources of one type, as a list (order of the JSON). */
export function resources(json: SynthJson, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}

/** The single resource of a type whose attribute `key` equals `value`. */
export function resourceWhere(json: SynthJson, type: string, key: string, value: unknown): any {
  const found = resources(json, type).filter((r) => r[key] === value);
  if (found.length !== 1) throw new Error(`expected one ${type} with ${key}=${JSON.stringify(value)}, found ${found.length}`);
  return found[0];
}

/** ACLs in a compact comparable form, sorted. */
export function aclSet(json: SynthJson): string[] {
  return resources(json, 'kafka_acl')
    .map((a) => `${a.acl_permission_type} ${a.acl_principal} ${a.acl_operation} ${a.resource_type}:${a.resource_pattern_type_filter}:${a.resource_name}`)
    .sort();
}

import { TerraformElement, Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { DataInventory } from '../catalog/data-inventory';

/** How bad a non-compliance is: an error stops synth, a warning is reported. */
export type RuleLevel = 'error' | 'warning';

/** What a rule says about one construct. */
export type RuleResult =
  { readonly status: 'compliant' } | { readonly status: 'not-applicable' } | { readonly status: 'non-compliant'; readonly message: string };

/** Compliant. */
export const COMPLIANT: RuleResult = { status: 'compliant' };
/** The rule says nothing about this construct. */
export const NOT_APPLICABLE: RuleResult = { status: 'not-applicable' };
/** Not compliant, and why, in one sentence naming the thing and what is allowed. */
export function nonCompliant(message: string): RuleResult {
  return { status: 'non-compliant', message };
}

/** Stack-wide facts a rule may consult, computed once per stack. */
export interface RuleContext {
  /** Every construct of the stack. */
  readonly constructs: readonly IConstruct[];
  /** Where sensitive data is. */
  readonly inventory: DataInventory;
}

/**
 * One governance rule: a small pure check of one construct (an L2 building block or a raw
 * resource) that returns compliant, non-compliant with a message, or not applicable. Rules never
 * change what they check.
 */
export interface GovernanceRule {
  /** Stable id, e.g. `PiiRetention`. Suppressions name it. */
  readonly id: string;
  /** What the rule requires, in one line. */
  readonly description: string;
  /** Why it matters (the regulation or the failure it prevents). */
  readonly reason: string;
  /** Level when not compliant. */
  readonly level: RuleLevel;
  /** The check. */
  check(node: IConstruct, context: RuleContext): RuleResult;
}

/**
 * The attributes a Terraform resource, data source or provider is configured with (snake_case,
 * tokens unresolved). Recognises elements of any copy of the core (cdktf or cdktn, one copy for the
 * app and another for a library): `TerraformElement.isTerraformElement` checks a global symbol
 * where `instanceof` would be false across copies and the rules would silently check nothing.
 */
export function terraformAttributes(node: IConstruct): Record<string, unknown> | undefined {
  if (!TerraformElement.isTerraformElement(node)) return undefined;
  const synth = (node as unknown as { synthesizeAttributes?: () => Record<string, unknown> }).synthesizeAttributes;
  return typeof synth === 'function' ? synth.call(node) : undefined;
}

/** The Terraform type of a resource, data source or provider (`google_bigquery_dataset_iam_member`), if the node is one. */
export function terraformTypeOf(node: IConstruct): string | undefined {
  const t = (node as unknown as { terraformResourceType?: string }).terraformResourceType;
  return typeof t === 'string' ? t : undefined;
}

/** True when a value is written literally (not a reference to a variable, data source or resource). */
export function isLiteral(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && !Token.isUnresolved(value) && !value.includes('${');
}

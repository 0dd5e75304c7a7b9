/**
 * What to do with an event whose row has findings: a pure function of the row, its findings and
 * the policy. Actions, weakest to strongest:
 *
 * - `flag`: leave the value; the outcome's `flags` say what was found where (never the value).
 * - `mask`: replace the finding's characters with `*` (DLP's CharacterMaskConfig options).
 * - `hash`: replace the finding with base64(HMAC-SHA-256(key, finding)) (DLP's CryptoHashConfig):
 *   equal values stay joinable, the key comes from a secret.
 * - `redact`: remove the finding, or put `[INFO_TYPE]` in its place (DLP's RedactConfig /
 *   ReplaceWithInfoTypeConfig).
 * - `drop`: leave the column out of the event.
 * - `quarantine`: send the whole, unchanged event to the quarantine topic instead of its own.
 *
 * Which action applies to a finding, most specific first: the table's column, the table's info
 * type, the info type, the table's default, the policy's default, `flag`. Where findings overlap
 * the stronger action wins; `drop` and `quarantine` act on the column and the event.
 * Transformed values are strings (a masked number column becomes a string), except JSON columns,
 * which stay objects when the transformed JSON still parses.
 */
import { createHmac } from 'crypto';
import { Finding, Likelihood, Range, Row } from './types';
import { cellText, codepointToUnit } from './text';

/** One action of the policy. */
export type PolicyAction =
  | { readonly action: 'flag' }
  | {
      readonly action: 'mask';
      /** @default "*" */
      readonly maskingCharacter?: string;
      /** Characters to mask, 0 for all. @default 0 */
      readonly numberToMask?: number;
      /** Mask from the end (keeps the start visible). @default false */
      readonly reverseOrder?: boolean;
      /** Characters left as they are and not counted, e.g. "-() ". @default "" */
      readonly charactersToIgnore?: string;
    }
  | { readonly action: 'hash' }
  | {
      readonly action: 'redact';
      /** Put `[INFO_TYPE]` where the finding was instead of nothing. @default false */
      readonly replaceWithInfoType?: boolean;
    }
  | { readonly action: 'drop' }
  | { readonly action: 'quarantine' };

export type PolicyActionName = PolicyAction['action'];

/** Strength of each action; the stronger wins where findings meet. */
const STRENGTH: Record<PolicyActionName, number> = { flag: 0, mask: 1, hash: 2, redact: 3, drop: 4, quarantine: 5 };

/** The policy of one table. */
export interface TablePolicy {
  /** Action for findings in a column, whatever the info type. */
  readonly columns?: Readonly<Record<string, PolicyAction>>;
  /** Action for an info type in this table. */
  readonly infoTypes?: Readonly<Record<string, PolicyAction>>;
  /** Action for other findings in this table. @default the policy's default */
  readonly default?: PolicyAction;
}

/** Detection policy for the worker. */
export interface DetectionPolicy {
  /** Action for findings nothing more specific covers. @default { action: "flag" } */
  readonly default?: PolicyAction;
  /** Action per info type, in every table. */
  readonly infoTypes?: Readonly<Record<string, PolicyAction>>;
  /** Per table, keyed by the table name given to `inspectRows` (e.g. `public.customers`). */
  readonly tables?: Readonly<Record<string, TablePolicy>>;
  /** Topic for quarantined events; needed when any action is `quarantine`. */
  readonly quarantineTopic?: string;
}

/** What applyPolicy needs besides the row and the findings. */
export interface ApplyPolicyOptions {
  /** The row's table, as given to `inspectRows`. */
  readonly table: string;
  /** HMAC key for `hash`, from a secret; needed when a `hash` action applies. */
  readonly hashKey?: string | Buffer;
  /** Which image of a change event the row is (`key`: the event's key); copied into the flags. */
  readonly image?: 'before' | 'after' | 'key';
}

/** One finding as event metadata: where, what, and what was done; never the value. */
export interface FindingFlag {
  readonly field: string;
  readonly infoType: string;
  readonly likelihood: Likelihood;
  readonly byteRange: Range;
  readonly codepointRange: Range;
  readonly action: PolicyActionName;
  /** The image of the change event, when the caller said (see `SensitiveDataScreen`). */
  readonly image?: 'before' | 'after' | 'key';
}

/** The policy's verdict on one event. */
export interface PolicyOutcome {
  /** `deliver`: send `row` to the table's topic; `quarantine`: send the original event to `quarantineTopic`. */
  readonly decision: 'deliver' | 'quarantine';
  /** The row to deliver: a transformed copy, or the original when nothing changed or when quarantined. */
  readonly row: Row;
  readonly quarantineTopic?: string;
  /** Findings as metadata (for a Kafka header, say). */
  readonly flags: readonly FindingFlag[];
  /** Findings per info type. */
  readonly counts: Readonly<Record<string, number>>;
  /** Columns whose value changed or was dropped. */
  readonly changedFields: readonly string[];
}

/** The action for a finding of `infoType` in `table`.`column`. */
export function resolveAction(policy: DetectionPolicy, table: string, column: string, infoType: string): PolicyAction {
  const t = policy.tables?.[table];
  return t?.columns?.[column] ?? t?.infoTypes?.[infoType] ?? policy.infoTypes?.[infoType] ?? t?.default ?? policy.default ?? { action: 'flag' };
}

/**
 * Problems with a policy, all at once (empty when it is fine): unknown actions, a masking
 * character that is not one character, `quarantine` without a topic, `hash` without a key.
 */
export function validatePolicy(policy: DetectionPolicy, options: { hasHashKey: boolean }): string[] {
  const problems: string[] = [];
  const check = (where: string, a: PolicyAction | undefined): void => {
    if (a === undefined) return;
    if (!(a.action in STRENGTH)) {
      problems.push(`${where}: unknown action "${(a as { action: string }).action}"; use one of ${Object.keys(STRENGTH).join(', ')}`);
      return;
    }
    if (a.action === 'mask') {
      if (a.maskingCharacter !== undefined && [...a.maskingCharacter].length !== 1)
        problems.push(`${where}: maskingCharacter must be one character, got "${a.maskingCharacter}"`);
      if (a.numberToMask !== undefined && (!Number.isInteger(a.numberToMask) || a.numberToMask < 0))
        problems.push(`${where}: numberToMask must be a whole number ≥ 0, got ${a.numberToMask}`);
    }
    if (a.action === 'quarantine' && !policy.quarantineTopic) problems.push(`${where}: action "quarantine" needs quarantineTopic`);
    if (a.action === 'hash' && !options.hasHashKey) problems.push(`${where}: action "hash" needs a key (hashKey, from a secret)`);
  };
  check('default', policy.default);
  for (const [k, a] of Object.entries(policy.infoTypes ?? {})) check(`infoTypes.${k}`, a);
  for (const [t, tp] of Object.entries(policy.tables ?? {})) {
    check(`tables.${t}.default`, tp.default);
    for (const [k, a] of Object.entries(tp.infoTypes ?? {})) check(`tables.${t}.infoTypes.${k}`, a);
    for (const [k, a] of Object.entries(tp.columns ?? {})) check(`tables.${t}.columns.${k}`, a);
  }
  return problems;
}

/** Groups findings of `inspectRows` by row index. */
export function findingsByRow(findings: readonly Finding[]): Map<number, Finding[]> {
  const out = new Map<number, Finding[]>();
  for (const f of findings) {
    const row = f.location.contentLocations[0]?.recordLocation?.tableLocation.rowIndex ?? 0;
    let list = out.get(row);
    if (!list) out.set(row, (list = []));
    list.push(f);
  }
  return out;
}

interface Span {
  start: number;
  end: number;
  action: PolicyAction;
  infoType: string;
}

/**
 * Applies the policy to one row and the findings in it (the findings of `inspectRows` for this
 * row; see `findingsByRow`). Pure: the row is not modified.
 */
export function applyPolicy(row: Row, findings: readonly Finding[], policy: DetectionPolicy, options: ApplyPolicyOptions): PolicyOutcome {
  const flags: FindingFlag[] = [];
  const counts: Record<string, number> = {};
  const byField = new Map<string, { finding: Finding; action: PolicyAction }[]>();
  let quarantine = false;
  for (const f of findings) {
    const field = f.location.contentLocations[0]?.recordLocation?.fieldId.name ?? '';
    const action = resolveAction(policy, options.table, field, f.infoType.name);
    counts[f.infoType.name] = (counts[f.infoType.name] ?? 0) + 1;
    const flag: FindingFlag = {
      field,
      infoType: f.infoType.name,
      likelihood: f.likelihood,
      byteRange: f.location.byteRange,
      codepointRange: f.location.codepointRange,
      action: action.action,
    };
    flags.push(options.image ? { ...flag, image: options.image } : flag);
    if (action.action === 'quarantine') quarantine = true;
    let list = byField.get(field);
    if (!list) byField.set(field, (list = []));
    list.push({ finding: f, action });
  }
  if (quarantine) {
    if (!policy.quarantineTopic) throw new Error(`Policy sends an event of ${options.table} to quarantine but has no quarantineTopic`);
    return { decision: 'quarantine', row, quarantineTopic: policy.quarantineTopic, flags, counts, changedFields: [] };
  }
  let out: Record<string, unknown> | undefined;
  const changedFields: string[] = [];
  for (const [field, list] of byField) {
    if (!(field in row)) continue;
    let strongest = 0;
    for (const x of list) strongest = Math.max(strongest, STRENGTH[x.action.action]);
    if (strongest === 0) continue;
    out ??= { ...row };
    if (strongest === STRENGTH.drop) {
      delete out[field];
      changedFields.push(field);
      continue;
    }
    const text = cellText(row[field]);
    if (text === undefined) continue;
    const replaced = transform(text, list, options, field);
    if (replaced !== text) {
      out[field] = isJsonValue(row[field]) ? parseOr(replaced) : replaced;
      changedFields.push(field);
    }
  }
  return { decision: 'deliver', row: out ?? row, flags, counts, changedFields };
}

function isJsonValue(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && !(v instanceof Uint8Array);
}

/** A JSON column stays JSON when the transformed text still parses (findings inside strings); else the text. */
function parseOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Applies the span actions to one cell's text. */
function transform(text: string, list: { finding: Finding; action: PolicyAction }[], options: ApplyPolicyOptions, field: string): string {
  const spans: Span[] = [];
  for (const { finding, action } of list) {
    if (action.action === 'flag') continue;
    let start = codepointToUnit(text, finding.location.codepointRange.start);
    let end = codepointToUnit(text, finding.location.codepointRange.end);
    const quote = finding.quote;
    if (quote !== undefined && text.slice(start, end) !== quote) {
      // ranges disagree with the text (e.g. another backend's idea of code points): trust the quote
      const at = text.indexOf(quote);
      if (at < 0) continue;
      start = at;
      end = at + quote.length;
    }
    spans.push({ start, end, action, infoType: finding.infoType.name });
  }
  spans.sort((a, b) => a.start - b.start);
  // merge overlaps, the stronger action winning
  const merged: Span[] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s.start < last.end) {
      last.end = Math.max(last.end, s.end);
      if (STRENGTH[s.action.action] > STRENGTH[last.action.action]) {
        last.action = s.action;
        last.infoType = s.infoType;
      }
    } else merged.push({ ...s });
  }
  let result = text;
  for (let i = merged.length - 1; i >= 0; i--) {
    const s = merged[i];
    const value = result.slice(s.start, s.end);
    result = result.slice(0, s.start) + replacement(value, s, options, field) + result.slice(s.end);
  }
  return result;
}

function replacement(value: string, span: Span, options: ApplyPolicyOptions, field: string): string {
  const a = span.action;
  switch (a.action) {
    case 'mask':
      return mask(value, a.maskingCharacter ?? '*', a.numberToMask ?? 0, a.reverseOrder ?? false, a.charactersToIgnore ?? '');
    case 'hash':
      if (options.hashKey === undefined || options.hashKey.length === 0) {
        throw new Error(`Policy action "hash" for ${options.table}.${field} (${span.infoType}) needs a key: pass hashKey, read from a secret`);
      }
      return createHmac('sha256', options.hashKey).update(value, 'utf8').digest('base64');
    case 'redact':
      return a.replaceWithInfoType ? `[${span.infoType}]` : '';
    default:
      return value;
  }
}

/** DLP's character masking: `count` characters (0 = all), from the end when `reverse`, skipping `ignore`. */
export function mask(value: string, char: string, count: number, reverse: boolean, ignore: string): string {
  const chars = [...value];
  const order = reverse ? chars.map((_, i) => chars.length - 1 - i) : chars.map((_, i) => i);
  let masked = 0;
  for (const i of order) {
    if (count > 0 && masked >= count) break;
    if (ignore.includes(chars[i])) continue;
    chars[i] = char;
    masked++;
  }
  return chars.join('');
}

/**
 * The step the worker runs between decoding changes and producing them: inspect the `before`
 * and `after` images of a batch of change events of one table in one `inspectRows` call (one
 * or a few Cloud DLP requests for the whole batch), apply the policy to each image, and decide
 * per event. An event goes to quarantine when either image calls for it; findings are counted
 * in the metrics.
 */
import { DetectionMetrics } from './metrics';
import { applyPolicy, DetectionPolicy, FindingFlag, findingsByRow, validatePolicy } from './policy';
import { Finding, Row, SensitiveDataDetector } from './types';

/** The row images of one change event (Debezium's `before` and `after`). */
export interface ChangeRows {
  readonly before: Row | null;
  readonly after: Row | null;
}

/** A finding as event metadata, with the image it is in. */
export interface ChangeFlag extends FindingFlag {
  readonly image: 'before' | 'after';
}

/** The verdict on one change event. */
export interface ScreenedChange {
  /** `deliver` the (transformed) images to the table's topic, or `quarantine` the original event. */
  readonly decision: 'deliver' | 'quarantine';
  /** The images to deliver: transformed copies, or the originals when unchanged or quarantined. */
  readonly before: Row | null;
  readonly after: Row | null;
  readonly quarantineTopic?: string;
  readonly flags: readonly ChangeFlag[];
  readonly counts: Readonly<Record<string, number>>;
}

const NO_FLAGS: readonly ChangeFlag[] = Object.freeze([]);
const NO_COUNTS: Readonly<Record<string, number>> = Object.freeze({});

/** Kafka header the worker can put `encodeFlags(flags)` in. */
export const FINDINGS_HEADER = 'cdc.findings';

/**
 * Compact JSON of the flags for a header: `[{"f":"email","t":"EMAIL_ADDRESS","l":"VERY_LIKELY","a":"hash","i":"after","b":[0,15]}]`
 * (field, info type, likelihood, action, image, byte range). Never holds the values.
 */
export function encodeFlags(flags: readonly ChangeFlag[]): string {
  return JSON.stringify(
    flags.map((f) => ({ f: f.field, t: f.infoType, l: f.likelihood, a: f.action, i: f.image, b: [f.byteRange.start, f.byteRange.end] })),
  );
}

export interface SensitiveDataScreenOptions {
  /** HMAC key for `hash` actions, from a secret. */
  readonly hashKey?: string | Buffer;
  /** Where findings and decisions are counted. */
  readonly metrics?: DetectionMetrics;
}

export class SensitiveDataScreen {
  constructor(
    private readonly detector: SensitiveDataDetector,
    private readonly policy: DetectionPolicy,
    private readonly options: SensitiveDataScreenOptions = {},
  ) {
    const problems = validatePolicy(policy, { hasHashKey: options.hashKey !== undefined && options.hashKey.length > 0 });
    if (problems.length > 0) throw new Error(`Invalid detection policy:\n- ${problems.join('\n- ')}`);
  }

  /** Screens a batch of change events of one table; the result is in the same order. */
  async screen(table: string, changes: readonly ChangeRows[]): Promise<ScreenedChange[]> {
    const rows: Row[] = [];
    // row index of each change's before and after image (-1: none)
    const index = new Int32Array(changes.length * 2);
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      index[2 * i] = c.before ? rows.push(c.before) - 1 : -1;
      index[2 * i + 1] = c.after ? rows.push(c.after) - 1 : -1;
    }
    const findings = rows.length > 0 ? await this.detector.inspectRows(table, rows) : [];
    const byRow = findingsByRow(findings);
    const none: Finding[] = [];
    return changes.map((c, i) => this.decide(table, c, byRow.get(index[2 * i]) ?? none, byRow.get(index[2 * i + 1]) ?? none));
  }

  private decide(table: string, change: ChangeRows, beforeFindings: Finding[], afterFindings: Finding[]): ScreenedChange {
    if (beforeFindings.length === 0 && afterFindings.length === 0) {
      const clean: ScreenedChange = { decision: 'deliver', before: change.before, after: change.after, flags: NO_FLAGS, counts: NO_COUNTS };
      this.options.metrics?.recordOutcome(table, clean);
      return clean;
    }
    const { hashKey } = this.options;
    const before = change.before ? applyPolicy(change.before, beforeFindings, this.policy, { table, hashKey, image: 'before' }) : undefined;
    const after = change.after ? applyPolicy(change.after, afterFindings, this.policy, { table, hashKey, image: 'after' }) : undefined;
    // flags made with `image` set are ChangeFlags
    const beforeFlags = (before?.flags ?? NO_FLAGS) as readonly ChangeFlag[];
    const afterFlags = (after?.flags ?? NO_FLAGS) as readonly ChangeFlag[];
    let flags: readonly ChangeFlag[];
    let counts: Readonly<Record<string, number>>;
    if (beforeFlags.length === 0 || afterFlags.length === 0) {
      flags = beforeFlags.length === 0 ? afterFlags : beforeFlags;
      counts = (beforeFlags.length === 0 ? after?.counts : before?.counts) ?? NO_COUNTS;
    } else {
      flags = [...beforeFlags, ...afterFlags];
      const sum: Record<string, number> = { ...before!.counts };
      for (const [k, n] of Object.entries(after!.counts)) sum[k] = (sum[k] ?? 0) + n;
      counts = sum;
    }
    const quarantine = before?.decision === 'quarantine' || after?.decision === 'quarantine';
    const result: ScreenedChange = quarantine
      ? { decision: 'quarantine', before: change.before, after: change.after, quarantineTopic: this.policy.quarantineTopic, flags, counts }
      : { decision: 'deliver', before: before?.row ?? null, after: after?.row ?? null, flags, counts };
    this.options.metrics?.recordOutcome(table, result);
    return result;
  }
}

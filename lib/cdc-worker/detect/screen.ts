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
    const index: { before: number; after: number }[] = [];
    for (const c of changes) {
      const at = { before: -1, after: -1 };
      if (c.before) {
        at.before = rows.length;
        rows.push(c.before);
      }
      if (c.after) {
        at.after = rows.length;
        rows.push(c.after);
      }
      index.push(at);
    }
    const findings = rows.length > 0 ? await this.detector.inspectRows(table, rows) : [];
    const byRow = findingsByRow(findings);
    return changes.map((c, i) => this.decide(table, c, byRow.get(index[i].before) ?? [], byRow.get(index[i].after) ?? []));
  }

  private decide(table: string, change: ChangeRows, beforeFindings: Finding[], afterFindings: Finding[]): ScreenedChange {
    const opts = { table, hashKey: this.options.hashKey };
    const before = change.before ? applyPolicy(change.before, beforeFindings, this.policy, opts) : undefined;
    const after = change.after ? applyPolicy(change.after, afterFindings, this.policy, opts) : undefined;
    const flags: ChangeFlag[] = [
      ...(before?.flags ?? []).map((f) => ({ ...f, image: 'before' as const })),
      ...(after?.flags ?? []).map((f) => ({ ...f, image: 'after' as const })),
    ];
    const counts: Record<string, number> = {};
    for (const f of flags) counts[f.infoType] = (counts[f.infoType] ?? 0) + 1;
    const quarantine = before?.decision === 'quarantine' || after?.decision === 'quarantine';
    const result: ScreenedChange = quarantine
      ? { decision: 'quarantine', before: change.before, after: change.after, quarantineTopic: this.policy.quarantineTopic, flags, counts }
      : { decision: 'deliver', before: before?.row ?? null, after: after?.row ?? null, flags, counts };
    this.options.metrics?.recordOutcome(table, result);
    return result;
  }
}

/**
 * The step the worker runs between decoding changes and producing them: inspect the `before`
 * and `after` images of a batch of change events of one table in one `inspectRows` call (one
 * or a few Cloud DLP requests for the whole batch), apply the policy to each image, and decide
 * per event. An event goes to quarantine when either image calls for it; findings are counted
 * in the metrics.
 *
 * The event's key (the Kafka record key: primary-key columns) is screened too, by the same
 * column policies. A Debezium key holds the values of the columns of that name in the image it
 * was built from (`after`, or `before` for a delete), so a key field is transformed from that
 * image's findings, with the same deterministic action (HMAC, mask): every event of a row, and
 * the image columns, carry one and the same transformed key. No second inspection is needed; a
 * key whose fields are not in the image is inspected as a row of its own, in the same call.
 */
import { DetectionMetrics } from './metrics';
import { applyPolicy, DetectionPolicy, FindingFlag, findingsByRow, validatePolicy } from './policy';
import { Finding, Row, SensitiveDataDetector } from './types';

/** The row images of one change event (Debezium's `before` and `after`), and its key. */
export interface ChangeRows {
  readonly before: Row | null;
  readonly after: Row | null;
  /**
   * The fields of the event's key (the Kafka record key's payload), to screen with the same
   * column policies as the images. Left out or null: the event has no key to screen.
   */
  readonly key?: Row | null;
}

/**
 * A finding as event metadata, with the image it is in. `key`: a finding in a key field that is
 * not in the images (findings in key fields that are also image columns are reported once, on
 * the image).
 */
export interface ChangeFlag extends FindingFlag {
  readonly image: 'before' | 'after' | 'key';
}

/** The verdict on one change event. */
export interface ScreenedChange {
  /** `deliver` the (transformed) images to the table's topic, or `quarantine` the original event. */
  readonly decision: 'deliver' | 'quarantine';
  /**
   * The images to deliver: transformed copies, or the originals when unchanged. Quarantined: the
   * originals, except that columns of a transformed key carry the transformed key (the raw key
   * leaves in no topic; the other columns stay as they were, for review).
   */
  readonly before: Row | null;
  readonly after: Row | null;
  /**
   * The key to write, when `ChangeRows.key` was given: key fields transformed as the same columns
   * of the image (a dropped column leaves the key), or the given key itself (same object) when no
   * key field had a finding to act on, or when `keyQuarantined`.
   */
  readonly key?: Row | null;
  /**
   * A key field holds a finding whose action is `quarantine`: the key has no transformed form. The
   * event is quarantined, and its key (with the records that carry it, like a tombstone) must go
   * only to the quarantine topic.
   */
  readonly keyQuarantined?: boolean;
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
  return JSON.stringify(flags.map((f) => ({ f: f.field, t: f.infoType, l: f.likelihood, a: f.action, i: f.image, b: [f.byteRange.start, f.byteRange.end] })));
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
    // row index of each change's before image, after image and key (-1: none; the key only when
    // it cannot be taken from an image)
    const index = new Int32Array(changes.length * 3);
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      index[3 * i] = c.before ? rows.push(c.before) - 1 : -1;
      index[3 * i + 1] = c.after ? rows.push(c.after) - 1 : -1;
      index[3 * i + 2] = c.key && !keyInImage(c.key, c.after ?? c.before) ? rows.push(c.key) - 1 : -1;
    }
    const findings = rows.length > 0 ? await this.detector.inspectRows(table, rows) : [];
    const byRow = findingsByRow(findings);
    const none: Finding[] = [];
    return changes.map((c, i) => {
      const keyRow = index[3 * i + 2];
      return this.decide(table, c, byRow.get(index[3 * i]) ?? none, byRow.get(index[3 * i + 1]) ?? none, keyRow < 0 ? undefined : (byRow.get(keyRow) ?? none));
    });
  }

  /**
   * `keyFindings`: findings of the key inspected on its own (its fields are not all in the
   * image); undefined when the key is taken from the image the envelope built it from.
   */
  private decide(table: string, change: ChangeRows, beforeFindings: Finding[], afterFindings: Finding[], keyFindings: Finding[] | undefined): ScreenedChange {
    const key = change.key;
    // the findings in key fields, where they are: in the key's own row, or in its source image
    const keySource = change.after ? afterFindings : beforeFindings;
    if (beforeFindings.length === 0 && afterFindings.length === 0 && !keyFindings?.length) {
      const clean: ScreenedChange = { decision: 'deliver', before: change.before, after: change.after, key, flags: NO_FLAGS, counts: NO_COUNTS };
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
    // the key: the same action on the same cell text gives the same value as in the image
    let screenedKey = key;
    let keyQuarantined = false;
    const source = change.after ? after : before;
    if (key && !keyFindings && source?.decision === 'deliver') {
      // taken from an image the policy transformed: its columns are the key's (no second hash)
      if (source.changedFields.length > 0) screenedKey = keyFromImage(key, change.after ?? change.before!, source.row);
    } else if (key) {
      // taken from a quarantined image (left as it is) or inspected on its own: the policy on the
      // key's findings
      const inKey = keyFindings ?? keySource.filter((f) => fieldOf(f) in key);
      if (inKey.length > 0) {
        const k = applyPolicy(key, inKey, this.policy, { table, hashKey, image: keyFindings ? 'key' : undefined });
        if (k.decision === 'quarantine') keyQuarantined = true;
        else screenedKey = k.row;
        if (keyFindings) {
          // findings only the key holds: reported and counted with the images'
          flags = [...flags, ...(k.flags as readonly ChangeFlag[])];
          const sum: Record<string, number> = { ...counts };
          for (const [t, n] of Object.entries(k.counts)) sum[t] = (sum[t] ?? 0) + n;
          counts = sum;
        }
      }
    }
    const quarantine = before?.decision === 'quarantine' || after?.decision === 'quarantine' || keyQuarantined;
    const result: ScreenedChange = quarantine
      ? {
          decision: 'quarantine',
          before: withKey(change.before, key, screenedKey),
          after: withKey(change.after, key, screenedKey),
          key: screenedKey,
          keyQuarantined,
          quarantineTopic: this.policy.quarantineTopic,
          flags,
          counts,
        }
      : { decision: 'deliver', before: before?.row ?? null, after: after?.row ?? null, key: screenedKey, keyQuarantined, flags, counts };
    this.options.metrics?.recordOutcome(table, result);
    return result;
  }
}

function fieldOf(f: Finding): string {
  return f.location.contentLocations[0]?.recordLocation?.fieldId.name ?? '';
}

/** Same cell value: identical, or equal JSON for structured values. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'object' && typeof b === 'object' && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

/** Every key field is a column of the image, with the same value (as in Debezium's keys). */
function keyInImage(key: Row, image: Row | null): boolean {
  if (!image) return false;
  for (const k in key) if (!(k in image) || !sameValue(key[k], image[k])) return false;
  return true;
}

/** The key with the values its columns have in the screened image (a dropped column leaves it); the key itself when none changed. */
function keyFromImage(key: Row, image: Row, screened: Row): Row {
  let out: Record<string, unknown> | undefined;
  for (const k in key) {
    if (k in screened && screened[k] === image[k]) continue;
    out ??= { ...key };
    if (k in screened) out[k] = screened[k];
    else delete out[k];
  }
  return out ?? key;
}

/**
 * The image of a quarantined event with its key columns carrying the transformed key, where they
 * hold the original key's value; the image itself when the key did not change.
 */
function withKey(image: Row | null, key: Row | null | undefined, screened: Row | null | undefined): Row | null {
  if (!image || !key || !screened || key === screened) return image;
  let out: Record<string, unknown> | undefined;
  for (const k in key) {
    if (!(k in image) || !sameValue(image[k], key[k])) continue;
    if (k in screened && screened[k] === key[k]) continue;
    out ??= { ...image };
    if (k in screened) out[k] = screened[k];
    else delete out[k];
  }
  return out ?? image;
}

/**
 * Golden comparison of the worker's events with Debezium's for the same rows: both sides are
 * read from Kafka, topic prefixes are normalised, and every differing field is listed unless
 * the test's own rule allows it. Shared by the PostgreSQL and MySQL/MariaDB golden tests.
 */
import { writeFileSync } from 'fs';
import type { KafkaRecord } from './harness';

/** Appends one line per differing leaf of `a` and `b` (`.path: ours ≠ theirs`) to `out`. */
export function diffJson(a: unknown, b: unknown, path: string, out: string[]): void {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    out.push(`${path}: ${JSON.stringify(a)?.slice(0, 120)} ≠ ${JSON.stringify(b)?.slice(0, 120)}`);
    return;
  }
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) out.push(`${path}: length ${a.length} ≠ ${bb.length}`);
    for (let i = 0; i < Math.min(a.length, bb.length); i++) diffJson(a[i], bb[i], `${path}[]`, out);
    return;
  }
  if (a && typeof a === 'object') {
    for (const k of new Set([...Object.keys(a as object), ...Object.keys(b as object)])) {
      diffJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
    }
    return;
  }
  if (a !== b) out.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
}

function normalise(r: KafkaRecord, prefix: string) {
  const replace = (t: string | null) => (t === null ? null : JSON.parse(t.split(`"${prefix}.`).join('"PREFIX.').split(`"${prefix}"`).join('"PREFIX"')));
  return { topic: r.topic.replace(prefix, 'PREFIX'), key: replace(r.key), value: replace(r.value), headers: r.headers };
}

function byTopic(records: KafkaRecord[], prefix: string) {
  const m = new Map<string, ReturnType<typeof normalise>[]>();
  for (const r of records) {
    const n = normalise(r, prefix);
    m.set(n.topic, [...(m.get(n.topic) ?? []), n]);
  }
  return m;
}

/**
 * Differences between our events and Debezium's, topic by topic and event by event, except those
 * `allowed(path, ourEvent)` accepts. Connect's own `__debezium.context.*` headers are ignored.
 * With `CDCW_GOLDEN_DUMP=FILE` both sides and the differences are written there for inspection.
 */
export function goldenDifferences(
  ours: KafkaRecord[],
  ourPrefix: string,
  theirs: KafkaRecord[],
  theirPrefix: string,
  allowed: (path: string, ourEvent: ReturnType<typeof normalise>) => boolean,
): string[] {
  const a = byTopic(ours, ourPrefix);
  const b = byTopic(theirs, theirPrefix);
  const differences: string[] = [];
  for (const [topic, list] of a) {
    const other = b.get(topic) ?? [];
    expect(list.length).toBe(other.length);
    list.forEach((ev, i) => {
      const d: string[] = [];
      const theirHeaders = Object.fromEntries(Object.entries(other[i].headers).filter(([k]) => !k.startsWith('__debezium.context.')));
      diffJson({ key: ev.key, value: ev.value, headers: ev.headers }, { key: other[i].key, value: other[i].value, headers: theirHeaders }, '', d);
      for (const line of d) {
        if (!allowed(line.slice(1, line.indexOf(':')), ev)) differences.push(`${topic} #${i} ${line}`);
      }
    });
  }
  if (process.env.CDCW_GOLDEN_DUMP) {
    const dump = { differences, ours: ours.map((r) => normalise(r, ourPrefix)), theirs: theirs.map((r) => normalise(r, theirPrefix)) };
    writeFileSync(process.env.CDCW_GOLDEN_DUMP, JSON.stringify(dump, null, 1));
  }
  return differences;
}

/**
 * Golden comparison of the worker's events with Debezium's for the same rows: both sides are
 * read from Kafka, topic prefixes are normalised, and every differing field is listed unless
 * the test's own rule allows it. Shared by the PostgreSQL and MySQL/MariaDB golden tests; the
 * PostgreSQL ones also share the Debezium connector they compare with and their allowed differences.
 */
import { writeFileSync } from 'fs';
import type { Client } from 'pg';
import { Infra, KafkaRecord, kafka } from './harness';

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

// ---------- PostgreSQL ----------

/** Paths (with array indices as []) where the worker's events may differ from Debezium's PostgreSQL connector's, and why. */
export const PG_GOLDEN_ALLOWED: Record<string, string> = {
  'value.payload.source.ts_ms': 'commit time is the same, but the snapshot time is ours',
  'value.payload.source.ts_us': 'as ts_ms',
  'value.payload.source.ts_ns': 'as ts_ms',
  'value.payload.ts_ms': 'processing time',
  'value.payload.ts_us': 'processing time',
  'value.payload.ts_ns': 'processing time',
  'value.payload.source.sequence': 'Debezium reports its last stored commit LSN; ours is the last commit seen',
  'value.payload.source.lsn': 'snapshot events only: the snapshot position',
  'value.payload.source.txId': 'snapshot events only: Debezium reports the snapshot transaction',
  'value.schema.fields[].fields[].default': 'Debezium copies column defaults into the schema; the worker does not',
  'value.payload.source.snapshot': 'snapshot markers of the last rows of a table differ between Debezium versions',
};

/** The PostgreSQL golden tests' rule for {@link goldenDifferences}: {@link PG_GOLDEN_ALLOWED}, lsn and txId in snapshot events only. */
export function pgGoldenAllowed(path: string, ev: { value: { payload?: { op?: string } } | null }): boolean {
  if (!PG_GOLDEN_ALLOWED[path]) return false;
  return !['value.payload.source.lsn', 'value.payload.source.txId'].includes(path) || ev.value?.payload?.op === 'r';
}

export interface DebeziumPgOptions {
  /** Connector name and topic prefix. */
  name: string;
  slot: string;
  publication: string;
  /** `schema.table` names. */
  tables: string[];
  /** Database to capture (default: the harness database). */
  database?: string;
}

/**
 * Starts Debezium's PostgreSQL connector on the harness's Connect with its defaults plus what the
 * golden tests compare: pgoutput, an existing publication, an initial snapshot, JSON with schemas.
 * Its topics are created first with one partition. Returns the plugin's class and version.
 */
export async function startDebeziumPostgres(connectUrl: string, env: Infra, o: DebeziumPgOptions): Promise<{ class: string; version: string }> {
  const plugins = (await (await fetch(`${connectUrl}/connector-plugins`)).json()) as { class: string; version: string }[];
  const plugin = plugins.find((p) => p.class === 'io.debezium.connector.postgresql.PostgresConnector');
  expect(plugin).toBeDefined();
  const admin = kafka(env).admin();
  await admin.connect();
  await admin.createTopics({ topics: o.tables.map((t) => ({ topic: `${o.name}.${t}`, numPartitions: 1 })), waitForLeaders: true });
  await admin.disconnect();
  const res = await fetch(`${connectUrl}/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: o.name,
      config: {
        'connector.class': plugin!.class,
        'plugin.name': 'pgoutput',
        'database.hostname': env.PG_HOST,
        'database.port': env.PG_PORT,
        'database.user': env.PG_USER,
        'database.password': env.PG_PASSWORD,
        'database.dbname': o.database ?? env.PG_DATABASE,
        'topic.prefix': o.name,
        'slot.name': o.slot,
        'publication.name': o.publication,
        'publication.autocreate.mode': 'disabled',
        'table.include.list': o.tables.join(','),
        'snapshot.mode': 'initial',
        'skipped.operations': 'none',
        'topic.creation.default.replication.factor': '1',
        'topic.creation.default.partitions': '1',
        'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable': 'true',
        'value.converter.schemas.enable': 'true',
      },
    }),
  });
  expect(res.status).toBe(201);
  return plugin!;
}

/** Waits (up to 30 s) until a replication slot is in use, i.e. the connector streams. */
export async function waitForActiveSlot(pg: Client, slot: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const r = await pg.query('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if (r.rows[0]?.active) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Deletes the connector and then its slot (once Connect has let go of it). */
export async function stopDebeziumPostgres(connectUrl: string, pg: Client | undefined, name: string, slot: string): Promise<void> {
  await fetch(`${connectUrl}/connectors/${name}`, { method: 'DELETE' }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 3000));
  await pg?.query('SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active', [slot]).catch(() => undefined);
}

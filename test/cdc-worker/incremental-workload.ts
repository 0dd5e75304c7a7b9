/**
 * The incremental snapshot tests' parts: a table of `rows` rows, a workload of updates, deletes and
 * inserts aimed at the keys the snapshot is about to read (it follows the snapshot's `op: r`
 * records on the topic), waiting until the worker has confirmed everything, and the two checks:
 * the state rebuilt from the topic equals the table row for row, and no snapshot row of a key
 * follows a newer change of that key.
 */
import { Client } from 'pg';
import { Infra, KafkaRecord, kafka, readTopics, scratchName } from './harness';
import { KeyedWorkload } from './keyed-workload';

/** `<schema>.<table>` with ids 1..rows; `v` counts the row's versions, `note` follows it. */
export async function createSnapshotTable(pg: Client, qualified: string, rows: number): Promise<void> {
  await pg.query(`CREATE TABLE ${qualified} (id bigint PRIMARY KEY, v int NOT NULL, note text NOT NULL, created timestamptz NOT NULL DEFAULT now())`);
  await pg.query(`INSERT INTO ${qualified} (id, v, note) SELECT i, 1, md5(i::text || ':1') FROM generate_series(1, ${rows}) AS i`);
  await pg.query(`ANALYZE ${qualified}`);
}

/** Follows the snapshot on the topic: the largest id of an `op: r` record seen so far. */
export class SnapshotFollower {
  maxSnapshotId = 0;
  snapshotRecords = 0;
  private readonly consumer;

  constructor(
    env: Infra,
    private readonly topic: string,
  ) {
    this.consumer = kafka(env).consumer({ groupId: scratchName('follow') });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const v = m.value ? (JSON.parse(m.value.toString()) as { op: string; after: { id: number } | null }) : null;
          if (v?.op !== 'r' || !v.after) continue;
          this.snapshotRecords++;
          if (v.after.id > this.maxSnapshotId) this.maxSnapshotId = v.after.id;
        }
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
  }
}

/** The workload (keyed-workload.ts) in PostgreSQL's SQL. */
export class TargetedWorkload extends KeyedWorkload {
  constructor(
    private readonly pg: Client,
    table: string,
    rows: number,
    ahead: () => number,
    pauseMs?: number,
  ) {
    super(table, rows, ahead, pauseMs);
  }

  protected async commit(upd: number[], del: number[], ins: number[]): Promise<void> {
    const t = this.table;
    await this.pg.query(
      [
        'BEGIN',
        `UPDATE ${t} SET v = v + 1, note = md5(id::text || ':' || (v + 1)) WHERE id = ANY('{${upd.join(',')}}'::bigint[])`,
        del.length ? `DELETE FROM ${t} WHERE id = ANY('{${del.join(',')}}'::bigint[])` : '',
        ins.length ? `INSERT INTO ${t} (id, v, note) SELECT i, 1, md5(i::text || ':1') FROM unnest('{${ins.join(',')}}'::bigint[]) AS i` : '',
        'COMMIT',
      ]
        .filter((x) => x)
        .join(';\n'),
    );
  }
}

/** Waits until the slot's confirmed position reaches the WAL position of now (everything before is in Kafka). */
export async function waitForConfirmed(pg: Client, slot: string, timeoutMs = 120000): Promise<void> {
  const target = (await pg.query('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const r = await pg.query('SELECT confirmed_flush_lsn >= $1::pg_lsn AS ok FROM pg_replication_slots WHERE slot_name = $2', [target, slot]);
    if (r.rows[0]?.ok) return;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`slot ${slot} did not confirm ${target} within ${timeoutMs} ms`);
}

/** Every record of `topic` up to its current end. */
export async function readWholeTopic(env: Infra, topic: string): Promise<KafkaRecord[]> {
  const admin = kafka(env).admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = ends.reduce((n, e) => n + Number(e.high) - Number(e.low), 0);
  const records = await readTopics(env, [topic], (r) => r.length >= want, 180000);
  if (records.length < want) throw new Error(`read ${records.length} of ${want} records of ${topic}`);
  return records;
}

interface Ev {
  op: 'c' | 'u' | 'd' | 'r';
  after: { id: number; v: number; note: string } | null;
  before: { id: number } | null;
  source: { snapshot: string };
}

export interface SnapshotCheck {
  /** Keys whose rebuilt state differs from the table (first 10). */
  mismatches: string[];
  /** Snapshot rows that follow a newer change of their key (first 10). */
  staleSnapshotRows: string[];
  snapshotRows: number;
  keys: number;
  /** `source.snapshot` values of the `op: r` records. */
  snapshotMarkers: Set<string>;
  /** Rows the workload never changed (v = 1, id ≤ `snapshotUpTo`) without a snapshot record (first 10): the snapshot skipped them. */
  unsnapshotted: string[];
}

/** Rebuilds the table from the topic (records of a key are in one partition, in order) and checks it. */
export async function checkTopicAgainstTable(records: KafkaRecord[], pg: Client, table: string, snapshotUpTo: number): Promise<SnapshotCheck> {
  const state = new Map<string, { v: number; note: string } | null>();
  const newest = new Map<string, { v: number; deleted: boolean }>();
  const stale: string[] = [];
  const markers = new Set<string>();
  const snapshotted = new Set<string>();
  let snapshotRows = 0;
  const sorted = [...records].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const r of sorted) {
    const key = r.key ? String((JSON.parse(r.key) as { id: number }).id) : '';
    if (r.value === null) {
      state.set(key, null);
      continue;
    }
    const e = JSON.parse(r.value) as Ev;
    const seen = newest.get(key);
    if (e.op === 'r') {
      snapshotRows++;
      snapshotted.add(key);
      markers.add(e.source.snapshot);
      if (seen && (seen.deleted || seen.v > e.after!.v)) {
        if (stale.length < 10) stale.push(`id ${key}: snapshot v${e.after!.v} after ${seen.deleted ? 'a delete' : `v${seen.v}`} (offset ${r.offset})`);
      }
    }
    if (e.op === 'd') {
      state.set(key, null);
      newest.set(key, { v: seen?.v ?? 0, deleted: true });
      continue;
    }
    state.set(key, { v: e.after!.v, note: e.after!.note });
    if (e.op !== 'r' && (!seen || e.after!.v >= seen.v)) newest.set(key, { v: e.after!.v, deleted: false });
  }
  const rows = await pg.query(`SELECT id::text AS id, v, note FROM ${table}`);
  const mismatches: string[] = [];
  const inTable = new Set<string>();
  for (const row of rows.rows) {
    inTable.add(row.id);
    const got = state.get(row.id);
    if (!got || got.v !== row.v || got.note !== row.note) mismatches.push(`id ${row.id}: table v${row.v}, topic ${got ? `v${got.v}` : 'none'}`);
  }
  for (const [id, s] of state) if (s && !inTable.has(id)) mismatches.push(`id ${id}: deleted in the table, v${s.v} in the topic`);
  const unchanged = rows.rows.filter((r) => r.v === 1 && Number(r.id) <= snapshotUpTo);
  const unsnapshotted = unchanged.filter((r) => !snapshotted.has(r.id)).map((r) => `id ${r.id}`);
  return {
    mismatches: mismatches.slice(0, 10),
    staleSnapshotRows: stale,
    snapshotRows,
    keys: inTable.size,
    snapshotMarkers: markers,
    unsnapshotted: unsnapshotted.slice(0, 10),
  };
}

/**
 * The MySQL/MariaDB incremental snapshot test's parts (the MariaDB twins of incremental-workload.ts):
 * a table of `rows` rows, a workload of updates, deletes and inserts aimed at the keys the snapshot
 * is about to read, a last change to wait for on the topic, and the two checks: the state rebuilt
 * from the topic equals the table row for row, and no snapshot row of a key follows a newer change
 * of that key.
 */
import { Connection } from 'mysql2/promise';
import { KafkaRecord } from './harness';
import { KeyedWorkload } from './keyed-workload';

/** `table` (in the connection's database) with ids 1..rows; `v` counts the row's versions, `note` follows it. */
export async function createMySqlSnapshotTable(db: Connection, table: string, rows: number): Promise<void> {
  await db.query(
    `CREATE TABLE \`${table}\` (id BIGINT PRIMARY KEY, v INT NOT NULL, note VARCHAR(64) NOT NULL, amount DECIMAL(12,2) NOT NULL DEFAULT 0, created DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`,
  );
  for (let from = 1; from <= rows; from += 50000) {
    const to = Math.min(rows, from + 49999);
    await db.query(`INSERT INTO \`${table}\` (id, v, note, amount) SELECT seq, 1, MD5(CONCAT(seq, ':1')), seq / 100 FROM seq_${from}_to_${to}`);
  }
  await db.query(`ANALYZE TABLE \`${table}\``);
}

/** The workload (keyed-workload.ts) in MySQL's SQL. */
export class MySqlTargetedWorkload extends KeyedWorkload {
  constructor(
    private readonly db: Connection,
    table: string,
    rows: number,
    ahead: () => number,
    pauseMs?: number,
  ) {
    super(table, rows, ahead, pauseMs);
  }

  protected async commit(upd: number[], del: number[], ins: number[]): Promise<void> {
    const t = `\`${this.table}\``;
    await this.db.query(
      [
        'START TRANSACTION',
        `UPDATE ${t} SET v = v + 1, note = MD5(CONCAT(id, ':', v)), amount = amount + 1 WHERE id IN (${upd.join(',')})`,
        del.length ? `DELETE FROM ${t} WHERE id IN (${del.join(',')})` : '',
        ins.length ? `INSERT INTO ${t} (id, v, note) VALUES ${ins.map((i) => `(${i}, 1, MD5('${i}:1'))`).join(', ')}` : '',
        'COMMIT',
      ]
        .filter((x) => x)
        .join(';\n'),
    );
  }

  /** A last insert, of a key no other change touches: once it is on the topic, every change before it is. */
  async last(): Promise<number> {
    const id = this.nextId++;
    await this.db.query(`INSERT INTO \`${this.table}\` (id, v, note) VALUES (${id}, 1, MD5('${id}:1'))`);
    return id;
  }
}

interface Ev {
  op: 'c' | 'u' | 'd' | 'r';
  after: { id: number; v: number; note: string } | null;
  source: { snapshot: string };
}

export interface MySqlSnapshotCheck {
  /** Keys whose rebuilt state differs from the table (first 10). */
  mismatches: string[];
  /** Snapshot rows that follow a newer change of their key (first 10). */
  staleSnapshotRows: string[];
  snapshotRows: number;
  keys: number;
  /** `source.snapshot` values of the `op: r` records. */
  snapshotMarkers: Set<string>;
}

/** Rebuilds the table from the topic (records of a key are in one partition, in order) and checks it against the table's rows. */
export async function checkMySqlTopicAgainstTable(records: KafkaRecord[], db: Connection, table: string): Promise<MySqlSnapshotCheck> {
  const state = new Map<string, { v: number; note: string } | null>();
  const newest = new Map<string, { v: number; deleted: boolean }>();
  const stale: string[] = [];
  const markers = new Set<string>();
  let snapshotRows = 0;
  const sorted = [...records].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
  for (const r of sorted) {
    const key = r.key ? String((JSON.parse(r.key) as { id: number }).id) : '';
    if (r.value === null) continue; // a tombstone follows its delete
    const e = JSON.parse(r.value) as Ev;
    const seen = newest.get(key);
    if (e.op === 'r') {
      snapshotRows++;
      markers.add(e.source.snapshot);
      if (seen && (seen.deleted || seen.v > e.after!.v) && stale.length < 10) {
        stale.push(`id ${key}: snapshot v${e.after!.v} after ${seen.deleted ? 'a delete' : `v${seen.v}`} (offset ${r.offset})`);
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
  const [rows] = await db.query(`SELECT CAST(id AS CHAR) AS id, v, note FROM \`${table}\``);
  const mismatches: string[] = [];
  const inTable = new Set<string>();
  for (const row of rows as { id: string; v: number; note: string }[]) {
    inTable.add(row.id);
    const got = state.get(row.id);
    if (!got || got.v !== row.v || got.note !== row.note) mismatches.push(`id ${row.id}: table v${row.v}, topic ${got ? `v${got.v}` : 'none'}`);
  }
  for (const [id, s] of state) if (s && !inTable.has(id)) mismatches.push(`id ${id}: deleted in the table, v${s.v} in the topic`);
  return { mismatches: mismatches.slice(0, 10), staleSnapshotRows: stale, snapshotRows, keys: inTable.size, snapshotMarkers: markers };
}

/**
 * The workload and the checks of the CDC worker's fault tests (kill -9, Kafka broker restart,
 * PostgreSQL restart): random transactions of inserts, updates and deletes on `<schema>.items`
 * (plus one row in `<schema>.events` per transaction) with the ground truth kept in memory, a
 * row-by-row check of what reached Kafka, and a supervisor that restarts the worker when it
 * exits, as Cloud Run restarts a container.
 */
import { Client } from 'pg';
import { Infra, KafkaRecord, RunningWorker, pgClient, readTopics, startWorker } from './harness';

export type DeliveryMode = 'at-least-once' | 'exactly-once';

/** Tables of the workload in `schema` (which must not exist yet). */
export function workloadDdl(schema: string): string {
  return `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.items (id int PRIMARY KEY, v int NOT NULL, note text);
          CREATE TABLE ${schema}.events (id bigserial PRIMARY KEY, item int, at timestamptz DEFAULT now());`;
}

interface PlannedTransaction {
  ids: number[];
  upd: number[];
  del: number[];
  sql: string;
  changes: number;
}

/**
 * Random transactions and their ground truth: every version of every row written (`id:v`), the
 * rows alive now and how often each id was deleted. `changes` counts row changes (the one
 * `events` row per transaction included).
 */
export class ChangeWorkload {
  /** live rows: id -> v */
  readonly versions = new Map<number, number>();
  /** "id:v" for every version written */
  readonly expected = new Set<string>();
  /** id -> number of deletes */
  readonly deletes = new Map<number, number>();
  changes = 0;
  transactions = 0;
  /** Transactions that failed in a server outage and did not commit (left out of the truth). */
  notCommitted = 0;
  /** Transactions whose COMMIT outcome was unknown after an outage and that had committed. */
  committedInOutage = 0;
  private nextId = 1;

  constructor(readonly schema: string) {}

  private plan(): PlannedTransaction {
    const s = this.schema;
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const ins = 1 + rnd(30);
    const live = [...this.versions.keys()];
    const upd = live.length ? Array.from(new Set(Array.from({ length: rnd(20) }, () => live[rnd(live.length)]))) : [];
    const del = live.length > 200 ? Array.from(new Set(Array.from({ length: rnd(5) }, () => live[rnd(live.length)]))).filter((id) => !upd.includes(id)) : [];
    const ids = Array.from({ length: ins }, () => this.nextId++);
    // one round trip per transaction (integers only, so plain SQL text is safe); the events row
    // (item = the first new id, unique) tells after an outage whether the transaction committed
    const sql = [
      'BEGIN',
      `INSERT INTO ${s}.items (id, v, note) SELECT i, 1, md5(i::text) FROM unnest('{${ids.join(',')}}'::int[]) AS i`,
      upd.length ? `UPDATE ${s}.items SET v = v + 1 WHERE id = ANY('{${upd.join(',')}}'::int[])` : '',
      del.length ? `DELETE FROM ${s}.items WHERE id = ANY('{${del.join(',')}}'::int[])` : '',
      `INSERT INTO ${s}.events (item) VALUES (${ids[0]})`,
      'COMMIT',
    ]
      .filter((x) => x)
      .join(';\n');
    return { ids, upd, del, sql, changes: ins + upd.length + del.length + 1 };
  }

  private record(t: PlannedTransaction): void {
    for (const id of t.ids) {
      this.versions.set(id, 1);
      this.expected.add(`${id}:1`);
    }
    for (const id of t.upd) {
      const v = this.versions.get(id)! + 1;
      this.versions.set(id, v);
      this.expected.add(`${id}:${v}`);
    }
    for (const id of t.del) {
      this.versions.delete(id);
      this.deletes.set(id, (this.deletes.get(id) ?? 0) + 1);
    }
    this.transactions++;
    this.changes += t.changes;
  }

  /** One random transaction on `pg`; an error is thrown (nothing recorded). */
  async step(pg: Client): Promise<void> {
    const t = this.plan();
    await pg.query(t.sql);
    this.record(t);
  }

  /**
   * One random transaction through a connection that may break (a PostgreSQL restart): on an
   * error, waits for a new connection and asks the database whether the transaction committed
   * (its `events` row exists): then it is recorded, otherwise it is dropped from the truth.
   */
  async stepThroughOutage(conn: ReconnectingPg): Promise<void> {
    const t = this.plan();
    try {
      await (await conn.client()).query(t.sql);
      this.record(t);
      return;
    } catch (e) {
      conn.broken(e as Error);
    }
    const r = await (await conn.client()).query(`SELECT 1 FROM ${this.schema}.events WHERE item = $1`, [t.ids[0]]);
    if (r.rowCount) {
      this.record(t);
      this.committedInOutage++;
    } else {
      this.notCommitted++;
    }
  }

  /** Item change and delete events (plus tombstones) Kafka must hold at least once. */
  get expectedItemRecords(): number {
    return this.expected.size + [...this.deletes.values()].reduce((a, b) => a + b, 0) * 2;
  }
}

/**
 * A client connection that survives server restarts: after {@link broken}, the next
 * {@link client} call connects again, retrying until the server is back (or `timeoutMs`).
 * `synchronous_commit` is on for its session, so a commit that was acknowledged survives an
 * immediate shutdown (the harness's servers run with it off).
 */
export class ReconnectingPg {
  private current: Client | null = null;
  /** Connections opened; more than one means it reconnected. */
  connects = 0;
  constructor(
    private readonly env: Infra,
    private readonly timeoutMs = 120000,
  ) {}

  async client(): Promise<Client> {
    if (this.current) return this.current;
    const t0 = Date.now();
    for (;;) {
      try {
        const c = await pgClient(this.env);
        // an idle connection that dies emits 'error': without a listener the test process would crash
        c.on('error', () => {
          if (this.current === c) this.broken();
        });
        await c.query('SET synchronous_commit = on');
        this.connects++;
        this.current = c;
        return c;
      } catch (e) {
        if (Date.now() - t0 > this.timeoutMs) throw new Error(`PostgreSQL not reachable again within ${this.timeoutMs} ms: ${(e as Error).message}`);
        await sleep(250);
      }
    }
  }

  broken(_e?: Error): void {
    const c = this.current;
    this.current = null;
    if (c) void c.end().catch(() => undefined);
  }

  async end(): Promise<void> {
    const c = this.current;
    this.current = null;
    if (c) await c.end().catch(() => undefined);
  }
}

/** What {@link verifyDelivery} found. */
export interface DeliveryFigures {
  records: number;
  /** Versions of a row that arrived more than once (at-least-once replays). */
  duplicates: number;
  /** Records read (incl. duplicates) per version expected. */
  expected: number;
}

/**
 * Reads the items topic until every version written arrived (or the time-out), then checks row
 * by row: every version of every row and every delete (followed by a tombstone) is there; per
 * key, first occurrences of versions are in increasing order; the last event of each key matches
 * the table (tombstone for a deleted row). In exactly-once mode (read_committed) there must be no
 * duplicate at all: exactly one record per version, delete and tombstone. Uses `expect`.
 */
export async function verifyDelivery(
  env: Infra,
  topic: string,
  w: ChangeWorkload,
  pg: Client,
  mode: DeliveryMode,
  logsOnFailure: () => string[],
): Promise<DeliveryFigures> {
  const expectedMinimum = w.expectedItemRecords;
  // read until every expected item change was seen
  const seen = new Set<string>();
  let scanned = 0;
  function lastSeenComplete(recs: KafkaRecord[]): boolean {
    for (; scanned < recs.length; scanned++) {
      const r = recs[scanned];
      if (!r.value) continue;
      const p = JSON.parse(r.value);
      if (p.after) seen.add(`${p.after.id}:${p.after.v}`);
    }
    return [...w.expected].every((k) => seen.has(k));
  }

  const records = await readTopics(
    env,
    [topic],
    (recs) => recs.length >= expectedMinimum && lastSeenComplete(recs),
    Number(process.env.CDCW_FAULT_READ_MS ?? 240000),
  );
  lastSeenComplete(records);
  // 1. every version of every row arrived
  const missing = [...w.expected].filter((k) => !seen.has(k));
  if (missing.length) {
    console.log(`missing ${missing.length} of ${w.expected.size} versions; worker logs:\n${logsOnFailure().slice(-60).join('\n')}`);
  }
  expect(missing.slice(0, 20)).toEqual([]);
  // 2. every delete arrived, followed by a tombstone
  const deleteEvents = new Map<number, number>();
  const perKey = new Map<number, { op: string; v: number | null }[]>();
  for (const r of records) {
    const id = JSON.parse(r.key!).id as number;
    const p = r.value ? JSON.parse(r.value) : null;
    if (p?.op === 'd') deleteEvents.set(id, (deleteEvents.get(id) ?? 0) + 1);
    let evs = perKey.get(id);
    if (!evs) perKey.set(id, (evs = []));
    evs.push({ op: p ? p.op : 'tombstone', v: p?.after?.v ?? null });
  }
  for (const [id] of w.deletes) expect(deleteEvents.get(id) ?? 0).toBeGreaterThanOrEqual(1);
  // 3. per key, first occurrences of versions are in increasing order; the last event matches the table
  const table = new Map<number, number>((await pg.query(`SELECT id, v FROM ${w.schema}.items`)).rows.map((r) => [r.id, r.v]));
  let duplicates = 0;
  for (const [id, evs] of perKey) {
    const firsts: number[] = [];
    const got = new Set<number>();
    for (const e of evs) {
      if (e.v === null) continue;
      if (got.has(e.v)) duplicates++;
      else {
        got.add(e.v);
        firsts.push(e.v);
      }
    }
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    const last = evs[evs.length - 1];
    if (table.has(id)) expect(last).toEqual({ op: expect.stringMatching(/^[cu]$/), v: table.get(id) });
    else expect(last.op).toBe('tombstone');
  }
  // the truth kept by the workload is the table's content
  expect(table.size).toBe(w.versions.size);
  for (const [id, v] of w.versions) if (table.get(id) !== v) expect({ id, v: table.get(id) }).toEqual({ id, v });
  if (mode === 'exactly-once') {
    expect(duplicates).toBe(0);
    expect(records).toHaveLength(expectedMinimum); // read_committed: every version, delete and tombstone once
  }
  return { records: records.length, duplicates, expected: expectedMinimum };
}

/** One exit of a supervised worker. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The worker's `fatal error` log line (parsed), if it wrote one. */
  fatal: { err?: string; kind?: string; confirmedLsn?: string } | null;
  /** The run had reached "streaming started" (else it failed while starting). */
  streamed: boolean;
  atMs: number;
  /** The run's last log lines. */
  tail: string[];
}

/**
 * Runs the worker and starts it again whenever it exits (after `restartDelayMs`, doubling up to
 * 10 s while it keeps failing to start), as Cloud Run restarts a container. Records every exit
 * and keeps every run's log lines.
 */
export class WorkerSupervisor {
  readonly exits: WorkerExit[] = [];
  /** Log lines of all runs, a `---- exit ... ----` line after each run. */
  readonly logs: string[] = [];
  /** Runs that reached "streaming started". */
  streamingStarts = 0;
  current!: RunningWorker;
  private stopping = false;
  private delay: number;
  private restarted: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfgFile: string,
    private readonly env: Infra,
    private readonly restartDelayMs = 1000,
  ) {
    this.delay = restartDelayMs;
    this.launch();
  }

  private launch(): void {
    const w = startWorker(this.cfgFile, this.env);
    this.current = w;
    w.waitForLog(/"msg":"streaming started"/, 24 * 3600 * 1000).then(
      () => {
        this.streamingStarts++;
        this.delay = this.restartDelayMs; // it ran: the next restart is quick again
      },
      () => undefined, // exited before streaming: recorded as an exit below
    );
    // 'close': after the last output line too (the fatal line may come just before the exit)
    w.proc.on('close', (code, signal) => {
      const fatalLine = w.logs.find((l) => l.includes('"msg":"fatal error'));
      let fatal: WorkerExit['fatal'] = null;
      if (fatalLine) {
        try {
          fatal = JSON.parse(fatalLine);
        } catch {
          fatal = { err: fatalLine };
        }
      }
      this.logs.push(...w.logs, `---- exit code ${code} signal ${signal} ----`);
      if (this.stopping) return;
      this.exits.push({
        code,
        signal,
        fatal,
        streamed: w.logs.some((l) => l.includes('"msg":"streaming started"')),
        atMs: Date.now(),
        tail: w.logs.slice(-40),
      });
      const wait = this.delay;
      this.delay = Math.min(this.delay * 2, 10000);
      this.restarted = new Promise((r) =>
        setTimeout(() => {
          if (!this.stopping) this.launch();
          r();
        }, wait),
      );
    });
  }

  /** The running worker has logged "streaming started" (and not exited). */
  get streaming(): boolean {
    const w = this.current;
    return w.proc.exitCode === null && w.proc.signalCode === null && w.logs.some((l) => l.includes('"msg":"streaming started"'));
  }

  /** Resolves when the running worker streams (waiting through restarts). */
  async waitStreaming(timeoutMs = 120000): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      if (this.streaming) return;
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(`the worker did not reach "streaming started" within ${timeoutMs} ms; logs:\n${this.allLogs().slice(-40).join('\n')}`);
      }
      await sleep(200);
    }
  }

  allLogs(): string[] {
    return [...this.logs, ...(this.current.proc.exitCode === null ? this.current.logs : [])];
  }

  /** SIGTERM to the running worker (no restart after it); resolves with its exit code. */
  async stop(): Promise<number | null> {
    this.stopping = true;
    await this.restarted;
    const w = this.current;
    if (w.proc.exitCode !== null || w.proc.signalCode !== null) return w.proc.exitCode;
    w.proc.kill('SIGTERM');
    return w.exited;
  }

  /** SIGKILL, no restart: for clean-up after a failure. */
  kill(): void {
    this.stopping = true;
    if (this.current && this.current.proc.exitCode === null) this.current.proc.kill('SIGKILL');
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

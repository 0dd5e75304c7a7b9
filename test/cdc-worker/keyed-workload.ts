/**
 * The concurrent workload of the incremental snapshot tests, whatever the engine: small
 * transactions of updates, deletes and inserts, most aimed just ahead of the snapshot's progress
 * (`ahead()`), so that many land inside a chunk's watermark window. Deleted ids are never inserted
 * again and `v` only grows, so a key's versions are ordered. An engine's subclass writes one such
 * transaction in its SQL (incremental-workload.ts, mysql-incremental-workload.ts).
 */
export abstract class KeyedWorkload {
  changes = 0;
  protected nextId: number;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(
    protected readonly table: string,
    rows: number,
    private readonly ahead: () => number,
    /** Between transactions: the database and the worker share the machine's cores. */
    private readonly pauseMs = 5,
  ) {
    this.nextId = rows + 1;
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) await this.step();
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** One transaction: 1–20 updates, 0–2 deletes, 0–3 inserts of new ids. */
  async step(): Promise<void> {
    const rnd = (n: number) => Math.floor(Math.random() * n);
    const base = this.ahead();
    const near = () => base + rnd(6000);
    const upd = Array.from({ length: 1 + rnd(20) }, () => (Math.random() < 0.8 ? near() : 1 + rnd(this.nextId)));
    const del = Array.from({ length: rnd(3) }, () => (Math.random() < 0.8 ? near() : 1 + rnd(this.nextId)));
    const ins = Array.from({ length: rnd(4) }, () => this.nextId++);
    await this.commit(upd, del, ins);
    this.changes += upd.length + del.length + ins.length;
    await new Promise((r) => setTimeout(r, this.pauseMs));
  }

  /** Updates `upd` (v + 1, note following v), deletes `del`, inserts `ins` with v = 1, in one transaction. */
  protected abstract commit(upd: number[], del: number[], ins: number[]): Promise<void>;
}

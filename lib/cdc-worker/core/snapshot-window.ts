/**
 * The watermark window of an incremental snapshot (the method of DBLog, as Debezium implements
 * it): a chunk of a table is read between a low and a high watermark, both written to the source's
 * signal table and so seen in the change stream in commit order. Every change the stream carries
 * between the two watermarks is at least as new as the chunk's read, so a chunk row whose key such
 * a change touched is dropped (the streamed change wins); the others are emitted at the high
 * watermark, after every change that came before it. A snapshot row therefore never follows a
 * newer change of its key.
 *
 * A database may make a transaction visible some time after its commit is in the log (PostgreSQL:
 * the commit record is written before the transaction leaves the list of running ones). Such a
 * transaction can come before the low watermark in the stream and still be invisible to the chunk's
 * read; so the engine names the transactions the read could not see (`invisible`), the window keeps
 * the keys of the recent transactions on the table, and those transactions' keys count as touched.
 *
 * The engine-neutral part: keys are opaque strings (the engine's text of the key columns, the same
 * for a chunk row and a streamed change of that row). Pure bookkeeping; no I/O.
 */

/** One row of a chunk: its key text and the engine's row. */
export interface ChunkRow<R> {
  readonly key: string;
  readonly row: R;
}

/** What the high watermark releases. */
export interface ClosedChunk<R> {
  readonly id: string;
  readonly table: string;
  /** The chunk's rows that no change inside the window touched, in chunk order. */
  readonly rows: R[];
  /** Chunk rows dropped because the stream carried a newer change of their key. */
  readonly dropped: number;
}

/** The id of a chunk's high watermark (Debezium's: the low watermark's id with `-close`). */
export const closeId = (chunkId: string): string => `${chunkId}-close`;

/** Key of a row of `table` in the window's sets. */
const slot = (table: string, key: string) => `${table}\u0000${key}`;

/** How many recent transactions' keys the window keeps. */
const RECENT_TRANSACTIONS = 20000;

export class SnapshotWindow<R> {
  private chunk: { id: string; table: string } | null = null;
  private opened = false;
  private rows: ChunkRow<R>[] | null = null;
  private readonly touched = new Set<string>();
  /** The table was truncated inside the window: every chunk row is older than that. */
  private truncated = false;
  /** Transactions the chunk's read could not see (in progress when it took its snapshot). */
  private invisible: readonly string[] = [];
  /** The keys of the table's recent transactions, by transaction id (the last {@link RECENT_TRANSACTIONS}). */
  private readonly recent = new Map<string, string[]>();
  private recentTable: string | null = null;

  /** The chunk `id` of `table` is about to be read: its watermarks are the ones to look for. */
  expect(id: string, table: string): void {
    if (table !== this.recentTable) {
      this.recent.clear();
      this.recentTable = table;
    }
    this.chunk = { id, table };
    this.opened = false;
    this.rows = null;
    this.touched.clear();
    this.truncated = false;
  }

  /** The chunk's rows, once read (before its high watermark is written). */
  fill(id: string, rows: ChunkRow<R>[], invisible: readonly string[] = []): void {
    if (this.chunk?.id !== id) throw new Error(`snapshot chunk ${id} is not the expected one (${this.chunk?.id ?? 'none'})`);
    this.rows = rows;
    this.invisible = invisible;
  }

  /** Between the low and the high watermark of the expected chunk. */
  get isOpen(): boolean {
    return this.opened;
  }

  /** The table of the chunk the window is for, while it is open. */
  get table(): string | null {
    return this.opened ? this.chunk!.table : null;
  }

  /** The window wants the stream's changes of `table` (the table of the current or last chunk). */
  watches(table: string): boolean {
    return table === this.recentTable;
  }

  /** The stream saw a low watermark; true when it is the expected chunk's. */
  onOpen(id: string): boolean {
    if (this.chunk?.id !== id) return false;
    this.opened = true;
    this.touched.clear();
    this.truncated = false;
    return true;
  }

  /** The stream carried a change of `table` touching these keys (old and new key of an update). */
  onChange(table: string, keys: readonly string[], tx?: string): void {
    if (tx !== undefined && table === this.recentTable) this.remember(tx, keys);
    if (!this.opened || table !== this.chunk!.table) return;
    for (const k of keys) this.touched.add(slot(table, k));
  }

  private remember(tx: string, keys: readonly string[]): void {
    const have = this.recent.get(tx);
    if (have) {
      have.push(...keys);
      return;
    }
    this.recent.set(tx, [...keys]);
    if (this.recent.size > RECENT_TRANSACTIONS) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** The stream carried a truncate of `table`: inside the window, no chunk row survives it. */
  onTruncate(table: string): void {
    if (this.opened && table === this.chunk!.table) this.truncated = true;
  }

  /**
   * The stream saw a high watermark: for the expected chunk, the rows to emit now (null for
   * another id: a watermark of an earlier run, replayed after a restart).
   */
  onClose(id: string): ClosedChunk<R> | null {
    const c = this.chunk;
    if (!c || closeId(c.id) !== id) return null;
    if (!this.rows) throw new Error(`snapshot chunk ${c.id}: high watermark seen before the chunk was read`);
    // without the low watermark the window's changes are unknown: emitting the chunk could let an old row win
    if (!this.opened) throw new Error(`snapshot chunk ${c.id}: high watermark seen without the low watermark before it`);
    for (const tx of this.invisible) for (const k of this.recent.get(tx) ?? []) this.touched.add(slot(c.table, k));
    const rows: R[] = [];
    let dropped = 0;
    for (const r of this.rows) {
      if (this.truncated || this.touched.has(slot(c.table, r.key))) dropped++;
      else rows.push(r.row);
    }
    this.chunk = null;
    this.opened = false;
    this.rows = null;
    this.touched.clear();
    this.truncated = false;
    this.invisible = [];
    return { id: c.id, table: c.table, rows, dropped };
  }
}

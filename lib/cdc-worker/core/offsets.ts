/**
 * Where an engine keeps the position it resumes from, when the source itself does not keep it (a
 * PostgreSQL slot keeps its own confirmed LSN; a MySQL/MariaDB server keeps nothing for its binlog
 * readers). One record per source; `T` is the engine's offset (position plus whatever it needs to
 * resume, e.g. table definitions). kafka/offset-store.ts keeps it in a compacted topic.
 */
export interface OffsetStore<T> {
  /** Where the records are (for messages). */
  readonly topic: string;
  /** Creates the store if missing. */
  ensureTopic(): Promise<void>;
  /** The last stored offset, or null. */
  load(): Promise<T | null>;
  /** Stores an offset; it replaces the previous one. */
  save(offset: T): Promise<void>;
  /** Releases connections; a later save opens them again. */
  close(): Promise<void>;
}

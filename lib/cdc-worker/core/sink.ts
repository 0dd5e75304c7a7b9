/**
 * The contract between a source engine and the sink (kafka/): what the engines push, and what the
 * sink reports back. Engine-neutral: a checkpoint carries a `position`, a number that only grows,
 * which each engine maps to its own resume point (PostgreSQL: the end LSN of a transaction;
 * MySQL/MariaDB: a sequence number standing for a binlog offset held by the engine).
 */
import type { OutRecord } from './records';

/** A record ready for Kafka and its size (key + value bytes, before compression). */
export interface RecordItem {
  record: OutRecord;
  bytes: number;
}

/** A source position: everything pushed before it belongs to it. */
export interface Checkpoint {
  checkpoint: bigint;
  /** Commit time of the source transaction it ends, microseconds since the epoch. */
  commitTimeMicros: number;
}

/** What the engines push, in source order: records and checkpoints share one queue. */
export type QueueItem = RecordItem | Checkpoint;

export interface SinkEvents {
  /** Every record up to this checkpoint is acknowledged. */
  onCheckpoint(position: bigint, commitTimeMicros: number): void;
  onBatch(records: number, bytes: number, ms: number): void;
  onFatal(err: Error): void;
  /** A batch failed with a transient error and will be sent again (`outageMs` since it was first sent). */
  onRetry?(err: Error, attempt: number, outageMs: number): void;
  /** A batch that had failed went through, `outageMs` after it was first sent. */
  onRecovered?(outageMs: number, attempts: number): void;
}

/**
 * What the workers use of a sink: the Kafka sink (kafka/sink.ts), or the screened sink around it
 * (kafka/screened-sink.ts) when sensitive-data detection is on.
 */
export interface CdcSink {
  push(item: QueueItem): void;
  /** Room for more (reading from the source pauses while there is none). */
  hasSpace(): boolean;
  /** Calls `cb` once there is room again. */
  onSpace(cb: () => void): void;
  /** Null when there is room, else a promise resolving when there is (backpressure for snapshots). */
  waitForSpace(): Promise<void> | null;
  /** Resolves when everything pushed so far is acknowledged. */
  flush(): Promise<void>;
  /** Sends everything pushed, then closes. */
  close(): Promise<void>;
  connect(): Promise<void>;
  /** Creates topics that do not exist yet; `compacted` ones with cleanup.policy=compact. */
  ensureTopics(topics: string[], compacted?: string[]): Promise<void>;
  /** Exactly-once: the position stored with the last committed Kafka transaction (null: none). */
  storedPosition(): Promise<bigint | null>;
  /** Nothing queued or in flight. */
  readonly idle: boolean;
  /** Records pushed and not yet acknowledged. */
  readonly pendingRecords: number;
  /** Items queued or in flight. */
  readonly depth: number;
}

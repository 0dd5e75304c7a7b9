/**
 * The `signal` section of the configuration (signals and incremental snapshots) and the checks of
 * `signal` and `source.snapshotMode` the JSON schema cannot express.
 *
 * `source.snapshotMode`, with Debezium's meanings:
 * - `initial`: snapshot the tables when there is no position to resume from (PostgreSQL: the slot
 *   is created), then stream;
 * - `no_data` (or `never`, its old name): never snapshot, stream only;
 * - `initial_only`: snapshot when the slot is created, then stop without streaming;
 * - `when_needed`: as `initial`, and also snapshot again when the stored position can no longer be
 *   resumed from (PostgreSQL: the slot was invalidated, its WAL removed).
 * `initial_only` and `when_needed` are PostgreSQL only for now. Later snapshots of single tables:
 * `execute-snapshot` signals.
 */

/** Signals and incremental snapshots (Debezium's `signal.*` and `incremental.snapshot.*`); PostgreSQL, MySQL and MariaDB (`database.table`). */
export interface CdcSignalConfig {
  /**
   * The signal table in the source database, `schema.table` (Debezium's `signal.data.collection`):
   * columns `id`, `type`, `data`. Created if missing (when the user may); added to the publication.
   * Its rows are signals and the incremental snapshots' watermarks, never events.
   */
  readonly table: string;
  /** Kafka topic read for signals too (Debezium's `signal.kafka.topic`); messages keyed by `output.topicPrefix`. */
  readonly kafkaTopic?: string;
  /** Rows per incremental snapshot chunk (Debezium's `incremental.snapshot.chunk.size`). @default 1024 */
  readonly chunkSize?: number;
}

const qualifiedTable = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_$]*\\.[A-Za-z_][A-Za-z0-9_$]*$' };

/** JSON schema of the `signal` section. */
export const SIGNAL_CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['table'],
  properties: {
    table: qualifiedTable,
    kafkaTopic: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 249 },
    chunkSize: { type: 'integer', minimum: 1, maximum: 100000, default: 1024 },
  },
} as const;

/** What the JSON schema cannot say about `signal` and `source.snapshotMode`. */
export function signalProblems(c: { source: { engine: string; snapshotMode: string; tables: readonly string[] }; signal?: { table: string } }): string[] {
  const problems: string[] = [];
  const { engine, snapshotMode, tables } = c.source;
  if (engine !== 'postgres' && (snapshotMode === 'initial_only' || snapshotMode === 'when_needed')) {
    problems.push(
      `source.snapshotMode "${snapshotMode}" is supported with source.engine "postgres" only (got source.engine "${engine}"); allowed: "initial", "no_data", "never"`,
    );
  }
  if (c.signal && !['postgres', 'mysql', 'mariadb'].includes(engine)) {
    problems.push(`signal is supported with source.engine "postgres", "mysql" or "mariadb" (got source.engine "${engine}"); leave signal out`);
  }
  if (c.signal && tables.includes(c.signal.table)) {
    problems.push(`signal.table must not be one of source.tables (got "${c.signal.table}"): its rows are signals, not events`);
  }
  return problems;
}

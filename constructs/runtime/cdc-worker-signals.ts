/**
 * Signals of the CDC worker deployed by {@link CdcWorkerService} (issue 19): the props, their
 * checks, and the SQL of the signal table (names agreed with the worker: lib/cdc-worker/core/signal-config.ts).
 */
import { Problems } from '../core/validation';

/**
 * Signals for the worker (issue 19; PostgreSQL, MySQL and MariaDB sources): Debezium-compatible signals (`execute-snapshot`,
 * `stop-snapshot`, `pause-snapshot`, `resume-snapshot`, `log`) from a table in the source database
 * and, optionally, a Kafka topic.
 */
export interface CdcWorkerSignals {
  /**
   * The signal table, `schema.table` (PostgreSQL) or `database.table` (MySQL/MariaDB; Debezium's `signal.data.collection`): columns
   * `id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048)`. The worker
   * creates it (and on PostgreSQL adds it to its publication) when its user may; otherwise run
   * `CdcWorkerService.signalSetupSql` as the schema's owner.
   * @default `<schema or database of the first captured table>.debezium_signal`
   */
  readonly table?: string;
  /**
   * Kafka signal topic (Debezium's `signal.kafka.topic`), created here with a read grant for the
   * worker; signals are written to it keyed by the topic prefix. `false`: the table only.
   * @default `<topicPrefix>-signal`
   */
  readonly kafkaTopic?: string | false;
}

/** The signal table (default `<schema of the first captured table>.debezium_signal`) and topic (default `<prefix>-signal`). */
export function signalSettings(signals: CdcWorkerSignals, prefix: string, tables: string[]): { table: string; kafkaTopic?: string } {
  const schema = (tables[0] ?? 'public.x').split('.')[0];
  const kafkaTopic = signals.kafkaTopic === false ? undefined : (signals.kafkaTopic ?? `${prefix}-signal`);
  return { table: signals.table ?? `${schema}.debezium_signal`, kafkaTopic };
}

/** Checks of `signals` (PostgreSQL, MySQL, MariaDB) and `heartbeatActionQuery` (PostgreSQL only): what the worker supports, names it accepts. */
export function checkSignalsAndHeartbeat(
  p: Problems,
  engine: string,
  heartbeatActionQuery: string | undefined,
  s: { readonly heartbeatMs: number; readonly tables: string[]; readonly signal?: { readonly table: string; readonly kafkaTopic?: string } },
): void {
  if (heartbeatActionQuery !== undefined) {
    const q = heartbeatActionQuery;
    p.check(
      q.trim() !== '' && engine === 'postgres' && s.heartbeatMs > 0,
      'heartbeatActionQuery',
      q,
      'a SQL statement, for a postgres database with heartbeatIntervalMs > 0 (it runs at each heartbeat)',
    );
  }
  if (!s.signal) return;
  p.check(['postgres', 'mysql', 'mariadb'].includes(engine), 'signals', engine, 'a postgres, mysql or mariadb database');
  p.check(
    /^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/.test(s.signal.table),
    'signals.table',
    s.signal.table,
    engine === 'postgres' ? 'schema.table' : 'database.table',
  );
  p.check(!s.tables.includes(s.signal.table), 'signals.table', s.signal.table, 'a table that is not captured: its rows are signals, not events');
  if (s.signal.kafkaTopic !== undefined) {
    p.check(
      /^[A-Za-z0-9._-]{1,249}$/.test(s.signal.kafkaTopic),
      'signals.kafkaTopic',
      s.signal.kafkaTopic,
      "letters, digits, '.', '_' and '-', at most 249 characters",
    );
  }
}

/** The SQL that gives the worker its signal table, run once by the schema's owner (PostgreSQL) or a user who may create tables (MySQL/MariaDB). */
export function signalSetupSql(engine: string, table: string, user: string, publication: string): string {
  return engine === 'postgres' ? postgresSignalSql(table, user, publication) : binlogSignalSql(table, user);
}

/** MySQL/MariaDB: the table in the captured database; no publication (the binlog carries every table). */
function binlogSignalSql(table: string, user: string): string {
  const q = (n: string) => `\`${n.replace(/`/g, '``')}\``;
  const [database, name] = table.split('.');
  const t = `${q(database)}.${q(name)}`;
  return [
    `-- Signal table of the CDC worker (Debezium's signal.data.collection): run once by a user who may create tables in database ${database}.`,
    `CREATE TABLE IF NOT EXISTS ${t} (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048));`,
    "-- The worker reads signals from it and writes the incremental snapshots' watermarks into it.",
    `GRANT SELECT, INSERT, DELETE ON ${t} TO '${user.replace(/'/g, "''")}'@'%';`,
  ].join('\n');
}

/** PostgreSQL: the table, its grants, and its place in the worker's publication. */
function postgresSignalSql(table: string, user: string, publication: string): string {
  const q = (n: string) => `"${n.replace(/"/g, '""')}"`;
  const [schema, name] = table.split('.');
  const t = `${q(schema)}.${q(name)}`;
  return [
    `-- Signal table of the CDC worker (Debezium's signal.data.collection): run once as the owner of schema ${schema}.`,
    `CREATE TABLE IF NOT EXISTS ${t} (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048));`,
    "-- The worker reads signals from it and writes the incremental snapshots' watermarks into it.",
    `GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE ${t} TO ${q(user)};`,
    `-- Unless the worker's user added it itself (it tries at start; the publication is the worker's):`,
    `ALTER PUBLICATION ${q(publication)} ADD TABLE ${t};`,
  ].join('\n');
}

/**
 * The MySQL/MariaDB initial snapshot: a consistent snapshot (MariaDB: START TRANSACTION WITH
 * CONSISTENT SNAPSHOT and its binlog_snapshot_file/position, no locks; MySQL: the same under a
 * brief FLUSH TABLES WITH READ LOCK), each captured table's rows as `op: r` events, then the offset
 * at the snapshot's binlog position, stored once Kafka has every row.
 */
import type { EngineContext } from '../core/worker';
import type { SnapshotMarker } from '../core/envelope';
import type { BinlogStartPosition } from './binlog';
import type { BinlogOffset, SchemaHistory } from './binlog-events';
import { connect, endQuietly, query } from './connection';
import { MySqlEnvelopeOptions, MySqlRow, MySqlSourcePosition, MySqlTableModel, buildMySqlTableModel, mysqlChangeRecords } from './envelope';
import { readColumns, showCreateTable } from './schema';
import { openSnapshot, streamTable } from './snapshot-query';

/** What the snapshot needs from the engine. */
export interface SnapshotSource {
  readonly ctx: EngineContext;
  readonly opts: MySqlEnvelopeOptions;
  readonly history: SchemaHistory;
  commitOffset(at: BinlogOffset, tsMs: number, snapshotCompleted: boolean): void;
  saveOffset(): Promise<void>;
  sourceLost(connection: 'snapshot', e: Error): void;
}

export async function readMySqlSnapshot(s: SnapshotSource): Promise<BinlogStartPosition> {
  const { ctx, history, opts } = s;
  const { source } = ctx.cfg;
  const conn = await connect(source, (e) => s.sourceLost('snapshot', e));
  try {
    const at = await openSnapshot(conn, opts.engine);
    ctx.log.info({ ...at, tables: source.tables }, 'initial snapshot started');
    for (const t of source.tables) {
      history.tables[t] = await readColumns(conn, ...split(t), opts.engine);
      history.creates[t] = await showCreateTable(conn, ...split(t));
    }
    const models = source.tables.map((t) => buildMySqlTableModel(...split(t), history.tables[t], opts));
    let total = 0;
    let prev: { model: MySqlTableModel; row: MySqlRow; firstInTable: boolean } | null = null;
    let first = true;
    const emit = (p: NonNullable<typeof prev>, lastInTable: boolean, lastOverall: boolean) => {
      const marker: SnapshotMarker = lastOverall
        ? 'last'
        : first
          ? 'first'
          : p.firstInTable
            ? 'first_in_data_collection'
            : lastInTable
              ? 'last_in_data_collection'
              : 'true';
      first = false;
      const now = Date.now();
      const pos: MySqlSourcePosition = { tsMs: now, snapshot: marker, serverId: 0, gtid: null, file: at.file, pos: at.pos, row: 0, thread: null, query: null };
      for (const r of mysqlChangeRecords(p.model, 'r', null, p.row, pos, opts, now)) ctx.sink.push(ctx.record(r));
      ctx.metrics.events.inc({ table: `${p.model.database}.${p.model.table}`, op: 'r' });
      ctx.metrics.snapshotRows.inc({ table: `${p.model.database}.${p.model.table}` });
      total++;
      if (total % ctx.cfg.kafka.batchSize === 0) s.commitOffset(at, now, false);
    };
    for (const model of models) {
      let firstInTable = true;
      const n = await streamTable(
        conn,
        model.database,
        model.table,
        model.columns.map((c) => c.name),
        (row) => {
          if (prev) emit(prev, prev.model !== model, false);
          prev = { model, row, firstInTable };
          firstInTable = false;
          if (ctx.fatalError) throw ctx.fatalError;
          return ctx.sink.waitForSpace() ?? undefined;
        },
      );
      ctx.log.info({ table: `${model.database}.${model.table}`, rows: n }, 'table snapshotted');
    }
    if (prev) emit(prev, true, true);
    await query(conn, 'COMMIT');
    s.commitOffset(at, Date.now(), true);
    ctx.log.info({ rows: total }, 'initial snapshot read; waiting for Kafka');
    await ctx.sink.flush();
    if (ctx.fatalError) throw ctx.fatalError;
    await s.saveOffset();
    return at;
  } finally {
    endQuietly(conn);
  }
}

function split(t: string): [string, string] {
  const i = t.indexOf('.');
  return [t.slice(0, i), t.slice(i + 1)];
}

/**
 * The PostgreSQL initial snapshot: the rows of every captured table as of the slot's exported
 * snapshot, as `op: r` events, and the publication comment that marks a snapshot in progress, so
 * that a crash during it is detected at the next start.
 */
import type { Client } from 'pg';
import type { EngineContext } from '../core/worker';
import { Catalog, quoteIdent, splitTable } from './catalog';
import { EnvelopeOptions, SourcePosition, TableModel, buildTableModel, changeRecords } from './envelope';
import { readSnapshot } from './snapshot-query';

const SNAPSHOT_PENDING = 'cdc-worker: snapshot pending for slot ';

/** The publication's comment marks a snapshot in progress so a crash during it is detected. */
export async function markSnapshot(ctx: EngineContext, client: Client, pending: boolean): Promise<void> {
  const { publicationName, slotName } = ctx.cfg.source;
  const text = pending ? `'${SNAPSHOT_PENDING}${slotName}'` : 'NULL';
  try {
    await client.query(`COMMENT ON PUBLICATION ${quoteIdent(publicationName)} IS ${text}`);
  } catch (e) {
    if (pending)
      ctx.log.warn(
        { err: (e as Error).message },
        'cannot mark the snapshot as pending (not the publication owner); a crash during the snapshot needs the slot dropped by hand',
      );
  }
}

/** A previous initial snapshot did not finish (its mark is still on the publication). */
export async function snapshotPending(ctx: EngineContext, client: Client): Promise<boolean> {
  const res = await client.query(`SELECT obj_description(oid, 'pg_publication') AS c FROM pg_publication WHERE pubname = $1`, [ctx.cfg.source.publicationName]);
  return res.rows[0]?.c === `${SNAPSHOT_PENDING}${ctx.cfg.source.slotName}`;
}

/** Reads every captured table in the exported snapshot and pushes its rows (with checkpoints at the consistent point). */
export async function readInitialSnapshot(
  ctx: EngineContext,
  catalog: Catalog,
  opts: EnvelopeOptions & { tombstonesOnDelete: boolean },
  snapshotName: string,
  consistentPoint: bigint,
): Promise<void> {
  const tables: { schema: string; table: string; columns: string[]; model: TableModel }[] = [];
  for (const qualified of ctx.cfg.source.tables) {
    const [schema, table] = splitTable(qualified);
    const cols = await catalog.columns(schema, table);
    const model = buildTableModel(schema, table, cols, opts, (o) => catalog.type(o));
    tables.push({ schema, table, columns: cols.map((c) => c.name), model });
  }
  const startedMicros = Date.now() * 1000;
  const byName = new Map(tables.map((t) => [`${t.schema}.${t.table}`, t.model]));
  let first = true;
  let firstInTable = true;
  const lastTable = tables.length ? `${tables[tables.length - 1].schema}.${tables[tables.length - 1].table}` : '';
  let total = 0;
  ctx.log.info({ tables: tables.map((t) => `${t.schema}.${t.table}`) }, 'initial snapshot started');
  await readSnapshot(
    ctx.cfg.source,
    snapshotName,
    tables,
    (schema, table, n) => {
      firstInTable = true;
      ctx.log.info({ table: `${schema}.${table}`, rows: n }, 'snapshotting table');
    },
    (schema, table, row, last) => {
      const name = `${schema}.${table}`;
      const model = byName.get(name)!;
      const marker: SourcePosition['snapshot'] =
        last && name === lastTable ? 'last' : first ? 'first' : firstInTable ? 'first_in_data_collection' : last ? 'last_in_data_collection' : 'true';
      first = false;
      firstInTable = false;
      const pos: SourcePosition = { commitTimeMicros: startedMicros, txId: null, lsn: consistentPoint, lastCommitLsn: null, snapshot: marker };
      for (const r of changeRecords(model, { op: 'r', before: null, after: row }, pos, opts, Date.now() * 1000)) ctx.sink.push(ctx.record(r));
      ctx.metrics.events.inc({ table: name, op: 'r' });
      ctx.metrics.snapshotRows.inc({ table: name });
      total++;
      // lets exactly-once mode commit the snapshot in pieces (the position does not move)
      if (total % ctx.cfg.kafka.batchSize === 0) ctx.sink.push({ checkpoint: consistentPoint, commitTimeMicros: startedMicros });
      if (ctx.fatalError) throw ctx.fatalError;
      return ctx.sink.waitForSpace() ?? undefined;
    },
  );
  ctx.sink.push({ checkpoint: consistentPoint, commitTimeMicros: startedMicros });
  ctx.log.info({ rows: total }, 'initial snapshot read; waiting for Kafka');
}

/** The initial snapshot's read: every captured table inside the slot's exported snapshot. */
import { Client } from 'pg';
import { ResolvedCdcWorkerConfig } from '../core/config';
import { clientConfig, quoteIdent, quoteLiteral } from './catalog';

/**
 * Reads every captured table inside the exported snapshot, `fetchSize` rows at a time, calling
 * `onRow` with text values in attribute order. Awaits `onRow`'s promise (backpressure).
 */
export async function readSnapshot(
  cfg: ResolvedCdcWorkerConfig['source'],
  snapshotName: string,
  tables: { schema: string; table: string; columns: string[] }[],
  onTable: (schema: string, table: string, rowCount: number) => void,
  onRow: (schema: string, table: string, row: (string | null)[], last: boolean) => Promise<void> | void,
): Promise<void> {
  const client = new Client(clientConfig(cfg));
  // idle while onRow waits for Kafka: a lost connection surfaces as the next FETCH's error
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`);
    for (const t of tables) {
      const rel = `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
      const count = await client.query(`SELECT count(*) AS n FROM ${rel}`);
      const total = Number(count.rows[0].n);
      onTable(t.schema, t.table, total);
      await client.query(`DECLARE cdc_snap NO SCROLL CURSOR FOR SELECT ${t.columns.map(quoteIdent).join(', ')} FROM ${rel}`);
      let seen = 0;
      for (;;) {
        const res = await client.query({ text: `FETCH ${cfg.snapshotFetchSize} FROM cdc_snap`, rowMode: 'array' });
        if (res.rows.length === 0) break;
        for (const row of res.rows as (string | null)[][]) {
          seen++;
          const p = onRow(t.schema, t.table, row, seen === total);
          if (p) await p;
        }
      }
      await client.query('CLOSE cdc_snap');
    }
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

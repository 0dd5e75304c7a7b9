/**
 * `source.snapshotMode` on PostgreSQL, with Debezium's meanings (core/signal-config.ts): which modes
 * snapshot a new slot, and what `when_needed` does with a slot whose WAL is gone.
 */
import type { Client } from 'pg';
import type { EngineContext } from '../core/worker';
import type { Catalog } from './catalog';

/** The modes that read the initial snapshot when the slot is created. */
export function snapshotsNewSlot(mode: string): boolean {
  return mode === 'initial' || mode === 'initial_only' || mode === 'when_needed';
}

/**
 * A slot PostgreSQL invalidated (`wal_status` `lost`: the WAL it needed was removed, e.g. past
 * `max_slot_wal_keep_size`) cannot be streamed from without losing changes. With `when_needed`
 * the slot is dropped (returns true: create it again and snapshot); otherwise the worker stops
 * with an error that says so and names the way out.
 */
export async function dropLostSlot(ctx: EngineContext, client: Client, catalog: Catalog): Promise<boolean> {
  const { slotName, snapshotMode } = ctx.cfg.source;
  const res = await client.query('SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1', [slotName]);
  if (res.rows[0]?.wal_status !== 'lost') return false;
  if (snapshotMode !== 'when_needed') {
    throw new Error(
      `replication slot ${slotName} was invalidated by PostgreSQL (wal_status "lost"): the WAL it needed is gone, so changes were lost. ` +
        `Set source.snapshotMode to "when_needed" to drop it and snapshot again, or drop the slot by hand (SELECT pg_drop_replication_slot('${slotName}'))`,
    );
  }
  ctx.log.warn({ slot: slotName }, 'replication slot was invalidated (its WAL is gone); snapshotMode when_needed: dropping it and taking a new snapshot');
  await catalog.dropSlot(slotName);
  return true;
}

/** `initial_only`: the snapshot is read (or was, in an earlier run); the worker stops instead of streaming. */
export function stopAfterSnapshot(ctx: EngineContext, created: boolean): Record<string, unknown> {
  ctx.log.warn(
    { slot: ctx.cfg.source.slotName, snapshotTaken: created },
    'snapshotMode initial_only: not streaming; the slot stays and keeps WAL from the snapshot on until streamed from or dropped',
  );
  setImmediate(() => void ctx.stop());
  return { streaming: false, snapshotMode: 'initial_only' };
}

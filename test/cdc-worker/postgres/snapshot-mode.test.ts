import pino from 'pino';
import type { Client } from 'pg';
import type { Catalog } from '../../../lib/cdc-worker/postgres/catalog';
import { dropLostSlot, snapshotsNewSlot } from '../../../lib/cdc-worker/postgres/snapshot-mode';
import type { EngineContext } from '../../../lib/cdc-worker/core/worker';

function setup(mode: string, walStatus: string | null) {
  const dropped: string[] = [];
  const ctx = { cfg: { source: { slotName: 'cdc_worker', snapshotMode: mode } }, log: pino({ level: 'silent' }) } as unknown as EngineContext;
  const client = { query: async () => ({ rows: walStatus === null ? [] : [{ wal_status: walStatus }] }) } as unknown as Client;
  const catalog = { dropSlot: async (name: string) => void dropped.push(name) } as unknown as Catalog;
  return { ctx, client, catalog, dropped };
}

describe('snapshotMode on PostgreSQL', () => {
  test('the modes that snapshot a new slot', () => {
    expect(['initial', 'initial_only', 'when_needed', 'no_data', 'never'].filter(snapshotsNewSlot)).toEqual(['initial', 'initial_only', 'when_needed']);
  });

  test('when_needed drops a slot PostgreSQL invalidated, so that it is created again with a snapshot', async () => {
    const s = setup('when_needed', 'lost');
    await expect(dropLostSlot(s.ctx, s.client, s.catalog)).resolves.toBe(true);
    expect(s.dropped).toEqual(['cdc_worker']);
  });

  test('other modes stop on an invalidated slot with an error naming it and the way out', async () => {
    const s = setup('initial', 'lost');
    await expect(dropLostSlot(s.ctx, s.client, s.catalog)).rejects.toThrow(
      'replication slot cdc_worker was invalidated by PostgreSQL (wal_status "lost"): the WAL it needed is gone, so changes were lost. Set source.snapshotMode to "when_needed"',
    );
    expect(s.dropped).toEqual([]);
  });

  test('a usable slot is kept, whatever the mode', async () => {
    for (const status of ['reserved', 'extended', 'unreserved']) {
      const s = setup('when_needed', status);
      await expect(dropLostSlot(s.ctx, s.client, s.catalog)).resolves.toBe(false);
      expect(s.dropped).toEqual([]);
    }
  });
});

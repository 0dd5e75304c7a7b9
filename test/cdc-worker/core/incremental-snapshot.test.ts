import pino from 'pino';
import { ChunkSource, IncrementalSnapshotState, IncrementalSnapshots, SnapshotTableError } from '../../../lib/cdc-worker/core/incremental-snapshot';
import { WorkerMetrics } from '../../../lib/cdc-worker/core/metrics';
import type { OffsetStore } from '../../../lib/cdc-worker/core/offsets';
import type { SnapshotCollection } from '../../../lib/cdc-worker/core/signals';
import type { EngineContext } from '../../../lib/cdc-worker/core/worker';

const tick = () => new Promise((r) => setImmediate(r));

/** A table of ids 1..n; the "stream" sees each watermark right after it is written, at growing positions. */
function harness(n: number, opts: { touchedInWindow?: number[]; stored?: IncrementalSnapshotState } = {}) {
  const saved: IncrementalSnapshotState[] = [];
  const emitted: { at: bigint; ids: number[] }[] = [];
  const failures: Error[] = [];
  let position = 100n;
  const store: OffsetStore<IncrementalSnapshotState> = {
    topic: 'offsets',
    ensureTopic: async () => undefined,
    load: async () => opts.stored ?? null,
    save: async (s) => void saved.push(JSON.parse(JSON.stringify(s))),
    close: async () => undefined,
  };
  const ctx = {
    log: pino({ level: 'silent' }),
    metrics: new WorkerMetrics(),
    phase: 'streaming',
    sink: { waitForSpace: () => null },
    fail: (e: Error) => failures.push(e),
  } as unknown as EngineContext;
  const reads: (string[] | null)[] = [];
  const source: ChunkSource<number> = {
    prepare: async (c: SnapshotCollection) => {
      if (c.table === 's.nokey') throw new SnapshotTableError('s.nokey has no primary key');
      return { maxKey: [String(n)], estimate: n };
    },
    readChunk: async (_c, after, maxKey, limit) => {
      reads.push(after);
      const from = after ? Number(after[0]) + 1 : 1;
      const ids = [];
      for (let i = from; i <= Number(maxKey[0]) && ids.length < limit; i++) ids.push(i);
      return ids.map((id) => ({ key: [String(id)], row: id }));
    },
    writeWatermark: async (id, kind) => {
      const w = snapshots.window;
      if (kind === 'open') {
        w.onOpen(id);
        for (const k of opts.touchedInWindow ?? []) w.onChange('s.t', [JSON.stringify([String(k)])]);
        return;
      }
      setImmediate(() => {
        const closed = w.onClose(id);
        if (!closed) return;
        position += 10n;
        emitted.push({ at: position, ids: closed.rows });
        snapshots.chunkEmitted(position, closed);
      });
    },
    tables: async () => ['s.t', 's.u', 's.nokey'],
  };
  const snapshots: IncrementalSnapshots<number> = new IncrementalSnapshots(ctx, source, store, 4);
  return { snapshots, saved, emitted, reads, failures };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick();
  if (!cond()) throw new Error('condition never met');
}

describe('IncrementalSnapshots (chunk loop, progress, signals)', () => {
  test('reads the table in chunks by key and stores each chunk only once Kafka acknowledged it', async () => {
    const h = harness(10);
    await h.snapshots.start();
    await h.snapshots.onSignal({ id: 'a', type: 'execute-snapshot', collections: [{ table: 's.t' }] });
    await until(() => h.emitted.length === 3);
    expect(h.emitted.map((e) => e.ids)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    expect(h.reads).toEqual([null, ['4'], ['8']]);
    // nothing acknowledged yet: no stored state counts a chunk
    await tick();
    expect(h.saved.every((s) => s.current === null || s.current.lastKey === null)).toBe(true);
    h.snapshots.onCheckpoint(h.emitted[0].at);
    await until(() => h.saved.some((s) => s.current?.lastKey?.[0] === '4'));
    expect(h.saved[h.saved.length - 1].current).toMatchObject({ table: 's.t', lastKey: ['4'], chunk: 1, rows: 4 });
    h.snapshots.onCheckpoint(h.emitted[2].at);
    await until(() => h.saved[h.saved.length - 1].current === null);
    expect(h.saved[h.saved.length - 1]).toMatchObject({ signals: ['a'], queue: [], current: null });
    h.snapshots.stop();
  });

  test('chunk rows a change inside the window touched are not emitted', async () => {
    const h = harness(6, { touchedInWindow: [2, 5] });
    await h.snapshots.start();
    await h.snapshots.onSignal({ id: 'a', type: 'execute-snapshot', collections: [{ table: 's.t' }] });
    await until(() => h.emitted.length === 2);
    expect(h.emitted.map((e) => e.ids)).toEqual([[1, 3, 4], [6]]);
    h.snapshots.stop();
  });

  test('resumes after the last stored chunk; a signal seen again is not acted on twice', async () => {
    const stored: IncrementalSnapshotState = {
      signals: ['a'],
      queue: [],
      paused: false,
      current: { table: 's.t', maxKey: ['10'], lastKey: ['8'], chunk: 2, rows: 8, superseded: 0, estimate: 10, startedAtMs: 0 },
    };
    const h = harness(10, { stored });
    await h.snapshots.start();
    await until(() => h.emitted.length === 1);
    expect(h.reads).toEqual([['8']]);
    expect(h.emitted[0].ids).toEqual([9, 10]);
    await h.snapshots.onSignal({ id: 'a', type: 'execute-snapshot', collections: [{ table: 's.t' }] });
    await tick();
    expect(h.snapshots.snapshotState.queue).toEqual([]);
    h.snapshots.stop();
  });

  test('pause, resume, stop, a table without a key, regular expressions and unknown tables', async () => {
    const h = harness(8);
    await h.snapshots.start();
    await h.snapshots.onSignal({ id: 'p', type: 'pause-snapshot' });
    await h.snapshots.onSignal({ id: 'x', type: 'execute-snapshot', collections: [{ table: 's.nokey' }, { table: 's\\.(t|u)' }, { table: 's.missing' }] });
    await tick();
    expect(h.emitted).toEqual([]);
    expect(h.snapshots.snapshotState).toMatchObject({ paused: true, queue: [{ table: 's.nokey' }, { table: 's.t' }, { table: 's.u' }] });
    await h.snapshots.onSignal({ id: 's', type: 'stop-snapshot', tables: ['s.u'] });
    await h.snapshots.onSignal({ id: 'r', type: 'resume-snapshot' });
    await until(() => h.emitted.length === 2);
    await until(() => h.snapshots.snapshotState.current === null);
    expect(h.emitted.map((e) => e.ids)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(h.failures).toEqual([]);
    h.snapshots.stop();
  });
});

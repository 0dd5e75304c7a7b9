import { SnapshotWindow, closeId } from '../../../lib/cdc-worker/core/snapshot-window';

const rows = (...ids: number[]) => ids.map((id) => ({ key: JSON.stringify([String(id)]), row: { id } }));
const key = (id: number) => JSON.stringify([String(id)]);

describe('SnapshotWindow (watermark dedupe)', () => {
  test('rows whose key a change inside the window touched are dropped; the rest are released at the high watermark', () => {
    const w = new SnapshotWindow<{ id: number }>();
    w.expect('c1', 's.t');
    w.onChange('s.t', [key(2)]); // before the low watermark: the chunk read is newer, keep the row
    expect(w.onOpen('c1')).toBe(true);
    w.fill('c1', rows(1, 2, 3, 4, 5));
    w.onChange('s.t', [key(3)]);
    w.onChange('s.other', [key(4)]); // another table's key 4
    w.onChange('s.t', [key(5), key(99)]); // a key change: old key 5, new key 99
    expect(w.onClose(closeId('c1'))).toEqual({ id: 'c1', table: 's.t', rows: [{ id: 1 }, { id: 2 }, { id: 4 }], dropped: 2 });
    expect(w.isOpen).toBe(false);
  });

  test('changes after the high watermark do not matter; watermarks of another chunk (a replay) are ignored', () => {
    const w = new SnapshotWindow<{ id: number }>();
    w.expect('c2', 's.t');
    expect(w.onOpen('old')).toBe(false);
    expect(w.onClose(closeId('old'))).toBeNull();
    w.onOpen('c2');
    w.fill('c2', rows(7, 8));
    expect(w.onClose(closeId('c2'))!.rows).toEqual([{ id: 7 }, { id: 8 }]);
    w.onChange('s.t', [key(7)]);
    expect(w.onClose(closeId('c2'))).toBeNull();
  });

  test('the touched keys of one window do not leak into the next', () => {
    const w = new SnapshotWindow<{ id: number }>();
    w.expect('a', 's.t');
    w.onOpen('a');
    w.fill('a', rows(1));
    w.onChange('s.t', [key(2)]);
    expect(w.onClose(closeId('a'))!.dropped).toBe(0);
    w.expect('b', 's.t');
    w.onOpen('b');
    w.fill('b', rows(2));
    expect(w.onClose(closeId('b'))).toMatchObject({ rows: [{ id: 2 }], dropped: 0 });
  });

  test('a high watermark without its low watermark, or before the chunk is read, is an error (never emit unchecked rows)', () => {
    const w = new SnapshotWindow<{ id: number }>();
    w.expect('a', 's.t');
    w.fill('a', rows(1));
    expect(() => w.onClose(closeId('a'))).toThrow('high watermark seen without the low watermark');
    w.expect('b', 's.t');
    w.onOpen('b');
    expect(() => w.onClose(closeId('b'))).toThrow('high watermark seen before the chunk was read');
    expect(() => w.fill('zzz', [])).toThrow('snapshot chunk zzz is not the expected one (b)');
  });

  test("a truncate of the table inside the window drops the whole chunk; another table's does not", () => {
    const w = new SnapshotWindow<{ id: number }>();
    w.expect('a', 's.t');
    w.onOpen('a');
    w.fill('a', rows(1, 2));
    w.onTruncate('s.other');
    expect(w.onClose(closeId('a'))).toMatchObject({ rows: [{ id: 1 }, { id: 2 }], dropped: 0 });
    w.expect('b', 's.t');
    w.onTruncate('s.t'); // before the low watermark: the chunk is read after it
    w.onOpen('b');
    w.fill('b', rows(3));
    expect(w.onClose(closeId('b'))).toMatchObject({ rows: [{ id: 3 }], dropped: 0 });
    w.expect('c', 's.t');
    w.onOpen('c');
    w.fill('c', rows(4, 5));
    w.onTruncate('s.t');
    expect(w.onClose(closeId('c'))).toMatchObject({ rows: [], dropped: 2 });
  });

  test("a transaction the read could not see counts as the window's, even when the stream had it before the low watermark", () => {
    const w = new SnapshotWindow<{ id: number }>();
    w.expect('a', 's.t');
    w.onChange('s.t', [key(2)], '900'); // committed in the log before the low watermark, invisible to the read
    w.onChange('s.t', [key(3)], '901'); // visible to the read: the chunk has it
    w.onOpen('a');
    w.fill('a', rows(1, 2, 3), ['900', '777']);
    expect(w.onClose(closeId('a'))).toMatchObject({ rows: [{ id: 1 }, { id: 3 }], dropped: 1 });
  });
});

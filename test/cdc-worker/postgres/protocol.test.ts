import {
  PG_EPOCH_OFFSET_MICROS,
  decodePgOutput,
  decodeReplicationMessage,
  encodeStandbyStatus,
  formatLsn,
  parseLsn,
} from '../../../lib/cdc-worker/postgres/protocol';
import { u8, i16, i32, u64, cstr, text } from './pgoutput-bytes';

const tag = (c: string) => Buffer.from(c);
const pgTime = (unixMicros: bigint) => u64(unixMicros - PG_EPOCH_OFFSET_MICROS);

describe('pgoutput protocol', () => {
  test('LSN text round trip', () => {
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(parseLsn('0/1')).toBe(1n);
  });

  test('XLogData and keepalive framing', () => {
    const x = decodeReplicationMessage(Buffer.concat([tag('w'), u64(100n), u64(200n), pgTime(1700000000000000n), tag('B')]));
    expect(x).toMatchObject({ kind: 'xlogdata', walStart: 100n, walEnd: 200n, sendTimeMicros: 1700000000000000 });
    const k = decodeReplicationMessage(Buffer.concat([tag('k'), u64(300n), pgTime(1700000000000000n), u8(1)]));
    expect(k).toEqual({ kind: 'keepalive', walEnd: 300n, sendTimeMicros: 1700000000000000, replyRequested: true });
  });

  test('standby status update reports the same LSN as written, flushed and applied', () => {
    const b = encodeStandbyStatus(0x16b374d848n, 1700000000000000);
    expect(b.length).toBe(34);
    expect(b[0]).toBe('r'.charCodeAt(0));
    expect([b.readBigUInt64BE(1), b.readBigUInt64BE(9), b.readBigUInt64BE(17)]).toEqual([0x16b374d848n, 0x16b374d848n, 0x16b374d848n]);
    expect(b.readBigInt64BE(25)).toBe(1700000000000000n - PG_EPOCH_OFFSET_MICROS);
    expect(b[33]).toBe(0);
  });

  test('begin, commit, relation, insert, update, delete, truncate', () => {
    expect(decodePgOutput(Buffer.concat([tag('B'), u64(500n), pgTime(1700000000123456n), i32(771)]))).toEqual({
      tag: 'begin',
      finalLsn: 500n,
      commitTimeMicros: 1700000000123456,
      xid: 771,
    });
    expect(decodePgOutput(Buffer.concat([tag('C'), u8(0), u64(500n), u64(560n), pgTime(1700000000123456n)]))).toEqual({
      tag: 'commit',
      commitLsn: 500n,
      endLsn: 560n,
      commitTimeMicros: 1700000000123456,
    });
    const rel = decodePgOutput(
      Buffer.concat([
        tag('R'),
        i32(16384),
        cstr('public'),
        cstr('orders'),
        tag('f'),
        i16(2),
        u8(1),
        cstr('id'),
        i32(23),
        i32(-1),
        u8(0),
        cstr('price'),
        i32(1700),
        i32(655366),
      ]),
    );
    expect(rel).toEqual({
      tag: 'relation',
      relationId: 16384,
      schema: 'public',
      table: 'orders',
      replicaIdentity: 'f',
      columns: [
        { key: true, name: 'id', typeOid: 23, typmod: -1 },
        { key: false, name: 'price', typeOid: 1700, typmod: 655366 },
      ],
    });
    expect(decodePgOutput(Buffer.concat([tag('I'), i32(16384), tag('N'), i16(3), text('1'), tag('n'), tag('u')]))).toEqual({
      tag: 'insert',
      relationId: 16384,
      newTuple: ['1', null, undefined],
    });
    expect(decodePgOutput(Buffer.concat([tag('U'), i32(16384), tag('O'), i16(1), text('héllo'), tag('N'), i16(1), text('x')]))).toEqual({
      tag: 'update',
      relationId: 16384,
      oldKind: 'O',
      oldTuple: ['héllo'],
      newTuple: ['x'],
    });
    expect(decodePgOutput(Buffer.concat([tag('U'), i32(1), tag('N'), i16(1), text('x')]))).toMatchObject({ oldKind: null, oldTuple: null });
    expect(decodePgOutput(Buffer.concat([tag('D'), i32(1), tag('K'), i16(1), text('7')]))).toEqual({
      tag: 'delete',
      relationId: 1,
      oldKind: 'K',
      oldTuple: ['7'],
    });
    expect(decodePgOutput(Buffer.concat([tag('T'), i32(2), u8(3), i32(1), i32(2)]))).toEqual({
      tag: 'truncate',
      relationIds: [1, 2],
      cascade: true,
      restartIdentity: true,
    });
    expect(() => decodePgOutput(tag('Z'))).toThrow("unknown pgoutput message 'Z'");
  });
});

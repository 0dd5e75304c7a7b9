/**
 * The streaming replication protocol (XLogData, keepalive, standby status update) and the
 * pgoutput logical decoding messages (protocol version 1), decoded from raw CopyData payloads.
 */

/** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
export const PG_EPOCH_OFFSET_MICROS = 946684800000000n;

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split('/');
  if (lo === undefined) throw new Error(`not an LSN: ${text}`);
  return (BigInt('0x' + hi) << 32n) | BigInt('0x' + lo);
}

export type TupleValue = string | null | undefined; // undefined = unchanged TOAST
export interface RelationColumn {
  /** Part of the replica identity. */
  key: boolean;
  name: string;
  typeOid: number;
  typmod: number;
}

export type PgOutputMessage =
  | { tag: 'begin'; finalLsn: bigint; commitTimeMicros: number; xid: number }
  | { tag: 'commit'; commitLsn: bigint; endLsn: bigint; commitTimeMicros: number }
  | { tag: 'origin'; lsn: bigint; name: string }
  | { tag: 'relation'; relationId: number; schema: string; table: string; replicaIdentity: string; columns: RelationColumn[] }
  | { tag: 'type'; typeOid: number; schema: string; name: string }
  | { tag: 'insert'; relationId: number; newTuple: TupleValue[] }
  | { tag: 'update'; relationId: number; oldKind: 'K' | 'O' | null; oldTuple: TupleValue[] | null; newTuple: TupleValue[] }
  | { tag: 'delete'; relationId: number; oldKind: 'K' | 'O'; oldTuple: TupleValue[] }
  | { tag: 'truncate'; relationIds: number[]; cascade: boolean; restartIdentity: boolean }
  | { tag: 'message'; transactional: boolean; lsn: bigint; prefix: string; content: Buffer };

export type ReplicationMessage =
  | { kind: 'xlogdata'; walStart: bigint; walEnd: bigint; sendTimeMicros: number; data: Buffer }
  | { kind: 'keepalive'; walEnd: bigint; sendTimeMicros: number; replyRequested: boolean };

function pgTimeToUnixMicros(v: bigint): number {
  return Number(v + PG_EPOCH_OFFSET_MICROS);
}

/** Decodes one CopyData payload of a START_REPLICATION stream. */
export function decodeReplicationMessage(buf: Buffer): ReplicationMessage {
  const tag = buf[0];
  if (tag === 0x77 /* w */) {
    return {
      kind: 'xlogdata',
      walStart: buf.readBigUInt64BE(1),
      walEnd: buf.readBigUInt64BE(9),
      sendTimeMicros: pgTimeToUnixMicros(buf.readBigInt64BE(17)),
      data: buf.subarray(25),
    };
  }
  if (tag === 0x6b /* k */) {
    return { kind: 'keepalive', walEnd: buf.readBigUInt64BE(1), sendTimeMicros: pgTimeToUnixMicros(buf.readBigInt64BE(9)), replyRequested: buf[17] === 1 };
  }
  throw new Error(`unknown replication message ${String.fromCharCode(tag)}`);
}

/** A standby status update: written/flushed/applied LSN all set to `lsn`. */
export function encodeStandbyStatus(lsn: bigint, nowMicros: number = Date.now() * 1000, replyRequested = false): Buffer {
  const b = Buffer.alloc(34);
  b[0] = 0x72; // r
  b.writeBigUInt64BE(lsn, 1);
  b.writeBigUInt64BE(lsn, 9);
  b.writeBigUInt64BE(lsn, 17);
  b.writeBigInt64BE(BigInt(nowMicros) - PG_EPOCH_OFFSET_MICROS, 25);
  b[33] = replyRequested ? 1 : 0;
  return b;
}

class Reader {
  pos = 0;
  constructor(private readonly b: Buffer) {}
  u8(): number {
    return this.b[this.pos++];
  }
  i16(): number {
    const v = this.b.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u32(): number {
    const v = this.b.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.b.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.b.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }
  cstr(): string {
    const end = this.b.indexOf(0, this.pos);
    const s = this.b.toString('utf8', this.pos, end);
    this.pos = end + 1;
    return s;
  }
  bytes(n: number): Buffer {
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  text(n: number): string {
    const s = this.b.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  tuple(): TupleValue[] {
    const n = this.i16();
    const out: TupleValue[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.u8();
      if (k === 0x6e /* n */) out[i] = null;
      else if (k === 0x75 /* u */) out[i] = undefined;
      else if (k === 0x74 /* t */) out[i] = this.text(this.i32());
      else if (k === 0x62 /* b */) throw new Error('binary tuple values are not requested and not supported');
      else throw new Error(`unknown tuple value kind ${k}`);
    }
    return out;
  }
}

/** Decodes one pgoutput message (the payload of an XLogData). */
export function decodePgOutput(buf: Buffer): PgOutputMessage {
  const r = new Reader(buf);
  const tag = String.fromCharCode(r.u8());
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: r.u64(), commitTimeMicros: pgTimeToUnixMicros(r.i64()), xid: r.u32() };
    case 'C': {
      r.u8();
      return { tag: 'commit', commitLsn: r.u64(), endLsn: r.u64(), commitTimeMicros: pgTimeToUnixMicros(r.i64()) };
    }
    case 'O':
      return { tag: 'origin', lsn: r.u64(), name: r.cstr() };
    case 'R': {
      const relationId = r.u32();
      const schema = r.cstr();
      const table = r.cstr();
      const replicaIdentity = String.fromCharCode(r.u8());
      const n = r.i16();
      const columns: RelationColumn[] = [];
      for (let i = 0; i < n; i++) {
        const flags = r.u8();
        columns.push({ key: (flags & 1) === 1, name: r.cstr(), typeOid: r.u32(), typmod: r.i32() });
      }
      return { tag: 'relation', relationId, schema, table, replicaIdentity, columns };
    }
    case 'Y':
      return { tag: 'type', typeOid: r.u32(), schema: r.cstr(), name: r.cstr() };
    case 'I': {
      const relationId = r.u32();
      r.u8(); // 'N'
      return { tag: 'insert', relationId, newTuple: r.tuple() };
    }
    case 'U': {
      const relationId = r.u32();
      let k = String.fromCharCode(r.u8());
      let oldKind: 'K' | 'O' | null = null;
      let oldTuple: TupleValue[] | null = null;
      if (k === 'K' || k === 'O') {
        oldKind = k;
        oldTuple = r.tuple();
        k = String.fromCharCode(r.u8());
      }
      if (k !== 'N') throw new Error(`bad update message: expected N, got ${k}`);
      return { tag: 'update', relationId, oldKind, oldTuple, newTuple: r.tuple() };
    }
    case 'D': {
      const relationId = r.u32();
      const k = String.fromCharCode(r.u8()) as 'K' | 'O';
      return { tag: 'delete', relationId, oldKind: k, oldTuple: r.tuple() };
    }
    case 'T': {
      const n = r.i32();
      const options = r.u8();
      const relationIds: number[] = [];
      for (let i = 0; i < n; i++) relationIds.push(r.u32());
      return { tag: 'truncate', relationIds, cascade: (options & 1) === 1, restartIdentity: (options & 2) === 2 };
    }
    case 'M': {
      const transactional = r.u8() === 1;
      const lsn = r.u64();
      const prefix = r.cstr();
      const content = Buffer.from(r.bytes(r.i32())); // copy: the input buffer is reused
      return { tag: 'message', transactional, lsn, prefix, content };
    }
    default:
      throw new Error(`unknown pgoutput message '${tag}'`);
  }
}

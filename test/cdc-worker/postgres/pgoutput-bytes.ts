/**
 * pgoutput and replication-protocol bytes for the PostgreSQL tests, written as the server writes
 * them (big-endian integers, NUL-terminated names, text tuple columns), and the relation and
 * insert messages of the tests' table `public.t (id int4, name text)`, relation id 16384.
 */
export const u8 = (n: number) => Buffer.from([n]);
export const i16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
export const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
export const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
export const cstr = (s: string) => Buffer.concat([Buffer.from(s), u8(0)]);
/** A tuple column in text form. */
export const text = (s: string) => Buffer.concat([Buffer.from('t'), i32(Buffer.byteLength(s)), Buffer.from(s)]);

/** Relation message of `public.t`: id int4 (key), name text. */
export const relationOfT = Buffer.concat([
  Buffer.from('R'),
  i32(16384),
  cstr('public'),
  cstr('t'),
  Buffer.from('d'),
  i16(2),
  u8(1),
  cstr('id'),
  i32(23),
  i32(-1),
  u8(0),
  cstr('name'),
  i32(25),
  i32(-1),
]);

/** Insert into `public.t` of (`id`, `n<id>`). */
export const insertIntoT = (id: number) => Buffer.concat([Buffer.from('I'), i32(16384), Buffer.from('N'), i16(2), text(String(id)), text(`n${id}`)]);

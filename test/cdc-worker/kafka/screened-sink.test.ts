/** The screened sink: order, checkpoints held until screened, quarantine routing, backpressure, keys. */
import { createHmac } from 'crypto';
import { createScreen, DetectionMetrics, FINDINGS_HEADER, SensitiveDataScreen } from '../../../lib/cdc-worker/detect';
import type { ChangeRows, DetectionPolicy, ScreenedChange } from '../../../lib/cdc-worker/detect';
import { ScreenedSink } from '../../../lib/cdc-worker/kafka/screened-sink';
import { murmur2 } from '../../../lib/cdc-worker/kafka/partitioner';
import type { KafkaSink, QueueItem } from '../../../lib/cdc-worker/kafka/sink';
import { buildTableModel, changeRecords } from '../../../lib/cdc-worker/postgres/envelope';
import type { EnvelopeOptions, OutRecord, RawRow, SourcePosition, TableModel } from '../../../lib/cdc-worker/postgres/envelope';
import { OID } from '../../../lib/cdc-worker/postgres/type-mapping';

const HASH_KEY = 'unit-test-hash-key-0123456789';

/** A stand-in for KafkaSink: records what it gets; space is controlled by the test. */
class FakeInner {
  items: QueueItem[] = [];
  pendingRecords = 0;
  full = false;
  private waiters: (() => void)[] = [];
  push(item: QueueItem): void {
    this.items.push(item);
    if ('record' in item) this.pendingRecords++;
  }
  hasSpace(): boolean {
    return !this.full;
  }
  onSpace(cb: () => void): void {
    this.waiters.push(cb);
  }
  /** Kafka acknowledged everything. */
  ack(): void {
    this.pendingRecords = 0;
    this.full = false;
    const w = this.waiters;
    this.waiters = [];
    w.forEach((cb) => cb());
  }
  get depth(): number {
    return this.pendingRecords;
  }
  get idle(): boolean {
    return this.pendingRecords === 0;
  }
  flush = async () => undefined;
  close = async () => undefined;
}

const schemaField = (field: string, type = 'string') => ({ type, optional: true, field });
const rowSchema = (name: string) => ({
  type: 'struct',
  optional: true,
  name,
  field: '',
  fields: [schemaField('id', 'int64'), schemaField('email'), schemaField('phone'), schemaField('card'), schemaField('big', 'int64')],
});

/** A Debezium change event (with schema) as the envelope writes it: big integers as digits. */
function change(table: string, id: number, after: Record<string, string | null>, op = 'c', big = '9007199254740993123'): { record: OutRecord; bytes: number } {
  const [schema, t] = table.split('.');
  const row = `{"id":${id},"email":${JSON.stringify(after.email ?? null)},"phone":${JSON.stringify(after.phone ?? null)},"card":${JSON.stringify(after.card ?? null)},"big":${big}}`;
  const envSchema = JSON.stringify({
    type: 'struct',
    fields: [
      { ...rowSchema('V'), field: 'before' },
      { ...rowSchema('V'), field: 'after' },
    ],
    name: `x.${table}.Envelope`,
  });
  const value = `{"schema":${envSchema},"payload":{"before":null,"after":${row},"source":{"schema":"${schema}","table":"${t}","ts_ns":1764230000000000123},"op":"${op}","ts_ms":1764230000000,"ts_ns":1764230000000000123}}`;
  return { record: { topic: `x.${table}`, key: `{"id":${id}}`, value }, bytes: value.length };
}

const policy: DetectionPolicy = {
  infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, PHONE_NUMBER: { action: 'mask' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } },
  quarantineTopic: 'x.quarantine',
};

function makeSink(opts: { maxBuffered?: number; screen?: SensitiveDataScreen; onFatal?: (e: Error) => void } = {}) {
  const inner = new FakeInner();
  const metrics = new DetectionMetrics();
  const screen = opts.screen ?? createScreen({ backend: 'local', minLikelihood: 'LIKELY', policy, hashKey: HASH_KEY }, metrics)!;
  const sink = new ScreenedSink(inner as unknown as KafkaSink, screen, { maxBuffered: opts.maxBuffered ?? 100, onFatal: opts.onFatal ?? (() => undefined) });
  return { inner, sink, metrics };
}

/** A screen whose batches finish when the test says. */
function gatedScreen() {
  const calls: { table: string; n: number; release: () => void }[] = [];
  const screen = {
    screen: (table: string, changes: readonly ChangeRows[]) =>
      new Promise<ScreenedChange[]>((resolve) => {
        calls.push({
          table,
          n: changes.length,
          release: () => resolve(changes.map((c) => ({ decision: 'deliver', before: c.before, after: c.after, flags: [], counts: {} }))),
        });
      }),
  } as unknown as SensitiveDataScreen;
  return { screen, calls };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('ScreenedSink', () => {
  it('forwards records and checkpoints in order; clean records unchanged; transformed images, header and schema', async () => {
    const { inner, sink, metrics } = makeSink();
    const clean = change('public.customers', 1, { email: 'nothing here' });
    sink.push(clean);
    sink.push(change('public.customers', 2, { email: 'write to jane.doe@example.com please' }));
    sink.push(change('public.customers', 3, { phone: 'My phone number is (415) 555-0890' }));
    sink.push({ checkpoint: 10n, commitTimeMicros: 1 });
    sink.push(change('public.orders', 4, { card: 'card 4111 1111 1111 1111' }));
    sink.push({ checkpoint: 11n, commitTimeMicros: 2 });
    await sink.flush();
    expect(inner.items.map((i) => ('checkpoint' in i ? `cp${i.checkpoint}` : `${i.record.topic}:${i.record.key}`))).toEqual([
      'x.public.customers:{"id":1}',
      'x.public.customers:{"id":2}',
      'x.public.customers:{"id":3}',
      'cp10',
      'x.quarantine:{"id":4}',
      'cp11',
    ]);
    const [r1, r2, r3, , r4] = inner.items as { record: OutRecord }[];
    // clean: byte for byte, no header
    expect(r1).toBe(clean);
    expect(r1.record.headers).toBeUndefined();
    // hash: the e-mail is replaced, big integers survive, the rest of the event too
    const v2 = JSON.parse(r2.record.value!.replace(/(\d{16,})/g, '"$1"'));
    expect(v2.payload.after.email).toMatch(/^write to [A-Za-z0-9+/]{43}= please$/);
    expect(v2.payload.after.big).toBe('9007199254740993123');
    expect(v2.payload.source.ts_ns).toBe('1764230000000000123');
    expect(JSON.parse(r2.record.headers![FINDINGS_HEADER])).toEqual([
      { f: 'email', t: 'EMAIL_ADDRESS', l: expect.any(String), a: 'hash', i: 'after', b: [9, 29] },
    ]);
    expect(r2.record.value).not.toContain('jane.doe');
    // mask
    const v3 = JSON.parse(r3.record.value!.replace(/(\d{16,})/g, '"$1"'));
    expect(v3.payload.after.phone).toBe('My phone number is **************');
    expect(JSON.parse(r3.record.headers![FINDINGS_HEADER])[0]).toMatchObject({ f: 'phone', t: 'PHONE_NUMBER', l: 'VERY_LIKELY', a: 'mask', b: [19, 33] });
    // quarantine: the original event, untouched
    expect(r4.record.value).toBe(change('public.orders', 4, { card: 'card 4111 1111 1111 1111' }).record.value);
    expect(JSON.parse(r4.record.headers![FINDINGS_HEADER])[0]).toMatchObject({ t: 'CREDIT_CARD_NUMBER', a: 'quarantine' });
    // metrics
    const text = metrics.toPrometheus();
    expect(text).toContain('cdc_detect_findings_total{table="public.customers",info_type="EMAIL_ADDRESS",action="hash"} 1');
    expect(text).toContain('cdc_detect_events_total{table="public.orders",decision="quarantine"} 1');
    expect(text).toContain('cdc_detect_events_total{table="public.customers",decision="clean"} 1');
  });

  it('rewrites an event exactly: big integers outside the images (ts_ns) keep every digit', async () => {
    const { inner, sink } = makeSink();
    sink.push(change('public.customers', 7, { email: 'jane.doe@example.com' }, 'c', '42'));
    await sink.flush();
    const value = (inner.items[0] as { record: OutRecord }).record.value!;
    expect(value).not.toContain('jane.doe');
    expect(value.match(/"ts_ns":1764230000000000123/g)).toHaveLength(2);
    expect(value).toContain('"big":42}');
  });

  it('drops a column from the image and from its schema; a transformed number column becomes an optional string', async () => {
    const inner = new FakeInner();
    const screen = createScreen({
      backend: 'local',
      policy: { tables: { 'public.customers': { columns: { email: { action: 'drop' }, big: { action: 'mask' } } } } },
    })!;
    const sink = new ScreenedSink(inner as unknown as KafkaSink, screen, { maxBuffered: 10, onFatal: () => undefined });
    sink.push(change('public.customers', 1, { email: 'jane.doe@example.com' }, 'c', '4111111111111111'));
    await sink.flush();
    const v = JSON.parse((inner.items[0] as { record: OutRecord }).record.value!);
    expect('email' in v.payload.after).toBe(false);
    expect(v.payload.after.big).toBe('****************');
    const after = v.schema.fields.find((f: { field: string }) => f.field === 'after');
    expect(after.fields.map((f: { field: string }) => f.field)).toEqual(['id', 'phone', 'card', 'big']);
    expect(after.fields[3]).toEqual({ type: 'string', optional: true, field: 'big' });
  });

  it('holds a checkpoint until every record before it is screened, and batches consecutive records of a table', async () => {
    const { screen, calls } = gatedScreen();
    const { inner, sink } = makeSink({ screen });
    sink.push(change('public.a', 1, {}));
    sink.push(change('public.a', 2, {}));
    sink.push(change('public.b', 3, {}));
    sink.push({ checkpoint: 5n, commitTimeMicros: 0 });
    sink.push({ record: { topic: 'x.transaction', key: null, value: '{"status":"END"}' }, bytes: 16 });
    await settle();
    expect(calls.map((c) => [c.table, c.n])).toEqual([['public.a', 2]]);
    expect(inner.items).toEqual([]);
    expect(sink.idle).toBe(false);
    expect(sink.pendingRecords).toBe(4);
    calls[0].release();
    await settle();
    expect(calls.map((c) => [c.table, c.n])).toEqual([
      ['public.a', 2],
      ['public.b', 1],
    ]);
    expect(inner.items).toHaveLength(2); // the checkpoint waits for public.b
    calls[1].release();
    await settle();
    expect(inner.items.map((i) => ('checkpoint' in i ? 'cp' : i.record.topic))).toEqual(['x.public.a', 'x.public.a', 'x.public.b', 'cp', 'x.transaction']);
    inner.ack();
    expect(sink.idle).toBe(true);
  });

  it('a screening error is fatal and nothing after it (no checkpoint) is forwarded', async () => {
    const failing = { screen: async () => Promise.reject(new Error('DLP down')) } as unknown as SensitiveDataScreen;
    const errors: Error[] = [];
    const { inner, sink } = makeSink({ screen: failing, onFatal: (e) => errors.push(e) });
    sink.push(change('public.a', 1, {}));
    sink.push({ checkpoint: 5n, commitTimeMicros: 0 });
    await sink.flush();
    expect(errors.map((e) => e.message)).toEqual(['sensitive-data detection failed for public.a: DLP down']);
    expect(inner.items).toEqual([]);
  });

  it('backpressure: no space while unscreened plus unacknowledged records reach the buffer; space returns when Kafka acknowledges', async () => {
    const { screen, calls } = gatedScreen();
    const { inner, sink } = makeSink({ screen, maxBuffered: 3 });
    sink.push(change('public.a', 1, {}));
    sink.push(change('public.a', 2, {}));
    expect(sink.hasSpace()).toBe(true);
    expect(sink.waitForSpace()).toBeNull();
    sink.push(change('public.a', 3, {}));
    expect(sink.hasSpace()).toBe(false);
    let woke = 0;
    sink.onSpace(() => woke++);
    const waited = sink.waitForSpace()!;
    expect(waited).toBeInstanceOf(Promise);
    await settle();
    // the screened records are now the Kafka sink's; it is full too
    inner.full = true;
    calls[0].release();
    await settle();
    expect(inner.items).toHaveLength(3);
    expect(sink.pendingRecords).toBe(3);
    expect(woke).toBe(0);
    inner.ack();
    await waited;
    expect(woke).toBe(1);
    expect(sink.hasSpace()).toBe(true);
  });

  it('space returns once the queue is screened when Kafka has room', async () => {
    const { screen, calls } = gatedScreen();
    const { sink } = makeSink({ screen, maxBuffered: 2 });
    sink.push(change('public.a', 1, {}));
    sink.push(change('public.a', 2, {}));
    expect(sink.hasSpace()).toBe(false);
    const waited = sink.waitForSpace()!;
    await settle();
    calls[0].release();
    await waited; // the fake Kafka sink has room (its pendingRecords are 2 but hasSpace is true)
    expect(sink.hasSpace()).toBe(true);
  });
});

/**
 * Keys, with events as the PostgreSQL worker's envelope writes them (`changeRecords`): a table
 * whose primary key is an e-mail, schemas on and off.
 */
describe('ScreenedSink: record keys, tombstones and primary-key changes', () => {
  const hmac = (v: string) => createHmac('sha256', HASH_KEY).update(v).digest('base64');
  const pos: SourcePosition = { commitTimeMicros: 1764230000000000, txId: 7, lsn: 100n, lastCommitLsn: 90n, snapshot: 'false' };
  const envOpts = (schemasEnable: boolean): EnvelopeOptions & { tombstonesOnDelete: boolean } => ({
    topicPrefix: 'x',
    database: 'shop',
    schemasEnable,
    unknownTypes: 'fail',
    debeziumVersion: '3.6.1.Final',
    decimalHandlingMode: 'precise',
    tombstonesOnDelete: true,
  });
  const text = (name: string, pk?: number) => ({ name, typeOid: OID.text, typmod: -1, notNull: pk !== undefined, pkPosition: pk });
  const customers = (schemasEnable: boolean) => buildTableModel('public', 'customers', [text('email', 1), text('name'), text('card')], envOpts(schemasEnable));
  /** The records of one row change, as the worker pushes them. */
  const rows = (model: TableModel, schemasEnable: boolean, op: 'c' | 'u' | 'd' | 'r', before: RawRow | null, after: RawRow | null) =>
    changeRecords(model, { op, before, after }, pos, envOpts(schemasEnable), 1764230000000000).map((record) => ({
      record,
      bytes: (record.key?.length ?? 0) + (record.value?.length ?? 0),
    }));
  const keyPayload = (r: OutRecord, schemasEnable: boolean) => (schemasEnable ? JSON.parse(r.key!).payload : JSON.parse(r.key!));
  const records = (inner: FakeInner) => inner.items.filter((i): i is { record: OutRecord; bytes: number } => 'record' in i).map((i) => i.record);
  /** Every byte that would reach Kafka: topics, keys, values, header names and values. */
  const bytesOf = (rs: OutRecord[]) => rs.map((r) => `${r.topic} ${r.key} ${r.value} ${JSON.stringify(r.headers ?? {})}`).join('\n');
  const partition = (key: string) => (murmur2(Buffer.from(key)) & 0x7fffffff) % 12;

  function sinkWith(policyIn: DetectionPolicy, maxBatch?: number) {
    const inner = new FakeInner();
    const errors: Error[] = [];
    const screen = createScreen({ backend: 'local', minLikelihood: 'LIKELY', policy: policyIn, hashKey: HASH_KEY })!;
    const sink = new ScreenedSink(inner as unknown as KafkaSink, screen, { maxBuffered: 1000, maxBatch, onFatal: (e) => errors.push(e) });
    return { inner, sink, errors };
  }

  describe.each([true, false])('schemas.enable %s', (schemasEnable) => {
    const model = customers(schemasEnable);

    it('hash: create, update, delete and tombstone of a row share one transformed key (and partition), equal to the hashed column', async () => {
      const { inner, sink } = sinkWith(policy);
      for (const r of [
        ...rows(model, schemasEnable, 'r', null, ['jane.doe@example.com', 'Jane', null]),
        ...rows(model, schemasEnable, 'u', null, ['jane.doe@example.com', 'Jane D.', null]),
        // REPLICA IDENTITY DEFAULT: the delete's before holds the key columns only
        ...rows(model, schemasEnable, 'd', ['jane.doe@example.com', null, null], null),
        ...rows(model, schemasEnable, 'c', null, ['nobody', 'No mail', null]),
      ])
        sink.push(r);
      await sink.flush();
      const out = records(inner);
      expect(out.map((r) => `${r.topic}:${r.value === null ? 'tombstone' : (JSON.parse(r.value).payload?.op ?? JSON.parse(r.value).op)}`)).toEqual([
        'x.public.customers:r',
        'x.public.customers:u',
        'x.public.customers:d',
        'x.public.customers:tombstone',
        'x.public.customers:c',
      ]);
      const [snap, upd, del, tomb, clean] = out;
      expect(keyPayload(snap, schemasEnable)).toEqual({ email: hmac('jane.doe@example.com') });
      for (const r of [upd, del, tomb]) expect(r.key).toBe(snap.key);
      expect(new Set([snap, upd, del, tomb].map((r) => partition(r.key!))).size).toBe(1);
      // the key is the value's column, hashed the same way: joinable
      const image = (r: OutRecord, name: 'before' | 'after') => (schemasEnable ? JSON.parse(r.value!).payload : JSON.parse(r.value!))[name];
      expect(image(snap, 'after').email).toBe(hmac('jane.doe@example.com'));
      expect(image(del, 'before').email).toBe(hmac('jane.doe@example.com'));
      if (schemasEnable) {
        // a string stays a required string in the key schema
        expect(JSON.parse(snap.key!).schema).toEqual(JSON.parse(model.keySchemaJson!));
      }
      expect(tomb.headers).toBeUndefined();
      // a key without findings: byte for byte
      expect(clean.key).toBe(rows(model, schemasEnable, 'c', null, ['nobody', 'No mail', null])[0].record.key);
      expect(bytesOf(out)).not.toContain('jane.doe');
    });

    it('quarantine: the delete goes to quarantine with the transformed key; its tombstone to the table topic with that key', async () => {
      const { inner, sink } = sinkWith(policy);
      for (const r of [
        ...rows(model, schemasEnable, 'c', null, ['ann@example.org', 'Ann', null]),
        ...rows(model, schemasEnable, 'u', ['ann@example.org', 'Ann', null], ['ann@example.org', 'Ann', '4111 1111 1111 1111']),
        // REPLICA IDENTITY FULL: the card is in the delete's before
        ...rows(model, schemasEnable, 'd', ['ann@example.org', 'Ann', '4111 1111 1111 1111'], null),
      ])
        sink.push(r);
      await sink.flush();
      const out = records(inner);
      expect(out.map((r) => `${r.topic}:${r.value === null ? 'tombstone' : 'event'}`)).toEqual([
        'x.public.customers:event',
        'x.quarantine:event',
        'x.quarantine:event',
        'x.public.customers:tombstone',
      ]);
      const key = out[0].key!;
      expect(keyPayload(out[0], schemasEnable)).toEqual({ email: hmac('ann@example.org') });
      for (const r of out) expect(r.key).toBe(key);
      // quarantined events keep what made them quarantined, but not the raw key
      const q = out[2];
      const payload = schemasEnable ? JSON.parse(q.value!).payload : JSON.parse(q.value!);
      expect(payload.before).toEqual({ email: hmac('ann@example.org'), name: 'Ann', card: '4111 1111 1111 1111' });
      expect(JSON.parse(q.headers![FINDINGS_HEADER]).map((f: { f: string; a: string }) => `${f.f}:${f.a}`)).toEqual(['email:hash', 'card:quarantine']);
      expect(bytesOf(out)).not.toContain('ann@example');
      // the tombstone on the table topic deletes the row's create there, under the same key
      expect(out[3].headers).toBeUndefined();
    });

    it('mask: a masked key is the masked column; a non-string key field becomes a required string in the key schema', async () => {
      const cardsModel = buildTableModel(
        'public',
        'cards',
        [
          { name: 'card', typeOid: OID.int8, typmod: -1, notNull: true, pkPosition: 1 },
          { name: 'holder', typeOid: OID.text, typmod: -1, notNull: false },
        ],
        envOpts(schemasEnable),
      );
      const { inner, sink } = sinkWith({ tables: { 'public.cards': { columns: { card: { action: 'mask', numberToMask: 12 } } } } });
      for (const r of [
        ...rows(cardsModel, schemasEnable, 'c', null, ['4111111111111111', 'A']),
        ...rows(cardsModel, schemasEnable, 'd', ['4111111111111111', null], null),
      ])
        sink.push(r);
      await sink.flush();
      const out = records(inner);
      expect(out).toHaveLength(3);
      expect(keyPayload(out[0], schemasEnable)).toEqual({ card: '************1111' });
      expect(new Set(out.map((r) => r.key)).size).toBe(1);
      const payload = schemasEnable ? JSON.parse(out[0].value!).payload : JSON.parse(out[0].value!);
      expect(payload.after.card).toBe('************1111');
      if (schemasEnable) {
        expect(JSON.parse(out[0].key!).schema.fields).toEqual([{ type: 'string', optional: false, field: 'card' }]);
        const after = JSON.parse(out[0].value!).schema.fields.find((f: { field: string }) => f.field === 'after');
        expect(after.fields[0]).toEqual({ type: 'string', optional: true, field: 'card' });
      }
      expect(bytesOf(out)).not.toContain('4111111111111111');
    });

    it('primary-key change: the delete, its tombstone and the create carry the transformed keys in their __debezium headers', async () => {
      // maxBatch 1: a primary-key change is still screened as one batch
      const { inner, sink, errors } = sinkWith(policy, 1);
      for (const r of rows(model, schemasEnable, 'u', ['old.mail@example.com', 'Ann', null], ['new.mail@example.com', 'Ann', null])) sink.push(r);
      await sink.flush();
      expect(errors).toEqual([]);
      const out = records(inner);
      expect(out.map((r) => `${r.topic}:${r.value === null ? 'tombstone' : (JSON.parse(r.value).payload?.op ?? JSON.parse(r.value).op)}`)).toEqual([
        'x.public.customers:d',
        'x.public.customers:tombstone',
        'x.public.customers:c',
      ]);
      const oldKey = { email: hmac('old.mail@example.com') };
      const newKey = { email: hmac('new.mail@example.com') };
      expect(keyPayload(out[0], schemasEnable)).toEqual(oldKey);
      expect(out[1].key).toBe(out[0].key);
      expect(keyPayload(out[2], schemasEnable)).toEqual(newKey);
      expect(JSON.parse(out[0].headers!['__debezium.newkey'])).toEqual(newKey);
      expect(JSON.parse(out[1].headers!['__debezium.newkey'])).toEqual(newKey);
      expect(JSON.parse(out[2].headers!['__debezium.oldkey'])).toEqual(oldKey);
      // the headers are the keys' payloads, written as the keys are
      expect(out[2].headers!['__debezium.oldkey']).toBe(schemasEnable ? JSON.stringify(oldKey) : out[0].key);
      expect(bytesOf(out)).not.toMatch(/mail@example/);
    });
  });

  it('primary-key change to a key that only quarantine acts on: the headers that would leave it on the table topic are left out', async () => {
    const model = customers(true);
    const { inner, sink } = sinkWith({ tables: { 'public.customers': { columns: { email: { action: 'quarantine' } } } }, quarantineTopic: 'x.quarantine' });
    for (const r of rows(model, true, 'u', ['not-a-mail', 'Ann', null], ['ann@example.org', 'Ann', null])) sink.push(r);
    await sink.flush();
    const out = records(inner);
    expect(out.map((r) => `${r.topic}:${r.value === null ? 'tombstone' : JSON.parse(r.value).payload.op}`)).toEqual([
      'x.public.customers:d',
      'x.public.customers:tombstone',
      'x.quarantine:c',
    ]);
    expect(out[0].headers).toEqual({});
    expect(out[1].headers).toEqual({});
    // in quarantine, the raw value is what the policy asks for; its old key is clean
    expect(out[2].headers!['__debezium.oldkey']).toBe('{"email":"not-a-mail"}');
    expect(bytesOf(out.slice(0, 2))).not.toContain('ann@example.org');
  });

  it('a key only quarantine acts on: every event of the row goes to quarantine, and the tombstone follows its delete there', async () => {
    const model = customers(true);
    const { inner, sink } = sinkWith({ tables: { 'public.customers': { columns: { email: { action: 'quarantine' } } } }, quarantineTopic: 'x.quarantine' });
    for (const r of [...rows(model, true, 'c', null, ['ann@example.org', 'Ann', null]), ...rows(model, true, 'd', ['ann@example.org', null, null], null)])
      sink.push(r);
    await sink.flush();
    const out = records(inner);
    expect(out.map((r) => `${r.topic}:${r.value === null ? 'tombstone' : 'event'}`)).toEqual([
      'x.quarantine:event',
      'x.quarantine:event',
      'x.quarantine:tombstone',
    ]);
    // the original key; the tombstone says why it is there
    expect(out[2].key).toBe(rows(model, true, 'd', ['ann@example.org', null, null], null)[1].record.key);
    expect(JSON.parse(out[2].headers![FINDINGS_HEADER])).toEqual([expect.objectContaining({ f: 'email', a: 'quarantine', i: 'before' })]);
  });

  it('the delete and its tombstone stay in one batch at the batch size', async () => {
    const model = customers(true);
    const { inner, sink, errors } = sinkWith(policy, 1);
    for (const r of [...rows(model, true, 'c', null, ['a@example.org', 'A', null]), ...rows(model, true, 'd', ['a@example.org', null, null], null)])
      sink.push(r);
    await sink.flush();
    expect(errors).toEqual([]);
    const out = records(inner);
    expect(out).toHaveLength(3);
    expect(new Set(out.map((r) => r.key))).toEqual(new Set([out[0].key]));
    expect(bytesOf(out)).not.toContain('a@example.org');
  });

  it('a tombstone that does not follow its delete is not forwarded: fatal', async () => {
    const model = customers(true);
    const { inner, sink, errors } = sinkWith(policy);
    const [, tombstone] = rows(model, true, 'd', ['a@example.org', null, null], null);
    sink.push(rows(model, true, 'c', null, ['b@example.org', 'B', null])[0]);
    sink.push(tombstone);
    sink.push({ checkpoint: 3n, commitTimeMicros: 0 });
    await sink.flush();
    expect(errors.map((e) => e.message)).toEqual(['a tombstone for x.public.customers does not follow its delete: its key cannot be screened']);
    expect(inner.items).toEqual([]);
    // alone at the head of the queue as well
    const second = sinkWith(policy);
    second.sink.push(tombstone);
    await second.sink.flush();
    expect(second.errors).toHaveLength(1);
    expect(second.inner.items).toEqual([]);
  });

  it('a key field that is not in the images is screened on its own; a key that is not a JSON object is fatal', async () => {
    const { inner, sink, errors } = sinkWith(policy);
    const event = change('public.customers', 1, {});
    sink.push({ ...event, record: { ...event.record, key: '{"ref":"jane.doe@example.com"}' } });
    await sink.flush();
    const [r] = records(inner);
    expect(r.key).toBe(JSON.stringify({ ref: hmac('jane.doe@example.com') }));
    expect(r.value).toBe(event.record.value);
    expect(JSON.parse(r.headers![FINDINGS_HEADER])).toEqual([expect.objectContaining({ f: 'ref', a: 'hash', i: 'key' })]);
    expect(errors).toEqual([]);

    sink.push({ ...event, record: { ...event.record, key: '"jane.doe@example.com"' } });
    await sink.flush();
    expect(errors.map((e) => e.message)).toEqual(['an event of public.customers has a key that is not a JSON object: it cannot be screened']);
    expect(records(inner)).toHaveLength(1);
  });
});

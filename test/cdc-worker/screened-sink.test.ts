/** The screened sink: order, checkpoints held until screened, quarantine routing, backpressure. */
import { createScreen, DetectionMetrics, FINDINGS_HEADER, SensitiveDataScreen } from '../../lib/cdc-worker/detect';
import type { ChangeRows, ScreenedChange } from '../../lib/cdc-worker/detect';
import { parseLossless, ScreenedSink, stringifyLossless } from '../../lib/cdc-worker/screened-sink';
import type { KafkaSink, QueueItem } from '../../lib/cdc-worker/sink';
import type { OutRecord } from '../../lib/cdc-worker/envelope';

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
  const envSchema = JSON.stringify({ type: 'struct', fields: [{ ...rowSchema('V'), field: 'before' }, { ...rowSchema('V'), field: 'after' }], name: `x.${table}.Envelope` });
  const value = `{"schema":${envSchema},"payload":{"before":null,"after":${row},"source":{"schema":"${schema}","table":"${t}","ts_ns":1764230000000000123},"op":"${op}","ts_ms":1764230000000,"ts_ns":1764230000000000123}}`;
  return { record: { topic: `x.${table}`, key: `{"id":${id}}`, value }, bytes: value.length };
}

const policy = {
  infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, PHONE_NUMBER: { action: 'mask' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } },
  quarantineTopic: 'x.quarantine',
} as const;

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

describe('lossless JSON', () => {
  it('keeps integers beyond 2^53 exactly and leaves strings alone', () => {
    const text = '{"a":12345678901234567890,"b":"12345678901234567890","c":1.5,"d":-9007199254740993,"e":[1,2e3]}';
    expect(stringifyLossless(parseLossless(text))).toBe(text.replace('2e3', '2000'));
  });
});

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
    expect(JSON.parse(r2.record.headers![FINDINGS_HEADER])).toEqual([{ f: 'email', t: 'EMAIL_ADDRESS', l: expect.any(String), a: 'hash', i: 'after', b: [9, 29] }]);
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
    expect(calls.map((c) => [c.table, c.n])).toEqual([['public.a', 2], ['public.b', 1]]);
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

/**
 * `npx ts-node --transpile-only bench/dlp/screened-sink.ts`: the screened sink's own cost on top of
 * detection, i.e. what the worker spends per event between the envelope and the Kafka sink (parse,
 * screen, rewrite of values and keys, routing of tombstones), with the local detectors.
 *
 * Change events with schemas (as the worker writes them by default) built from the orders corpus
 * (bench/dlp/corpus.ts): creates, plus an update for every 5th row and a delete with its tombstone
 * for every 10th. Two tables: `orders` keyed by `id` (a number, never a finding), and
 * `customers` keyed by `email` (hashed by the policy in the key and in the images). Figure: MiB of
 * record bytes (key + value) per second of process CPU time, median of the runs.
 *
 * Environment: BENCH_SINK_MB (corpus cell text, default 16), BENCH_SINK_RUNS (default 5).
 */
import { createScreen } from '../../lib/cdc-worker/detect';
import { ScreenedSink } from '../../lib/cdc-worker/kafka/screened-sink';
import type { KafkaSink, QueueItem } from '../../lib/cdc-worker/kafka/sink';
import { makeRows } from './corpus';

const MB = 1024 * 1024;

/** Takes what the screened sink forwards; always has room. */
class NullInner {
  forwarded = 0;
  pendingRecords = 0;
  depth = 0;
  idle = true;
  push(item: QueueItem): void {
    if ('record' in item) this.forwarded++;
  }
  hasSpace(): boolean {
    return true;
  }
  onSpace(cb: () => void): void {
    cb();
  }
  flush = async (): Promise<void> => undefined;
  close = async (): Promise<void> => undefined;
}

const field = (name: string, type: string, optional = true) => ({ type, optional, field: name });

function events(table: string, keyColumn: 'id' | 'email', rows: Record<string, unknown>[]): QueueItem[] {
  const topic = `bench.public.${table}`;
  const cols = [
    field('id', 'int32', false),
    field('customer_id', 'int32'),
    field('customer_name', 'string'),
    field('email', 'string', keyColumn !== 'email'),
    field('status', 'string'),
    field('amount', 'double'),
    field('currency', 'string'),
    field('created_at', 'string'),
    field('tracking', 'string'),
    field('uuid', 'string'),
    field('note', 'string'),
    { type: 'string', optional: true, name: 'io.debezium.data.Json', field: 'attributes' },
  ];
  const image = (f: string) => ({ type: 'struct', optional: true, name: `${topic}.Value`, field: f, fields: cols });
  const envelopeSchema = JSON.stringify({
    type: 'struct',
    optional: false,
    name: `${topic}.Envelope`,
    fields: [image('before'), image('after'), field('op', 'string', false)],
  });
  const keySchema = JSON.stringify({ type: 'struct', optional: false, name: `${topic}.Key`, fields: [cols.find((c) => c.field === keyColumn)] });
  const out: QueueItem[] = [];
  const record = (key: string, value: string | null) => out.push({ record: { topic, key, value }, bytes: key.length + (value?.length ?? 0) });
  rows.forEach((r, i) => {
    const row: Record<string, unknown> = {
      ...r,
      attributes: JSON.stringify(r.attributes),
      email: keyColumn === 'email' ? `customer${r.id}@mail.example.org` : r.email,
    };
    const key = `{"schema":${keySchema},"payload":${JSON.stringify({ [keyColumn]: row[keyColumn] })}}`;
    const value = (op: string, before: unknown, after: unknown) =>
      `{"schema":${envelopeSchema},"payload":{"before":${JSON.stringify(before)},"after":${JSON.stringify(after)},"source":{"schema":"public","table":"${table}","ts_ns":1764230000000000123},"op":"${op}","ts_ms":1764230000000}}`;
    record(key, value('c', null, row));
    if (i % 5 === 0) record(key, value('u', row, { ...row, status: 'PAID' }));
    if (i % 10 === 0) {
      record(key, value('d', row, null));
      record(key, null);
    }
  });
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function run(label: string, items: QueueItem[]): Promise<void> {
  const runs = Number(process.env.BENCH_SINK_RUNS ?? 5);
  const bytes = items.reduce((n, it) => n + ('record' in it ? it.bytes : 0), 0);
  const once = async (): Promise<number> => {
    const screen = createScreen({
      backend: 'local',
      hashKey: 'bench-key-0123456789',
      policy: {
        infoTypes: { EMAIL_ADDRESS: { action: 'hash' }, PHONE_NUMBER: { action: 'mask' }, CREDIT_CARD_NUMBER: { action: 'quarantine' } },
        quarantineTopic: 'bench.quarantine',
      },
    })!;
    const inner = new NullInner();
    const sink = new ScreenedSink(inner as unknown as KafkaSink, screen, {
      maxBuffered: 1e9,
      onFatal: (e) => {
        throw e;
      },
    });
    // pushes in runs of 2000 records, as the worker does between waits for space
    for (let i = 0; i < items.length; i += 2000) {
      for (let j = i; j < Math.min(i + 2000, items.length); j++) sink.push(items[j]);
      await sink.flush();
    }
    return inner.forwarded;
  };
  await once(); // warm-up
  const perCore: number[] = [];
  let forwarded = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    forwarded = await once();
    const c = process.cpuUsage(c0);
    perCore.push(bytes / MB / ((c.user + c.system) / 1e6));
  }
  console.log(`ScreenedSink, ${label}: ${items.length} records (${forwarded} forwarded), ${(bytes / MB).toFixed(1)} MiB of keys and values, ${runs} runs:`);
  console.log(
    `  ${median(perCore).toFixed(1)} MiB/s per core (CPU time, median; best ${Math.max(...perCore).toFixed(1)})   runs: ${perCore.map((x) => x.toFixed(1)).join(', ')}`,
  );
}

async function main(): Promise<void> {
  const size = Number(process.env.BENCH_SINK_MB ?? 16);
  const { rows } = makeRows(size * MB);
  console.log(`node ${process.version}, ${process.arch}; ${new Date().toISOString()}`);
  await run('orders keyed by id', events('orders', 'id', rows));
  await run('customers keyed by e-mail (hashed)', events('customers', 'email', rows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

/**
 * The lifecycle every engine shares (core/lifecycle.ts), with a fake engine and a fake sink: what
 * it calls on the engine and in which order, what it logs, what the probes say, exit codes.
 */
import { Writable } from 'stream';
import pino from 'pino';
import { validateConfig } from '../../../lib/cdc-worker/config';
import { WorkerLifecycle } from '../../../lib/cdc-worker/core/lifecycle';
import type { CdcSink, QueueItem, SinkEvents } from '../../../lib/cdc-worker/core/sink';
import type { EngineContext, SinkFactory, SourceEngine } from '../../../lib/cdc-worker/core/worker';

type LogLine = { level: string; msg: string; [k: string]: unknown };

function setup(opts: { heartbeatIntervalMs?: number; maxEventBytes?: number; ensureTopicsFails?: boolean; slowStart?: boolean } = {}) {
  const cfg = validateConfig({
    source: { host: 'db', database: 'd', user: 'u', tables: ['s.t'] },
    kafka: { brokers: ['k:9092'] },
    output: { topicPrefix: 'p', heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 0, maxEventBytes: opts.maxEventBytes ?? 1000000 },
    delivery: { statusIntervalMs: 100 },
    http: { port: 0, host: '127.0.0.1' },
  });
  const calls: string[] = [];
  const pushed: QueueItem[] = [];
  let events!: SinkEvents;
  let ctx!: EngineContext;
  const topics: string[][] = [];
  const sink: CdcSink = {
    push: (i) => void pushed.push(i),
    hasSpace: () => true,
    onSpace: () => undefined,
    waitForSpace: () => null,
    flush: async () => undefined,
    close: async () => void calls.push('sink.close'),
    connect: async () => void calls.push('sink.connect'),
    ensureTopics: async (t) => {
      topics.push(t);
      if (opts.ensureTopicsFails) throw new Error('not authorized to create topics');
    },
    storedPosition: async () => null,
    idle: true,
    pendingRecords: 0,
    depth: 0,
  };
  const createSink: SinkFactory = (args) => {
    events = args.events;
    calls.push(`createSink ${args.positionKey}`);
    return sink;
  };
  const engine: SourceEngine = {
    positionKey: 'key-1',
    lines: { fatal: 'fatal error; engine words', stopping: 'stopping: engine words' },
    start: async () => {
      calls.push('start');
      await ctx.openSink(['p.extra']);
      if (opts.slowStart) await new Promise((r) => setTimeout(r, 100));
      return { from: 'here' };
    },
    onCheckpoint: (p) => void calls.push(`onCheckpoint ${p}`),
    confirmPosition: () => void calls.push('confirmPosition'),
    afterHeartbeat: () => void calls.push('afterHeartbeat'),
    lagBytes: () => 7,
    pauseSource: () => void calls.push('pauseSource'),
    drain: async () => void calls.push('drain'),
    beforeSinkClose: async () => void calls.push('beforeSinkClose'),
    close: async () => void calls.push('close'),
    status: () => ({ confirmed: 'P' }),
    positionFields: (line) => ({ confirmed: line === 'fatal' ? 'P' : 'P (stopped)' }),
  };
  const lines: LogLine[] = [];
  const log = pino(
    { level: 'debug', formatters: { level: (label) => ({ level: label }) } },
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()));
        cb();
      },
    }),
  );
  const worker = new WorkerLifecycle(cfg, log, (c) => ((ctx = c), engine), createSink);
  return { worker, calls, pushed, lines, topics, events: () => events, ctx: () => ctx };
}

const msgs = (lines: LogLine[], msg: string) => lines.filter((l) => l.msg === msg);
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `done()` holds, polling; a loaded machine may run timers late, never early. */
async function until(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done() && Date.now() < end) await tick(10);
}

describe('WorkerLifecycle', () => {
  test("start: the engine opens the sink (its position key, the tables', heartbeat and extra topics), then streaming with its fields; the position is confirmed every status interval", async () => {
    const { worker, calls, lines, topics } = setup({ heartbeatIntervalMs: 1000 });
    expect(worker.ready()).toBe(false);
    await worker.start();
    expect(calls.slice(0, 3)).toEqual(['start', 'createSink key-1', 'sink.connect']);
    expect(topics).toEqual([['p.s.t', '__debezium-heartbeat.p', 'p.extra']]);
    expect(msgs(lines, 'streaming started')).toEqual([expect.objectContaining({ from: 'here' })]);
    expect(worker.ready()).toBe(true);
    expect(worker.status()).toEqual({ phase: 'streaming', confirmed: 'P', bufferedRecords: 0, error: undefined });
    try {
      await until(() => calls.filter((c) => c === 'confirmPosition').length >= 2);
      expect(calls.filter((c) => c === 'confirmPosition').length).toBeGreaterThanOrEqual(2);
    } finally {
      await worker.stop();
    }
  });

  test('topics that cannot be created are a warning naming them, not an error', async () => {
    const { worker, lines } = setup({ ensureTopicsFails: true });
    await worker.start();
    expect(msgs(lines, 'could not create topics; they must exist already')).toEqual([
      expect.objectContaining({ level: 'warn', err: 'not authorized to create topics', topics: ['p.s.t', 'p.extra'] }),
    ]);
    await worker.stop();
  });

  test("heartbeats: Debezium's heartbeat record, then the engine's afterHeartbeat", async () => {
    const { worker, calls, pushed } = setup({ heartbeatIntervalMs: 100 });
    await worker.start();
    try {
      await until(() => calls.includes('afterHeartbeat'));
      expect(pushed[0]).toMatchObject({ record: { topic: '__debezium-heartbeat.p', key: expect.stringContaining('"serverName":"p"') } });
      expect(calls).toContain('afterHeartbeat');
    } finally {
      await worker.stop();
    }
  });

  test('a checkpoint the sink reports goes to the engine; a batch is counted', async () => {
    const { worker, calls, events } = setup();
    await worker.start();
    events().onBatch(3, 30, 5);
    events().onCheckpoint(42n, Date.now() * 1000);
    expect(calls).toContain('onCheckpoint 42');
    expect(await worker.metrics.registry.getSingleMetricAsString('cdc_records_acked_total')).toMatch(/cdc_records_acked_total 3/);
    await worker.stop();
  });

  test('graceful stop: pause, drain, end the source stream, close the sink, confirm and close; exit 0', async () => {
    const { worker, calls, lines } = setup();
    await worker.start();
    calls.length = 0;
    await worker.stop();
    expect(calls).toEqual(['pauseSource', 'drain', 'beforeSinkClose', 'sink.close', 'close']);
    expect(await worker.finished).toBe(0);
    expect(msgs(lines, 'stopping: engine words')).toHaveLength(1);
    expect(msgs(lines, 'stopped')).toEqual([expect.objectContaining({ confirmed: 'P (stopped)', code: 0 })]);
    expect(worker.status()).toMatchObject({ phase: 'stopped' });
  });

  test("fatal error: the engine's line with its position and the kind, no drain, exit 1; later errors only at debug; stop() then waits for the same shutdown", async () => {
    const { worker, calls, lines } = setup();
    await worker.start();
    calls.length = 0;
    worker.fail(new Error('boom'), 'decode');
    worker.fail(new Error('again'), 'kafka');
    const stopping = worker.stop();
    await stopping;
    expect(await worker.finished).toBe(1);
    expect(calls).toEqual(['pauseSource', 'beforeSinkClose', 'sink.close', 'close']);
    expect(msgs(lines, 'fatal error; engine words')).toEqual([expect.objectContaining({ level: 'error', err: 'boom', kind: 'decode', confirmed: 'P' })]);
    expect(msgs(lines, 'error while stopping')).toEqual([expect.objectContaining({ level: 'debug', err: 'again', kind: 'kafka' })]);
    expect(msgs(lines, 'stopping: engine words')).toEqual([]);
    expect(worker.healthy()).toBe(false);
    expect(worker.status()).toMatchObject({ phase: 'failed', error: 'boom' });
    expect(await worker.metrics.registry.getSingleMetricAsString('cdc_errors_total')).toMatch(/cdc_errors_total\{kind="decode"\} 1/);
  });

  test('a fatal error while the engine starts: streaming does not begin', async () => {
    const { worker, lines, ctx } = setup({ slowStart: true });
    const starting = worker.start();
    await tick(20);
    ctx().fail(new Error('lost'), 'postgres');
    await starting.catch(() => undefined);
    expect(await worker.finished).toBe(1);
    expect(worker.ready()).toBe(false);
    expect(msgs(lines, 'streaming started')).toEqual([]);
  });

  test('an event above output.maxEventBytes is refused with its topic and size', async () => {
    const { worker, ctx } = setup({ maxEventBytes: 1024 });
    await worker.start();
    expect(() => ctx().record({ topic: 'p.s.t', key: '{"id":1}', value: 'x'.repeat(1020) })).toThrow(
      'event for p.s.t is 1028 bytes, above output.maxEventBytes (1024)',
    );
    expect(ctx().record({ topic: 'p.s.t', key: null, value: '{}' })).toEqual({ record: { topic: 'p.s.t', key: null, value: '{}' }, bytes: 2 });
    await worker.stop();
  });
});

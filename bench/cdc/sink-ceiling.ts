/**
 * The worker's Kafka side alone: the worker's own KafkaSink (kafkajs, idempotent, one request in
 * flight, the default batch bounds and gzip) fed the worker's sampled events as fast as it takes
 * them, in this process, with a checkpoint every 1,000 records. No database, no decoding, no
 * envelope: the most the worker could reach with this client and these settings on this host.
 */
import { validateConfig } from '../../lib/cdc-worker/core/config';
import { KafkaSink } from '../../lib/cdc-worker/kafka/sink';
import { Infra, cleanup, scratchName, workerConfig } from '../../test/cdc-worker/harness';
import { Result, createTopic, sleep } from './common';
import { workerTuning } from './postgres';

export async function benchSinkCeiling(env: Infra, records: number, values: string[], engine: Result['engine']): Promise<Result> {
  if (!values.length) throw new Error(`no ${engine} worker events were sampled (run the worker first)`);
  const topic = scratchName('bench_s');
  await createTopic(env, topic);
  const cfg = validateConfig(workerConfig(env, topic, [`${topic}.t`], { kafka: workerTuning({}).kafka, delivery: workerTuning({}).delivery }));
  let fatal: Error | null = null;
  const sink = new KafkaSink(cfg.kafka, cfg.delivery.maxBufferedEvents, {
    onCheckpoint: () => undefined,
    onBatch: () => undefined,
    onFatal: (e) => (fatal = e),
  });
  try {
    await sink.connect();
    const keys = values.map((_, i) => `{"id":${i}}`);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    for (let i = 0; i < records; i++) {
      const value = values[i % values.length];
      sink.push({ record: { topic, key: keys[i % keys.length], value }, bytes: Buffer.byteLength(value) });
      if (i % 1000 === 999) sink.push({ checkpoint: BigInt(i), commitTimeMicros: Date.now() * 1000 });
      if (!sink.hasSpace()) await new Promise<void>((r) => sink.onSpace(r));
      if (fatal) throw fatal;
    }
    await sink.flush();
    const t1 = Date.now();
    const cpu = process.cpuUsage(cpu0);
    return {
      reader: `the worker's KafkaSink alone (kafkajs), the ${engine} worker's events`,
      engine,
      rowsPerSec: Math.round(records / ((t1 - t0) / 1000)),
      p50Ms: null,
      p99Ms: null,
      peakRssMb: null,
      cpuMsPer1kRows: Math.round((cpu.user + cpu.system) / 1000 / (records / 1000)),
      note: `${records} events in this process (no database, no decoding), default kafka settings`,
    };
  } finally {
    await sink.close().catch(() => undefined);
    await sleep(100);
    await cleanup(env, topic);
  }
}

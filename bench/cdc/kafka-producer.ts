/**
 * Kafka's own Java producer (`ProducerPerformance` from the broker's distribution) sending a
 * worker's events (sampled from its run) to the same broker: what any Kafka client can write on
 * this host, the ceiling for every reader that writes to Kafka. Same delivery settings as the
 * worker (acks=all, idempotent, gzip), batches up to the worker's default request size, and up to
 * 5 requests in flight (the Java client pipelines; kafkajs's idempotent producer cannot).
 */
import { spawn } from 'child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadInfraEnv } from '../../test/integration/infra';
import { Infra, cleanup, scratchName } from '../../test/cdc-worker/harness';
import { Result, createTopic } from './common';

function producerProperties(env: Infra): string {
  return [
    'security.protocol=SASL_PLAINTEXT',
    'sasl.mechanism=SCRAM-SHA-512',
    `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${env.KAFKA_ADMIN_USER}" password="${env.KAFKA_ADMIN_PASSWORD}";`,
    `bootstrap.servers=${env.KAFKA_BOOTSTRAP}`,
    'acks=all',
    'enable.idempotence=true',
    'compression.type=gzip',
    'batch.size=900000',
    'linger.ms=5',
  ].join('\n');
}

function runProducerPerformance(libs: string, topic: string, records: number, payloads: string, props: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const tool = ['java', '-Xmx512m', '-cp', `${libs}/*`, 'org.apache.kafka.tools.ProducerPerformance'];
    const args = ['--topic', topic, '--num-records', String(records), '--throughput', '-1', '--payload-file', payloads, '--command-config', props];
    const proc = spawn('/usr/bin/time', ['-f', 'maxrss=%M', ...tool, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    proc.stdout!.on('data', (d) => (text += d));
    proc.stderr!.on('data', (d) => (text += d));
    proc.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`ProducerPerformance exited ${code}: ${text.slice(-800)}`))));
  });
}

export async function benchKafkaProducer(env: Infra, records: number, values: string[], engine: Result['engine']): Promise<Result> {
  if (!values.length) throw new Error(`no ${engine} worker events were sampled (run the worker first)`);
  const all = loadInfraEnv();
  const libs = join(all.CDP_CACHE, `kafka-${all.KAFKA_VERSION}`, 'libs');
  if (!existsSync(libs)) throw new Error(`${libs} is missing: run \`npm run infra:up\` (it installs Kafka there)`);
  const s = scratchName('bench_k');
  await createTopic(env, s);
  const dir = mkdtempSync(join(tmpdir(), 'cdcw-bench-kafka-'));
  const payloads = join(dir, 'events.jsonl');
  writeFileSync(payloads, values.join('\n'));
  const props = join(dir, 'producer.properties');
  writeFileSync(props, producerProperties(env) + '\n', { mode: 0o600 });
  const meanBytes = Math.round(values.reduce((n, v) => n + Buffer.byteLength(v), 0) / values.length);
  try {
    const out = await runProducerPerformance(libs, s, records, payloads, props);
    const final = /(\d+) records sent, ([\d.]+) records\/sec .*?([\d.]+) ms 50th, [\d.]+ ms 95th, ([\d.]+) ms 99th/.exec(out);
    if (!final) throw new Error(`could not read ProducerPerformance's summary: ${out.slice(-800)}`);
    const rss = /maxrss=(\d+)/.exec(out);
    return {
      reader: `Kafka's Java producer, the ${engine} worker's events (ProducerPerformance)`,
      engine,
      rowsPerSec: Math.round(Number(final[2])),
      p50Ms: Number(final[3]),
      p99Ms: Number(final[4]),
      peakRssMb: rss ? Math.round(Number(rss[1]) / 1024) : null,
      note: `${records} of the worker's events (${values.length} sampled, mean ${meanBytes} bytes), gzip, acks=all, idempotent, batch.size=900000, linger.ms=5; latency: send → ack under full load`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true }); // the properties file holds the admin password
    await cleanup(env, s);
  }
}

/**
 * An {@link OffsetStore} in a compacted Kafka topic (`delivery.offsetsTopic`, default
 * `<topicPrefix>.cdc-worker.offsets`): one JSON record per source, under the source's key. The
 * engine writes a position only after Kafka has acknowledged every event up to it (the MySQL/MariaDB
 * engine keeps its binlog offset and schema history here).
 */
import { Kafka, Producer } from 'kafkajs';
import { ResolvedCdcWorkerConfig } from '../core/config';
import type { OffsetStore } from '../core/offsets';
import { kafkaClientConfig } from './client';

export class KafkaOffsetStore<T> implements OffsetStore<T> {
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  readonly key: string;

  constructor(
    kafkaCfg: ResolvedCdcWorkerConfig['kafka'],
    readonly topic: string,
    key: string,
  ) {
    this.kafka = new Kafka(kafkaClientConfig(kafkaCfg));
    this.key = key;
  }

  async ensureTopic(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      if (!existing.has(this.topic)) {
        await admin
          .createTopics({
            topics: [{ topic: this.topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
            waitForLeaders: true,
          })
          .catch((e: Error) => {
            if (!/already exists/i.test(e.message)) throw e;
          });
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** The last stored offset, or null. Reads the topic to its end. */
  async load(): Promise<T | null> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string; low: string }[];
    try {
      ends = await admin.fetchTopicOffsets(this.topic);
    } finally {
      await admin.disconnect();
    }
    if (ends.every((e) => Number(e.high) <= Number(e.low))) return null;
    const consumer = this.kafka.consumer({ groupId: `cdc-worker-offsets-${process.pid}-${Date.now()}` });
    let found: T | null = null;
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${this.topic} timed out`)), 60000);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              if (message.key?.toString() === this.key) found = message.value ? (JSON.parse(message.value.toString()) as T) : null;
              if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return found;
  }

  async save(offset: T): Promise<void> {
    if (!this.producer) {
      this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await this.producer.connect();
    }
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key: this.key, value: JSON.stringify(offset) }] });
  }

  async close(): Promise<void> {
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = null;
  }
}

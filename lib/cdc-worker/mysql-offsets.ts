/**
 * Where the MySQL/MariaDB source keeps its resume position: a compacted Kafka topic
 * (`delivery.offsetsTopic`, default `<topicPrefix>.cdc-worker.offsets`), one record per worker
 * keyed `mysql:<topicPrefix>`. A record is written only after Kafka has acknowledged every event up
 * to the position it holds, so a restart resumes at or before the first undelivered change.
 *
 * The record also carries the definitions of the captured tables as of that position (the schema
 * history): a restart decodes the events after the position with the columns that were valid then,
 * not with today's.
 */
import { Kafka, Producer } from 'kafkajs';
import { ResolvedCdcWorkerConfig } from './config';
import { MySqlColumnDef } from './mysql-envelope';
import { kafkaClientConfig } from './kafka/client';

export interface MySqlOffset {
  /** GTID position after the last delivered transaction (MariaDB `d-s-n,…` or MySQL GTID set); '' without GTIDs. */
  gtid: string;
  /** Binlog file and position after the last delivered transaction. */
  file: string;
  pos: number;
  /** False while the initial snapshot is not fully delivered (a restart takes a new snapshot). */
  snapshotCompleted: boolean;
  /** Table definitions valid at this position, by `database.table`. */
  tables: Record<string, MySqlColumnDef[]>;
  /** `SHOW CREATE TABLE` text valid at this position, by `database.table` (later DDL is replayed on it). */
  creates?: Record<string, string>;
  ts_ms: number;
}

export class MySqlOffsetStore {
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  readonly key: string;

  constructor(
    kafkaCfg: ResolvedCdcWorkerConfig['kafka'],
    readonly topic: string,
    topicPrefix: string,
  ) {
    this.kafka = new Kafka(kafkaClientConfig(kafkaCfg));
    this.key = `mysql:${topicPrefix}`;
  }

  async ensureTopic(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      if (!existing.has(this.topic)) {
        await admin
          .createTopics({ topics: [{ topic: this.topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true })
          .catch((e: Error) => {
            if (!/already exists/i.test(e.message)) throw e;
          });
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** The last stored offset, or null. Reads the topic to its end. */
  async load(): Promise<MySqlOffset | null> {
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
    let found: MySqlOffset | null = null;
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
              if (message.key?.toString() === this.key) found = message.value ? (JSON.parse(message.value.toString()) as MySqlOffset) : null;
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

  async save(offset: MySqlOffset): Promise<void> {
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

/**
 * Kafka side: an idempotent producer (acks=all) fed in order from one queue. Records and
 * checkpoints (source positions) share the queue; a checkpoint counts as delivered only when every
 * record queued before it has been acknowledged by Kafka. One batch is in flight at a time, so
 * order per key (and across the whole stream) is what the source produced.
 */
import { CompressionTypes, Kafka, KafkaConfig, Producer, SASLOptions, logLevel, ITopicConfig, Admin, ICustomPartitioner } from 'kafkajs';
import { OutRecord } from './envelope';
import { ResolvedCdcWorkerConfig } from './config';

export type QueueItem = { record: OutRecord; bytes: number } | { checkpoint: bigint; commitTimeMicros: number };

export interface SinkEvents {
  /** Every record up to this checkpoint is acknowledged. */
  onCheckpoint(lsn: bigint, commitTimeMicros: number): void;
  onBatch(records: number, bytes: number, ms: number): void;
  onFatal(err: Error): void;
}

export function kafkaClientConfig(cfg: ResolvedCdcWorkerConfig['kafka']): KafkaConfig {
  return {
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    ssl: cfg.ssl,
    sasl: cfg.sasl ? ({ mechanism: cfg.sasl.mechanism, username: cfg.sasl.username, password: cfg.sasl.password } as SASLOptions) : undefined,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 10000,
    requestTimeout: 30000,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10000 },
  };
}

export class KafkaSink {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly queue: QueueItem[] = [];
  private head = 0;
  private wake: (() => void) | null = null;
  private drained: (() => void)[] = [];
  private spaceWaiters: (() => void)[] = [];
  private running = false;
  private loop: Promise<void> | null = null;
  private inFlight = 0;
  private readonly createdTopics = new Set<string>();
  /** Records queued and not yet acknowledged. */
  pendingRecords = 0;

  /** Index in `queue` of the newest checkpoint (-1: none). */
  private lastCheckpointIndex = -1;
  private readonly exactlyOnce: boolean;

  constructor(
    private readonly cfg: ResolvedCdcWorkerConfig['kafka'],
    private readonly maxBuffered: number,
    private readonly events: SinkEvents,
    private readonly delivery: Pick<ResolvedCdcWorkerConfig['delivery'], 'mode' | 'offsetsTopic' | 'transactionalId'> & { slotName: string } = {
      mode: 'at-least-once',
      offsetsTopic: '',
      transactionalId: '',
      slotName: '',
    },
  ) {
    this.kafka = new Kafka(kafkaClientConfig(cfg));
    this.exactlyOnce = delivery.mode === 'exactly-once';
    const common = { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: javaCompatiblePartitioner as unknown as ICustomPartitioner };
    this.producer = this.exactlyOnce ? this.kafka.producer({ ...common, transactionalId: delivery.transactionalId }) : this.kafka.producer(common);
  }

  /**
   * Exactly-once mode: the source position stored with the last committed Kafka transaction
   * (null if none). Call after {@link connect}, which fences and aborts a previous instance's open transaction.
   */
  async storedPosition(): Promise<bigint | null> {
    const topic = this.delivery.offsetsTopic;
    await this.ensureTopics([], [topic]);
    const admin = this.kafka.admin();
    await admin.connect();
    let high = 0;
    try {
      high = (await admin.fetchTopicOffsets(topic)).reduce((n, o) => n + Number(o.high), 0);
    } finally {
      await admin.disconnect();
    }
    if (high === 0) return null;
    const consumer = this.kafka.consumer({ groupId: `${this.delivery.transactionalId}-offsets-${Date.now()}`, readUncommitted: false });
    let position: bigint | null = null;
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      let idle: NodeJS.Timeout = setTimeout(() => done(), 5000);
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            if (m.key?.toString() === this.delivery.slotName && m.value) position = BigInt(JSON.parse(m.value.toString()).lsn);
          }
          clearTimeout(idle);
          if (Number(batch.lastOffset()) >= Number(batch.highWatermark) - 1) done();
          else idle = setTimeout(() => done(), 2000);
        },
      });
      await finished;
      clearTimeout(idle);
    } finally {
      await consumer.disconnect();
    }
    return position;
  }

  admin(): Admin {
    return this.kafka.admin();
  }

  async connect(): Promise<void> {
    if (this.exactlyOnce) await this.ensureTopics([], [this.delivery.offsetsTopic]);
    await this.producer.connect();
    this.running = true;
    this.loop = this.run();
  }

  /** Creates topics that do not exist yet (cluster defaults for partitions/replication); ignores existing ones. */
  async ensureTopics(topics: string[], compacted: string[] = []): Promise<void> {
    const wanted = [...topics, ...compacted].filter((t) => !this.createdTopics.has(t));
    if (!wanted.length) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing: ITopicConfig[] = wanted
        .filter((t) => !existing.has(t))
        .map((t) => ({
          topic: t,
          configEntries: compacted.includes(t) ? [{ name: 'cleanup.policy', value: 'compact' }] : undefined,
        }));
      if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true });
      for (const t of wanted) this.createdTopics.add(t);
    } finally {
      await admin.disconnect();
    }
  }

  /** Queued items not yet handed to Kafka plus those in flight. */
  get depth(): number {
    return this.queue.length - this.head + this.inFlight;
  }

  get idle(): boolean {
    return this.depth === 0;
  }

  push(item: QueueItem): void {
    this.queue.push(item);
    if ('record' in item) this.pendingRecords++;
    else this.lastCheckpointIndex = this.queue.length - 1;
    if (this.wake) {
      const w = this.wake;
      this.wake = null;
      w();
    }
  }

  /** Resolves when there is room for more (backpressure for the snapshot). */
  waitForSpace(): Promise<void> | null {
    if (this.pendingRecords < this.maxBuffered) return null;
    return new Promise((r) => this.spaceWaiters.push(r));
  }

  hasSpace(): boolean {
    // Exactly-once sends whole transactions only: one bigger than the buffer must still fit.
    return this.pendingRecords < this.maxBuffered || (this.exactlyOnce && this.lastCheckpointIndex < this.head);
  }

  onSpace(cb: () => void): void {
    this.spaceWaiters.push(cb);
  }

  /** Resolves when everything queued so far is acknowledged. */
  flush(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((r) => this.drained.push(r));
  }

  private async run(): Promise<void> {
    const compression = this.cfg.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    while (this.running || this.head < this.queue.length) {
      if (this.exactlyOnce && this.head < this.queue.length && this.lastCheckpointIndex < this.head) {
        // only part of a transaction so far: wait for its commit (or drop it when closing; it was not confirmed)
        if (!this.running) break;
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      if (this.head >= this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
        this.lastCheckpointIndex = -1;
        const waiters = this.drained;
        this.drained = [];
        waiters.forEach((w) => w());
        if (!this.running) break;
        await new Promise<void>((r) => (this.wake = r));
        continue;
      }
      const byTopic = new Map<string, { key: string | null; value: string | null; headers?: Record<string, string> }[]>();
      let count = 0;
      let bytes = 0;
      let lastCheckpoint: { checkpoint: bigint; commitTimeMicros: number } | null = null;
      const checkpoints: { checkpoint: bigint; commitTimeMicros: number }[] = [];
      const start = this.head;
      // exactly-once: a batch is whole transactions (it ends at a checkpoint, however far that is)
      const limit = this.exactlyOnce ? this.lastCheckpointIndex + 1 : this.queue.length;
      while (this.head < limit) {
        const item = this.queue[this.head++];
        if ('checkpoint' in item) {
          lastCheckpoint = item;
          checkpoints.push(item);
          if (count >= this.cfg.batchSize || bytes >= this.cfg.maxBatchBytes) break;
          continue;
        }
        const full = count >= this.cfg.batchSize || (count > 0 && bytes + item.bytes > this.cfg.maxBatchBytes);
        if (!this.exactlyOnce && full) {
          this.head--;
          break;
        }
        let list = byTopic.get(item.record.topic);
        if (!list) byTopic.set(item.record.topic, (list = []));
        list.push({ key: item.record.key, value: item.record.value, headers: item.record.headers });
        count++;
        bytes += item.bytes;
      }
      // checkpoints right after the batch's last record are covered too
      while (this.head < limit && 'checkpoint' in this.queue[this.head]) {
        lastCheckpoint = this.queue[this.head++] as { checkpoint: bigint; commitTimeMicros: number };
        checkpoints.push(lastCheckpoint);
      }
      this.inFlight = this.head - start;
      const t0 = Date.now();
      if (count > 0 || (this.exactlyOnce && lastCheckpoint)) {
        try {
          await this.ensureTopics([...byTopic.keys()]);
          const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
          if (this.exactlyOnce) {
            topicMessages.push({
              topic: this.delivery.offsetsTopic,
              messages: [{ key: this.delivery.slotName, value: JSON.stringify({ lsn: String(lastCheckpoint!.checkpoint), ts_ms: Date.now() }), headers: undefined }],
            });
            const txn = await this.producer.transaction();
            try {
              await txn.sendBatch({ acks: -1, compression, topicMessages });
              await txn.commit();
            } catch (e) {
              await txn.abort().catch(() => undefined);
              throw e;
            }
          } else {
            await this.producer.sendBatch({ acks: -1, compression, topicMessages });
          }
        } catch (e) {
          this.running = false;
          this.inFlight = 0;
          this.events.onFatal(new Error(`Kafka produce failed: ${(e as Error).message}`));
          return;
        }
      }
      this.inFlight = 0;
      this.pendingRecords -= count;
      if (count) this.events.onBatch(count, bytes, Date.now() - t0);
      for (const c of checkpoints) this.events.onCheckpoint(c.checkpoint, c.commitTimeMicros);
      if (this.hasSpace() && this.spaceWaiters.length) {
        const waiters = this.spaceWaiters;
        this.spaceWaiters = [];
        waiters.forEach((w) => w());
      }
      // release memory of consumed items
      if (this.head > 1024) {
        this.queue.splice(0, this.head);
        this.lastCheckpointIndex -= this.head;
        this.head = 0;
      }
    }
  }

  /** Stops after sending everything queued. */
  async close(): Promise<void> {
    this.running = false;
    if (this.wake) {
      const w = this.wake;
      this.wake = null;
      w();
    }
    if (this.loop) await this.loop;
    await this.producer.disconnect();
  }
}


/**
 * Kafka's murmur2 (Java `Utils.murmur2`) in 32-bit integer arithmetic. Same result as kafkajs's
 * default partitioner, which spends its time in 64-bit `Long` emulation.
 */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & ~3;
  const tail = length % 4;
  if (tail === 3) h ^= data[rest + 2] << 16;
  if (tail >= 2) h ^= data[rest + 1] << 8;
  if (tail >= 1) {
    h ^= data[rest];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Keyed records: `toPositive(murmur2(key)) % partitions`, as Java producers; unkeyed: round robin. */
export const javaCompatiblePartitioner = () => {
  let counter = 0;
  return ({ partitionMetadata, message }: { partitionMetadata: { partitionId: number; leader: number }[]; message: { key?: Buffer | string | null; partition?: number | null } }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      const key = Buffer.isBuffer(message.key) ? message.key : Buffer.from(String(message.key));
      return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
    }
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const list = available.length ? available : partitionMetadata;
    return list[(counter++ & 0x7fffffff) % list.length].partitionId;
  };
};

/**
 * Kafka side: an idempotent producer (acks=all) fed in order from one queue. Records and
 * checkpoints (source positions) share the queue; a checkpoint counts as delivered only when every
 * record queued before it has been acknowledged by Kafka. One batch is in flight at a time, so
 * order per key (and across the whole stream) is what the source produced.
 *
 * Kafka outages (a broker restart, a failover): a batch that fails with a transient error is sent
 * again, the same batch before anything after it, until it succeeds or `kafka.outageTimeoutMs`
 * (default {@link KAFKA_OUTAGE_TIMEOUT_MS}) has passed since it was first sent; then the failure is
 * fatal (the worker exits, having confirmed nothing the batch holds). kafkajs's own retries alone
 * end after an arbitrary 13–45 s.
 */
import { CompressionTypes, Kafka, Producer, ITopicConfig, Admin, ICustomPartitioner } from 'kafkajs';
import { KAFKA_OUTAGE_TIMEOUT_MS, ResolvedCdcWorkerConfig } from '../core/config';
import type { CdcSink, Checkpoint, QueueItem, SinkEvents } from '../core/sink';
import { KafkaSinkConfig, kafkaClientConfig } from './client';
import { OffsetsReadError, isTransientKafkaError } from './errors';
import { javaCompatiblePartitioner } from './partitioner';

export type { QueueItem, SinkEvents };
export { isTransientKafkaError, kafkaClientConfig };
export type { KafkaSinkConfig };

/** A message as the sink hands it to kafkajs. */
type Message = { key: string | null; value: string | null; headers?: Record<string, string> };
type TopicMessages = { topic: string; messages: Message[] };

/**
 * How the sink delivers: `delivery.mode` and, for exactly-once, where the position goes: the
 * offsets topic, the transactional id, and `positionKey`, the key of this source's records in the
 * offsets topic (one per source: a PostgreSQL slot, a MySQL/MariaDB server's topic prefix).
 */
export type SinkDelivery = Pick<ResolvedCdcWorkerConfig['delivery'], 'mode' | 'offsetsTopic' | 'transactionalId'> & {
  positionKey: string;
  retryBackoffMs?: number;
};

export class KafkaSink implements CdcSink {
  private readonly kafka: Kafka;
  private producer: Producer;
  /** Exactly-once: names each Kafka transaction in its offsets record, to tell after a failure whether it committed. */
  private readonly instanceId = `${process.pid}-${Date.now().toString(36)}`;
  private txnSeq = 0;
  /** Exactly-once: the name of the last committed transaction in the offsets topic (null: none or unnamed; undefined: not known yet). */
  private lastCommittedTxn: string | null | undefined = undefined;
  private readonly outageTimeoutMs: number;
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
    private readonly cfg: KafkaSinkConfig,
    private readonly maxBuffered: number,
    private readonly events: SinkEvents,
    private readonly delivery: SinkDelivery = { mode: 'at-least-once', offsetsTopic: '', transactionalId: '', positionKey: '' },
  ) {
    this.kafka = new Kafka(kafkaClientConfig(cfg));
    this.exactlyOnce = delivery.mode === 'exactly-once';
    this.outageTimeoutMs = cfg.outageTimeoutMs ?? KAFKA_OUTAGE_TIMEOUT_MS;
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    const common = {
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: javaCompatiblePartitioner as unknown as ICustomPartitioner,
    };
    return this.exactlyOnce ? this.kafka.producer({ ...common, transactionalId: this.delivery.transactionalId }) : this.kafka.producer(common);
  }

  /**
   * Exactly-once mode: the source position stored with the last committed Kafka transaction
   * (null if none). Call after {@link connect}, which fences and aborts a previous instance's open transaction.
   */
  async storedPosition(): Promise<bigint | null> {
    const stored = await this.storedRecord();
    this.lastCommittedTxn = stored?.txn ?? null;
    return stored?.position ?? null;
  }

  /** The last committed offsets record of this source: its position and the name of its Kafka transaction. */
  private async storedRecord(): Promise<{ position: bigint; txn?: string } | null> {
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
    let position: { position: bigint; txn?: string } | null = null;
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
            if (m.key?.toString() === this.delivery.positionKey && m.value) {
              const v = JSON.parse(m.value.toString());
              position = { position: BigInt(v.lsn), txn: v.txn };
            }
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
      const byTopic = new Map<string, Message[]>();
      let count = 0;
      let bytes = 0;
      let lastCheckpoint: Checkpoint | null = null;
      const checkpoints: Checkpoint[] = [];
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
        lastCheckpoint = this.queue[this.head++] as Checkpoint;
        checkpoints.push(lastCheckpoint);
      }
      this.inFlight = this.head - start;
      const t0 = Date.now();
      if (count > 0 || (this.exactlyOnce && lastCheckpoint)) {
        const topicMessages = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
        if (!(await this.sendWithRetries(topicMessages, lastCheckpoint, compression))) return;
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

  /**
   * Sends one batch (exactly-once: as one Kafka transaction with the position), retrying through a
   * Kafka outage. False when it failed for good: then onFatal has been called and the loop must end.
   */
  private async sendWithRetries(topicMessages: TopicMessages[], lastCheckpoint: Checkpoint | null, compression: CompressionTypes): Promise<boolean> {
    // the outage is counted from the batch's first send (kafkajs retries inside an attempt first)
    const started = Date.now();
    let failed = false;
    const sent = { txn: '' };
    let attempt = 1;
    for (; ; attempt++) {
      try {
        await this.sendAttempt(topicMessages, lastCheckpoint, compression, attempt, sent);
        break;
      } catch (e) {
        failed = true;
        const outageMs = Date.now() - started;
        if (this.failedForGood(e, outageMs)) return false;
        this.events.onRetry?.(e as Error, attempt, outageMs);
        const base = this.delivery.retryBackoffMs ?? 1000;
        await new Promise((r) => setTimeout(r, Math.min(base * 2 ** (attempt - 1), 10 * base)));
      }
    }
    if (this.exactlyOnce && sent.txn) this.lastCommittedTxn = sent.txn;
    if (failed) this.events.onRecovered?.(Date.now() - started, attempt);
    return true;
  }

  /** One attempt at a batch; `sent.txn` names the Kafka transaction it was last sent in (exactly-once). */
  private async sendAttempt(
    topicMessages: TopicMessages[],
    lastCheckpoint: Checkpoint | null,
    compression: CompressionTypes,
    attempt: number,
    sent: { txn: string },
  ): Promise<void> {
    // the failed attempt may have committed, only its reply lost: then it is delivered
    if (this.exactlyOnce && attempt > 1 && (await this.refence(sent.txn))) return;
    await this.ensureTopics(topicMessages.map((t) => t.topic));
    if (!this.exactlyOnce) {
      await this.producer.sendBatch({ acks: -1, compression, topicMessages });
      return;
    }
    const txn = (sent.txn = `${this.instanceId}-${++this.txnSeq}`);
    const withPosition = [
      ...topicMessages,
      {
        topic: this.delivery.offsetsTopic,
        // the field is `lsn` in stored records (written by the PostgreSQL worker from the start): kept so they load
        messages: [
          { key: this.delivery.positionKey, value: JSON.stringify({ lsn: String(lastCheckpoint!.checkpoint), ts_ms: Date.now(), txn }), headers: undefined },
        ],
      },
    ];
    const t = await this.producer.transaction();
    let committing = false;
    try {
      await t.sendBatch({ acks: -1, compression, topicMessages: withPosition });
      committing = true;
      await t.commit();
    } catch (e) {
      // before the commit it cannot have committed: abort (best effort; the next producer fences it anyway)
      if (!committing) await t.abort().catch(() => undefined);
      throw e;
    }
    this.lastCommittedTxn = txn;
  }

  /**
   * Exactly-once, after a failed attempt: a new producer with the same transactional id fences the
   * old one; the coordinator finishes its open transaction (commits it if the commit had been
   * written, else aborts). True if the failed transaction `txn` committed.
   */
  private async refence(txn: string): Promise<boolean> {
    await this.producer.disconnect().catch(() => undefined);
    this.producer = this.newProducer();
    await this.producer.connect();
    const stored = (await this.storedRecord())?.txn ?? null;
    if (stored === txn) return true;
    if (this.lastCommittedTxn !== undefined && stored !== this.lastCommittedTxn) {
      throw new OffsetsReadError(`the offsets topic shows transaction ${stored}, neither the failed ${txn} nor the last committed ${this.lastCommittedTxn}`);
    }
    return false;
  }

  /** A send failed: true (and onFatal called, the loop stopped) unless it is transient, within the outage time-out and not stopping. */
  private failedForGood(e: unknown, outageMs: number): boolean {
    const transient = isTransientKafkaError(e);
    if (transient && outageMs < this.outageTimeoutMs && this.running) return false;
    const why = !transient
      ? ''
      : outageMs >= this.outageTimeoutMs
        ? ` (Kafka unavailable for ${Math.round(outageMs / 1000)} s, beyond kafka.outageTimeoutMs ${this.outageTimeoutMs})`
        : ' (while stopping)';
    this.running = false;
    this.inFlight = 0;
    this.events.onFatal(new Error(`Kafka produce failed${why}: ${(e as Error).message}`));
    return true;
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

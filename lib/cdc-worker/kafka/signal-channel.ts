/**
 * Debezium's Kafka signal channel (`signal.kafka.topic`): messages keyed by the topic prefix, value
 * `{"type": …, "data": {…}}`. Each is checked, then handed on (the PostgreSQL engine writes it to
 * the signal table, so it reaches the worker through the stream in order with the changes); the
 * consumer group's offset moves only after that, and the signal's id (`kafka-<partition>-<offset>`)
 * makes a message read twice one signal.
 */
import { Consumer, Kafka } from 'kafkajs';
import { SignalError, parseKafkaSignal } from '../core/signals';
import type { EngineContext } from '../core/worker';
import { kafkaClientConfig } from './client';

export class KafkaSignalChannel {
  private consumer: Consumer | null = null;

  constructor(
    private readonly ctx: EngineContext,
    readonly topic: string,
    private readonly deliver: (s: { id: string; type: string; data: string | null }) => Promise<void>,
  ) {}

  async start(): Promise<void> {
    const { cfg, log } = this.ctx;
    try {
      await this.ctx.sink.ensureTopics([this.topic]);
    } catch (e) {
      log.warn({ err: (e as Error).message, topic: this.topic }, 'could not create the signal topic; it must exist already');
    }
    const kafka = new Kafka(kafkaClientConfig(cfg.kafka));
    this.consumer = kafka.consumer({ groupId: `${cfg.delivery.transactionalId}-signals` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: true,
      eachMessage: async ({ partition, message }) => {
        const m = { key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, partition, offset: message.offset };
        let signal;
        try {
          signal = parseKafkaSignal(m, cfg.output.topicPrefix);
        } catch (e) {
          if (!(e instanceof SignalError)) throw e;
          this.ctx.metrics.errors.inc({ kind: 'signal' });
          log.error({ err: e.message, topic: this.topic }, 'signal ignored');
          return;
        }
        if (!signal) return; // another connector's
        await this.deliver(signal);
        log.info({ id: signal.id, type: signal.type, topic: this.topic }, 'signal received from Kafka');
      },
    });
    log.info({ topic: this.topic }, 'reading signals from Kafka');
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    await c?.disconnect().catch(() => undefined);
  }
}

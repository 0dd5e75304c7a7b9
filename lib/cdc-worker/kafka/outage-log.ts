import type { Logger } from 'pino';
import type { SinkEvents } from '../core/sink';

/** Log lines of a Kafka outage the sink rides through (both workers; the fault tests look for them). */
export const KAFKA_RETRY_LINE = 'Kafka unavailable; sending the batch again';
export const KAFKA_RECOVERED_LINE = 'Kafka available again; batch delivered';

/**
 * The sink's outage callbacks, the same for every source: a warning each time a batch is sent
 * again (with the error, the attempt, how long Kafka has been unavailable and when the worker will
 * give up: `kafka.outageTimeoutMs`), and a line when it went through. Reading pauses meanwhile.
 */
export function kafkaOutageLog(log: Logger, giveUpAfterMs: number): Required<Pick<SinkEvents, 'onRetry' | 'onRecovered'>> {
  return {
    onRetry: (err, attempt, outageMs) => log.warn({ err: err.message, attempt, outageMs, giveUpAfterMs }, KAFKA_RETRY_LINE),
    onRecovered: (outageMs, attempts) => log.info({ outageMs, attempts }, KAFKA_RECOVERED_LINE),
  };
}

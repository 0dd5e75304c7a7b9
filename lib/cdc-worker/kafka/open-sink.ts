/**
 * The sink the lifecycle opens for every engine: the Kafka sink with its outage log lines, behind
 * the sensitive-data screen when `detection` is on.
 */
import type { SinkFactory } from '../core/worker';
import { kafkaOutageLog } from './outage-log';
import { withDetection } from './screened-sink';
import { KafkaSink } from './sink';

export const openKafkaSink: SinkFactory = ({ cfg, log, metrics, positionKey, events, onDetectFatal }) => {
  const { delivery } = cfg;
  const kafka = new KafkaSink(
    cfg.kafka,
    delivery.maxBufferedEvents,
    // a Kafka outage: the sink sends the batch again (up to kafka.outageTimeoutMs); reading pauses meanwhile
    { ...events, ...kafkaOutageLog(log, cfg.kafka.outageTimeoutMs) },
    { ...delivery, positionKey },
  );
  return withDetection(kafka, cfg.detection, delivery.maxBufferedEvents, metrics, onDetectFatal);
};

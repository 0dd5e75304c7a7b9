/** Which Kafka errors are an outage to ride through, and which are fatal at once. */

/** Exactly-once: the offsets topic read back after a failure shows neither the failed transaction nor the last committed one (a read that ended early): read again. */
export class OffsetsReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OffsetsReadError';
  }
}

/** kafkajs errors meaning Kafka is unreachable or moving for now (a broker restart, a leader election). */
const TRANSIENT_KAFKA_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  OffsetsReadError.name,
]);

/**
 * True when `err` or an error it wraps (kafkajs gives up with `KafkaJSNumberOfRetriesExceeded` /
 * `KafkaJSNonRetriableError` around the cause) says Kafka is unavailable for now. Authentication,
 * authorization, fencing by another instance, oversized records and anything not from kafkajs are
 * not transient: retrying them would only hide the problem.
 */
export function isTransientKafkaError(err: unknown): boolean {
  let e = err as { name?: string; retriable?: boolean; cause?: unknown; originalError?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e.name && TRANSIENT_KAFKA_ERRORS.has(e.name)) return true;
    // e.g. NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS
    if (e.name === 'KafkaJSProtocolError' && e.retriable === true) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

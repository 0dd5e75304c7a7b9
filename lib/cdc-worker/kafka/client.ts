/** The kafkajs client settings every Kafka client of the worker uses (sink, offsets store). */
import { KafkaConfig, SASLOptions, logLevel, ISocketFactory } from 'kafkajs';
import { connect as netConnect, isIP } from 'net';
import { connect as tlsConnect } from 'tls';
import { KAFKA_REQUEST_TIMEOUT_MS, ResolvedCdcWorkerConfig } from '../core/config';

/** The `kafka` section as the sink reads it (`outageTimeoutMs` may be left out: the default `KAFKA_OUTAGE_TIMEOUT_MS` applies). */
export type KafkaSinkConfig = Omit<ResolvedCdcWorkerConfig['kafka'], 'outageTimeoutMs'> & { readonly outageTimeoutMs?: number };

/**
 * kafkajs's sockets keep Nagle's algorithm on; Kafka's Java client turns it off (TCP_NODELAY), so
 * a small produce request (one transaction at a low rate) is never held back waiting for the ACK
 * of earlier bytes. Otherwise as kafkajs's own factory: TLS with SNI for host names, keep-alive.
 */
export const lowLatencySocket: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect) : netConnect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60000);
  socket.setNoDelay(true);
  return socket;
};

export function kafkaClientConfig(cfg: KafkaSinkConfig): KafkaConfig {
  return {
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    ssl: cfg.ssl,
    sasl: cfg.sasl ? ({ mechanism: cfg.sasl.mechanism, username: cfg.sasl.username, password: cfg.sasl.password } as SASLOptions) : undefined,
    logLevel: logLevel.NOTHING,
    socketFactory: lowLatencySocket,
    connectionTimeout: 10000,
    requestTimeout: KAFKA_REQUEST_TIMEOUT_MS,
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10000 },
  };
}

/** pino JSON logs, with `severity` for Cloud Logging and passwords redacted. */
import pino, { Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'cdc-worker' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Cloud Logging reads `severity`; keep `level` as text for everyone else.
    formatters: { level: (label) => ({ level: label, severity: label === 'warn' ? 'WARNING' : label.toUpperCase() }) },
    redact: { paths: ['*.password', '*.*.password', '*.*.*.password'], censor: '[redacted]' },
  });
}

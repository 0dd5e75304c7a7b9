/**
 * The settings of issue 19 item 4 in the worker's configuration: `source.slotMonitorIntervalMs`
 * and `output.heartbeatActionQuery` (Debezium's `heartbeat.action.query`).
 */
import { ConfigError, validateConfig } from '../../../lib/cdc-worker/config';

const base = (source: object = {}, output: object = {}) => ({
  source: { host: 'db', database: 'shop', user: 'cdc', tables: ['public.orders'], ...source },
  kafka: { brokers: ['k:9092'] },
  output: { topicPrefix: 'shop', ...output },
});

const problemsOf = (raw: unknown): string[] => {
  try {
    validateConfig(raw);
    return [];
  } catch (e) {
    return (e as ConfigError).problems;
  }
};

describe('protection of the log: configuration', () => {
  test('defaults: the slot read every 30 s, no heartbeat action query', () => {
    const c = validateConfig(base());
    expect(c.source.slotMonitorIntervalMs).toBe(30000);
    expect(c.output.heartbeatActionQuery).toBe('');
  });

  test('a heartbeat action query with heartbeats on a PostgreSQL source is accepted', () => {
    const q = "SELECT pg_logical_emit_message(false, 'heartbeat', now()::text)";
    const c = validateConfig(base({ slotMonitorIntervalMs: 0 }, { heartbeatIntervalMs: 5000, heartbeatActionQuery: q }));
    expect(c.output.heartbeatActionQuery).toBe(q);
    expect(c.source.slotMonitorIntervalMs).toBe(0);
  });

  test('a heartbeat action query without heartbeats, or on a binlog source, is refused naming both fields', () => {
    expect(problemsOf(base({}, { heartbeatActionQuery: 'SELECT 1' }))).toEqual([
      'output.heartbeatActionQuery needs source.engine "postgres" and output.heartbeatIntervalMs > 0 (got engine "postgres", heartbeatIntervalMs 0)',
    ]);
    expect(problemsOf(base({ engine: 'mariadb', tables: ['shop.orders'] }, { heartbeatIntervalMs: 1000, heartbeatActionQuery: 'SELECT 1' }))).toEqual([
      'output.heartbeatActionQuery needs source.engine "postgres" and output.heartbeatIntervalMs > 0 (got engine "mariadb", heartbeatIntervalMs 1000)',
    ]);
    expect(problemsOf(base({ slotMonitorIntervalMs: -1 }))).toEqual(['source.slotMonitorIntervalMs must be >= 0 (got -1)']);
  });
});

import { ConfigError, validateConfig } from '../../../lib/cdc-worker/config';

const base = {
  source: { host: 'db', database: 'inventory', user: 'cdc', tables: ['public.orders'] },
  kafka: { brokers: ['k:9092'] },
  output: { topicPrefix: 'shop' },
};

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('cdc-worker config: signal and snapshotMode', () => {
  test('signal: the table, the Kafka topic and the chunk size (default 1024, as Debezium)', () => {
    const c = validateConfig({ ...base, signal: { table: 'public.debezium_signal', kafkaTopic: 'shop.signals' } });
    expect(c.signal).toEqual({ table: 'public.debezium_signal', kafkaTopic: 'shop.signals', chunkSize: 1024 });
    expect(validateConfig(base).signal).toBeUndefined();
  });

  test.each(['initial', 'never', 'no_data', 'initial_only', 'when_needed'])('snapshotMode %s is accepted on postgres', (mode) => {
    expect(validateConfig({ ...base, source: { ...base.source, snapshotMode: mode } }).source.snapshotMode).toBe(mode);
  });

  test('bad signal settings name the property, the value and what is allowed', () => {
    expect(problemsOf({ ...base, signal: { table: 'debezium_signal', chunkSize: 0, colour: 1 } })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^signal\.table must match pattern .* \(got "debezium_signal"\)$/),
        'signal.chunkSize must be >= 1 (got 0)',
        'signal.colour is not a known field',
      ]),
    );
    expect(problemsOf({ ...base, signal: {} })).toEqual(['signal.table is required']);
    expect(problemsOf({ ...base, signal: { table: 'public.orders' } })).toEqual([
      'signal.table must not be one of source.tables (got "public.orders"): its rows are signals, not events',
    ]);
  });

  test('MySQL/MariaDB: signals are accepted; the PostgreSQL-only snapshot modes are refused with the way out', () => {
    const mysql = {
      ...base,
      source: { ...base.source, engine: 'mariadb', tables: ['shop.orders'], snapshotMode: 'when_needed' },
      signal: { table: 'shop.debezium_signal' },
    };
    expect(problemsOf(mysql)).toEqual([
      'source.snapshotMode "when_needed" is supported with source.engine "postgres" only (got source.engine "mariadb"); allowed: "initial", "no_data", "never"',
    ]);
    expect(validateConfig({ ...mysql, source: { ...mysql.source, snapshotMode: 'no_data' } }).signal).toEqual({
      table: 'shop.debezium_signal',
      chunkSize: 1024,
    });
    expect(problemsOf({ ...mysql, source: { ...mysql.source, snapshotMode: 'no_data' }, signal: { table: 'shop.orders' } })).toEqual([
      'signal.table must not be one of source.tables (got "shop.orders"): its rows are signals, not events',
    ]);
  });
});

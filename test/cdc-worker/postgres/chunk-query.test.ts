import { runningXids, signalTableDdl } from '../../../lib/cdc-worker/postgres/chunk-query';

describe('postgres chunk query helpers', () => {
  test('runningXids: the xip list of pg_current_snapshot as pgoutput xids (32-bit, after wraparound epochs)', () => {
    expect(runningXids('100:105:')).toEqual([]);
    expect(runningXids('100:105:100,103')).toEqual(['100', '103']);
    expect(runningXids(`${2n ** 32n + 7n}:${2n ** 32n + 9n}:${2n ** 32n + 7n}`)).toEqual(['7']);
  });

  test("signalTableDdl: Debezium's columns, quoted names", () => {
    expect(signalTableDdl('public.debezium_signal')).toBe(
      'CREATE TABLE IF NOT EXISTS "public"."debezium_signal" (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048) NULL)',
    );
  });
});

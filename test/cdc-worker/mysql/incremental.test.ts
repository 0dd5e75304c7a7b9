import { kafkaSignalRowId } from '../../../lib/cdc-worker/mysql/incremental';

describe('mysql incremental snapshots: Kafka signal rows', () => {
  test("a Kafka signal's row id is stable for one topic and differs between topics sharing the signal table", () => {
    const a = kafkaSignalRowId('shop.signals', 'kafka-0-17');
    expect(a).toMatch(/^kafka-[0-9a-f]{8}-0-17$/);
    expect(kafkaSignalRowId('shop.signals', 'kafka-0-17')).toBe(a);
    expect(kafkaSignalRowId('other.signals', 'kafka-0-17')).not.toBe(a);
    expect(kafkaSignalRowId('shop.signals', `kafka-12-${'9'.repeat(40)}`).length).toBeLessThanOrEqual(42);
  });
});

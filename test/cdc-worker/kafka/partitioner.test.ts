/** Java-compatible partitioning: the worker's keyed records land on the partition a Java producer would choose. */
import { javaCompatiblePartitioner, murmur2 } from '../../../lib/cdc-worker/kafka/partitioner';

describe('murmur2 partitioner', () => {
  // kafkajs's (slow, Long-based) Java-compatible murmur2 is the reference
  const reference = jest.requireActual('kafkajs/src/producer/partitioners/default/murmur2');
  test('matches the reference for keys of every length remainder', () => {
    for (let i = 0; i < 500; i++) {
      const key = Buffer.from(`{"id":${i * 7919}}` + 'x'.repeat(i % 5));
      expect(murmur2(key)).toBe(reference(key));
    }
    expect(murmur2(Buffer.from(''))).toBe(reference(Buffer.from('')));
  });
  test('partitions keyed records like Java, unkeyed round robin', () => {
    const p = javaCompatiblePartitioner();
    const meta = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1 }));
    expect(p({ partitionMetadata: meta, message: { key: '{"id":1}' } })).toBe((reference(Buffer.from('{"id":1}')) & 0x7fffffff) % 3);
    expect([0, 1, 2].map(() => p({ partitionMetadata: meta, message: { key: null } })).sort()).toEqual([0, 1, 2]);
  });
});

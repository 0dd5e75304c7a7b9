/** Java-compatible partitioning, so that the worker's records land where a Java producer's would. */
/**
 * Kafka's murmur2 (Java `Utils.murmur2`) in 32-bit integer arithmetic. Same result as kafkajs's
 * default partitioner, which spends its time in 64-bit `Long` emulation.
 */
export function murmur2(data: Buffer): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const rest = length & ~3;
  const tail = length % 4;
  if (tail === 3) h ^= data[rest + 2] << 16;
  if (tail >= 2) h ^= data[rest + 1] << 8;
  if (tail >= 1) {
    h ^= data[rest];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Keyed records: `toPositive(murmur2(key)) % partitions`, as Java producers; unkeyed: round robin. */
export const javaCompatiblePartitioner = () => {
  let counter = 0;
  return ({
    partitionMetadata,
    message,
  }: {
    partitionMetadata: { partitionId: number; leader: number }[];
    message: { key?: Buffer | string | null; partition?: number | null };
  }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) {
      const key = Buffer.isBuffer(message.key) ? message.key : Buffer.from(String(message.key));
      return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
    }
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const list = available.length ? available : partitionMetadata;
    return list[(counter++ & 0x7fffffff) % list.length].partitionId;
  };
};

// Pure and dependency-free: imported by the broker core (src/core/topics/partitioner.ts) and by the SDK
// (src/client), which must agree on the partition of every key. Nothing may be imported here.
// Kafka's default key partitioner. A record with a key goes to
//   Utils.toPositive(Utils.murmur2(keyBytes)) % numPartitions
// (Java: org.apache.kafka.clients.producer.internals.BuiltInPartitioner.partitionForKey, formerly
// DefaultPartitioner.partition). Matching it bit for bit means a key lands on the same partition
// number here as it would from any Kafka client using the default partitioner (kafkajs's
// DefaultPartitioner, librdkafka's "murmur2_random"), so keyed data can move between systems.

const SEED = 0x9747b28c;
// Mixing constants of MurmurHash2, as in Kafka's Utils.murmur2.
const M = 0x5bd1e995;
const R = 24;

/**
 * MurmurHash2 (32-bit) exactly as Kafka's `Utils.murmur2(byte[])`: seed 0x9747b28c, little-endian
 * 4-byte blocks, signed 32-bit result. Java's int arithmetic wraps mod 2^32; Math.imul and the
 * bitwise operators reproduce that, and `>>>` is Java's unsigned shift.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length >>> 2;

  for (let i = 0; i < blocks; i++) {
    const i4 = i << 2;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // The Java switch on (length % 4) falls through 3 -> 2 -> 1; written as ifs because the
  // tsconfig forbids switch fallthrough.
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) {
    h ^= data[tail];
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition Kafka's default partitioner picks for `key`: `(murmur2(key) & 0x7fffffff) % n`.
 * Kafka's `toPositive` masks the sign bit rather than taking Math.abs (abs(MIN_VALUE) is negative).
 */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  }
  return (murmur2(key) & 0x7fffffff) % partitions;
}

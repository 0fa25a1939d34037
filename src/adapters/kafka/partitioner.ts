import { randomInt } from 'node:crypto';
import type { ICustomPartitioner, PartitionerArgs } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which its default partitioner and
 * kafkajs' both use for keyed records), in 32-bit integer arithmetic. kafkajs computes the
 * same hash with a 64-bit Long class: about 10 µs per key, measured in the splitter's
 * profile, where every device event has a key. This takes well under 1 µs.
 * test/unit/kafka/partitioner.test.ts checks that it agrees with kafkajs' on random keys.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4]! | (data[i4 + 1]! << 8) | (data[i4 + 2]! << 16) | (data[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2]! << 16;
  if (rest >= 2) h ^= data[tail + 1]! << 8;
  if (rest >= 1) {
    h ^= data[tail]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of a key among `partitions`, as the Java client and kafkajs choose it. */
export function partitionOfKey(key: Buffer | string, partitions: number): number {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return (murmur2(bytes) & 0x7fffffff) % partitions;
}

/**
 * kafkajs' default partitioner with the fast hash, for every producer of ours. It gives
 * the same partitions. A message's explicit partition wins. A keyed message goes to
 * murmur2(key) modulo the partition count. A message without a key goes round robin over
 * the partitions that have a leader.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }: PartitionerArgs): number => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    if (message.key !== null && message.key !== undefined) return partitionOfKey(message.key, partitionMetadata.length);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    const pool = available.length > 0 ? available : partitionMetadata;
    const next = ((counters.get(topic) ?? randomInt(0, 2 ** 31)) + 1) & 0x7fffffff;
    counters.set(topic, next);
    return pool[next % pool.length]!.partitionId;
  };
};

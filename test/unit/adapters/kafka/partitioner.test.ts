import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { keyPartitioner, murmur2, partitionOfKey } from '../../../../src/adapters/kafka/partitioner.js';

// kafkajs' own hash and partitioner, to check that ours put every key where kafkajs (and
// the Java client) did: the topics already hold records placed by them.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer | string) => number;
const kafkajsDefault = require('kafkajs/src/producer/partitioners/default/index.js') as () => (a: unknown) => number;

const meta = (n: number) => Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));

describe('murmur2 and the key partitioner', () => {
  it('agree with kafkajs on random keys of every length up to 80 bytes, as bytes and as text', () => {
    for (let len = 0; len <= 80; len++) {
      for (let k = 0; k < 40; k++) {
        const bytes = randomBytes(len);
        expect(murmur2(bytes)).toBe(kafkajsMurmur2(bytes));
        const text = `${bytes.toString('base64').slice(0, len)}é|INST-${k}`;
        expect(murmur2(Buffer.from(text, 'utf8'))).toBe(kafkajsMurmur2(text));
      }
    }
  });

  it('matches the Java client on known keys', () => {
    // Values of org.apache.kafka.common.utils.Utils.murmur2 (as in Kafka's UtilsTest).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from([0x61, 0x62, 0x63]))).toBe(479470107);
  });

  it('puts keyed messages on the partitions kafkajs\' default partitioner chose; an explicit partition wins', () => {
    const ours = keyPartitioner();
    const theirs = kafkajsDefault();
    for (const n of [1, 2, 4, 6, 12, 48]) {
      for (let k = 0; k < 200; k++) {
        const key = k % 2 === 0 ? `90b3d51f30020001/FILE-${k}|INST-${String(k).padStart(7, '0')}` : randomBytes(1 + (k % 50));
        const args = { topic: 't', partitionMetadata: meta(n), message: { key, value: 'v' } };
        expect(ours(args)).toBe(theirs(args));
        expect(partitionOfKey(key, n)).toBe(theirs(args));
      }
    }
    expect(ours({ topic: 't', partitionMetadata: meta(4), message: { key: 'k', value: 'v', partition: 3 } })).toBe(3);
  });

  it('spreads messages without a key over the partitions that have a leader', () => {
    const ours = keyPartitioner();
    const partitionMetadata = meta(4).map((p) => (p.partitionId === 2 ? { ...p, leader: -1 } : p));
    const seen = new Set<number>();
    for (let k = 0; k < 30; k++) seen.add(ours({ topic: 't', partitionMetadata, message: { key: null, value: 'v' } }));
    expect([...seen].sort()).toEqual([0, 1, 3]);
  });
});

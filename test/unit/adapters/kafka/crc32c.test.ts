import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../../src/adapters/kafka/crc32c.js';

const require = createRequire(import.meta.url);
/** kafkajs' own byte-at-a-time implementation, which ours replaces in record batches. */
const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

describe('crc32c (slicing by 8)', () => {
  it('gives the standard check value and kafkajs\' results on every length and offset', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    for (let len = 0; len < 200; len++) {
      const b = randomBytes(len + 3).subarray(3); // not 8-aligned in its ArrayBuffer
      expect(crc32c(b)).toBe(kafkajsCrc(b) >>> 0);
    }
    for (const len of [4096, 65_537, 1_000_003]) {
      const b = randomBytes(len);
      expect(crc32c(b)).toBe(kafkajsCrc(b) >>> 0);
    }
  });

  it('is the function kafkajs uses for record batches once the adapter has loaded it', async () => {
    await import('../../../../src/adapters/kafka/kafkajs.js');
    const inUse = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
    const b = randomBytes(1000);
    expect(inUse(b)).toBe(crc32c(b));
    expect(inUse).toBe(crc32c);
  });
});

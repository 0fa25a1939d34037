import { describe, expect, it } from 'vitest';
import { DEVICE_CRYPTO_CODES, type DeviceCryptoBatch, type DeviceCryptoResult } from '../../../../src/core/contracts/device-crypto.js';
import { packBatch, packResults, unpackBatch, unpackResults } from '../../../../src/adapters/pool/wire.js';

describe('batch wire form', () => {
  it('round-trips every field, null and empty strings and any characters included, through a clone', () => {
    const batch: DeviceCryptoBatch = {
      smso: 'MDS',
      createdAtSec: 1_700_000_000,
      items: [
        { deviceId: '00db000000000001', deviceType: 'ESME', certificate: 'MIIB', credential: 'BAAA' },
        { deviceId: null, deviceType: null, certificate: null, credential: null },
        { deviceId: '', deviceType: 'CHF', certificate: '', credential: 'x\u0000y\n\u00e9\ud83d\ude00\ud800' },
        { deviceId: '00db000000000002', deviceType: 'GSME', certificate: 'A'.repeat(5000), credential: null },
      ],
    };
    const wire = structuredClone(packBatch(batch));
    expect(unpackBatch(wire)).toEqual(batch);
    expect(wire.lengths).toBeInstanceOf(Int32Array);
    expect(unpackBatch(packBatch({ smso: 'X', createdAtSec: 0, items: [] }))).toEqual({ smso: 'X', createdAtSec: 0, items: [] });
  });

  it('refuses a malformed batch rather than sending something else', () => {
    expect(() => packBatch({ smso: 'MDS', createdAtSec: 0, items: null } as unknown as DeviceCryptoBatch)).toThrow();
    const numberId = { deviceId: 5, deviceType: null, certificate: null, credential: null };
    expect(() => packBatch({ smso: 'MDS', createdAtSec: 0, items: [numberId] } as unknown as DeviceCryptoBatch)).toThrow(TypeError);
    const missing = { deviceId: null, deviceType: null, certificate: null };
    expect(() => packBatch({ smso: 'MDS', createdAtSec: 0, items: [missing] } as unknown as DeviceCryptoBatch)).toThrow(TypeError);
  });
});

describe('results wire form', () => {
  it('round-trips every subset of the codes in catalogue order', () => {
    const all: DeviceCryptoResult[] = [];
    for (let mask = 0; mask < 1 << DEVICE_CRYPTO_CODES.length; mask++) {
      all.push(DEVICE_CRYPTO_CODES.filter((_, i) => (mask & (1 << i)) !== 0));
    }
    const packed = packResults(all);
    expect(packed).not.toBeNull();
    expect(unpackResults(structuredClone(packed!))).toEqual(all);
    expect(unpackResults(packResults([])!)).toEqual([]);
  });

  it('gives null (send the plain lists) for what it cannot represent exactly', () => {
    expect(packResults([['DEV_CERT_UNTRUSTED', 'DEV_CERT_PROFILE']])).toBeNull(); // out of order
    expect(packResults([[], ['DEV_CERT_EXPIRED', 'DEV_CERT_EXPIRED']])).toBeNull(); // repeated
    expect(packResults([['NOT_A_CODE' as never]])).toBeNull();
  });
});

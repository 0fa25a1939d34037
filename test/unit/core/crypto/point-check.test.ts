/**
 * isUncompressedPointAt (the per-device key check) and the 32-bit BigInt decoding must give
 * exactly what decodeUncompressedPoint gives, wherever the point sits in a buffer.
 */
import { createECDH } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { P, decodeUncompressedPoint, isOnCurve, isUncompressedPointAt } from '../../../../src/core/crypto/p256.js';

const coord = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
const point = (prefix: number, x: bigint, y: bigint) => Buffer.concat([Buffer.from([prefix]), coord(x), coord(y)]);
const SMALL_X = { x: 5n, y: 0x459243b9aa581806fe913bce99817ade11ca503c64d9a3c533415c083248fbccn };
const SMALL_Y = { x: 0xd7325d7646cd60d80a92738ceb345f844cffaf35841022cab176f692de8de1d7n, y: 5n };

/** Both checks on `pt` placed at an odd offset inside a larger buffer. */
function both(pt: Buffer): [boolean, boolean] {
  const host = Buffer.concat([Buffer.from([0x30, 0x03, 0x04]), pt, Buffer.from([0xff, 0x00])]);
  return [isUncompressedPointAt(host, 3, 3 + pt.length), decodeUncompressedPoint(pt) !== null];
}

describe('isUncompressedPointAt', () => {
  it('decodes exact coordinates (32-bit steps) for generated keys and accepts them', () => {
    for (let i = 0; i < 50; i++) {
      const e = createECDH('prime256v1');
      e.generateKeys();
      const pub = e.getPublicKey();
      const pt = decodeUncompressedPoint(pub)!;
      expect(pt.x).toBe(BigInt('0x' + pub.subarray(1, 33).toString('hex')));
      expect(pt.y).toBe(BigInt('0x' + pub.subarray(33).toString('hex')));
      expect(both(pub)).toEqual([true, true]);
      expect(both(point(4, pt.x, P - pt.y))).toEqual([true, true]);
      expect(both(point(4, pt.x, pt.y ^ 1n))).toEqual([false, false]);
      expect(both(point(4, pt.x ^ 2n, pt.y))).toEqual([false, false]);
    }
  });

  it('accepts points with small coordinates and refuses them shifted by p', () => {
    expect(isOnCurve(SMALL_X) && isOnCurve(SMALL_Y)).toBe(true);
    expect(both(point(4, SMALL_X.x, SMALL_X.y))).toEqual([true, true]);
    expect(both(point(4, SMALL_Y.x, SMALL_Y.y))).toEqual([true, true]);
    expect(both(point(4, SMALL_X.x + P, SMALL_X.y))).toEqual([false, false]);
    expect(both(point(4, SMALL_Y.x, SMALL_Y.y + P))).toEqual([false, false]);
  });

  it('refuses other prefixes, other lengths, zero and out-of-range values', () => {
    const { x, y } = SMALL_X;
    for (const prefix of [0, 2, 3, 5, 6, 7, 0x84]) expect(both(point(prefix, x, y))).toEqual([false, false]);
    expect(both(point(4, 0n, 0n))).toEqual([false, false]);
    expect(both(point(4, P, P))).toEqual([false, false]);
    expect(both(Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)]))).toEqual([false, false]);
    const good = point(4, x, y);
    expect(both(good.subarray(0, 64))).toEqual([false, false]);
    expect(both(Buffer.concat([good, Buffer.from([0])]))).toEqual([false, false]);
    expect(both(Buffer.alloc(0))).toEqual([false, false]);
  });
});

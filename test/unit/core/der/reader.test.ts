import { describe, expect, it } from 'vitest';
import {
  encodeOid, encodingsEqual, isValidInteger, isValidOid, readBitString, readBoolean, readChildren, readPositiveBigInt,
  readSingle, readTlv,
} from '../../../../src/core/der/reader.js';

const hex = (s: string) => Buffer.from(s.replace(/ /g, ''), 'hex');

describe('readTlv / readSingle', () => {
  it('reads short and long form lengths', () => {
    expect(readSingle(hex('04 02 aa bb'))).toEqual({ tag: 4, start: 0, contentStart: 2, end: 4 });
    const long = Buffer.concat([hex('04 81 80'), Buffer.alloc(128)]);
    expect(readSingle(long)).toEqual({ tag: 4, start: 0, contentStart: 3, end: 131 });
    const long2 = Buffer.concat([hex('04 82 01 00'), Buffer.alloc(256)]);
    expect(readSingle(long2)?.end).toBe(260);
  });
  it('rejects indefinite, overlong and non-minimal lengths, truncation and trailing bytes', () => {
    expect(readSingle(hex('30 80 00 00'))).toBeNull(); // indefinite
    expect(readSingle(hex('04 81 02 aa bb'))).toBeNull(); // long form for a short length
    expect(readSingle(Buffer.concat([hex('04 82 00 81'), Buffer.alloc(0x81)]))).toBeNull(); // leading zero
    expect(readSingle(hex('04 85 00 00 00 00 01 aa'))).toBeNull(); // too many length octets
    expect(readSingle(hex('04 03 aa bb'))).toBeNull(); // truncated
    expect(readSingle(hex('04 01 aa bb'))).toBeNull(); // trailing byte
    expect(readSingle(hex('1f 01 01 00'))).toBeNull(); // high tag number form
    expect(readSingle(hex('04'))).toBeNull();
    expect(readTlv(hex('04 01 aa bb'), 0, 4)?.end).toBe(3);
  });
  it('splits children that must fill the parent exactly', () => {
    const buf = hex('30 06 02 01 01 04 01 ff');
    expect(readChildren(buf, readSingle(buf)!)?.map((t) => t.tag)).toEqual([2, 4]);
    const bad = hex('30 06 02 01 01 04 02 ff');
    expect(readSingle(bad)).not.toBeNull();
    expect(readChildren(bad, readSingle(bad)!)).toBeNull();
    const prim = hex('04 00');
    expect(readChildren(prim, readSingle(prim)!)).toBeNull();
  });
});

describe('primitive values', () => {
  it('encodes and validates OIDs', () => {
    expect(Buffer.from(encodeOid('1.2.840.10045.4.3.2')).toString('hex')).toBe('2a8648ce3d040302');
    expect(Buffer.from(encodeOid('2.5.4.45')).toString('hex')).toBe('55042d');
    const ok = hex('06 03 55 04 2d');
    expect(isValidOid(ok, readSingle(ok)!)).toBe(true);
    for (const bad of ['06 00', '06 02 55 84', '06 03 55 80 01']) {
      const b = hex(bad);
      expect(isValidOid(b, readSingle(b)!)).toBe(false);
    }
  });
  it('reads DER booleans, integers and bit strings', () => {
    const t = hex('01 01 ff');
    expect(readBoolean(t, readSingle(t)!)).toBe(true);
    const f = hex('01 01 00');
    expect(readBoolean(f, readSingle(f)!)).toBe(false);
    const x = hex('01 01 01');
    expect(readBoolean(x, readSingle(x)!)).toBeNull();
    for (const [enc, valid] of [['02 01 00', true], ['02 02 00 80', true], ['02 02 00 7f', false], ['02 02 ff 80', false], ['02 00', false]] as const) {
      const b = hex(enc);
      expect(isValidInteger(b, readSingle(b)!)).toBe(valid);
    }
    const big = hex('02 03 00 ff 01');
    expect(readPositiveBigInt(big, readSingle(big)!)).toBe(0xff01n);
    const bs = hex('03 02 07 80');
    expect(readBitString(bs, readSingle(bs)!)).toEqual({ unusedBits: 7, dataStart: 3, end: 4 });
    for (const bad of ['03 01 01', '03 02 08 00', '03 00']) {
      const b = hex(bad);
      expect(readBitString(b, readSingle(b)!)).toBeNull();
    }
  });
});

describe('encodingsEqual', () => {
  it('compares two nodes of one buffer header and content', () => {
    const buf = hex('30 0c 04 02 aa bb 04 02 aa bb 04 02 aa bc 05 00');
    const [a, b, c, d] = readChildren(buf, readTlv(buf, 0, 14)!)!;
    expect(encodingsEqual(buf, a!, b!)).toBe(true);
    expect(encodingsEqual(buf, a!, a!)).toBe(true);
    expect(encodingsEqual(buf, a!, c!)).toBe(false); // last content byte differs
    expect(readTlv(buf, 14, 16)).toEqual({ tag: 5, start: 14, contentStart: 16, end: 16 });
    expect(encodingsEqual(buf, a!, readTlv(buf, 14, 16)!)).toBe(false); // other length
    expect(d).toBeUndefined();
  });
  it('sees a different header even with the same content', () => {
    const buf = hex('04 01 aa 03 01 aa');
    expect(encodingsEqual(buf, readTlv(buf, 0, 3)!, readTlv(buf, 3, 6)!)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalEui, decodeStrictBase64, stripXmlWhitespace } from '../../../src/core/values.js';

describe('canonicalEui', () => {
  it('canonicalises EUI-64 texts of mixed case', () => {
    expect(canonicalEui('00-DB-12-34-56-78-90-01')).toBe('00db123456789001');
    expect(canonicalEui('90-b3-D5-1f-30-01-00-08')).toBe('90b3d51f30010008');
  });
  it('rejects anything else', () => {
    for (const bad of ['00db123456789001', '00-DB-12-34-56-78-90', '00-DB-12-34-56-78-90-01-02', ' 00-DB-12-34-56-78-90-01',
      '00:DB:12:34:56:78:90:01', '0G-DB-12-34-56-78-90-01', '00-DB-12-34-56-78-90-01\n', '']) {
      expect(canonicalEui(bad)).toBeNull();
    }
  });
  it('agrees with the mcf-format.md syntax as a regular expression, character by character', () => {
    // The fast loop replaced this expression; every single-character change of a valid ID must be judged alike.
    const spec = /^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$/;
    const base = '0a-1B-2c-3D-4e-5F-6a-7b';
    const chars = ['0', '9', 'a', 'f', 'A', 'F', 'g', 'G', '-', ':', ' ', '/', '@', '`', '\u00e9', '\uff10', '\u0660'];
    for (let i = 0; i < base.length; i++) {
      for (const c of chars) {
        const text = base.slice(0, i) + c + base.slice(i + 1);
        expect(canonicalEui(text), text).toBe(spec.test(text) ? text.replaceAll('-', '').toLowerCase() : null);
      }
    }
  });
});

describe('decodeStrictBase64', () => {
  it('decodes padded RFC 4648 base64, tolerating non-zero pad bits', () => {
    expect(decodeStrictBase64('QUJD')?.toString()).toBe('ABC');
    expect(decodeStrictBase64('QUI=')?.toString()).toBe('AB');
    expect(decodeStrictBase64('QQ==')?.toString()).toBe('A');
    expect(decodeStrictBase64('QR==')?.toString()).toBe('A');
    expect(decodeStrictBase64('+/+/')).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
    expect(decodeStrictBase64('')?.length).toBe(0);
  });
  it('rejects missing padding, base64url, foreign characters and misplaced =', () => {
    for (const bad of ['QQ', 'QUI', 'QQ=', '-_-_', 'QU J', 'QUJD\n', 'Q===', '=QUJ', 'QQ==QUJD', 'QU=D', 'QUJD=', 'QUJ*']) {
      expect(decodeStrictBase64(bad)).toBeNull();
    }
  });
});

describe('stripXmlWhitespace', () => {
  it('removes only the four XML whitespace characters', () => {
    expect(stripXmlWhitespace(' Q\tU\r\nJ D ')).toBe('QUJD');
    expect(stripXmlWhitespace('QU\u00a0JD')).toBe('QU\u00a0JD');
  });
});

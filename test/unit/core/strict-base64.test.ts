/**
 * decodeStrictBase64 takes a round-trip fast path and falls back to the RFC 4648 regular
 * expression; it must accept and decode exactly what the regular expression alone did.
 */
import { describe, expect, it } from 'vitest';
import { decodeStrictBase64 } from '../../../src/core/values.js';

/** The former implementation, kept as the reference. */
function reference(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  return Buffer.from(text, 'base64');
}

const same = (text: string) => expect(decodeStrictBase64(text), JSON.stringify(text)).toEqual(reference(text));

describe('decodeStrictBase64 fast path and fallback', () => {
  it('agrees with the reference on every text of up to 4 characters over a tricky alphabet', () => {
    // Canonical and non-canonical final characters, base64url, padding, whitespace, non-ASCII.
    const alphabet = ['A', 'B', 'Q', 'R', 'g', '/', '+', '-', '_', '=', ' ', '\n', '\u00e9', '\u0000'];
    let texts = [''];
    for (let len = 1; len <= 4; len++) {
      texts = texts.flatMap((t) => alphabet.map((c) => t + c));
      for (const t of texts) same(t);
    }
  });

  it('falls back for valid text with non-zero pad bits, and decodes it the same', () => {
    expect(decodeStrictBase64('QR==')?.toString('hex')).toBe('41');
    expect(decodeStrictBase64('QUJ=')?.toString('hex')).toBe('4142');
    expect(Buffer.from('QR==', 'base64').toString('base64')).not.toBe('QR=='); // not the fast path
    same('QUJDQR==');
  });

  it('agrees on certificate-sized texts and their one-character corruptions', () => {
    let seed = 1;
    const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let n = 0; n < 200; n++) {
      const bytes = Buffer.alloc(next() % 600);
      for (let i = 0; i < bytes.length; i++) bytes[i] = next() & 0xff;
      const text = bytes.toString('base64');
      same(text);
      const at = next() % (text.length + 1);
      for (const c of ['=', '-', '_', ' ', '*', 'A', '\u00ff']) {
        same(text.slice(0, at) + c + text.slice(at + 1));
        same(text.slice(0, at) + c + text.slice(at));
      }
      same(text.slice(0, -1));
      same(text.replace(/=+$/, ''));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { parsePemBundle } from '../../../../src/core/x509/pem.js';

const block = (label: string, b64: string) => `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;

describe('parsePemBundle', () => {
  it('returns each block and allows only whitespace around them', () => {
    const r = parsePemBundle(`\n${block('CERTIFICATE', 'QUJD')}\r\n  ${block('CERTIFICATE', 'REVG\nR0g=')}`, 'CERTIFICATE');
    expect('ders' in r && r.ders.map((d) => d.toString())).toEqual(['ABC', 'DEFGH']);
    expect(parsePemBundle('', 'CERTIFICATE')).toEqual({ ders: [] });
  });
  it('rejects other labels, text between blocks and bad base64', () => {
    expect('error' in parsePemBundle(block('PRIVATE KEY', 'QUJD'), 'CERTIFICATE')).toBe(true);
    expect('error' in parsePemBundle(`hello\n${block('CERTIFICATE', 'QUJD')}`, 'CERTIFICATE')).toBe(true);
    expect('error' in parsePemBundle(`${block('CERTIFICATE', 'QUJD')}x`, 'CERTIFICATE')).toBe(true);
    expect('error' in parsePemBundle(block('CERTIFICATE', 'QUJ'), 'CERTIFICATE')).toBe(true);
    expect('error' in parsePemBundle('-----BEGIN CERTIFICATE-----\nQUJD\n-----END X509 CRL-----\n', 'CERTIFICATE')).toBe(true);
  });
});

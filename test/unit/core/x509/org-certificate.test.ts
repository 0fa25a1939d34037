import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../../src/core/x509/certificate.js';
import { parseOrgCertificate } from '../../../../src/core/x509/org-certificate.js';
import { parsePemBundle } from '../../../../src/core/x509/pem.js';
import { buildCert, cn, ext, keyUsage, newP256, oid, seq, set, bits, tlv, bool } from './test-certs.js';

const ORG = new URL('../../../../../shared/fixtures/smki/dccboxed-org/', import.meta.url);
function der(name: string): Buffer {
  const r = parsePemBundle(readFileSync(new URL(name, ORG), 'utf8'), 'CERTIFICATE');
  if (!('ders' in r) || r.ders.length !== 1) throw new Error(name);
  return r.ders[0]!;
}
const sec = (iso: string) => Date.parse(iso) / 1000;

describe('DCC Boxed organisation certificates', () => {
  const cases = [
    ['90b3d51f30000007-wanprovider-ds.cert.pem', '90b3d51f30000007'],
    ['90b3d51f30010000-supplier-ds.cert.pem', '90b3d51f30010000'],
    ['90b3d51f30010000-xmlsign-ds.cert.pem', '90b3d51f30010000'],
    ['90b3d51f30010008-loadcontroller-ds.cert.pem', '90b3d51f30010008'],
    ['90b3d51f30010009-mdr-ds.cert.pem', '90b3d51f30010009'],
  ] as const;

  it.each(cases)('%s has EUI %s and the validity Node reads', (file, eui) => {
    const d = der(file);
    const org = parseOrgCertificate(d);
    expect(org).not.toBeNull();
    expect(org!.eui).toBe(eui);
    expect(org!.mayDigitallySign).toBe(true);
    expect(org!.publicKey).not.toBeNull();
    const x = new X509Certificate(d);
    expect(org!.notBefore).toBe(sec(x.validFrom));
    expect(org!.notAfter).toBe(sec(x.validTo));
  });

  it('reads the documented validity ends', () => {
    expect(parseOrgCertificate(der('90b3d51f30010000-supplier-ds.cert.pem'))!.notAfter).toBe(sec('2025-10-29T23:59:59Z'));
    expect(parseOrgCertificate(der('90b3d51f30010000-xmlsign-ds.cert.pem'))!.notAfter).toBe(sec('2118-01-01T00:00:00Z'));
    expect(parseOrgCertificate(der('90b3d51f30010009-mdr-ds.cert.pem'))!.notAfter).toBe(sec('2033-12-20T00:00:00Z'));
  });

  it('accepts the explicit NULL parameters of the mdr-ds signature algorithm', () => {
    const parts = parseCertificate(der('90b3d51f30010009-mdr-ds.cert.pem'))!;
    expect(parts.signatureAlg.params?.tag).toBe(0x05);
  });
});

describe('organisation certificate fields', () => {
  const ca = newP256();
  const key = newP256();
  const uid = (b: Buffer) => set(seq(oid('2.5.4.45'), bits(b)));
  const make = (subject: Buffer, extensions: Buffer[] | null = null) =>
    parseOrgCertificate(buildCert({ issuer: cn('Z1'), subject, spki: key.spki, signer: ca.privateKey, extensions }).der)!;

  it('reads the EUI only from an 8-byte x500UniqueIdentifier', () => {
    expect(make(seq(uid(Buffer.from('0011223344556677', 'hex')))).eui).toBe('0011223344556677');
    expect(make(seq(uid(Buffer.from('00112233445566', 'hex')))).eui).toBeNull();
    expect(make(seq(set(seq(oid('2.5.4.45'), tlv(0x04, Buffer.alloc(8)))))).eui).toBeNull();
    expect(make(cn('X')).eui).toBeNull();
  });

  it('needs digitalSignature when keyUsage is present', () => {
    const s = seq(uid(Buffer.alloc(8)));
    expect(make(s, null).mayDigitallySign).toBe(true);
    expect(make(s, [keyUsage(0x88, 3)]).mayDigitallySign).toBe(true);
    expect(make(s, [keyUsage(0x08, 3)]).mayDigitallySign).toBe(false);
    expect(make(s, [ext('2.5.29.15', true, bool(true))]).mayDigitallySign).toBe(false);
  });
});

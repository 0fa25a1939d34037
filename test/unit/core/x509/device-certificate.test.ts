import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeviceCertificate } from '../../../../src/core/x509/device-certificate.js';
import { parsePemBundle } from '../../../../src/core/x509/pem.js';
import {
  ECDSA_SHA256, ECDSA_SHA256_NULL, HW_TYPE, bool, cn, ctx, ext, gen, hwName, int, keyUsage, nul, octet,
  oid, san, seq, tlv, utc, testPki,
} from './test-certs.js';

const RTDS = new URL('../../../../../shared/fixtures/smki/rtds-device/', import.meta.url);
const VECTORS = new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url);

function rtds(name: string): Buffer {
  const r = parsePemBundle(readFileSync(new URL(name, RTDS), 'utf8'), 'CERTIFICATE');
  if (!('ders' in r)) throw new Error(r.error);
  return r.ders[0]!;
}

/** The first Certificate text of basic-valid.xml (a CHF, 00db000000004f55). */
export function vectorCertificate(): Buffer {
  const xml = readFileSync(new URL('basic-valid.xml', VECTORS), 'utf8');
  return Buffer.from(/<Certificate>([^<]+)<\/Certificate>/.exec(xml)![1]!, 'base64');
}

describe('real SMKI RTDS device certificates', () => {
  it.each([
    ['00db123456789001-ds.pem', '00db123456789001', 'digitalSignature'],
    ['00db123456789001-ka.pem', '00db123456789001', 'keyAgreement'],
    ['00db123456789002-ds.pem', '00db123456789002', 'digitalSignature'],
    ['00db1234567890c8-ds.pem', '00db1234567890c8', 'digitalSignature'],
  ])('%s follows the profile (hwSerialNum %s, %s)', (file, eui, usage) => {
    const cert = parseDeviceCertificate(rtds(file));
    expect(cert).not.toBeNull();
    expect(cert!.profileOk).toBe(true);
    expect(cert!.hwSerial).toBe(eui);
    expect(cert!.keyUsage).toBe(usage);
    expect(cert!.parts.notBefore).toBe(Date.UTC(2016, 3, 6) / 1000);
    expect(cert!.parts.notAfter).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('decoding (DEV_CERT_MALFORMED)', () => {
  const good = vectorCertificate();

  it('accepts the vector certificate', () => {
    const cert = parseDeviceCertificate(good);
    expect(cert?.profileOk).toBe(true);
    expect(cert?.hwSerial).toBe('00db000000004f55');
  });

  it('rejects trailing bytes, truncation and length tampering', () => {
    expect(parseDeviceCertificate(Buffer.concat([good, Buffer.from([0])]))).toBeNull();
    expect(parseDeviceCertificate(good.subarray(0, good.length - 1))).toBeNull();
    expect(parseDeviceCertificate(Buffer.concat([good, good]))).toBeNull();
    const len = Buffer.from(good);
    len[3]! += 1; // outer length 0x019e -> 0x019f
    expect(parseDeviceCertificate(len)).toBeNull();
    const indefinite = Buffer.from(good);
    indefinite[1] = 0x80;
    expect(parseDeviceCertificate(indefinite)).toBeNull();
    expect(parseDeviceCertificate(Buffer.alloc(0))).toBeNull();
  });

  it('rejects every single-byte corruption of the structure it cannot decode, without throwing', () => {
    let decoded = 0;
    for (let i = 0; i < good.length; i++) {
      for (const v of [0x00, 0xff, good[i]! ^ 0x20]) {
        const bad = Buffer.from(good);
        bad[i] = v;
        const r = parseDeviceCertificate(bad);
        if (r !== null) decoded++;
      }
    }
    expect(decoded).toBeGreaterThan(0); // content bytes (key, signature, serial) still decode
  });

  const pki = testPki();
  it('rejects bad times, a bad extension wrapper and a non-OCTET STRING extnValue', () => {
    expect(parseDeviceCertificate(pki.deviceCert('00db000000000001'))).not.toBeNull();
    expect(parseDeviceCertificate(pki.deviceCert('00db000000000001', { notBefore: utc('240230000000Z') }))).toBeNull();
    expect(parseDeviceCertificate(pki.deviceCert('00db000000000001', { notAfter: gen('9999123123595Z') }))).toBeNull();
    expect(parseDeviceCertificate(pki.deviceCert('00db000000000001', {
      extensions: [seq(oid('2.5.29.15'), bool(true), tlv(0x03, Buffer.from([7, 0x80])))],
    }))).toBeNull();
    expect(parseDeviceCertificate(pki.deviceCert('00db000000000001', {
      extensions: [seq(oid('2.5.29.15'), tlv(0x01, Buffer.from([1])), octet(Buffer.from('03020780', 'hex')))],
    }))).toBeNull();
    expect(parseDeviceCertificate(pki.deviceCert('00db000000000001', { extensions: [] }))).toBeNull(); // empty Extensions
    expect(parseDeviceCertificate(pki.deviceCert('00db000000000001', { issuer: seq(tlv(0x31, Buffer.alloc(0))) }))).toBeNull();
  });
});

describe('profile (DEV_CERT_PROFILE)', () => {
  const pki = testPki();
  const ID = '00db000000000001';
  const serial = Buffer.from(ID, 'hex');
  const profile = (over: Parameters<typeof pki.deviceCert>[1]) => parseDeviceCertificate(pki.deviceCert(ID, over));

  it('accepts the default test certificate, keyAgreement, NULL params, extra extensions and SAN names', () => {
    expect(profile({})?.profileOk).toBe(true);
    expect(profile({ extensions: [keyUsage(0x08, 3), san([hwName(serial)])] })?.keyUsage).toBe('keyAgreement');
    expect(profile({ tbsAlg: ECDSA_SHA256_NULL, outerAlg: ECDSA_SHA256_NULL })?.profileOk).toBe(true);
    expect(profile({
      extensions: [keyUsage(0x80, 7), san([tlv(0x82, Buffer.from('x.example')), hwName(serial)]), ext('1.2.3.4', true, nul())],
    })?.profileOk).toBe(true);
  });

  it.each([
    ['version 1 (absent)', { version: null }],
    ['version 2', { version: ctx(0, int(1)) }],
    ['other signature algorithm', { tbsAlg: seq(oid('1.2.840.10045.4.3.3')), outerAlg: seq(oid('1.2.840.10045.4.3.3')) }],
    ['non-NULL parameters', { tbsAlg: seq(oid('1.2.840.10045.4.3.2'), int(0)), outerAlg: seq(oid('1.2.840.10045.4.3.2'), int(0)) }],
    ['algorithm identifiers differ in bytes', { tbsAlg: ECDSA_SHA256, outerAlg: ECDSA_SHA256_NULL }],
    ['keyUsage not critical', { extensions: [keyUsage(0x80, 7, false), san([hwName(serial)])] }],
    ['keyUsage criticality absent', { extensions: [keyUsage(0x80, 7, null), san([hwName(serial)])] }],
    ['keyUsage with two bits', { extensions: [keyUsage(0x88, 3), san([hwName(serial)])] }],
    ['keyUsage keyCertSign', { extensions: [keyUsage(0x04, 2), san([hwName(serial)])] }],
    ['keyUsage with no bit', { extensions: [keyUsage(0x00, 0), san([hwName(serial)])] }],
    ['two keyUsage extensions', { extensions: [keyUsage(0x80, 7), keyUsage(0x80, 7), san([hwName(serial)])] }],
    ['keyUsage missing', { extensions: [san([hwName(serial)])] }],
    ['keyUsage value not a BIT STRING', { extensions: [ext('2.5.29.15', true, octet(Buffer.from([0x80]))), san([hwName(serial)])] }],
    ['SAN not critical', { extensions: [keyUsage(0x80, 7), san([hwName(serial)], false)] }],
    ['SAN missing', { extensions: [keyUsage(0x80, 7)] }],
    ['extensions missing', { extensions: null }],
  ] as const)('fails for %s', (_name, over) => {
    const cert = profile(over as Parameters<typeof pki.deviceCert>[1]);
    expect(cert).not.toBeNull();
    expect(cert!.profileOk).toBe(false);
  });

  it('fails for a compressed point, a P-384 key and a non-EC key', () => {
    const compressedSpki = seq(seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')),
      tlv(0x03, Buffer.concat([Buffer.from([0, 2]), Buffer.alloc(32, 1)])));
    expect(profile({ spki: compressedSpki })?.profileOk).toBe(false);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'der', type: 'spki' });
    expect(profile({ spki: p384 })?.profileOk).toBe(false);
    const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
    expect(profile({ spki: ed })?.profileOk).toBe(false);
    const offCurve = Buffer.from(pki.device.spki);
    offCurve[offCurve.length - 1]! ^= 1;
    expect(profile({ spki: offCurve })?.profileOk).toBe(false);
  });

  it('SAN problems fail the profile and leave no identity', () => {
    const cases = [
      san([hwName(Buffer.alloc(7))]),
      san([hwName(serial), hwName(serial)]),
      san([tlv(0x82, Buffer.from('only.dns'))]),
      ext('2.5.29.17', true, Buffer.from([0x30, 0x05, 0x01])), // undecodable GeneralNames
      ext('2.5.29.17', true, seq(ctx(0, oid('1.3.6.1.5.5.7.8.4'), ctx(0, seq(HW_TYPE, int(1)))))), // serial not OCTET STRING
    ];
    for (const s of cases) {
      const cert = profile({ extensions: [keyUsage(0x80, 7), s] });
      expect(cert).not.toBeNull();
      expect(cert!.profileOk).toBe(false);
      expect(cert!.hwSerial).toBeNull();
    }
    const twoSans = profile({ extensions: [keyUsage(0x80, 7), san([hwName(serial)]), san([hwName(serial)])] });
    expect(twoSans?.profileOk).toBe(false);
    expect(twoSans?.hwSerial).toBeNull();
  });

  it('takes the identity over all SANs: the one serial, when every SAN decodes', () => {
    const dnsOnly = san([tlv(0x82, Buffer.from('only.dns'))]);
    const undecodable = ext('2.5.29.17', true, Buffer.from([0x30, 0x05, 0x01]));
    const second = profile({ extensions: [keyUsage(0x80, 7), dnsOnly, san([hwName(serial)])] });
    expect(second?.hwSerial).toBe(ID); // readable identity from the second SAN ...
    expect(second?.profileOk).toBe(false); // ... but two SANs fail the profile
    const first = profile({ extensions: [san([hwName(serial)]), keyUsage(0x80, 7), dnsOnly] });
    expect(first?.hwSerial).toBe(ID);
    expect(first?.profileOk).toBe(false);
    expect(profile({ extensions: [keyUsage(0x80, 7), undecodable, san([hwName(serial)])] })?.hwSerial).toBeNull();
    expect(profile({ extensions: [keyUsage(0x80, 7), san([hwName(serial)]), undecodable] })?.hwSerial).toBeNull();
    const later = profile({ extensions: [san([hwName(serial)], true), keyUsage(0x80, 7)] });
    expect(later?.profileOk).toBe(true); // extension order does not matter
    expect(later?.hwSerial).toBe(ID);
    expect(profile({ extensions: [keyUsage(0x80, 7), san([hwName(Buffer.from('00db00000000000102', 'hex'))])] })?.hwSerial)
      .toBeNull(); // 9 bytes
  });

  it('a non-critical SAN keeps the identity readable', () => {
    const cert = profile({ extensions: [keyUsage(0x80, 7), san([hwName(serial)], false)] });
    expect(cert?.profileOk).toBe(false);
    expect(cert?.hwSerial).toBe(ID);
  });

  it('keeps the issuer Name for the trust lookup', () => {
    const cert = profile({ issuer: cn('OTHER CA') });
    expect(cert?.profileOk).toBe(true);
  });
});

import { createECDH, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildDeviceCa,
  buildDeviceCertificate,
  buildOrganisationCertificate,
  toPem,
} from '../../../../../src/core/x509/build/index.js';

const fixture = (name: string): Buffer => {
  const pem = readFileSync(new URL(`../../../../../../shared/fixtures/smki/${name}`, import.meta.url), 'utf8');
  return new X509Certificate(pem).raw;
};
const rtdsDs = fixture('rtds-device/00db123456789001-ds.pem');
const rtdsKa = fixture('rtds-device/00db123456789001-ka.pem');

/** The complete Extension SEQUENCE whose extnID is `oidHex`, cut from a certificate's DER. */
function extension(certDer: Buffer, oidHex: string): Buffer {
  const at = certDer.indexOf(Buffer.from('0603' + oidHex, 'hex'));
  expect(at).toBeGreaterThan(2);
  const start = at - 2;
  expect(certDer[start]).toBe(0x30);
  return certDer.subarray(start, start + 2 + certDer[start + 1]!);
}

const newKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const ca = buildDeviceCa({ commonName: 'S1MIG TEST DEVICE CA', privateKey: newKey() });
const eui = Buffer.from('00db123456789001', 'hex');
const point = (): Buffer => {
  const e = createECDH('prime256v1');
  e.generateKeys();
  return e.getPublicKey();
};

describe('certificate builder', () => {
  it('builds a self-signed device CA that Node and its own key accept', () => {
    const cert = new X509Certificate(ca.der);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=S1MIG TEST DEVICE CA');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.validFrom).toBe('Jan  1 00:00:00 2000 GMT');
    expect(cert.validTo).toBe('Dec 31 23:59:59 9999 GMT');
  });

  it('builds a device certificate that verifies under the CA and matches the RTDS structure', () => {
    for (const [usage, real] of [['digitalSignature', rtdsDs], ['keyAgreement', rtdsKa]] as const) {
      const der = buildDeviceCertificate({ deviceEui: eui, publicPoint: point(), keyUsage: usage, issuer: ca.issuer });
      const cert = new X509Certificate(der);
      expect(cert.verify(new X509Certificate(ca.der).publicKey)).toBe(true);
      expect(cert.subject ?? '').toBe(''); // Node reports an empty Name as undefined
      expect(cert.issuer).toBe('CN=S1MIG TEST DEVICE CA');
      expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      // keyUsage and SAN extensions byte-identical to the real SMKI device certificate
      expect(extension(der, '551d0f').toString('hex')).toBe(extension(real, '551d0f').toString('hex'));
      expect(extension(der, '551d11').toString('hex')).toBe(extension(real, '551d11').toString('hex'));
      // issuer Name DER is the CA's subject DER
      expect(der.includes(Buffer.from(ca.issuer.name))).toBe(true);
    }
  });

  it('produces each defect variant', () => {
    const base = { deviceEui: eui, publicPoint: point(), keyUsage: 'digitalSignature' as const, issuer: ca.issuer };
    const caKey = new X509Certificate(ca.der).publicKey;
    const twoBits = buildDeviceCertificate({ ...base, keyUsageBits: [0, 4] });
    expect(extension(twoBits, '551d0f').toString('hex')).toBe('300e0603551d0f0101ff040403020388');
    const kuNonCritical = buildDeviceCertificate({ ...base, keyUsageCritical: false });
    expect(extension(kuNonCritical, '551d0f').toString('hex')).toBe('300b0603551d0f040403020780');
    const sanNonCritical = buildDeviceCertificate({ ...base, sanCritical: false });
    expect(extension(sanNonCritical, '551d11').subarray(7, 10).toString('hex')).toBe('042b30');
    const wrongSerial = buildDeviceCertificate({ ...base, hwSerialNum: Buffer.from('00db123456789002', 'hex') });
    expect(extension(wrongSerial, '551d11').subarray(-8).toString('hex')).toBe('00db123456789002');
    const e = createECDH('prime256v1');
    e.generateKeys();
    const compressed = buildDeviceCertificate({ ...base, publicPoint: e.getPublicKey(null, 'compressed') });
    expect(compressed.includes(Buffer.concat([Buffer.from('032200', 'hex'), e.getPublicKey(null, 'compressed')]))).toBe(true);
    const rogue = buildDeviceCa({ commonName: 'S1MIG TEST DEVICE CA', privateKey: newKey() });
    const untrusted = buildDeviceCertificate({ ...base, issuer: rogue.issuer });
    expect(new X509Certificate(untrusted).issuer).toBe('CN=S1MIG TEST DEVICE CA');
    expect(new X509Certificate(untrusted).verify(caKey)).toBe(false);
    const expired = buildDeviceCertificate({
      ...base,
      validity: { notBefore: new Date('2000-01-01T00:00:00Z'), notAfter: new Date('2020-01-01T00:00:00Z') },
    });
    expect(new X509Certificate(expired).validTo).toBe('Jan  1 00:00:00 2020 GMT');
    for (const der of [twoBits, kuNonCritical, sanNonCritical, wrongSerial, expired]) {
      expect(new X509Certificate(der).verify(caKey)).toBe(true);
    }
  });

  it('builds an organisation certificate with OU, x500UniqueIdentifier and CN', () => {
    const key = newKey();
    const der = buildOrganisationCertificate({ roleCode: '08', partyEui: Buffer.from('90b3d51f30020001', 'hex'), commonName: 'S1MIG DEV MDS', privateKey: key });
    const cert = new X509Certificate(toPem(der));
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.subject.split('\n')[0]).toBe('OU=08');
    expect(cert.subject.split('\n')[2]).toBe('CN=S1MIG DEV MDS');
    // the same subject attribute encoding as the DCC Boxed organisation certificates
    expect(der.includes(Buffer.from('31123010060355042d03090090b3d51f30020001', 'hex'))).toBe(true);
    expect(der.includes(Buffer.from('300e0603551d0f0101ff040403020780', 'hex'))).toBe(true);
  });
});

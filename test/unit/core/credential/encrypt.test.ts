import { createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encryptCredential } from '../../../../src/core/credential/encrypt.js';
import { rawPublicPoint } from '../../../../src/core/x509/build/certificate.js';

interface Vector {
  deviceId: string;
  s1spKeyAgreementPrivateKeyPem: string;
  ephemeralPrivateKeyHex: string;
  ivHex: string;
  plaintext: string;
  blobBase64: string;
}
const vector = JSON.parse(
  readFileSync(new URL('../../../../../shared/fixtures/mcf-vectors/credential-vector.json', import.meta.url), 'utf8'),
) as Vector;
const s1spKey = createPrivateKey(vector.s1spKeyAgreementPrivateKeyPem);

/** The receiver side written independently with plain node:crypto steps. */
function decrypt(blob: Buffer, deviceId: string): string {
  const epk = blob.subarray(0, 65);
  const iv = blob.subarray(65, 77);
  const ct = blob.subarray(77, blob.length - 16);
  const tag = blob.subarray(blob.length - 16);
  const jwk = { kty: 'EC', crv: 'P-256', x: epk.subarray(1, 33).toString('base64url'), y: epk.subarray(33).toString('base64url') };
  const z = diffieHellman({ privateKey: s1spKey, publicKey: createPublicKey({ key: jwk, format: 'jwk' }) });
  const key = Buffer.from(hkdfSync('sha256', z, Buffer.alloc(0), `s1mig-credential-v1:${deviceId}`, 32));
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(deviceId, 'ascii'));
  d.setAuthTag(tag);
  return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
}

describe('encryptCredential', () => {
  it('reproduces the known-answer vector blob exactly', () => {
    const blob = encryptCredential(rawPublicPoint(s1spKey), vector.deviceId, Buffer.from(vector.plaintext, 'utf8'), {
      ephemeralPrivateKey: Buffer.from(vector.ephemeralPrivateKeyHex, 'hex'),
      iv: Buffer.from(vector.ivHex, 'hex'),
    });
    expect(blob.toString('base64')).toBe(vector.blobBase64);
  });

  it('uses a fresh ephemeral key and IV per call, and decrypts with plain node:crypto', () => {
    const pt = '{"master":"0123456789abcdef0123456789abcdef"}';
    const a = encryptCredential(rawPublicPoint(s1spKey), '00db0000000000aa', Buffer.from(pt));
    const b = encryptCredential(rawPublicPoint(s1spKey), '00db0000000000aa', Buffer.from(pt));
    expect(a.length).toBe(65 + 12 + pt.length + 16);
    expect(a.subarray(0, 77).equals(b.subarray(0, 77))).toBe(false);
    expect(decrypt(a, '00db0000000000aa')).toBe(pt);
    expect(() => decrypt(a, '00db0000000000ab')).toThrow();
  });

  it('rejects a non-canonical device id', () => {
    expect(() => encryptCredential(rawPublicPoint(s1spKey), '00-DB-00-00-00-00-00-AA', Buffer.from('{}'))).toThrow(RangeError);
  });
});

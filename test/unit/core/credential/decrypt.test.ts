import { createCipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ka, s1spPublic, vector } from './vector-keys.js';
import {
  checkCredential,
  decryptCredential,
  deriveCredentialKey,
  sharedSecret,
} from '../../../../src/core/credential/decrypt.js';

/** An independent encryptor, written from the spec text, to make negative cases. */
function encrypt(plaintext: Buffer | string, deviceId: string, opts: { aadId?: string; infoId?: string } = {}): Buffer {
  const eph = createECDH('prime256v1');
  eph.generateKeys();
  const z = eph.computeSecret(s1spPublic.getPublicKey());
  const info = Buffer.from('s1mig-credential-v1:' + (opts.infoId ?? deviceId));
  const key = Buffer.from(hkdfSync('sha256', z, Buffer.alloc(0), info, 32));
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(opts.aadId ?? deviceId));
  const ct = Buffer.concat([c.update(typeof plaintext === 'string' ? Buffer.from(plaintext) : plaintext), c.final()]);
  return Buffer.concat([eph.getPublicKey(), iv, ct, c.getAuthTag()]);
}

const ID = '00db123456789001';
const M = '00112233445566778899aabbccddeeff';

describe('credential known-answer vector', () => {
  const blob = Buffer.from(vector.blobBase64!, 'base64');

  it('has the documented layout', () => {
    expect(blob.subarray(0, 65).toString('hex')).toBe(vector.epkHex);
    expect(blob.subarray(65, 77).toString('hex')).toBe(vector.ivHex);
    expect(blob.subarray(77, blob.length - 16).toString('hex')).toBe(vector.ciphertextHex);
    expect(blob.subarray(blob.length - 16).toString('hex')).toBe(vector.tagHex);
  });

  it('reproduces Z, K and the plaintext', () => {
    const z = sharedSecret(ka, blob.subarray(0, 65));
    expect(z?.toString('hex')).toBe(vector.zHex);
    expect(vector.hkdfInfo).toBe('s1mig-credential-v1:' + vector.deviceId);
    expect(vector.aad).toBe(vector.deviceId);
    expect(deriveCredentialKey(Buffer.from(vector.zHex!, 'hex'), vector.deviceId!).toString('hex')).toBe(vector.keyHex);
    expect(decryptCredential(ka, blob, vector.deviceId!)?.toString('utf8')).toBe(vector.plaintext);
  });

  it('is a complete credential for every type', () => {
    for (const t of ['ESME', 'GSME', 'CHF', 'IHD', null] as const) {
      expect(checkCredential(ka, vector.blobBase64!, vector.deviceId!, t)).toBeNull();
    }
  });

  it('is invalid for another device id, a null id, a flipped tag or IV', () => {
    expect(checkCredential(ka, vector.blobBase64!, '00db123456789002', 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    expect(checkCredential(ka, vector.blobBase64!, null, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    for (const at of [blob.length - 1, 70, 80]) {
      const bad = Buffer.from(blob);
      bad[at]! ^= 0x01;
      expect(checkCredential(ka, bad.toString('base64'), ID, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    }
  });
});

describe('credential syntax and decryption failures', () => {
  const good = encrypt(JSON.stringify({ master: M }), ID);

  it('accepts an independently encrypted blob', () => {
    expect(checkCredential(ka, good.toString('base64'), ID, 'ESME')).toBeNull();
  });

  it('rejects bad base64, over-long text, short blobs and off-curve EPKs', () => {
    const b64 = good.toString('base64');
    expect(checkCredential(ka, b64 + 'AA=', ID, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    expect(checkCredential(ka, '-' + b64.slice(1), ID, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    expect(checkCredential(ka, b64.slice(0, -4) + '*' + b64.slice(-3), ID, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    expect(checkCredential(ka, 'A'.repeat(4100), ID, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    const short = encrypt('', ID);
    expect(short.length).toBe(93);
    expect(checkCredential(ka, short.toString('base64'), ID, null)).toBe('DEV_CREDENTIAL_INVALID');
    const offCurve = Buffer.from(good);
    offCurve[64]! ^= 0x01;
    expect(checkCredential(ka, offCurve.toString('base64'), ID, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
    const compressed = Buffer.from(good);
    compressed[0] = 0x02;
    expect(checkCredential(ka, compressed.toString('base64'), ID, 'ESME')).toBe('DEV_CREDENTIAL_INVALID');
  });

  it('binds the HKDF info and the AAD to the device id', () => {
    expect(checkCredential(ka, encrypt('{}', ID, { aadId: '00DB123456789001' }).toString('base64'), ID, null)).toBe('DEV_CREDENTIAL_INVALID');
    expect(checkCredential(ka, encrypt('{}', ID, { infoId: '00-db-12-34-56-78-90-01' }).toString('base64'), ID, null)).toBe('DEV_CREDENTIAL_INVALID');
  });

  it('requires a JSON object in strict UTF-8 without a BOM', () => {
    const bad = (pt: Buffer | string) => checkCredential(ka, encrypt(pt, ID).toString('base64'), ID, null);
    expect(bad('{"a":1}')).toBeNull();
    expect(bad(' \n{"a":"\\ud800"}\t')).toBeNull(); // lone surrogate escapes are valid JSON
    expect(bad('\ufeff{"a":1}')).toBe('DEV_CREDENTIAL_INVALID');
    expect(bad(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))).toBe('DEV_CREDENTIAL_INVALID');
    expect(bad(Buffer.from('{"a":"\xc3\xa9"}', 'latin1'))).toBeNull(); // valid UTF-8 é
    expect(bad('[1]')).toBe('DEV_CREDENTIAL_INVALID');
    expect(bad('null')).toBe('DEV_CREDENTIAL_INVALID');
    expect(bad('"x"')).toBe('DEV_CREDENTIAL_INVALID');
    expect(bad("{'a':1}")).toBe('DEV_CREDENTIAL_INVALID');
    expect(bad('{"a":1,}')).toBe('DEV_CREDENTIAL_INVALID');
    expect(bad('{"a":1}x')).toBe('DEV_CREDENTIAL_INVALID');
  });
});

describe('required keys by device type', () => {
  const code = (obj: string, type: 'ESME' | 'GSME' | 'CHF' | 'IHD' | null) =>
    checkCredential(ka, encrypt(obj, ID).toString('base64'), ID, type);

  it('ESME and GSME need master, CHF needs network, others nothing', () => {
    expect(code(`{"master":"${M}"}`, 'ESME')).toBeNull();
    expect(code(`{"master":"${M.toUpperCase()}"}`, 'GSME')).toBeNull();
    expect(code(`{"network":"${M}"}`, 'ESME')).toBe('DEV_CREDENTIAL_INCOMPLETE');
    expect(code(`{"network":"${M}"}`, 'CHF')).toBeNull();
    expect(code(`{"master":"${M}"}`, 'CHF')).toBe('DEV_CREDENTIAL_INCOMPLETE');
    expect(code('{}', 'IHD')).toBeNull();
    expect(code('{}', null)).toBeNull();
  });

  it('needs a string of exactly 32 hex digits; the last duplicate wins', () => {
    expect(code(`{"master":"${M}0"}`, 'ESME')).toBe('DEV_CREDENTIAL_INCOMPLETE');
    expect(code(`{"master":"${M.slice(1)}g"}`, 'ESME')).toBe('DEV_CREDENTIAL_INCOMPLETE');
    expect(code('{"master":12345678901234567890123456789012}', 'ESME')).toBe('DEV_CREDENTIAL_INCOMPLETE');
    expect(code(`{"master":["${M}"]}`, 'ESME')).toBe('DEV_CREDENTIAL_INCOMPLETE');
    expect(code(`{"master":"x","master":"${M}"}`, 'ESME')).toBeNull();
    expect(code(`{"master":"${M}","master":null}`, 'ESME')).toBe('DEV_CREDENTIAL_INCOMPLETE');
    expect(code(`{"__proto__":{"master":"${M}"}}`, 'ESME')).toBe('DEV_CREDENTIAL_INCOMPLETE');
  });
});

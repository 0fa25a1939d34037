/**
 * The EPK check relies on OpenSSL for "is it a point on P-256" (sharedSecret only checks the
 * uncompressed prefix in JS), and credentials are checked per batch in phases. These tests
 * pin down that both give exactly what the per-credential BigInt check gave before.
 */
import { createCipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ka, s1spPublic } from './vector-keys.js';
import type { DeviceType } from '../../../../src/core/contracts/device-crypto.js';
import {
  checkCredential,
  checkCredentials,
  sharedSecret,
  type CredentialItem,
} from '../../../../src/core/credential/decrypt.js';
import { P, decodeUncompressedPoint, isOnCurve } from '../../../../src/core/crypto/p256.js';

const ID = '00db123456789001';
const M = '00112233445566778899aabbccddeeff';

/** A blob for the device; `epk` replaces the ephemeral public key written into it. */
function encrypt(plaintext: string, deviceId: string, eph = newEphemeral(), epk?: Buffer): Buffer {
  const z = eph.computeSecret(s1spPublic.getPublicKey());
  const key = Buffer.from(hkdfSync('sha256', z, Buffer.alloc(0), Buffer.from('s1mig-credential-v1:' + deviceId), 32));
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(deviceId));
  const ct = Buffer.concat([c.update(Buffer.from(plaintext)), c.final()]);
  return Buffer.concat([epk ?? eph.getPublicKey(), iv, ct, c.getAuthTag()]);
}

function newEphemeral() {
  const eph = createECDH('prime256v1');
  eph.generateKeys();
  return eph;
}

const coord = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
const point = (prefix: number, x: bigint, y: bigint) => Buffer.concat([Buffer.from([prefix]), coord(x), coord(y)]);

// Points with a small coordinate, found offline (and checked here): X + p and Y + p still
// fit in 32 bytes, so they encode "coordinate >= p" for a point that is on the curve mod p.
const SMALL_X = { x: 5n, y: 0x459243b9aa581806fe913bce99817ade11ca503c64d9a3c533415c083248fbccn };
const SMALL_Y = { x: 0xd7325d7646cd60d80a92738ceb345f844cffaf35841022cab176f692de8de1d7n, y: 5n };

describe('EPK: OpenSSL rejects what the BigInt on-curve check rejected', () => {
  const eph = newEphemeral();
  const good = eph.getPublicKey();
  const x = BigInt('0x' + good.subarray(1, 33).toString('hex'));
  const y = BigInt('0x' + good.subarray(33).toString('hex'));

  it('uses points that really are on the curve mod p', () => {
    expect(isOnCurve(SMALL_X)).toBe(true);
    expect(isOnCurve(SMALL_Y)).toBe(true);
    expect(SMALL_X.x + P < 2n ** 256n && SMALL_Y.y + P < 2n ** 256n).toBe(true);
  });

  const negation = point(4, x, P - y);
  const cases: Array<[string, () => Buffer, boolean]> = [
    ['a generated point', () => good, true],
    ['its negation (x, p - y)', () => negation, true],
    ['a point with a small x', () => point(4, SMALL_X.x, SMALL_X.y), true],
    ['a point with a small y', () => point(4, SMALL_Y.x, SMALL_Y.y), true],
    ['a point off the curve', () => point(4, x, y ^ 1n), false],
    ['(0, 0), the usual stand-in for infinity', () => point(4, 0n, 0n), false],
    ['x >= p (x + p of a curve point)', () => point(4, SMALL_X.x + P, SMALL_X.y), false],
    ['y >= p (y + p of a curve point)', () => point(4, SMALL_Y.x, SMALL_Y.y + P), false],
    ['x = y = p', () => point(4, P, P), false],
    ['all ones', () => Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0xff)]), false],
    ['the hybrid prefix matching y', () => point(y & 1n ? 7 : 6, x, y), false],
    ['the hybrid prefix not matching y', () => point(y & 1n ? 6 : 7, x, y), false],
    ['a compressed prefix (65 bytes)', () => point(y & 1n ? 3 : 2, x, y), false],
    ['the infinity prefix 0x00', () => point(0, x, y), false],
  ];

  it.each(cases)('%s', (_name, make, onCurve) => {
    const epk = make();
    expect(decodeUncompressedPoint(epk) !== null).toBe(onCurve); // the former check
    expect(sharedSecret(ka, epk) !== null).toBe(onCurve); // the current one
    const blob = encrypt(`{"master":"${M}"}`, ID, eph, epk);
    // Only the EPK used and its negation (same x, so the same Z) decrypt the blob.
    const expected = epk.equals(good) || epk.equals(negation) ? null : 'DEV_CREDENTIAL_INVALID';
    expect(checkCredential(ka, blob.toString('base64'), ID, 'ESME')).toBe(expected);
  });

  it('OpenSSL alone would take the hybrid and compressed forms: the prefix check matters', () => {
    expect(() => ka.ecdh.computeSecret(point(y & 1n ? 7 : 6, x, y))).not.toThrow();
    expect(() => ka.ecdh.computeSecret(Buffer.concat([Buffer.from([y & 1n ? 3 : 2]), coord(x)]))).not.toThrow();
    expect(sharedSecret(ka, Buffer.concat([Buffer.from([y & 1n ? 3 : 2]), coord(x)]))).toBeNull();
  });
});

describe('checkCredentials (phased over a batch)', () => {
  const item = (credential: string | null, deviceType: DeviceType | null = 'ESME', deviceId: string | null = ID): CredentialItem =>
    ({ credential, deviceId, deviceType });
  const good = encrypt(`{"master":"${M}"}`, ID).toString('base64');
  const incomplete = encrypt('{"network":"x"}', ID).toString('base64');
  const notJson = encrypt('{', ID).toString('base64');
  const tampered = Buffer.from(good, 'base64');
  tampered[tampered.length - 1]! ^= 1;
  const offCurve = Buffer.from(good, 'base64');
  offCurve[64]! ^= 1;

  it('gives, item by item, what checkCredential gives alone', () => {
    const items = [
      item(good), item(null), item(incomplete), item('AAAA'), item(good, 'CHF'), item(notJson), item(good, null, null),
      item(tampered.toString('base64')), item(offCurve.toString('base64')), item(good, 'GPF'), item('A'.repeat(4100)),
      item(good, 'ESME', '00db123456789002'), item(null, null, null), item(incomplete, null), item(good),
    ];
    const alone = items.map((i) => (i.credential === null ? null : checkCredential(ka, i.credential, i.deviceId, i.deviceType)));
    expect(checkCredentials(ka, items)).toEqual(alone);
    expect(alone).toEqual([
      null, null, 'DEV_CREDENTIAL_INCOMPLETE', 'DEV_CREDENTIAL_INVALID', 'DEV_CREDENTIAL_INCOMPLETE', 'DEV_CREDENTIAL_INVALID',
      'DEV_CREDENTIAL_INVALID', 'DEV_CREDENTIAL_INVALID', 'DEV_CREDENTIAL_INVALID', null, 'DEV_CREDENTIAL_INVALID',
      'DEV_CREDENTIAL_INVALID', null, null, null,
    ]);
  });

  it('handles an empty batch and a batch without credentials', () => {
    expect(checkCredentials(ka, [])).toEqual([]);
    expect(checkCredentials(ka, [item(null), item(null)])).toEqual([null, null]);
  });

  it('lets an internal error out (the worker reports it) instead of a code', () => {
    const broken = { credential: 42, deviceId: ID, deviceType: 'ESME' } as unknown as CredentialItem;
    expect(() => checkCredentials(ka, [item(good), broken])).toThrow();
  });
});

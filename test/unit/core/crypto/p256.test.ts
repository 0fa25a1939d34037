import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeDerSignature, decodeUncompressedPoint, isOnCurve, N, verifyDigest, type AffinePoint } from '../../../../src/core/crypto/p256.js';

function pointOf(pub: KeyObject): AffinePoint {
  const jwk = pub.export({ format: 'jwk' });
  const pt = decodeUncompressedPoint(
    Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]),
  );
  if (pt === null) throw new Error('node key not on curve?');
  return pt;
}

describe('P-256 ECDSA verify over a digest', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = pointOf(publicKey);

  it('verifies signatures made by node:crypto', () => {
    for (let i = 0; i < 8; i++) {
      const msg = Buffer.from(`message number ${i}`);
      const der = sign('sha256', msg, { key: privateKey, dsaEncoding: 'der' });
      const sig = decodeDerSignature(der);
      expect(sig).not.toBeNull();
      expect(verifyDigest(pub, createHash('sha256').update(msg).digest(), sig!)).toBe(true);
    }
  });

  it('rejects a changed digest, a changed r or s, a wrong key', () => {
    const msg = Buffer.from('hello');
    const digest = createHash('sha256').update(msg).digest();
    const sig = decodeDerSignature(sign('sha256', msg, { key: privateKey, dsaEncoding: 'der' }))!;
    const bad = Buffer.from(digest);
    bad[5] = bad[5]! ^ 1;
    expect(verifyDigest(pub, bad, sig)).toBe(false);
    expect(verifyDigest(pub, digest, { r: sig.r ^ 1n, s: sig.s })).toBe(false);
    expect(verifyDigest(pub, digest, { r: sig.r, s: (sig.s + 1n) % N })).toBe(false);
    // (r, n - s) is the well-known malleable twin: valid ECDSA, as OpenSSL also accepts it.
    expect(verifyDigest(pub, digest, { r: sig.r, s: N - sig.s })).toBe(true);
    expect(verifyDigest(pointOf(other.publicKey), digest, sig)).toBe(false);
    expect(verifyDigest(pub, digest.subarray(0, 31), sig)).toBe(false);
  });

  it('decodes only strict DER signatures with 1 <= r, s < n', () => {
    const der = sign('sha256', Buffer.from('x'), { key: privateKey, dsaEncoding: 'der' });
    expect(decodeDerSignature(Buffer.concat([der, Buffer.from([0])]))).toBeNull();
    expect(decodeDerSignature(der.subarray(0, der.length - 1))).toBeNull();
    expect(decodeDerSignature(Buffer.from('3006020100020101', 'hex'))).toBeNull(); // r = 0
    expect(decodeDerSignature(Buffer.from('3006020101020101', 'hex'))).toEqual({ r: 1n, s: 1n });
    expect(decodeDerSignature(Buffer.from('300702020001020101', 'hex'))).toBeNull(); // non-minimal
    expect(decodeDerSignature(Buffer.from('3006020181020101', 'hex'))).toBeNull(); // negative
    const nBytes = Buffer.from('00' + N.toString(16), 'hex');
    const rn = Buffer.concat([Buffer.from([0x30, 3 + 2 + nBytes.length, 0x02, nBytes.length]), nBytes, Buffer.from('020101', 'hex')]);
    expect(decodeDerSignature(rn)).toBeNull(); // r = n
  });

  it('checks points on the curve', () => {
    expect(isOnCurve(pub)).toBe(true);
    expect(isOnCurve({ x: pub.x, y: pub.y + 1n })).toBe(false);
    const raw = Buffer.alloc(65);
    raw[0] = 4;
    expect(decodeUncompressedPoint(raw)).toBeNull();
    const compressed = Buffer.alloc(33, 2);
    expect(decodeUncompressedPoint(compressed)).toBeNull();
  });
});

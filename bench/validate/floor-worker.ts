/**
 * Piscina worker of the crypto floor: only the primitives the file needs, with keys loaded
 * once per thread exactly as the validator's workers load them. Returns how many operations
 * succeeded, so that the bench can check the floor did real, successful work.
 */
import { createDecipheriv, hkdfSync, verify, type KeyObject } from 'node:crypto';
import { workerData } from 'piscina';
import { loadDeviceCryptoContext } from '../../src/core/device-crypto/context.js';
import { HKDF_INFO_PREFIX } from '../../src/core/credential/decrypt.js';
import { unpackBatch } from './floor-batch.js';
import { flattenCaKeys } from './floor-keys.js';

const { refDir, smso } = workerData as { refDir: string; smso: string };
const ctx = loadDeviceCryptoContext(refDir);
const caKeys: readonly KeyObject[] = flattenCaKeys(ctx, smso);
const EMPTY = Buffer.alloc(0);

export default function run(ab: ArrayBuffer): number {
  const { certs, creds } = unpackBatch(ab);
  let ok = 0;
  // Phased over the batch like src/core/device-crypto/check.ts (all verifies, then all ECDH, all
  // HKDF, all AES-GCM): the same primitives cost less in runs of one kind, and the floor must
  // be the cheapest way to do them, or the ratio would flatter the validator.
  for (const c of certs) {
    const key = caKeys[c.caIndex];
    if (key !== undefined && verify('sha256', c.tbs, { key, dsaEncoding: 'der' }, c.sig)) ok++;
  }
  const zs = creds.map((c) => ctx.keyAgreement.ecdh.computeSecret(c.blob.subarray(0, 65)));
  const keys = creds.map((c, k) => Buffer.from(hkdfSync('sha256', zs[k]!, EMPTY, Buffer.from(HKDF_INFO_PREFIX + c.id, 'ascii'), 32)));
  creds.forEach((c, k) => {
    const d = createDecipheriv('aes-256-gcm', keys[k]!, c.blob.subarray(65, 77), { authTagLength: 16 });
    d.setAAD(Buffer.from(c.id, 'ascii'));
    d.setAuthTag(c.blob.subarray(c.blob.length - 16));
    try {
      d.update(c.blob.subarray(77, c.blob.length - 16));
      d.final();
      ok++;
    } catch {
      // counted as a failure by the caller
    }
  });
  return ok;
}

/**
 * Credential blob encryption (mcf-format.md "Credential blob"), the sender side used by
 * `gen`: ECDH-ES on P-256 with a fresh ephemeral key per credential, HKDF-SHA256,
 * AES-256-GCM. The ephemeral key and IV can be injected only so that the known-answer
 * vector can be reproduced; production callers must leave them random.
 */
import { createCipheriv, createECDH, hkdfSync, randomBytes } from 'node:crypto';

const CANONICAL_ID = /^[0-9a-f]{16}$/;
const INFO_PREFIX = 's1mig-credential-v1:';

export interface EncryptOptions {
  /** 32-byte P-256 private scalar of the ephemeral key (tests only). */
  readonly ephemeralPrivateKey?: Uint8Array;
  /** 12-byte GCM IV (tests only). */
  readonly iv?: Uint8Array;
}

/**
 * Encrypts `plaintext` for the S1SP whose key-agreement public key is `recipientPoint`
 * (65-byte uncompressed P-256 point). Returns EPK(65) || IV(12) || CT || TAG(16).
 */
export function encryptCredential(
  recipientPoint: Uint8Array,
  canonicalDeviceId: string,
  plaintext: Uint8Array,
  options: EncryptOptions = {},
): Buffer {
  if (!CANONICAL_ID.test(canonicalDeviceId)) throw new RangeError('credential: device id must be canonical (16 lowercase hex)');
  if (plaintext.length === 0) throw new RangeError('credential: empty plaintext');
  const ecdh = createECDH('prime256v1');
  if (options.ephemeralPrivateKey !== undefined) ecdh.setPrivateKey(Buffer.from(options.ephemeralPrivateKey));
  else ecdh.generateKeys();
  const epk = ecdh.getPublicKey(null, 'uncompressed');
  const z = ecdh.computeSecret(Buffer.from(recipientPoint));
  const key = Buffer.from(hkdfSync('sha256', z, Buffer.alloc(0), Buffer.from(INFO_PREFIX + canonicalDeviceId, 'ascii'), 32));
  const iv = options.iv !== undefined ? Buffer.from(options.iv) : randomBytes(12);
  if (iv.length !== 12) throw new RangeError('credential: IV must be 12 bytes');
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(canonicalDeviceId, 'ascii'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const blob = Buffer.concat([epk, iv, ct, cipher.getAuthTag()]);
  key.fill(0);
  z.fill(0);
  return blob;
}

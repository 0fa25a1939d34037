/**
 * Credential blob decryption and content check (mcf-format.md, "Credential blob"):
 * ECDH-ES P-256 -> HKDF-SHA256 -> AES-256-GCM. Plaintext key material stays inside this
 * module: callers only ever get a code back.
 */
import { createDecipheriv, createECDH, hkdfSync, type ECDH, type KeyObject } from 'node:crypto';
import { decodeStrictBase64 } from '../values.js';
import type { DeviceType } from '../contracts/device-crypto.js';

export type CredentialCode = 'DEV_CREDENTIAL_INVALID' | 'DEV_CREDENTIAL_INCOMPLETE';

export const MAX_CREDENTIAL_CHARS = 4096;
const EPK_LEN = 65;
const IV_LEN = 12;
const TAG_LEN = 16;
/** EPK + IV + at least one ciphertext byte + tag. */
export const MIN_BLOB_LEN = EPK_LEN + IV_LEN + 1 + TAG_LEN;
export const HKDF_INFO_PREFIX = 's1mig-credential-v1:';

/** The S1SP key-agreement private key, ready for ECDH (no KeyObject import per call). */
export interface KeyAgreement {
  readonly ecdh: ECDH;
}

/** Prepares the S1SP key-agreement key (a P-256 private KeyObject) for repeated ECDH. */
export function createKeyAgreement(privateKey: KeyObject): KeyAgreement {
  const jwk = privateKey.export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || typeof jwk.d !== 'string') throw new RangeError('not a P-256 private key');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
  return { ecdh };
}

/**
 * Z: the x coordinate of the ECDH shared point, or null when the EPK is not a P-256 point.
 * Only the uncompressed form is a point here; OpenSSL would also take the compressed and
 * hybrid (0x06/0x07) forms, hence the prefix check. For 0x04 || X || Y, OpenSSL itself
 * refuses X or Y >= p and any point off the curve (EC_POINT_oct2point), so no BigInt
 * check is repeated here (the unit tests pin those cases down).
 */
export function sharedSecret(ka: KeyAgreement, epk: Uint8Array): Buffer | null {
  if (epk.length !== EPK_LEN || epk[0] !== 0x04) return null;
  try {
    return ka.ecdh.computeSecret(epk);
  } catch {
    return null;
  }
}

const EMPTY_SALT = Buffer.alloc(0);

/** K = HKDF-SHA256(IKM = Z, salt = empty, info = prefix || canonical id, L = 32). */
export function deriveCredentialKey(z: Uint8Array, canonicalId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', z, EMPTY_SALT, Buffer.from(HKDF_INFO_PREFIX + canonicalId, 'ascii'), 32));
}

/** AES-256-GCM with a derived key, which it zeroes; null when the blob does not authenticate. */
function decryptWithKey(key: Buffer, blob: Uint8Array, canonicalId: string): Buffer | null {
  const iv = blob.subarray(EPK_LEN, EPK_LEN + IV_LEN);
  const ct = blob.subarray(EPK_LEN + IV_LEN, blob.length - TAG_LEN);
  const tag = blob.subarray(blob.length - TAG_LEN);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
    decipher.setAAD(Buffer.from(canonicalId, 'ascii'));
    decipher.setAuthTag(tag);
    const pt = decipher.update(ct);
    // GCM releases everything in update(); final() only authenticates (and returns nothing).
    const rest = decipher.final();
    return rest.length === 0 ? pt : Buffer.concat([pt, rest]);
  } catch {
    return null;
  } finally {
    key.fill(0);
  }
}

/** Decrypts a blob for a device; null when it cannot be decrypted (any reason). */
export function decryptCredential(ka: KeyAgreement, blob: Uint8Array, canonicalId: string): Buffer | null {
  if (blob.length < MIN_BLOB_LEN) return null;
  const z = sharedSecret(ka, blob.subarray(0, EPK_LEN));
  if (z === null) return null;
  const key = deriveCredentialKey(z, canonicalId);
  z.fill(0);
  return decryptWithKey(key, blob, canonicalId);
}

const REQUIRED_KEYS: Readonly<Partial<Record<DeviceType, readonly string[]>>> = {
  ESME: ['master'],
  GSME: ['master'],
  CHF: ['network'],
};
const HEX32 = /^[0-9A-Fa-f]{32}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The plaintext as a JSON object (RFC 8259, strict UTF-8, no BOM), or null. */
function parsePlaintext(pt: Uint8Array): Record<string, unknown> | null {
  let text: string;
  try {
    text = utf8.decode(pt);
  } catch {
    return null;
  }
  // ignoreBOM keeps a BOM as U+FEFF so that it can be refused here.
  if (text.charCodeAt(0) === 0xfeff) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The blob of a Credential text, or null when it cannot be one (too long, no device id, bad base64, too short). */
function credentialBlob(text: string, deviceId: string | null): Buffer | null {
  if (text.length > MAX_CREDENTIAL_CHARS || deviceId === null) return null;
  const blob = decodeStrictBase64(text);
  return blob === null || blob.length < MIN_BLOB_LEN ? null : blob;
}

/** The code for a decrypted plaintext, which it zeroes once parsed. */
function plaintextCode(pt: Buffer, deviceType: DeviceType | null): CredentialCode | null {
  const obj = parsePlaintext(pt);
  pt.fill(0);
  if (obj === null) return 'DEV_CREDENTIAL_INVALID';
  const required = deviceType === null ? [] : (REQUIRED_KEYS[deviceType] ?? []);
  for (const name of required) {
    const v = Object.hasOwn(obj, name) ? obj[name] : undefined;
    if (typeof v !== 'string' || !HEX32.test(v)) return 'DEV_CREDENTIAL_INCOMPLETE';
  }
  return null;
}

/** What a credential check needs from a device (a DeviceCryptoInput fits). */
export interface CredentialItem {
  /** Credential text with XML whitespace removed; null when there is none (nothing to check). */
  readonly credential: string | null;
  readonly deviceId: string | null;
  readonly deviceType: DeviceType | null;
}

/**
 * checkCredential for each item of a batch (null also for items without a credential), in
 * phases over the whole batch: decode the blobs, agree all keys (ECDH), derive all (HKDF),
 * then decrypt (AES-GCM) and check each plaintext. Running each OpenSSL operation back to
 * back measured several microseconds per credential cheaper than running the sequence
 * per credential (CPU cache reuse). Secrets and keys wait in memory for at most one batch
 * and are zeroed once used (all of them if anything throws).
 */
export function checkCredentials(ka: KeyAgreement, items: readonly CredentialItem[]): (CredentialCode | null)[] {
  const codes: (CredentialCode | null)[] = [];
  const blobs: (Buffer | null)[] = [];
  /** Z after the agreement phase, then K after the derivation phase. */
  const secrets: (Buffer | null)[] = [];
  try {
    for (const item of items) {
      blobs.push(item.credential === null ? null : credentialBlob(item.credential, item.deviceId));
    }
    for (let i = 0; i < items.length; i++) {
      const blob = blobs[i]!;
      const z = blob === null ? null : sharedSecret(ka, blob.subarray(0, EPK_LEN));
      codes.push(items[i]!.credential !== null && z === null ? 'DEV_CREDENTIAL_INVALID' : null);
      secrets.push(z);
    }
    for (let i = 0; i < items.length; i++) {
      const z = secrets[i]!;
      if (z === null) continue;
      secrets[i] = deriveCredentialKey(z, items[i]!.deviceId!);
      z.fill(0);
    }
    for (let i = 0; i < items.length; i++) {
      const key = secrets[i]!;
      if (key === null) continue;
      secrets[i] = null;
      const pt = decryptWithKey(key, blobs[i]!, items[i]!.deviceId!);
      codes[i] = pt === null ? 'DEV_CREDENTIAL_INVALID' : plaintextCode(pt, items[i]!.deviceType);
    }
  } catch (err) {
    for (const z of secrets) z?.fill(0);
    throw err;
  }
  return codes;
}

/**
 * Checks a Credential text (XML whitespace removed) for a device: null when it is fine,
 * else the one code that applies (INVALID takes precedence over INCOMPLETE).
 */
export function checkCredential(
  ka: KeyAgreement,
  text: string,
  deviceId: string | null,
  deviceType: DeviceType | null,
): CredentialCode | null {
  return checkCredentials(ka, [{ credential: text, deviceId, deviceType }])[0] ?? null;
}

/**
 * Generic X.509 v3 assembly: TBSCertificate from parts, then an ECDSA P-256 / SHA-256
 * signature by the issuer's key. Profiles (device CA, device, organisation) are in
 * profiles.ts; this file knows nothing about SMKI.
 */
import { createHash, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as der from '../../der/writer.js';
import { OID } from './oids.js';

export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z: the "no expiry" convention of SMKI. */
export const DEFAULT_VALIDITY: Validity = Object.freeze({
  notBefore: new Date(Date.UTC(2000, 0, 1, 0, 0, 0)),
  notAfter: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)),
});

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  /** The DER that goes inside the extnValue OCTET STRING. */
  readonly value: Uint8Array;
}

export interface TbsParts {
  /** Positive serial as big-endian magnitude bytes. */
  readonly serial: Uint8Array;
  /** Issuer Name, DER. */
  readonly issuer: Uint8Array;
  /** Subject Name, DER (an empty SEQUENCE for SMKI device certificates). */
  readonly subject: Uint8Array;
  readonly validity: Validity;
  /** SubjectPublicKeyInfo, DER. */
  readonly spki: Uint8Array;
  readonly extensions: readonly Extension[];
}

const ECDSA_SHA256 = der.sequence(der.oid(OID.ecdsaWithSha256));
const VERSION_3 = der.explicit(0, der.integer(2));

/** A fresh random 16-byte positive serial (high bit clear, never zero). */
export function randomSerial(): Buffer {
  const s = randomBytes(16);
  s[0] = (s[0]! & 0x7f) | 0x01;
  return s;
}

/** SubjectPublicKeyInfo for a P-256 point given as raw bytes (uncompressed or, for defects, compressed). */
export function ecSpki(point: Uint8Array): Buffer {
  return der.sequence(der.sequence(der.oid(OID.ecPublicKey), der.oid(OID.prime256v1)), der.bitString(point));
}

/** Raw uncompressed point (65 bytes) of a P-256 public or private KeyObject. */
export function rawPublicPoint(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const spki = pub.export({ type: 'spki', format: 'der' });
  return spki.subarray(spki.length - 65);
}

/** 8-byte key identifier (truncated SHA-1 of the point), the length SMKI certificates use. */
export function keyIdentifier(point: Uint8Array): Buffer {
  return createHash('sha1').update(point).digest().subarray(0, 8);
}

export function encodeExtension(ext: Extension): Buffer {
  // DER forbids encoding the DEFAULT critical=FALSE, so it is omitted.
  return ext.critical
    ? der.sequence(der.oid(ext.oid), der.boolean(true), der.octetString(ext.value))
    : der.sequence(der.oid(ext.oid), der.octetString(ext.value));
}

export function encodeTbs(parts: TbsParts): Buffer {
  const fields = [
    VERSION_3,
    der.integer(parts.serial),
    ECDSA_SHA256,
    parts.issuer,
    der.sequence(der.time(parts.validity.notBefore), der.time(parts.validity.notAfter)),
    parts.subject,
    parts.spki,
  ];
  if (parts.extensions.length > 0) {
    fields.push(der.explicit(3, der.sequence(...parts.extensions.map(encodeExtension))));
  }
  return der.sequence(...fields);
}

/** Signs a TBSCertificate with the issuer's P-256 private key and wraps the certificate. */
export function signTbs(tbs: Uint8Array, issuerKey: KeyObject): Buffer {
  const signature = sign('sha256', tbs, issuerKey);
  return der.sequence(tbs, ECDSA_SHA256, der.bitString(signature));
}

export function buildCertificate(parts: TbsParts, issuerKey: KeyObject): Buffer {
  return signTbs(encodeTbs(parts), issuerKey);
}

export function toPem(derBytes: Uint8Array, label = 'CERTIFICATE'): string {
  const b64 = Buffer.from(derBytes).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

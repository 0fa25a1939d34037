/**
 * The SMKI device certificate profile (mcf-format.md, "Device certificate profile", rules
 * 1, 2 and the identity material of rule 4). Trust and validity need the reference data
 * and the file, so they live in src/device-crypto/.
 */
import { TAG, bytesEqual, contentEquals, encodingOf, type Tlv } from '../der/reader.js';
import { decodeUncompressedPoint } from '../crypto/p256.js';
import { parseCertificate, type AlgorithmIdentifier, type CertificateParts } from './certificate.js';
import { findExtensions, readKeyUsage, readSubjectAltName } from './extensions.js';
import { KEY_USAGE, OID } from './oids.js';

export type DeviceKeyUsage = 'digitalSignature' | 'keyAgreement';

export interface DeviceCertificate {
  readonly parts: CertificateParts;
  /** Profile rule 2 holds. */
  readonly profileOk: boolean;
  /** The hwSerialNum as 16 lowercase hex when there is exactly one and it is 8 bytes, else null. */
  readonly hwSerial: string | null;
  /** The single keyUsage purpose, when the keyUsage extension satisfies the profile. */
  readonly keyUsage: DeviceKeyUsage | null;
}

function isEcdsaWithSha256(der: Uint8Array, alg: AlgorithmIdentifier): boolean {
  if (!contentEquals(der, alg.oid, OID.ecdsaWithSha256)) return false;
  const p = alg.params;
  return p === null || (p.tag === TAG.NULL && p.end === p.contentStart);
}

/** EC key on P-256 given as an uncompressed point on the curve (compressed points fail). */
export function hasP256PublicKey(parts: CertificateParts): boolean {
  const { der, spkiAlg, publicKey } = parts;
  const params: Tlv | null = spkiAlg.params;
  if (!contentEquals(der, spkiAlg.oid, OID.ecPublicKey)) return false;
  if (params === null || params.tag !== TAG.OID || !contentEquals(der, params, OID.prime256v1)) return false;
  if (publicKey.unusedBits !== 0) return false;
  return decodeUncompressedPoint(der.subarray(publicKey.dataStart, publicKey.end)) !== null;
}

function singleKeyUsage(parts: CertificateParts): DeviceKeyUsage | null {
  const exts = findExtensions(parts.der, parts.extensions, OID.keyUsage);
  const ext = exts[0];
  if (exts.length !== 1 || ext === undefined || !ext.critical) return null;
  const ku = readKeyUsage(parts.der, ext);
  if (ku === null || ku.count !== 1) return null;
  if (ku.mask === 1 << KEY_USAGE.digitalSignature) return 'digitalSignature';
  if (ku.mask === 1 << KEY_USAGE.keyAgreement) return 'keyAgreement';
  return null;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Decodes and profiles a device certificate; null when it does not decode (DEV_CERT_MALFORMED). */
export function parseDeviceCertificate(der: Uint8Array): DeviceCertificate | null {
  const parts = parseCertificate(der);
  if (parts === null) return null;

  const sans = findExtensions(der, parts.extensions, OID.subjectAltName);
  const decodedSans = sans.map((ext) => readSubjectAltName(der, ext));
  const serials = decodedSans.every((s) => s !== null) ? decodedSans.flatMap((s) => s!.serials) : [];
  const only = serials.length === 1 ? serials[0]! : null;
  const hwSerial = only !== null && only.length === 8 ? toHex(only) : null;
  const sanOk =
    sans.length === 1 && sans[0]!.critical && decodedSans[0]?.hardwareModuleNames === 1 && hwSerial !== null;

  const keyUsage = singleKeyUsage(parts);
  const profileOk =
    parts.version === 2 &&
    hasP256PublicKey(parts) &&
    isEcdsaWithSha256(der, parts.signatureAlg) &&
    bytesEqual(encodingOf(der, parts.signatureAlg.node), encodingOf(der, parts.tbsSignatureAlg.node)) &&
    keyUsage !== null &&
    sanOk;
  return { parts, profileOk, hwSerial, keyUsage };
}

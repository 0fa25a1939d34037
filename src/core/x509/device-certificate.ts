/**
 * The SMKI device certificate profile (mcf-format.md, "Device certificate profile", rules
 * 1, 2 and the identity material of rule 4). Trust and validity need the reference data
 * and the file, so they live in src/device-crypto/.
 */
import { TAG, contentEquals, encodingsEqual, type Tlv } from '../der/reader.js';
import { isUncompressedPointAt } from '../crypto/p256.js';
import { parseCertificate, type AlgorithmIdentifier, type CertificateParts, type Extension } from './certificate.js';
import { readKeyUsage, readSubjectAltName } from './extensions.js';
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
  return isUncompressedPointAt(der, publicKey.dataStart, publicKey.end);
}

function singleKeyUsage(parts: CertificateParts): DeviceKeyUsage | null {
  const { der } = parts;
  let ext: Extension | undefined;
  let count = 0;
  for (const e of parts.extensions) {
    if (!contentEquals(der, e.oid, OID.keyUsage)) continue;
    ext = e;
    count++;
  }
  if (count !== 1 || ext === undefined || !ext.critical) return null;
  const ku = readKeyUsage(der, ext);
  if (ku === null || ku.count !== 1) return null;
  if (ku.mask === 1 << KEY_USAGE.digitalSignature) return 'digitalSignature';
  if (ku.mask === 1 << KEY_USAGE.keyAgreement) return 'keyAgreement';
  return null;
}

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Lowercase hex of a node's content: a few bytes, without a Buffer view per certificate. */
function contentHex(der: Uint8Array, node: Tlv): string {
  let hex = '';
  for (let i = node.contentStart; i < node.end; i++) hex += HEX_BYTE[der[i]!]!;
  return hex;
}

interface SanIdentity {
  readonly hwSerial: string | null;
  /** Exactly one SAN, critical, with exactly one hardwareModuleName, and an hwSerial. */
  readonly sanOk: boolean;
}

/**
 * The identity from the subjectAltName extensions: the hwSerialNum when, over all SANs,
 * all decode and there is exactly one, of 8 bytes. One loop rather than filter, map and
 * flatMap: this runs for every device certificate.
 */
function sanIdentity(der: Uint8Array, extensions: readonly Extension[]): SanIdentity {
  let sans = 0;
  let firstCritical = false;
  let firstHardwareModuleNames = -1;
  let allDecode = true;
  let serialCount = 0;
  let serial: Tlv | undefined;
  for (const ext of extensions) {
    if (!contentEquals(der, ext.oid, OID.subjectAltName)) continue;
    const decoded = readSubjectAltName(der, ext);
    if (++sans === 1) {
      firstCritical = ext.critical;
      firstHardwareModuleNames = decoded === null ? -1 : decoded.hardwareModuleNames;
    }
    if (decoded === null) {
      allDecode = false;
      continue;
    }
    serialCount += decoded.serials.length;
    serial ??= decoded.serials[0];
  }
  const only = allDecode && serialCount === 1 ? serial! : null;
  const hwSerial = only !== null && only.end - only.contentStart === 8 ? contentHex(der, only) : null;
  return { hwSerial, sanOk: sans === 1 && firstCritical && firstHardwareModuleNames === 1 && hwSerial !== null };
}

/** Decodes and profiles a device certificate; null when it does not decode (DEV_CERT_MALFORMED). */
export function parseDeviceCertificate(der: Uint8Array): DeviceCertificate | null {
  const parts = parseCertificate(der);
  if (parts === null) return null;
  const { hwSerial, sanOk } = sanIdentity(der, parts.extensions);
  const keyUsage = singleKeyUsage(parts);
  const profileOk =
    parts.version === 2 &&
    isEcdsaWithSha256(der, parts.signatureAlg) &&
    encodingsEqual(der, parts.signatureAlg.node, parts.tbsSignatureAlg.node) &&
    keyUsage !== null &&
    sanOk &&
    hasP256PublicKey(parts); // last: the on-curve check is the costly one
  return { parts, profileOk, hwSerial, keyUsage };
}

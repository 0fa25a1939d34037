/**
 * SMKI organisation certificates (the file signers): the party EUI from the subject's
 * x500UniqueIdentifier, keyUsage, validity and the P-256 public key.
 */
import { TAG, contentEquals, readBitString, readChildrenOf } from '../der/reader.js';
import { decodeUncompressedPoint, type AffinePoint } from '../crypto/p256.js';
import { parseCertificate, type CertificateParts } from './certificate.js';
import { findExtensions, readKeyUsage } from './extensions.js';
import { KEY_USAGE, OID } from './oids.js';

export interface OrgCertificate {
  /** Canonical EUI-64 from x500UniqueIdentifier (a BIT STRING of 8 bytes), or null. */
  readonly eui: string | null;
  /** keyUsage absent, or present and including digitalSignature. */
  readonly mayDigitallySign: boolean;
  readonly notBefore: number;
  readonly notAfter: number;
  /** The P-256 public point, or null when the key is of another kind. */
  readonly publicKey: AffinePoint | null;
}

function subjectEui(parts: CertificateParts): string | null {
  const { der } = parts;
  const found: string[] = [];
  for (const rdn of readChildrenOf(der, parts.subject, TAG.SEQUENCE) ?? []) {
    for (const atv of readChildrenOf(der, rdn, TAG.SET) ?? []) {
      const [type, value] = readChildrenOf(der, atv, TAG.SEQUENCE) ?? [];
      if (type === undefined || value === undefined || !contentEquals(der, type, OID.x500UniqueIdentifier)) continue;
      const bits = readBitString(der, value);
      if (bits === null || bits.unusedBits !== 0 || bits.end - bits.dataStart !== 8) continue;
      found.push(Buffer.from(der.subarray(bits.dataStart, bits.end)).toString('hex'));
    }
  }
  // Two different identities in one subject would make the signer ambiguous: no identity.
  return found.length > 0 && found.every((e) => e === found[0]) ? found[0]! : null;
}

function mayDigitallySign(parts: CertificateParts): boolean {
  const exts = findExtensions(parts.der, parts.extensions, OID.keyUsage);
  if (exts.length === 0) return true;
  if (exts.length > 1) return false;
  const ku = readKeyUsage(parts.der, exts[0]!);
  return ku !== null && (ku.mask & (1 << KEY_USAGE.digitalSignature)) !== 0;
}

function publicPoint(parts: CertificateParts): AffinePoint | null {
  const { der, spkiAlg, publicKey } = parts;
  const params = spkiAlg.params;
  if (!contentEquals(der, spkiAlg.oid, OID.ecPublicKey)) return null;
  if (params === null || params.tag !== TAG.OID || !contentEquals(der, params, OID.prime256v1)) return null;
  if (publicKey.unusedBits !== 0) return null;
  return decodeUncompressedPoint(der.subarray(publicKey.dataStart, publicKey.end));
}

/** Parses an organisation certificate; null when it does not decode as X.509. */
export function parseOrgCertificate(der: Uint8Array): OrgCertificate | null {
  const parts = parseCertificate(der);
  if (parts === null) return null;
  return {
    eui: subjectEui(parts),
    mayDigitallySign: mayDigitallySign(parts),
    notBefore: parts.notBefore,
    notAfter: parts.notAfter,
    publicKey: publicPoint(parts),
  };
}

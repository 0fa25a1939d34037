/**
 * Decodes the RFC 5280 Certificate structure down to each extension's extnValue OCTET
 * STRING, without `new X509Certificate()` (which costs more than the signature check).
 * Any failure here is a decoding failure (DEV_CERT_MALFORMED for device certificates);
 * what sits inside the extnValues, the SPKI key bits and the algorithm choice is left to
 * the profile checks.
 */
import {
  TAG,
  contentLength,
  ctxConstructed,
  isValidOid,
  readBitString,
  readBoolean,
  readChildren,
  readChildrenOf,
  readSingle,
  readSmallInteger,
  isValidInteger,
  type BitString,
  type Tlv,
} from '../der/reader.js';
import { readTime } from './time.js';

export interface Extension {
  readonly oid: Tlv;
  readonly critical: boolean;
  /** The extnValue OCTET STRING node (its content is the extension's own DER). */
  readonly value: Tlv;
}

export interface AlgorithmIdentifier {
  /** The whole AlgorithmIdentifier SEQUENCE (for byte comparison). */
  readonly node: Tlv;
  readonly oid: Tlv;
  readonly params: Tlv | null;
}

export interface CertificateParts {
  readonly der: Uint8Array;
  /** The whole tbsCertificate SEQUENCE, header included: the signed bytes. */
  readonly tbs: Tlv;
  /** 0 for v1 (version absent), 2 for v3; -1 when the INTEGER does not fit. */
  readonly version: number;
  /** The serialNumber INTEGER. */
  readonly serial: Tlv;
  readonly tbsSignatureAlg: AlgorithmIdentifier;
  readonly signatureAlg: AlgorithmIdentifier;
  readonly issuer: Tlv;
  readonly subject: Tlv;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly spkiAlg: AlgorithmIdentifier;
  readonly spki: Tlv;
  readonly publicKey: BitString;
  readonly signature: BitString;
  readonly extensions: readonly Extension[];
}

function readAlgorithm(buf: Uint8Array, node: Tlv | undefined): AlgorithmIdentifier | null {
  const kids = readChildrenOf(buf, node, TAG.SEQUENCE);
  if (kids === null || node === undefined || kids.length < 1 || kids.length > 2) return null;
  const oid = kids[0]!;
  if (!isValidOid(buf, oid)) return null;
  return { node, oid, params: kids[1] ?? null };
}

/** Name ::= SEQUENCE OF SET SIZE (1..MAX) OF SEQUENCE { type OID, value ANY }. */
export function isValidName(buf: Uint8Array, node: Tlv | undefined): boolean {
  const rdns = readChildrenOf(buf, node, TAG.SEQUENCE);
  if (rdns === null) return false;
  for (const rdn of rdns) {
    const atvs = readChildrenOf(buf, rdn, TAG.SET);
    if (atvs === null || atvs.length === 0) return false;
    for (const atv of atvs) {
      const parts = readChildrenOf(buf, atv, TAG.SEQUENCE);
      if (parts === null || parts.length !== 2 || !isValidOid(buf, parts[0]!)) return false;
    }
  }
  return true;
}

function readExtensions(buf: Uint8Array, wrapper: Tlv): Extension[] | null {
  const inner = readChildren(buf, wrapper);
  if (inner === null || inner.length !== 1) return null;
  const list = readChildrenOf(buf, inner[0], TAG.SEQUENCE);
  if (list === null || list.length === 0) return null;
  const out: Extension[] = [];
  for (const ext of list) {
    const parts = readChildrenOf(buf, ext, TAG.SEQUENCE);
    if (parts === null || parts.length < 2 || parts.length > 3) return null;
    const oid = parts[0]!;
    if (!isValidOid(buf, oid)) return null;
    let critical = false;
    if (parts.length === 3) {
      const flag = readBoolean(buf, parts[1]!);
      if (flag === null) return null;
      critical = flag;
    }
    const value = parts[parts.length - 1]!;
    if (value.tag !== TAG.OCTET_STRING) return null;
    out.push({ oid, critical, value });
  }
  return out;
}

/** Decodes exactly one DER certificate filling `der`; null when it does not decode. */
export function parseCertificate(der: Uint8Array): CertificateParts | null {
  const root = readSingle(der);
  const top = root === null ? null : readChildrenOf(der, root, TAG.SEQUENCE);
  if (top === null || top.length !== 3) return null;
  const [tbs, sigAlgNode, sigNode] = top as [Tlv, Tlv, Tlv];
  const signatureAlg = readAlgorithm(der, sigAlgNode);
  const signature = readBitString(der, sigNode);
  const fields = readChildrenOf(der, tbs, TAG.SEQUENCE);
  if (signatureAlg === null || signature === null || fields === null) return null;

  let i = 0;
  let version = 0;
  if (fields[0]?.tag === ctxConstructed(0)) {
    const v = readChildren(der, fields[0]);
    if (v === null || v.length !== 1 || !isValidInteger(der, v[0]!)) return null;
    version = readSmallInteger(der, v[0]!) ?? -1;
    i = 1;
  }
  const serial = fields[i];
  if (serial === undefined || serial.tag !== TAG.INTEGER || contentLength(serial) === 0) return null;
  const tbsSignatureAlg = readAlgorithm(der, fields[i + 1]);
  const issuer = fields[i + 2];
  const validity = readChildrenOf(der, fields[i + 3], TAG.SEQUENCE);
  const subject = fields[i + 4];
  const spki = fields[i + 5];
  if (tbsSignatureAlg === null || validity === null || validity.length !== 2) return null;
  if (issuer === undefined || subject === undefined || !isValidName(der, issuer) || !isValidName(der, subject)) {
    return null;
  }
  const notBefore = readTime(der, validity[0]!);
  const notAfter = readTime(der, validity[1]!);
  if (notBefore === null || notAfter === null) return null;
  const spkiParts = readChildrenOf(der, spki, TAG.SEQUENCE);
  if (spki === undefined || spkiParts === null || spkiParts.length !== 2) return null;
  const spkiAlg = readAlgorithm(der, spkiParts[0]);
  const publicKey = readBitString(der, spkiParts[1]!);
  if (spkiAlg === null || publicKey === null) return null;

  // Optional issuerUniqueID [1], subjectUniqueID [2] (IMPLICIT BIT STRING), extensions [3], in order.
  let extensions: Extension[] = [];
  let expected = 1;
  for (let f = i + 6; f < fields.length; f++) {
    const field = fields[f]!;
    const n = field.tag & 0x1f;
    const cls = field.tag & 0xc0;
    if (cls !== 0x80 || n < expected || n > 3) return null;
    if (n === 3) {
      if (field.tag !== ctxConstructed(3)) return null;
      const exts = readExtensions(der, field);
      if (exts === null) return null;
      extensions = exts;
    } else if (field.tag !== (0x80 | n) && field.tag !== (0xa0 | n)) {
      return null;
    }
    expected = n + 1;
  }
  return {
    der, tbs, version, serial, tbsSignatureAlg, signatureAlg, issuer, subject,
    notBefore, notAfter, spkiAlg, spki, publicKey, signature, extensions,
  };
}

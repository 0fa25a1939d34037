/**
 * The per-device crypto checks (mcf-format.md, "Device certificate profile" and "Credential
 * blob"): pure and synchronous, run on worker threads. Results are codes only.
 */
import { verify, type KeyObject } from 'node:crypto';
import { decodeStrictBase64 } from '../values.js';
import type { DeviceCryptoBatch, DeviceCryptoCode, DeviceCryptoInput, DeviceCryptoResult } from '../contracts/device-crypto.js';
import { checkCredentials } from '../credential/decrypt.js';
import { encodingOf, type Tlv } from '../der/reader.js';
import { parseDeviceCertificate, type DeviceCertificate } from '../x509/device-certificate.js';
import { isValidAt } from '../x509/time.js';
import type { CaSubject, DeviceCryptoContext } from './context.js';

export const MAX_CERTIFICATE_CHARS = 4096;

/** The keys of the CAs whose subject DER equals the issuer DER bytes, if any. */
function issuerKeys(der: Uint8Array, issuer: Tlv, cas: readonly CaSubject[]): readonly KeyObject[] | undefined {
  const len = issuer.end - issuer.start;
  for (const ca of cas) {
    const subject = ca.subject;
    if (subject.length !== len) continue;
    let i = 0;
    while (i < len && subject[i] === der[issuer.start + i]) i++;
    if (i === len) return ca.keys;
  }
  return undefined;
}

/** Signature verify with P-256/SHA-256 over the exact tbsCertificate bytes, whatever is declared. */
function isTrusted(cert: DeviceCertificate, cas: readonly CaSubject[] | undefined): boolean {
  const { der, issuer, tbs, signature } = cert.parts;
  if (cas === undefined || signature.unusedBits !== 0) return false;
  const keys = issuerKeys(der, issuer, cas);
  if (keys === undefined) return false;
  const tbsBytes = encodingOf(der, tbs);
  const sig = der.subarray(signature.dataStart, signature.end);
  for (const key of keys) {
    try {
      if (verify('sha256', tbsBytes, { key, dsaEncoding: 'der' }, sig)) return true;
    } catch {
      // not verifiable with this key: try the next one
    }
  }
  return false;
}

/** The decoded certificate, or null when it is DEV_CERT_MALFORMED. */
function decodeCertificate(text: string): DeviceCertificate | null {
  const der = text.length > MAX_CERTIFICATE_CHARS ? null : decodeStrictBase64(text);
  return der === null ? null : parseDeviceCertificate(der);
}

/** The certificate codes of an item whose certificate was decoded (null: malformed). */
function certificateCodes(
  item: DeviceCryptoInput,
  cert: DeviceCertificate | null,
  trusted: boolean,
  createdAtSec: number,
  out: DeviceCryptoCode[],
): void {
  if (cert === null) {
    out.push('DEV_CERT_MALFORMED');
    return;
  }
  if (!cert.profileOk) out.push('DEV_CERT_PROFILE');
  if (!trusted) out.push('DEV_CERT_UNTRUSTED');
  if (item.deviceId === null || cert.hwSerial !== item.deviceId) out.push('DEV_CERT_ID_MISMATCH');
  if (!isValidAt(cert.parts.notBefore, cert.parts.notAfter, createdAtSec)) out.push('DEV_CERT_EXPIRED');
}

/**
 * One result per item, in order; each result lists the failing codes in catalogue order.
 * The work runs in phases over the whole batch: decode all certificates, verify all
 * signatures, then the credentials (which phase their ECDH, HKDF and AES-GCM likewise).
 * Alternating OpenSSL operations per device measured several microseconds per device
 * slower (they evict each other from the CPU caches). The codes are collected at the end
 * in catalogue order, as a per-device run would list them.
 */
export function checkDevices(ctx: DeviceCryptoContext, batch: DeviceCryptoBatch): DeviceCryptoResult[] {
  const { items, smso, createdAtSec } = batch;
  const certs = items.map((item) => (item.certificate === null ? null : decodeCertificate(item.certificate)));
  const cas = ctx.caSubjects.get(smso);
  const trusted = certs.map((cert) => cert !== null && isTrusted(cert, cas));
  const credentialCodes = checkCredentials(ctx.keyAgreement, items);
  const results: DeviceCryptoCode[][] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const codes: DeviceCryptoCode[] = [];
    if (item.certificate !== null) certificateCodes(item, certs[i]!, trusted[i]!, createdAtSec, codes);
    const code = credentialCodes[i];
    if (code != null) codes.push(code);
    results.push(codes);
  }
  return results;
}

/**
 * The per-device crypto checks (mcf-format.md, "Device certificate profile" and "Credential
 * blob"): pure and synchronous, run on worker threads. Results are codes only.
 */
import { verify, type KeyObject } from 'node:crypto';
import { decodeStrictBase64 } from '../core/values.js';
import type {
  DeviceCryptoBatch,
  DeviceCryptoCode,
  DeviceCryptoInput,
  DeviceCryptoResult,
} from '../core/device-crypto.js';
import { checkCredential } from '../credential/decrypt.js';
import { encodingOf } from '../der/reader.js';
import { parseDeviceCertificate, type DeviceCertificate } from '../x509/device-certificate.js';
import { isValidAt } from '../x509/time.js';
import type { DeviceCryptoContext } from './context.js';

export const MAX_CERTIFICATE_CHARS = 4096;

/** Signature verify with P-256/SHA-256 over the exact tbsCertificate bytes, whatever is declared. */
function isTrusted(cert: DeviceCertificate, cas: ReadonlyMap<string, readonly KeyObject[]> | undefined): boolean {
  const { der, issuer, tbs, signature } = cert.parts;
  if (cas === undefined || signature.unusedBits !== 0) return false;
  const keys = cas.get(Buffer.from(encodingOf(der, issuer)).toString('hex'));
  if (keys === undefined) return false;
  const tbsBytes = encodingOf(der, tbs);
  const sig = der.subarray(signature.dataStart, signature.end);
  return keys.some((key) => {
    try {
      return verify('sha256', tbsBytes, { key, dsaEncoding: 'der' }, sig);
    } catch {
      return false;
    }
  });
}

function checkCertificate(
  ctx: DeviceCryptoContext,
  smso: string,
  createdAtSec: number,
  item: DeviceCryptoInput,
  text: string,
  out: DeviceCryptoCode[],
): void {
  const der = text.length > MAX_CERTIFICATE_CHARS ? null : decodeStrictBase64(text);
  const cert = der === null ? null : parseDeviceCertificate(der);
  if (cert === null) {
    out.push('DEV_CERT_MALFORMED');
    return;
  }
  if (!cert.profileOk) out.push('DEV_CERT_PROFILE');
  if (!isTrusted(cert, ctx.caKeys.get(smso))) out.push('DEV_CERT_UNTRUSTED');
  if (item.deviceId === null || cert.hwSerial !== item.deviceId) out.push('DEV_CERT_ID_MISMATCH');
  if (!isValidAt(cert.parts.notBefore, cert.parts.notAfter, createdAtSec)) out.push('DEV_CERT_EXPIRED');
}

/** One result per item, in order; each result lists the failing codes in catalogue order. */
export function checkDevices(ctx: DeviceCryptoContext, batch: DeviceCryptoBatch): DeviceCryptoResult[] {
  return batch.items.map((item) => {
    const codes: DeviceCryptoCode[] = [];
    if (item.certificate !== null) checkCertificate(ctx, batch.smso, batch.createdAtSec, item, item.certificate, codes);
    if (item.credential !== null) {
      const code = checkCredential(ctx.keyAgreement, item.credential, item.deviceId, item.deviceType);
      if (code !== null) codes.push(code);
    }
    return codes;
  });
}

/** PEM certificate bundles of the reference directory (file-signers.pem, device-cas.pem). */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { S1migError } from '../errors/s1mig-error.js';
import { encodingOf } from '../der/reader.js';
import { parseCertificate, type CertificateParts } from '../x509/certificate.js';
import { parseOrgCertificate, type OrgCertificate } from '../x509/org-certificate.js';
import { hasP256PublicKey } from '../x509/device-certificate.js';
import { parsePemBundle } from '../x509/pem.js';
import { readRefFile } from './files.js';

export const FILE_SIGNERS_PEM = 'file-signers.pem';
export const DEVICE_CAS_PEM = 'device-cas.pem';

/** The certificates of a bundle, each decoded; a missing bundle is empty. Throws REF_INVALID. */
export function readCertificateBundle(path: string): CertificateParts[] {
  const text = readRefFile(path);
  if (text === undefined) return [];
  const pem = parsePemBundle(text, 'CERTIFICATE');
  if ('error' in pem) throw new S1migError('REF_INVALID', `${path}: ${pem.error}`);
  return pem.ders.map((der, i) => {
    const parts = parseCertificate(der);
    if (parts === null) throw new S1migError('REF_INVALID', `${path}: certificate ${i + 1} does not parse`);
    return parts;
  });
}

export function readFileSigners(refDir: string, smso: string): OrgCertificate[] {
  const path = join(refDir, 'smso', smso, FILE_SIGNERS_PEM);
  return readCertificateBundle(path).map((parts, i) => {
    const org = parseOrgCertificate(parts.der);
    if (org === null) throw new S1migError('REF_INVALID', `${path}: certificate ${i + 1} does not parse`);
    return org;
  });
}

export interface DeviceCa {
  /** DER of the CA's subject Name, as hex (a Map key for byte-equal issuer matching). */
  readonly subjectHex: string;
  readonly key: KeyObject;
}

/**
 * The CAs of smso/<SMSO>/device-cas.pem, each imported once. A CA whose key is not a P-256
 * point can verify nothing under the profile's fixed algorithm, so it is left out.
 */
export function readDeviceCas(refDir: string, smso: string): DeviceCa[] {
  const path = join(refDir, 'smso', smso, DEVICE_CAS_PEM);
  const out: DeviceCa[] = [];
  for (const parts of readCertificateBundle(path)) {
    if (!hasP256PublicKey(parts)) continue;
    const key = createPublicKey({ key: Buffer.from(encodingOf(parts.der, parts.spki)), format: 'der', type: 'spki' });
    out.push({ subjectHex: Buffer.from(encodingOf(parts.der, parts.subject)).toString('hex'), key });
  }
  return out;
}

/**
 * The S1SP alert-signing key and its organisation certificate (`s1sp/alert-signing.*.pem`,
 * mcf-format.md "The reference directory"): loaded together, and refused unless the
 * certificate is for that key, may sign, and names its serial within libxml2's reach.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { readPositiveBigInt } from '../der/reader.js';
import { S1migError } from '../errors/s1mig-error.js';
import type { SignerIdentity } from '../xml-dsig/signature.js';
import { parseCertificate } from '../x509/certificate.js';
import { nameToString } from '../x509/dn-string.js';
import { parseOrgCertificate } from '../x509/org-certificate.js';
import { parsePemBundle } from '../x509/pem.js';
import { readRefFile, readRequiredRefFile } from './files.js';
import { loadP256PrivateKey } from './key-agreement.js';

export const ALERT_SIGNING_KEY_PEM = 's1sp/alert-signing.key.pem';
export const ALERT_SIGNING_CERT_PEM = 's1sp/alert-signing.cert.pem';
/**
 * libxml2 (xmllint --schema) refuses xs:integer values of more than about 24 digits, and
 * X509SerialNumber is one: a longer serial would make every alert fail schema checks.
 */
export const MAX_SERIAL_DIGITS = 24;

export interface AlertSigningCertificate {
  readonly der: Buffer;
  readonly publicKey: KeyObject;
  readonly identity: SignerIdentity;
  readonly notAfter: number;
}

export interface AlertSigner extends AlertSigningCertificate {
  readonly privateKey: KeyObject;
}

/** Reads an alert-signing certificate (also what `alerts verify --cert` takes). */
export function readAlertSigningCertificate(path: string, text = readRequiredRefFile(path)): AlertSigningCertificate {
  const pem = parsePemBundle(text, 'CERTIFICATE');
  if ('error' in pem) throw new S1migError('REF_INVALID', `${path}: ${pem.error}`);
  if (pem.ders.length !== 1) throw new S1migError('REF_INVALID', `${path}: expected one CERTIFICATE block, found ${pem.ders.length}`);
  const der = pem.ders[0]!;
  const parts = parseCertificate(der);
  const org = parseOrgCertificate(der);
  if (parts === null || org === null) throw new S1migError('REF_INVALID', `${path}: not an X.509 certificate`);
  if (org.publicKey === null) throw new S1migError('REF_INVALID', `${path}: its key is not a P-256 EC key`);
  if (!org.mayDigitallySign) throw new S1migError('REF_INVALID', `${path}: its keyUsage does not allow digitalSignature`);
  const serial = readPositiveBigInt(der, parts.serial);
  if (serial === null) throw new S1migError('REF_INVALID', `${path}: its serial number is not a positive integer`);
  const digits = serial.toString(10);
  if (digits.length > MAX_SERIAL_DIGITS) throw new S1migError('REF_INVALID', `${path}: its serial number has ${digits.length} digits; X509SerialNumber must stay within ${MAX_SERIAL_DIGITS} (libxml2)`);
  return { der, publicKey: new X509Certificate(der).publicKey, identity: { issuerName: nameToString(der, parts.issuer), serial: digits }, notAfter: org.notAfter };
}

/** The signing key and its certificate, checked to belong together. */
export function loadAlertSigner(refDir: string): AlertSigner {
  const keyPath = join(refDir, ALERT_SIGNING_KEY_PEM);
  const certPath = join(refDir, ALERT_SIGNING_CERT_PEM);
  const privateKey = loadP256PrivateKey(keyPath);
  const text = readRefFile(certPath);
  // Reference directories written before alerts existed have the key but not the certificate.
  if (text === undefined) throw new S1migError('REF_INVALID', `${certPath}: missing (the alert-signing key's organisation certificate; \`s1mig ref init\` writes one with a new key)`);
  const cert = readAlertSigningCertificate(certPath, text);
  const mine = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  if (!mine.equals(cert.publicKey.export({ format: 'der', type: 'spki' }))) {
    throw new S1migError('REF_INVALID', `${certPath}: the certificate is not for the key in ${ALERT_SIGNING_KEY_PEM}`);
  }
  return { ...cert, privateKey };
}

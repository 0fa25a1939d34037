import { createPrivateKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { S1migError } from '../errors/s1mig-error.js';
import { parsePemBundle } from '../x509/pem.js';
import { readRequiredRefFile } from './files.js';

export const KEY_AGREEMENT_PEM = 's1sp/key-agreement.key.pem';

/** The S1SP key-agreement key: exactly one PKCS#8 PEM block holding a P-256 private key. */
export function loadKeyAgreementKey(refDir: string): KeyObject {
  return loadP256PrivateKey(join(refDir, KEY_AGREEMENT_PEM));
}

/** Exactly one PKCS#8 PEM block holding a P-256 private key. */
export function loadP256PrivateKey(path: string): KeyObject {
  const text = readRequiredRefFile(path);
  const pem = parsePemBundle(text, 'PRIVATE KEY');
  if ('error' in pem) throw new S1migError('REF_INVALID', `${path}: ${pem.error}`);
  if (pem.ders.length !== 1) throw new S1migError('REF_INVALID', `${path}: expected one PRIVATE KEY block`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem.ders[0]!, format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new S1migError('REF_INVALID', `${path}: not a PKCS#8 private key`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new S1migError('REF_INVALID', `${path}: not a P-256 EC key`);
  }
  return key;
}

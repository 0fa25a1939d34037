/**
 * What the device checks need from the reference directory, loaded once per thread: the
 * imported CA keys per SMSO (keyed by the DER of their subject) and the key-agreement key.
 * It holds private key material: it never leaves the thread that loaded it.
 */
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { createKeyAgreement, type KeyAgreement } from '../credential/decrypt.js';
import { readDeviceCas } from '../reference/bundles.js';
import { listSmsoDirs } from '../reference/files.js';
import { loadKeyAgreementKey } from '../reference/key-agreement.js';

export interface DeviceCryptoContext {
  /** SMSO -> hex DER of a CA subject Name -> the keys of the CAs with that subject. */
  readonly caKeys: ReadonlyMap<string, ReadonlyMap<string, readonly KeyObject[]>>;
  readonly keyAgreement: KeyAgreement;
}

/** Loads device CAs per SMSO and the key-agreement key; throws S1migError('REF_INVALID'). */
export function loadDeviceCryptoContext(refDir: string): DeviceCryptoContext {
  const dir = resolve(refDir);
  const keyAgreement = createKeyAgreement(loadKeyAgreementKey(dir));
  const caKeys = new Map<string, Map<string, KeyObject[]>>();
  for (const smso of listSmsoDirs(dir)) {
    const bySubject = new Map<string, KeyObject[]>();
    for (const ca of readDeviceCas(dir, smso)) {
      const list = bySubject.get(ca.subjectHex);
      if (list === undefined) bySubject.set(ca.subjectHex, [ca.key]);
      else list.push(ca.key);
    }
    caKeys.set(smso, bySubject);
  }
  return { caKeys, keyAgreement };
}

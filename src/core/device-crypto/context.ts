/**
 * What the device checks need from the reference directory, loaded once per thread: the
 * imported CA keys per SMSO (grouped by the DER of their subject) and the key-agreement key.
 * It holds private key material: it never leaves the thread that loaded it.
 */
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { createKeyAgreement, type KeyAgreement } from '../credential/decrypt.js';
import { readDeviceCas } from '../reference/bundles.js';
import { listSmsoDirs } from '../reference/files.js';
import { loadKeyAgreementKey } from '../reference/key-agreement.js';

/** The keys of the device CAs that share one subject Name. */
export interface CaSubject {
  /** DER of the subject Name, compared byte for byte with a certificate's issuer. */
  readonly subject: Uint8Array;
  readonly keys: readonly KeyObject[];
}

export interface DeviceCryptoContext {
  /**
   * SMSO -> its device CAs grouped by subject Name, in bundle order. A list, not a map: an
   * SMSO has a handful of CAs, and comparing bytes is cheaper than building a key per certificate.
   */
  readonly caSubjects: ReadonlyMap<string, readonly CaSubject[]>;
  readonly keyAgreement: KeyAgreement;
}

/** Loads device CAs per SMSO and the key-agreement key; throws S1migError('REF_INVALID'). */
export function loadDeviceCryptoContext(refDir: string): DeviceCryptoContext {
  const dir = resolve(refDir);
  const keyAgreement = createKeyAgreement(loadKeyAgreementKey(dir));
  const caSubjects = new Map<string, CaSubject[]>();
  for (const smso of listSmsoDirs(dir)) {
    const bySubject = new Map<string, KeyObject[]>();
    for (const ca of readDeviceCas(dir, smso)) {
      const list = bySubject.get(ca.subjectHex);
      if (list === undefined) bySubject.set(ca.subjectHex, [ca.key]);
      else list.push(ca.key);
    }
    caSubjects.set(
      smso,
      [...bySubject].map(([hex, keys]) => ({ subject: Buffer.from(hex, 'hex'), keys })),
    );
  }
  return { caSubjects, keyAgreement };
}

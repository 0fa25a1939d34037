/**
 * The reference directory (mcf-format.md): loaded once at start, validated whole.
 * Device CAs and the key-agreement key are loaded again by the worker side
 * (src/device-crypto/), which keeps key material out of the main thread's objects.
 */
import { resolve } from 'node:path';
import type { OrgCertificate } from '../x509/org-certificate.js';
import { readDeviceCas, readFileSigners } from './bundles.js';
import { loadEligibility, type EligibilityCombination } from './eligibility.js';
import { listSmsoDirs } from './files.js';
import { loadKeyAgreementKey } from './key-agreement.js';

export type { EligibilityCombination, ProductRef } from './eligibility.js';

export interface Reference {
  readonly dir: string;
  readonly smsos: ReadonlySet<string>;
  readonly eligibility: readonly EligibilityCombination[];
  /** Parsed smso/<SMSO>/file-signers.pem per SMSO (empty array when the bundle is absent). */
  readonly fileSigners: ReadonlyMap<string, readonly OrgCertificate[]>;
}

/** Loads and validates a reference directory; throws S1migError('REF_INVALID') naming the file. */
export function loadReference(dir: string): Reference {
  const abs = resolve(dir);
  loadKeyAgreementKey(abs);
  const eligibility = loadEligibility(abs);
  const smsos = listSmsoDirs(abs);
  const fileSigners = new Map<string, readonly OrgCertificate[]>();
  for (const smso of smsos) {
    fileSigners.set(smso, readFileSigners(abs, smso));
    readDeviceCas(abs, smso);
  }
  return { dir: abs, smsos: new Set(smsos), eligibility, fileSigners };
}

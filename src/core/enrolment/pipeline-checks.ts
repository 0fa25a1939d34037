/**
 * The checks of an installation that need state (enrolment.md, "The pipeline checks"),
 * combined with its offline outcome exactly as validation.md's "Installation outcome" steps
 * say. Pure: the enrolment stage gathers the facts from its tables.
 */
import { INSTALLATION_CODES, type InstallationCode } from '../errors/codes.js';
import type { InstallationStatus } from '../validation/installation-rules.js';

/** Failed migration attempts that exclude an installation (validation.md). */
export const MAX_ATTEMPTS = 5;

export interface OfflineOutcome {
  readonly status: InstallationStatus;
  readonly errors: readonly InstallationCode[];
}

export interface PipelineFacts {
  /** Failed migration attempts recorded for the installation's CHF. */
  readonly failedAttempts: number;
  /** Its CHF's last migration succeeded. */
  readonly alreadyMigrated: boolean;
  /** A device of it is recorded in the SMI under another installation. */
  readonly deviceRecordedElsewhere: boolean;
  /**
   * Not authorised: no ESME or GSME has the MA's supplier as Responsible Supplier, or the
   * MA is withdrawn, or its migration day has ended.
   */
  readonly notAuthorised: boolean;
}

/** The installation's final status and codes after the pipeline checks. */
export function withPipelineChecks(offline: OfflineOutcome, facts: PipelineFacts): OfflineOutcome {
  // Step 0: five failed attempts exclude it, and nothing else is evaluated.
  if (facts.failedAttempts >= MAX_ATTEMPTS) return { status: 'excluded', errors: ['INST_ATTEMPTS_EXHAUSTED'] };
  const extra = new Set<InstallationCode>();
  if (facts.alreadyMigrated) extra.add('INST_ALREADY_MIGRATED');
  if (facts.deviceRecordedElsewhere) extra.add('INST_DUPLICATE_DEVICE');
  if (facts.notAuthorised) extra.add('INST_NOT_AUTHORISED');
  if (extra.size === 0) return offline;
  // Step 1 now applies: invalid, with every step-1 code; step 4 (missing keys) no longer does.
  const codes = new Set<InstallationCode>([...offline.errors.filter((c) => c !== 'INST_EXCLUDED_MISSING_KEYS'), ...extra]);
  return { status: 'invalid', errors: INSTALLATION_CODES.filter((c) => codes.has(c)) };
}

/** True when no ESME or GSME of the installation names `supplier` (canonical) as its Responsible Supplier. */
export function supplierMissing(meters: readonly { readonly deviceType: string | null; readonly responsibleSupplier: string | null }[], supplier: string): boolean {
  return !meters.some((d) => (d.deviceType === 'ESME' || d.deviceType === 'GSME') && d.responsibleSupplier === supplier);
}

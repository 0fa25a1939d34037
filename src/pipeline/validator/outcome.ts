import type { DeviceCryptoResult } from '../../core/device-crypto.js';
import type { EligibilityCombination } from '../../reference/index.js';
import { installationReport } from '../../validation/installation-report.js';
import type { ValidationPolicy } from '../../validation/policy.js';
import type { InstallationOutcomeRecord } from '../records.js';
import type { AssembledInstallation } from './assembler.js';

export const VALIDATION_STAGE = 'validation';

/**
 * The outcome record of an assembled installation: the same report `validate --json` gives
 * for it (statuses, codes and their order come from the shared core function).
 */
export function outcomeRecord(
  a: AssembledInstallation<unknown>,
  crypto: readonly DeviceCryptoResult[],
  policy: Readonly<ValidationPolicy>,
  eligibility: readonly EligibilityCombination[],
  decidedAtMs: number,
): InstallationOutcomeRecord {
  const duplicates = new Set(a.duplicateDeviceIds);
  const report = installationReport(a.installation, crypto, { policy, eligibility, isDuplicate: (id) => duplicates.has(id) });
  return {
    fileKey: a.file.fileKey,
    fileId: a.file.fileId,
    installationId: report.installationId,
    installationIndex: a.installation.index,
    purpose: a.file.purpose,
    stage: VALIDATION_STAGE,
    attempt: 0,
    status: report.status,
    errors: report.errors.map((e) => ({ code: e.code, message: e.message })),
    devices: report.devices.map((d) => ({
      deviceId: d.deviceId,
      deviceType: d.deviceType,
      status: d.status,
      errors: d.errors.map((e) => ({ code: e.code, message: e.message })),
    })),
    decidedAtMs,
  };
}

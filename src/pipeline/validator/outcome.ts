import type { DeviceCryptoResult } from '../../core/contracts/device-crypto.js';
import type { EligibilityCombination } from '../../core/reference/index.js';
import { installationReport } from '../../core/validation/installation-report.js';
import type { ValidationPolicy } from '../../core/validation/policy.js';
import { coded } from '../../core/outcome/messages.js';
import type { DeviceReport } from '../../core/outcome/report.js';
import { evaluateDevice } from '../../core/validation/device-rules.js';
import { oversizedOutcome } from '../../core/validation/installation-rules.js';
import type { DeviceOutcomeRecord, InstallationDevicesRecord, InstallationOutcomeRecord } from '../records.js';
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
    devices: report.devices.map(deviceRecord),
    deviceSegments: 0,
    decidedAtMs,
    migration: null,
    alerts: null,
  };
}

function deviceRecord(d: DeviceReport): DeviceOutcomeRecord {
  return { deviceId: d.deviceId, deviceType: d.deviceType, status: d.status, errors: d.errors.map((e) => ({ code: e.code, message: e.message })) };
}

/** What one assembled unit produces: an outcome, or a segment's devices (and, for the last segment, the outcome too). */
export interface UnitRecords {
  readonly outcome: InstallationOutcomeRecord | null;
  readonly devices: InstallationDevicesRecord | null;
}

/**
 * The records of one unit. A whole installation gets its outcome. A segment of an oversized
 * installation (more than 32 devices) gets its devices evaluated by the shared device rules;
 * its last segment also carries the installation's outcome, which its devices cannot change
 * (INST_STRUCTURE, and INST_DUPLICATE_DEVICE as the splitter found it over all segments):
 * the same statuses and codes as `validate --json` gives, without the installation held whole.
 */
export function unitRecords(
  a: AssembledInstallation<unknown>,
  crypto: readonly DeviceCryptoResult[],
  policy: Readonly<ValidationPolicy>,
  eligibility: readonly EligibilityCombination[],
  decidedAtMs: number,
): UnitRecords {
  const seg = a.segment;
  if (seg === null) return { outcome: outcomeRecord(a, crypto, policy, eligibility, decidedAtMs), devices: null };
  const devices: InstallationDevicesRecord = {
    fileKey: a.file.fileKey, fileId: a.file.fileId, installationId: a.installation.id, installationIndex: a.installation.index,
    segment: seg.index, segments: seg.count, firstDeviceIndex: seg.firstDevice, decidedAtMs,
    devices: a.installation.devices.map((dev, k) => {
      const o = evaluateDevice(dev, crypto[k] ?? []);
      return { deviceId: o.deviceId, deviceType: o.deviceType, status: o.errors.length === 0 ? 'valid' : 'invalid', errors: o.errors.map((c) => coded(c)) };
    }),
  };
  if (seg.index !== seg.count - 1) return { outcome: null, devices };
  const o = oversizedOutcome(seg.hasDuplicate, {});
  return {
    devices,
    outcome: {
      fileKey: a.file.fileKey, fileId: a.file.fileId, installationId: a.installation.id, installationIndex: a.installation.index,
      purpose: a.file.purpose, stage: VALIDATION_STAGE, attempt: 0, status: o.status, errors: o.errors.map((c) => coded(c)),
      devices: [], deviceSegments: seg.count, decidedAtMs, migration: null, alerts: null,
    },
  };
}

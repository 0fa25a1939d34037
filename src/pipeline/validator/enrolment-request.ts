import { canonicalEui } from '../../core/values.js';
import type { EnrolmentDevice, EnrolmentRequestRecord, InstallationOutcomeRecord } from '../records.js';
import type { AssembledInstallation } from './assembler.js';

/**
 * The enrolment request of an installation of an accepted Migration file: every one goes to
 * the enrolment stage, since its final outcome needs the pipeline checks (an excluded one
 * may become INST_ATTEMPTS_EXHAUSTED, an invalid one gain INST_ALREADY_MIGRATED). Null for
 * EarlyValidation files. Devices carry canonical IDs; a device without a valid ID cannot be
 * in the SMI and is left out (its installation is invalid anyway).
 */
export function enrolmentRequest(a: AssembledInstallation<unknown>, outcome: InstallationOutcomeRecord): EnrolmentRequestRecord | null {
  const ma = a.file.migrationAuthorisation;
  if (a.file.purpose !== 'Migration' || ma === null) return null;
  const devices: EnrolmentDevice[] = [];
  let chf: string | null = null;
  // An oversized installation's outcome comes with its last segment: its devices are not
  // all here, and it is invalid (INST_STRUCTURE) whatever the checks add.
  if (a.segment === null) {
    for (const d of a.installation.devices) {
      const f = d.fields;
      const id = f.DeviceID === null ? null : canonicalEui(f.DeviceID);
      if (id === null || f.DeviceType === null) continue;
      if (f.DeviceType === 'CHF' && chf === null) chf = id;
      devices.push({
        deviceId: id, deviceType: f.DeviceType, manufacturer: f.Manufacturer, model: f.Model, firmwareVersion: f.FirmwareVersion, mpxn: f.MPxN,
        parent: f.Parent === null ? null : (canonicalEui(f.Parent) ?? f.Parent),
        responsibleSupplier: f.ResponsibleSupplier === null ? null : (canonicalEui(f.ResponsibleSupplier) ?? f.ResponsibleSupplier),
      });
    }
  }
  return {
    fileKey: outcome.fileKey, fileId: outcome.fileId, installationId: outcome.installationId, installationIndex: outcome.installationIndex,
    smso: a.file.smso, migrationAuthorisation: ma, migrationType: a.installation.migrationType, chf,
    offlineStatus: outcome.status, offlineErrors: outcome.errors.map((e) => ({ code: e.code, message: e.message })), devices,
    validatedAtMs: outcome.decidedAtMs,
  };
}

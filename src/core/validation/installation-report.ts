import type { DeviceCryptoResult } from '../contracts/device-crypto.js';
import type { RawInstallation } from '../mcf/types.js';
import { coded } from '../outcome/messages.js';
import type { InstallationReport, ReportSummary } from '../outcome/report.js';
import { evaluateDevice, type DeviceOutcome } from './device-rules.js';
import { evaluateInstallation, type InstallationContext, type InstallationFacts } from './installation-rules.js';

/**
 * One installation's report from its raw devices and their crypto results (same order).
 * Shared by `validate` and the pipeline's validator stage so that both report the same
 * statuses, codes and order.
 */
export function installationReport(
  inst: RawInstallation,
  crypto: readonly DeviceCryptoResult[],
  ctx: InstallationContext,
  summary?: ReportSummary,
): InstallationReport {
  const devices = inst.devices.map((dev, k) => evaluateDevice(dev, crypto[k] ?? []));
  return reportFromOutcomes(inst, devices, ctx, summary);
}

/**
 * The same report from already evaluated devices: `validate` evaluates the devices as their
 * crypto results arrive and the installation rules once the whole file has been read.
 */
export function reportFromOutcomes(
  inst: InstallationFacts & { readonly id: string },
  devices: readonly DeviceOutcome[],
  ctx: InstallationContext,
  summary?: ReportSummary,
): InstallationReport {
  const outcome = evaluateInstallation(inst, devices, ctx);
  const report: InstallationReport = {
    installationId: inst.id,
    status: outcome.status,
    errors: outcome.errors.map((c) => coded(c)),
    devices: devices.map((d) => ({
      deviceId: d.deviceId,
      deviceType: d.deviceType,
      status: d.errors.length === 0 ? 'valid' : 'invalid',
      errors: d.errors.map((c) => coded(c)),
    })),
  };
  if (summary !== undefined) tally(summary, report);
  return report;
}

/** Adds one installation's report to a summary. */
export function tally(summary: ReportSummary, report: Pick<InstallationReport, 'status' | 'devices'>): void {
  summary.installations++;
  summary[report.status]++;
  for (const d of report.devices) {
    summary.devices++;
    if (d.status === 'valid') summary.devicesValid++;
    else summary.devicesInvalid++;
  }
}

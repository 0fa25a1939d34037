import { tally } from '../validation/installation-report.js';
import { emptySummary, type InstallationReport, type ReportHeader, type ReportSummary } from '../report/types.js';
import type { FileResultRecord, InstallationOutcomeRecord } from './records.js';

/** A file's report as the topics tell it: the same shape `validate --json` prints. */
export interface FileReport {
  readonly fileKey: string;
  readonly header: ReportHeader;
  readonly installations: readonly InstallationReport[];
  readonly summary: ReportSummary;
  /** Installations of an accepted file without an outcome yet (0 for a rejected file). */
  readonly pending: number;
}

export type FileSelection =
  | { readonly kind: 'found'; readonly fileKey: string }
  | { readonly kind: 'ambiguous'; readonly fileKeys: readonly string[] }
  | { readonly kind: 'unknown' };

/** A full file key `<16 hex>/<FileID>`, or a FileID that exactly one file key has. */
export function selectFile(arg: string, fileKeys: Iterable<string>): FileSelection {
  const keys = new Set(fileKeys);
  if (arg.includes('/')) return keys.has(arg) ? { kind: 'found', fileKey: arg } : { kind: 'unknown' };
  const matching = [...keys].filter((k) => k.slice(k.indexOf('/') + 1) === arg).sort();
  if (matching.length === 1) return { kind: 'found', fileKey: matching[0]! };
  return matching.length === 0 ? { kind: 'unknown' } : { kind: 'ambiguous', fileKeys: matching };
}

/**
 * Collects the records of the files and outcomes topics (in read order) for one report:
 * the latest accepted record of a file key wins, else its latest rejection; the latest
 * outcome per installation wins.
 */
export class FileReportCollector {
  private readonly accepted = new Map<string, FileResultRecord>();
  private readonly rejected = new Map<string, FileResultRecord>();
  private readonly outcomes = new Map<string, Map<string, InstallationOutcomeRecord>>();

  addFileResult(r: FileResultRecord): void {
    if (r.status === 'accepted') {
      this.accepted.set(r.fileKey, r);
      return;
    }
    const prev = this.rejected.get(r.fileKey);
    if (prev === undefined || r.decidedAtMs >= prev.decidedAtMs) this.rejected.set(r.fileKey, r);
  }

  addOutcome(r: InstallationOutcomeRecord): void {
    let perFile = this.outcomes.get(r.fileKey);
    if (!perFile) {
      perFile = new Map();
      this.outcomes.set(r.fileKey, perFile);
    }
    perFile.set(r.installationId, r);
  }

  fileKeys(): string[] {
    return [...new Set([...this.accepted.keys(), ...this.rejected.keys()])];
  }

  report(fileKey: string): FileReport | null {
    const file = this.accepted.get(fileKey) ?? this.rejected.get(fileKey);
    if (file === undefined) return null;
    const header: ReportHeader = {
      fileId: file.fileId,
      smso: file.smso,
      requestingParty: file.requestingParty,
      purpose: file.purpose,
      status: file.status,
      errors: file.errors.map((e) => ({ code: e.code, message: e.message })),
    };
    const records = file.status === 'accepted' ? [...(this.outcomes.get(fileKey)?.values() ?? [])] : [];
    records.sort((a, b) => a.installationIndex - b.installationIndex);
    const summary = emptySummary();
    const installations = records.map((r): InstallationReport => {
      const inst: InstallationReport = {
        installationId: r.installationId,
        status: r.status,
        errors: r.errors.map((e) => ({ code: e.code, message: e.message })),
        devices: r.devices.map((d) => ({ deviceId: d.deviceId, deviceType: d.deviceType, status: d.status, errors: d.errors.map((e) => ({ code: e.code, message: e.message })) })),
      };
      tally(summary, inst);
      return inst;
    });
    const pending = file.status === 'accepted' ? Math.max(0, file.installations - installations.length) : 0;
    return { fileKey, header, installations, summary, pending };
  }
}

import { tally } from '../core/validation/installation-report.js';
import { emptySummary, type InstallationReport, type MigrationBlock, type MigrationStatus, type MigrationSummary, type ReportHeader, type ReportSummary } from '../core/outcome/report.js';
import type { MigrationRecord, DeviceOutcomeRecord, FileResultRecord, InstallationDevicesRecord, InstallationOutcomeRecord } from './records.js';

/** A file's report as the topics tell it: the same shape `validate --json` prints. */
export interface FileReport {
  readonly fileKey: string;
  readonly header: ReportHeader;
  readonly installations: readonly InstallationReport[];
  readonly summary: ReportSummary;
  /** Installations of an accepted file without an outcome yet (0 for a rejected file). */
  readonly pending: number;
}

/** One decided upload of a file key, as `report` lists them. */
export interface UploadEntry {
  /** `<partition>:<offset of its first chunk>` on the input topic. */
  readonly upload: string;
  readonly status: 'accepted' | 'rejected';
  readonly codes: readonly string[];
  readonly sha256: string | null;
  readonly receivedAt: string;
  readonly decidedAt: string;
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
  /** Every rejected upload per file key (each has its own key in the compacted topic). */
  private readonly rejections = new Map<string, Map<string, FileResultRecord>>();
  private readonly outcomes = new Map<string, Map<string, InstallationOutcomeRecord>>();
  /** The enrolment stage's latest outcome per installation of a Migration file: the final status, codes and migration block. */
  private readonly finals = new Map<string, Map<string, InstallationOutcomeRecord>>();
  /** Device segments of oversized installations: file key -> installation id -> segment -> record. */
  private readonly segments = new Map<string, Map<string, Map<number, InstallationDevicesRecord>>>();

  addFileResult(r: FileResultRecord): void {
    if (r.status === 'accepted') {
      this.accepted.set(r.fileKey, r);
      return;
    }
    const prev = this.rejected.get(r.fileKey);
    if (prev === undefined || r.decidedAtMs >= prev.decidedAtMs) this.rejected.set(r.fileKey, r);
    let all = this.rejections.get(r.fileKey);
    if (!all) this.rejections.set(r.fileKey, (all = new Map()));
    all.set(r.upload, r);
  }

  /** The accepted record of a file key (with the splitter's emission progress), if any. */
  acceptedRecord(fileKey: string): FileResultRecord | undefined {
    return this.accepted.get(fileKey);
  }

  /** Every decided upload of a file key, oldest first: the accepted one and each rejection. */
  uploads(fileKey: string): UploadEntry[] {
    const records = [...(this.rejections.get(fileKey)?.values() ?? [])];
    const ok = this.accepted.get(fileKey);
    if (ok) records.push(ok);
    records.sort((a, b) => a.receivedAtMs - b.receivedAtMs || a.decidedAtMs - b.decidedAtMs);
    return records.map((r) => ({
      upload: r.upload, status: r.status, codes: r.errors.map((e) => e.code), sha256: r.sha256,
      receivedAt: new Date(r.receivedAtMs).toISOString(), decidedAt: new Date(r.decidedAtMs).toISOString(),
    }));
  }

  addOutcome(r: InstallationOutcomeRecord): void {
    const into = r.stage === 'enrolment' ? this.finals : this.outcomes;
    let perFile = into.get(r.fileKey);
    if (!perFile) {
      perFile = new Map();
      into.set(r.fileKey, perFile);
    }
    perFile.set(r.installationId, r);
  }

  addDeviceSegment(r: InstallationDevicesRecord): void {
    let perFile = this.segments.get(r.fileKey);
    if (!perFile) {
      perFile = new Map();
      this.segments.set(r.fileKey, perFile);
    }
    let perInst = perFile.get(r.installationId);
    if (!perInst) {
      perInst = new Map();
      perFile.set(r.installationId, perInst);
    }
    perInst.set(r.segment, r);
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
    const migrationFile = file.status === 'accepted' && file.purpose === 'Migration';
    const migrations: MigrationSummary = { migrated: 0, migratedPartial: 0, migratedDormant: 0, failed: 0, waiting: 0, notAuthorised: 0,
      alerts: { sent: 0, notSent: { 'supplier-unknown': 0, 'duis-below-3': 0 } } };
    if (migrationFile) summary.migration = migrations;
    const finals = this.finals.get(fileKey);
    const installations: InstallationReport[] = [];
    for (const r of records) {
      // An oversized installation is complete once every one of its device segments is in.
      const devices = (r.deviceSegments ?? 0) === 0 ? r.devices : this.segmentDevices(fileKey, r);
      if (devices === null) continue;
      const final = finals?.get(r.installationId);
      const decided = final ?? r;
      const migration = migrationFile ? migrationBlock(r, final) : undefined;
      const inst: InstallationReport = {
        installationId: r.installationId,
        status: decided.status,
        errors: decided.errors.map((e) => ({ code: e.code, message: e.message })),
        devices: devices.map((d) => ({ deviceId: d.deviceId, deviceType: d.deviceType, status: d.status, errors: d.errors.map((e) => ({ code: e.code, message: e.message })) })),
        ...(migration ? { migration } : {}),
      };
      if (migration) countMigration(migrations, migration.status);
      if (migration && inst.errors.some((e) => e.code === 'INST_NOT_AUTHORISED')) migrations.notAuthorised++;
      const sent = final?.alerts;
      if (migration && sent) {
        migrations.alerts.sent += sent.sent;
        migrations.alerts.notSent['supplier-unknown'] += sent.supplierUnknown;
        migrations.alerts.notSent['duis-below-3'] += sent.duisBelow3;
      }
      tally(summary, inst);
      installations.push(inst);
    }
    const pending = file.status === 'accepted' ? Math.max(0, file.installations - installations.length) : 0;
    return { fileKey, header, installations, summary, pending };
  }

  /** The devices of an oversized installation in order, or null while a segment is missing. */
  private segmentDevices(fileKey: string, r: InstallationOutcomeRecord): DeviceOutcomeRecord[] | null {
    const segs = this.segments.get(fileKey)?.get(r.installationId);
    const out: DeviceOutcomeRecord[] = [];
    for (let k = 0; k < r.deviceSegments; k++) {
      const seg = segs?.get(k);
      if (seg === undefined) return null;
      for (const d of seg.devices) out.push(d);
    }
    return out;
  }
}

const STATUS_OF: Record<MigrationRecord['status'], MigrationStatus> = {
  migrated: 'migrated', migrated_partial: 'migrated-partial', migrated_dormant: 'migrated-dormant', failed: 'failed',
  waiting: 'waiting', in_progress: 'in-progress', not_enrolled: 'not-enrolled',
};

/**
 * The migration block of an installation of a Migration file: the enrolment stage's latest
 * word on it, or, before the stage reached it, `waiting` for one that validation left valid
 * or partial and `not-enrolled` for the others (the checks can only add codes to those).
 */
export function migrationBlock(validation: Pick<InstallationOutcomeRecord, 'status'>, final: Pick<InstallationOutcomeRecord, 'migration'> | undefined): MigrationBlock {
  const m = final?.migration;
  if (m == null) {
    const status: MigrationStatus = validation.status === 'valid' || validation.status === 'partial' ? 'waiting' : 'not-enrolled';
    return { status, attempt: null, code: null, requestId: null, at: null };
  }
  return { status: STATUS_OF[m.status], attempt: m.attempt, code: m.code, requestId: m.requestId, at: m.atMs === null ? null : new Date(m.atMs).toISOString() };
}

function countMigration(s: MigrationSummary, status: MigrationStatus): void {
  if (status === 'migrated') s.migrated++;
  else if (status === 'migrated-partial') s.migratedPartial++;
  else if (status === 'migrated-dormant') s.migratedDormant++;
  else if (status === 'failed') s.failed++;
  else if (status === 'waiting' || status === 'in-progress') s.waiting++;
}

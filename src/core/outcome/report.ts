/** The report of validation.md, as the sinks receive it (streamed, one installation at a time). */

export interface CodedMessage {
  readonly code: string;
  readonly message: string;
}

export interface ReportHeader {
  readonly fileId: string | null;
  readonly smso: string | null;
  readonly requestingParty: string | null;
  readonly purpose: string | null;
  readonly status: 'accepted' | 'rejected';
  readonly errors: readonly CodedMessage[];
}

export interface DeviceReport {
  readonly deviceId: string | null;
  readonly deviceType: string | null;
  readonly status: 'valid' | 'invalid';
  readonly errors: readonly CodedMessage[];
}

/** An installation's report without its devices. */
export interface InstallationHead {
  readonly installationId: string;
  readonly status: 'valid' | 'partial' | 'excluded' | 'invalid';
  readonly errors: readonly CodedMessage[];
}

export interface InstallationReport extends InstallationHead {
  readonly devices: readonly DeviceReport[];
  /** The pipeline's report of an installation of a Migration file (enrolment.md, "The report's migration block"). */
  readonly migration?: MigrationBlock;
}

export type MigrationStatus = 'migrated' | 'migrated-partial' | 'migrated-dormant' | 'failed' | 'waiting' | 'in-progress' | 'not-enrolled';

export interface MigrationBlock {
  readonly status: MigrationStatus;
  readonly attempt: number | null;
  /** For `failed`: ENR_CHF_UNREACHABLE, ENR_COMMISSION_FAILED or ENR_SMSO_TIMEOUT. */
  readonly code: string | null;
  readonly requestId: string | null;
  /** ISO-8601 UTC with milliseconds. */
  readonly at: string | null;
}

/** The summary's migration counts (pipeline reports of Migration files). */
export interface MigrationSummary {
  migrated: number;
  migratedPartial: number;
  migratedDormant: number;
  failed: number;
  waiting: number;
  /** Installations with INST_NOT_AUTHORISED (text report only: not a key of the JSON summary). */
  notAuthorised: number;
  /** The S1SP alerts the file's enrolment outcomes caused: sent, and meters whose supplier got none, by reason. */
  alerts: AlertSummary;
}

export interface AlertSummary {
  sent: number;
  notSent: { 'supplier-unknown': number; 'duis-below-3': number };
}

export interface ReportSummary {
  installations: number;
  valid: number;
  partial: number;
  excluded: number;
  invalid: number;
  devices: number;
  devicesValid: number;
  devicesInvalid: number;
  migration?: MigrationSummary;
}

/** The file-level result returned by validateFile (the report without its installations). */
export interface FileSummary extends ReportHeader {
  readonly summary: ReportSummary;
}

/** Receives the report in order: begin, every installation in file order, end. */
export interface ReportSink {
  begin(header: ReportHeader): Promise<void> | void;
  installation(inst: InstallationReport): Promise<void> | void;
  /**
   * An installation whose devices are too many to hold (more than 32 is INST_STRUCTURE, and
   * one installation may hold a million): the same text `installation` would write for it,
   * with the devices read from `devices` as they are written. The summary is the caller's.
   */
  installationStream(head: InstallationHead, devices: AsyncIterable<DeviceReport>): Promise<void>;
  end(summary: ReportSummary): Promise<void> | void;
  /**
   * Optional ahead-of-time rendering: exactly the text `installation` would write for `inst`
   * as the report's `index`-th installation (0-based). `validate` renders while the file is
   * still being read and, when nothing changed by its end, passes the texts to `rendered`.
   */
  render?(inst: InstallationReport, index: number): string;
  /** With `render`: writes `count` installations, given as the concatenation of their texts in order. */
  rendered?(texts: AsyncIterable<string>, count: number): Promise<void>;
}

export function emptySummary(): ReportSummary {
  return { installations: 0, valid: 0, partial: 0, excluded: 0, invalid: 0, devices: 0, devicesValid: 0, devicesInvalid: 0 };
}

/** The JSON report's `summary` object (validation.md; enrolment.md adds the migration counts). */
export function summaryJson(s: ReportSummary): Record<string, unknown> {
  return {
    installations: s.installations,
    valid: s.valid,
    partial: s.partial,
    excluded: s.excluded,
    invalid: s.invalid,
    devices: s.devices,
    devicesValid: s.devicesValid,
    devicesInvalid: s.devicesInvalid,
    ...(s.migration ? { migrated: s.migration.migrated, migratedPartial: s.migration.migratedPartial, migratedDormant: s.migration.migratedDormant,
      failed: s.migration.failed, waiting: s.migration.waiting, alerts: s.migration.alerts } : {}),
  };
}

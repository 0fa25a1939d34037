import { loadReference } from '../core/reference/index.js';
import { DEFAULT_POLICY, type ValidationPolicy } from '../core/validation/policy.js';
import { summaryJson, type CodedMessage, type DeviceReport, type InstallationHead, type InstallationReport, type ReportHeader, type ReportSink, type ReportSummary } from '../core/outcome/report.js';
import { S1migError } from '../core/errors/s1mig-error.js';
import { regularFileSize } from '../adapters/fs/read-file.js';
import { spoolInput } from '../adapters/fs/stream-input.js';
import { checkerFor, type CheckerChoice } from '../jobs/validate/checker-choice.js';
import { validateFile } from '../jobs/validate/validate-file.js';

/** A device of the report (validation.md). */
export interface DeviceResult {
  deviceId: string | null;
  deviceType: string | null;
  status: 'valid' | 'invalid';
  errors: CodedMessage[];
}

/** An installation of the report (validation.md). */
export interface InstallationResult {
  installationId: string;
  status: 'valid' | 'partial' | 'excluded' | 'invalid';
  errors: CodedMessage[];
  devices: DeviceResult[];
}

/** The summary of the report: counts of installations and devices by status. */
export type SummaryResult = Omit<ReportSummary, 'migration'>;

/** The report of validation.md, the object `s1mig validate --json` prints. */
export interface ValidationReport {
  fileId: string | null;
  smso: string | null;
  requestingParty: string | null;
  purpose: string | null;
  status: 'accepted' | 'rejected';
  errors: CodedMessage[];
  /** Every installation in file order; empty when `onInstallation` was given. */
  installations: InstallationResult[];
  summary: SummaryResult;
}

export interface ValidateMcfOptions {
  /** The reference directory (trusted signers and device CAs, S1SP keys, eligibility). */
  ref: string;
  /** Split supply and partial-installation policy (validation.md); default allow, allow. */
  policy?: Partial<ValidationPolicy>;
  /**
   * Receives each installation in file order instead of the report collecting them: a file
   * of a million devices then costs no more memory than the batches in flight.
   */
  onInstallation?: (installation: InstallationResult) => void | Promise<void>;
  /** `auto` (default): the worker pool for files over 1 MB, this thread below. */
  checker?: CheckerChoice;
  /** For a stream: refuse one longer than this many bytes (default 4 GiB). */
  maxBytes?: number;
  /** Progress of the read: bytes read so far, and the file's size. */
  onProgress?: (bytes: number, total: number) => void;
}

/**
 * Validates one MCF offline, as `s1mig validate` does, and returns its report. `input` is
 * a file path or a stream of the file's bytes (copied first to a private temporary file,
 * since validation reads the file's size before it starts). Bad files are reports, not
 * errors: a rejected file resolves with `status: 'rejected'` and its codes. It rejects only
 * for the product's own failures (an unreadable input or reference: `INPUT_UNREADABLE`,
 * `REF_INVALID`; a failed worker: `WORKER_FAILED`; a temporary folder whose disk is full or
 * refuses it: `SPOOL_UNAVAILABLE`, retriable), each an error with `code` and `retriable`.
 */
export async function validateMcf(input: string | AsyncIterable<Uint8Array>, options: ValidateMcfOptions): Promise<ValidationReport> {
  if (typeof options?.ref !== 'string' || options.ref === '') throw new S1migError('USAGE', 'options.ref (the reference directory) is required');
  const policy: ValidationPolicy = { ...DEFAULT_POLICY, ...options.policy };
  if (policy.splitSupply !== 'allow' && policy.splitSupply !== 'reject') throw new S1migError('USAGE', `options.policy.splitSupply must be allow or reject`);
  if (policy.partial !== 'allow' && policy.partial !== 'deny') throw new S1migError('USAGE', `options.policy.partial must be allow or deny`);
  const ref = loadReference(options.ref);
  const spooled = typeof input === 'string' ? null : await spoolInput(input, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  const path = spooled?.path ?? (input as string);
  try {
    const checker = checkerFor(ref.dir, await regularFileSize(path), options.checker);
    const sink = new CollectingSink(options.onInstallation);
    try {
      await validateFile(path, ref, checker, policy, sink, options.onProgress ? { onProgress: options.onProgress } : {});
    } finally {
      await checker.close();
    }
    return sink.report();
  } finally {
    spooled?.dispose();
  }
}

/** Builds the report object (or hands each installation to the caller). */
class CollectingSink implements ReportSink {
  private head: ReportHeader | null = null;
  private summary: ReportSummary | null = null;
  private readonly installations: InstallationResult[] = [];

  constructor(private readonly each?: (installation: InstallationResult) => void | Promise<void>) {}

  begin(header: ReportHeader): void {
    this.head = header;
  }

  async installation(inst: InstallationReport): Promise<void> {
    await this.take({ ...headOf(inst), devices: inst.devices.map(deviceOf) });
  }

  async installationStream(head: InstallationHead, devices: AsyncIterable<DeviceReport>): Promise<void> {
    const list: DeviceResult[] = [];
    for await (const d of devices) list.push(deviceOf(d));
    await this.take({ ...headOf(head), devices: list });
  }

  end(summary: ReportSummary): void {
    this.summary = summary;
  }

  report(): ValidationReport {
    const h = this.head;
    if (h === null || this.summary === null) throw new S1migError('INTERNAL', 'validation ended without a report');
    return {
      fileId: h.fileId, smso: h.smso, requestingParty: h.requestingParty, purpose: h.purpose, status: h.status,
      errors: h.errors.map(codedOf), installations: this.installations, summary: summaryJson(this.summary) as unknown as SummaryResult,
    };
  }

  private async take(inst: InstallationResult): Promise<void> {
    if (this.each) await this.each(inst);
    else this.installations.push(inst);
  }
}

const codedOf = (e: CodedMessage): CodedMessage => ({ code: e.code, message: e.message });
const headOf = (h: InstallationHead): Omit<InstallationResult, 'devices'> => ({ installationId: h.installationId, status: h.status, errors: h.errors.map(codedOf) });
const deviceOf = (d: DeviceReport): DeviceResult => ({ deviceId: d.deviceId, deviceType: d.deviceType, status: d.status, errors: d.errors.map(codedOf) });

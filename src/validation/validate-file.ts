import { canonicalEui } from '../core/values.js';
import type { DeviceCryptoChecker, DeviceCryptoInput, DeviceCryptoResult } from '../core/device-crypto.js';
import { S1migError } from '../errors/s1mig-error.js';
import { CompactStringSet } from '../mcf/compact-set.js';
import type { ParsedHeader } from '../mcf/header.js';
import { McfReader } from '../mcf/reader.js';
import type { McfScan, RawInstallation } from '../mcf/types.js';
import type { Reference } from '../reference/index.js';
import { emptySummary, type FileSummary, type ReportSink, type ReportSummary } from '../report/types.js';
import { deviceCryptoInput } from './device-rules.js';
import { decideFile } from './file-rules.js';
import { installationReport } from './installation-report.js';
import type { InstallationContext } from './installation-rules.js';
import type { ValidationPolicy } from './policy.js';
import { fileChunks, regularFileSize } from './read-file.js';

export { DEFAULT_POLICY, type ValidationPolicy } from './policy.js';

export interface ValidateOptions {
  /** Devices per checker batch (default 128). */
  batchSize?: number;
  /** Batches sent to the checker before the oldest is awaited (default 8). */
  maxInFlight?: number;
  /** Progress: pass 1 or 2, bytes read so far, file size. */
  onProgress?: (pass: 1 | 2, bytes: number, total: number) => void;
}

/** Pass 1: structure, limits, counts, the duplicate device IDs and the signed-range digest. */
export async function scanFile(
  path: string,
  onProgress?: (bytes: number) => void,
): Promise<{ scan: McfScan; duplicates: CompactStringSet }> {
  const seen = new CompactStringSet();
  const duplicates = new CompactStringSet();
  const reader = new McfReader({
    digest: true,
    maxKeptDevices: 0,
    onDevice: (dev) => {
      const id = dev.fields.DeviceID === null ? null : canonicalEui(dev.fields.DeviceID);
      if (id !== null && !seen.add(id)) duplicates.add(id);
    },
  });
  let bytes = 0;
  for await (const chunk of fileChunks(path)) {
    reader.write(chunk);
    bytes += chunk.length;
    onProgress?.(bytes);
  }
  return { scan: reader.end(), duplicates };
}

/**
 * Validates one MCF file offline in two passes (validation.md): pass 1 decides the file
 * level; when the file is accepted, pass 2 checks the devices in batches through the
 * checker while the report goes to the sink, one installation at a time.
 */
export async function validateFile(
  path: string,
  ref: Reference,
  checker: DeviceCryptoChecker,
  policy: ValidationPolicy,
  sink: ReportSink,
  options: ValidateOptions = {},
): Promise<FileSummary> {
  const total = await regularFileSize(path);
  const { scan, duplicates } = await scanFile(path, (b) => options.onProgress?.(1, b, total));
  const decision = decideFile(scan, ref);
  await sink.begin(decision.report);
  const summary = emptySummary();
  if (decision.header !== null) {
    const ctx: InstallationContext = { policy, eligibility: ref.eligibility, isDuplicate: (id) => duplicates.has(id) };
    await checkInstallations(path, decision.header, checker, ctx, sink, summary, { ...options, total, expectedInstallations: scan.installationCount });
  }
  await sink.end(summary);
  return { ...decision.report, summary };
}

interface Batch {
  readonly installations: RawInstallation[];
  readonly results: Promise<DeviceCryptoResult[]>;
}

async function checkInstallations(
  path: string,
  header: ParsedHeader,
  checker: DeviceCryptoChecker,
  ctx: InstallationContext,
  sink: ReportSink,
  summary: ReportSummary,
  options: ValidateOptions & { total: number; expectedInstallations: number },
): Promise<void> {
  const batchSize = options.batchSize ?? 128;
  const maxInFlight = options.maxInFlight ?? 8;
  const ready: RawInstallation[] = [];
  const inFlight: Batch[] = [];
  let batchInsts: RawInstallation[] = [];
  let batchItems: DeviceCryptoInput[] = [];

  const dispatch = (): void => {
    if (batchInsts.length === 0) return;
    const items = batchItems;
    const results = items.length === 0 ? Promise.resolve([]) : checker.check({ smso: header.smso, createdAtSec: header.createdAtSec, items });
    // Awaited in order later; this handler only keeps an early rejection from being "unhandled".
    results.catch(() => undefined);
    inFlight.push({ installations: batchInsts, results });
    batchInsts = [];
    batchItems = [];
  };

  const settleOldest = async (): Promise<void> => {
    const batch = inFlight.shift()!;
    const results = await batch.results;
    let k = 0;
    for (const inst of batch.installations) {
      const crypto = results.slice(k, k + inst.devices.length);
      k += inst.devices.length;
      await sink.installation(installationReport(inst, crypto, ctx, summary));
    }
    if (k !== results.length) throw new S1migError('INTERNAL', `checker returned ${results.length} results for ${k} devices`);
  };

  const reader = new McfReader({ onInstallation: (inst) => ready.push(inst) });
  let bytes = 0;
  for await (const chunk of fileChunks(path)) {
    reader.write(chunk);
    bytes += chunk.length;
    options.onProgress?.(2, bytes, options.total);
    for (const inst of ready) {
      batchInsts.push(inst);
      for (const dev of inst.devices) batchItems.push(deviceCryptoInput(dev));
      if (batchItems.length >= batchSize) dispatch();
    }
    ready.length = 0;
    while (inFlight.length > maxInFlight) await settleOldest();
  }
  const again = reader.end();
  if (again.malformed !== null || again.installationCount !== options.expectedInstallations) {
    throw new S1migError('INPUT_UNREADABLE', `${path} changed between the two passes`);
  }
  dispatch();
  while (inFlight.length > 0) await settleOldest();
}

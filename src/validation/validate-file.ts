import { setImmediate as setImmediateP } from 'node:timers/promises';
import { canonicalEui } from '../core/values.js';
import type { DeviceCryptoChecker, DeviceCryptoInput, DeviceCryptoResult } from '../core/device-crypto.js';
import { S1migError } from '../errors/s1mig-error.js';
import { CompactStringSet } from '../mcf/compact-set.js';
import type { ParsedHeader } from '../mcf/header.js';
import { McfReader } from '../mcf/reader.js';
import type { McfScan, RawDevice, RawInstallation } from '../mcf/types.js';
import type { Reference } from '../reference/index.js';
import { emptySummary, type FileSummary, type InstallationReport, type ReportSink, type ReportSummary } from '../report/types.js';
import { cryptoInputFor, evaluateDevice, withoutTexts } from './device-rules.js';
import { decideFile } from './file-rules.js';
import { reportFromOutcomes } from './installation-report.js';
import type { InstallationContext } from './installation-rules.js';
import { InstallationSpool } from './installation-spool.js';
import type { ValidationPolicy } from './policy.js';
import { fileChunks, regularFileSize } from './read-file.js';

export { DEFAULT_POLICY, type ValidationPolicy } from './policy.js';

const DEFAULT_SLICE_BYTES = 16 * 1024;

export interface ValidateOptions {
  /** Devices per checker batch (default 128). */
  batchSize?: number;
  /** Batches sent to the checker before the oldest is awaited (default 8). */
  maxInFlight?: number;
  /**
   * Bytes parsed between two turns of the event loop while devices are being checked
   * (default 16 KiB). The pool hands a worker its next batch from the main thread's event
   * loop, so parsing a whole read chunk in one go would leave finished workers idle.
   */
  sliceBytes?: number;
  /** Progress of the single read: bytes read so far, file size. */
  onProgress?: (bytes: number, total: number) => void;
}

/** Structure, limits, counts, the duplicate device IDs and the signed-range digest, without device checks. */
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
 * Validates one MCF file offline in one read (validation.md allows two passes; one is
 * enough): while the file is read for the file-level checks, every installation's devices
 * go to the checker and, as the results arrive, the evaluated devices are spooled to a
 * private temporary file. Once the file is accepted, the installation rules run from the
 * spool with the whole file's duplicate device IDs and the report goes to the sink, one
 * installation at a time; or, for a sink that renders ahead and a file without duplicate
 * device IDs, the texts rendered during the read go to it as they are (AheadRendering).
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
  const spool = await InstallationSpool.create();
  try {
    const ahead = aheadRendering(sink);
    const duplicates = new CompactStringSet();
    // isDuplicate reads the live set: during the read it knows the duplicates seen so far
    // (rendering ahead), after it the file's final ones (the report).
    const ctx: InstallationContext = { policy, eligibility: ref.eligibility, isDuplicate: (id) => duplicates.has(id) };
    const scan = await readAndCheck(path, checker, spool, { ...options, total, ahead, ctx, duplicates });
    const decision = decideFile(scan, ref);
    await sink.begin(decision.report);
    let summary = emptySummary();
    if (decision.header !== null) {
      if (spool.size !== scan.installationCount) {
        throw new S1migError('INTERNAL', `${spool.size} installations checked, ${scan.installationCount} in the file`);
      }
      if (ahead !== null && duplicates.size === 0 && spool.allRendered) {
        // No device ID occurs twice, so every installation was judged on the final facts.
        await ahead.rendered(spool.renderedBlocks(), spool.size);
        summary = ahead.summary;
      } else {
        for await (const inst of spool.read()) await sink.installation(reportFromOutcomes(inst, inst.devices, ctx, summary));
      }
    }
    await sink.end(summary);
    return { ...decision.report, summary };
  } finally {
    await spool.dispose();
  }
}

/**
 * Reports rendered while the file is read, for sinks that can render ahead: the installation
 * rules then run with the duplicate device IDs seen so far, which are the file's final ones
 * for every installation none of whose IDs is a duplicate at the end. When the file holds
 * no duplicate at all (the normal case) the rendered texts are the report, and the
 * workers' idle time after the read shrinks to a copy; otherwise the rules run again from
 * the spool with the final set.
 */
interface AheadRendering {
  readonly render: (inst: InstallationReport, index: number) => string;
  readonly rendered: (texts: AsyncIterable<string>, count: number) => Promise<void>;
  /** Tally of the rendered reports. */
  readonly summary: ReportSummary;
}

function aheadRendering(sink: ReportSink): AheadRendering | null {
  const { render, rendered } = sink;
  if (render === undefined || rendered === undefined) return null;
  return { render: render.bind(sink), rendered: rendered.bind(sink), summary: emptySummary() };
}

/** An installation whose devices are with the checker: texts dropped, results pending. */
interface Pending {
  readonly facts: RawInstallation;
  readonly devices: RawDevice[];
}

/**
 * Reads the file once: scan and duplicate device IDs as `scanFile`, every device sent to
 * the checker as soon as it is read, and every installation spooled, in file order, once
 * its devices' results are back. Nothing keeps a device's certificate or credential text
 * beyond its batch, so a huge installation costs its devices' short fields only. Stops
 * spending crypto on a file as soon as it is known to be rejected; the scan still runs to
 * the end for the report.
 */
async function readAndCheck(
  path: string,
  checker: DeviceCryptoChecker,
  spool: InstallationSpool,
  options: ValidateOptions & {
    total: number;
    ahead: AheadRendering | null;
    ctx: InstallationContext;
    /** Filled with the device IDs seen more than once. */
    duplicates: CompactStringSet;
  },
): Promise<McfScan> {
  const batchSize = options.batchSize ?? 128;
  const maxInFlight = options.maxInFlight ?? 8;
  const seen = new CompactStringSet();
  const { duplicates } = options;
  const inFlight: Promise<DeviceCryptoResult[]>[] = [];
  const complete: Pending[] = []; // closed installations waiting for results, file order
  let results: DeviceCryptoResult[] = []; // results not yet consumed by `complete`
  let header: ParsedHeader | null = null;
  let checking = true;
  let devices: RawDevice[] = []; // the open installation's devices
  let items: DeviceCryptoInput[] = [];

  const dispatch = (): void => {
    if (items.length === 0 || header === null) return;
    const sent = checker.check({ smso: header.smso, createdAtSec: header.createdAtSec, items });
    // Awaited in order later; this handler only keeps an early rejection from being "unhandled".
    sent.catch(() => undefined);
    inFlight.push(sent);
    items = [];
  };

  const { ahead, ctx } = options;

  const spoolReady = async (): Promise<void> => {
    let used = 0;
    while (complete.length > 0 && complete[0]!.devices.length <= results.length - used) {
      const { facts, devices: devs } = complete.shift()!;
      const outcomes = devs.map((dev, j) => evaluateDevice(dev, results[used + j]!));
      used += devs.length;
      const inst = { ...facts, devices: outcomes };
      if (ahead === null) await spool.append(inst);
      else await spool.append(inst, ahead.render(reportFromOutcomes(inst, outcomes, ctx, ahead.summary), spool.size));
    }
    if (used > 0) results = results.slice(used);
  };

  const settleOldest = async (): Promise<void> => {
    const batch = await inFlight.shift()!;
    if (results.length === 0) results = batch;
    else for (const r of batch) results.push(r); // not concat: one huge installation would copy quadratically
    await spoolReady();
  };

  const reader = new McfReader({
    digest: true,
    maxKeptDevices: 0,
    onHeader: (h) => { header = h; },
    onDevice: (dev) => {
      const id = dev.fields.DeviceID === null ? null : canonicalEui(dev.fields.DeviceID);
      if (id !== null && !seen.add(id)) duplicates.add(id);
      if (!checking) return;
      devices.push(withoutTexts(dev));
      items.push(cryptoInputFor(dev, id));
      if (items.length >= batchSize) dispatch();
    },
    onInstallation: (inst) => {
      if (checking) complete.push({ facts: inst, devices });
      devices = [];
    },
  });
  let bytes = 0;
  const slice = Math.max(1, options.sliceBytes ?? DEFAULT_SLICE_BYTES);
  for await (const chunk of fileChunks(path)) {
    for (let off = 0; off < chunk.length; off += slice) {
      // Let the event loop hand finished workers their next batch (see sliceBytes).
      if (off > 0 && checking) await setImmediateP();
      reader.write(chunk.subarray(off, off + slice));
    }
    bytes += chunk.length;
    options.onProgress?.(bytes, options.total);
    // A rejected file gets no installation reports: its devices need no checks. (A Header
    // not complete yet is not a reason: it may end in any later chunk; an invalid one dooms the file.)
    if (checking && reader.doomed) {
      checking = false;
      complete.length = 0;
      devices = [];
      items = [];
    }
    while (inFlight.length > maxInFlight) await settleOldest();
  }
  const scan = reader.end();
  if (checking) dispatch();
  while (inFlight.length > 0) await settleOldest();
  await spoolReady(); // trailing installations without devices wait for no batch
  // A file cut short leaves devices of an unclosed installation behind; it is rejected anyway.
  if (checking && scan.malformed === null && !reader.doomed && (complete.length > 0 || results.length > 0)) {
    throw new S1migError('INTERNAL', `checker results do not match the devices (${complete.length} installations waiting, ${results.length} results left)`);
  }
  return scan;
}

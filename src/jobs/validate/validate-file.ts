import { setImmediate as setImmediateP } from 'node:timers/promises';
import { canonicalEui } from '../../core/values.js';
import type { DeviceCryptoChecker, DeviceCryptoInput, DeviceCryptoResult } from '../../core/contracts/device-crypto.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { CompactStringSet } from '../../core/mcf/compact-set.js';
import type { ParsedHeader } from '../../core/mcf/header.js';
import { McfReader } from '../../core/mcf/reader.js';
import type { McfScan, RawDevice, RawInstallation } from '../../core/mcf/types.js';
import type { Reference } from '../../core/reference/index.js';
import { emptySummary, type DeviceReport, type FileSummary, type InstallationReport, type ReportSink, type ReportSummary } from '../../core/outcome/report.js';
import { coded } from '../../core/outcome/messages.js';
import { cryptoInputFor, evaluateDevice, withoutTexts, type DeviceOutcome } from '../../core/validation/device-rules.js';
import { decideFile } from '../../core/validation/file-rules.js';
import { reportFromOutcomes } from '../../core/validation/installation-report.js';
import { MAX_DEVICES, oversizedOutcome, type InstallationContext } from '../../core/validation/installation-rules.js';
import { InstallationSpool, type OversizedDevice, type OversizedWriter, type StreamedInstallation } from './installation-spool.js';
import type { ValidationPolicy } from '../../core/validation/policy.js';
import { fileChunks, regularFileSize } from '../../adapters/fs/read-file.js';

export { DEFAULT_POLICY, type ValidationPolicy } from '../../core/validation/policy.js';

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
        for await (const inst of spool.read()) {
          if ('streamed' in inst) await reportStreamed(inst, ctx, sink, summary);
          else await sink.installation(reportFromOutcomes(inst, inst.devices, ctx, summary));
        }
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

/**
 * An installation read (or being read) whose devices are with the checker: texts dropped,
 * results pending. Its devices are evaluated as their results come back, in file order;
 * up to MAX_DEVICES outcomes are kept for the installation rules, and from the first one
 * beyond, the installation is oversized (INST_STRUCTURE) and its devices go to the spool
 * one by one instead, so one huge installation costs no more memory than the batches in flight.
 */
interface Pending {
  /** Set once the installation is closed. */
  facts: RawInstallation | null;
  /** Devices sent to the checker whose results have not been applied yet, from `next` on. */
  waiting: RawDevice[];
  next: number;
  outcomes: DeviceOutcome[];
  oversized: OversizedWriter | null;
}

/**
 * Reads the file once: scan and duplicate device IDs as `scanFile`, every device sent to
 * the checker as soon as it is read, and every installation spooled, in file order, once
 * its devices' results are back. Nothing keeps a device's certificate or credential text
 * beyond its batch, nor more of an installation than its first MAX_DEVICES outcomes.
 * Stops spending crypto on a file as soon as it is known to be rejected; the scan still
 * runs to the end for the report.
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
  const pending: Pending[] = []; // installations waiting for results, file order; the last may be open
  let open: Pending | null = null;
  let header: ParsedHeader | null = null;
  let checking = true;
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

  /** Applies one batch's results to the devices waiting for them, in order, and spools what is complete. */
  const apply = async (results: readonly DeviceCryptoResult[]): Promise<void> => {
    let r = 0;
    for (const p of pending) {
      while (r < results.length && p.next < p.waiting.length) {
        const outcome = evaluateDevice(p.waiting[p.next]!, results[r++]!);
        p.next++;
        if (p.oversized === null && p.outcomes.length === MAX_DEVICES) {
          p.oversized = spool.oversizedWriter();
          for (const o of p.outcomes) await p.oversized.append(o);
          p.outcomes = [];
        }
        if (p.oversized !== null) await p.oversized.append(outcome);
        else p.outcomes.push(outcome);
      }
      // Evaluated devices are let go as they are done: one huge installation must not pile
      // up. What is left is at most the devices in flight, so the copy stays short.
      if (p.next === p.waiting.length || p.next >= 1024) {
        p.waiting = p.waiting.slice(p.next);
        p.next = 0;
      }
      if (r === results.length) break;
    }
    if (r !== results.length) throw new S1migError('INTERNAL', `checker returned ${results.length - r} results for no device`);
    await spoolReady();
  };

  /** Spools the leading installations that are closed and fully evaluated. */
  const spoolReady = async (): Promise<void> => {
    while (pending.length > 0 && pending[0]!.facts !== null && pending[0]!.next === pending[0]!.waiting.length) {
      const p = pending.shift()!;
      const facts = p.facts!;
      if (p.oversized !== null) await spool.appendOversized(facts, p.oversized);
      else {
        const inst = { ...facts, devices: p.outcomes };
        if (ahead === null) await spool.append(inst);
        else await spool.append(inst, ahead.render(reportFromOutcomes(inst, p.outcomes, ctx, ahead.summary), spool.size));
      }
    }
  };

  const settleOldest = async (): Promise<void> => {
    await apply(await inFlight.shift()!);
  };

  const reader = new McfReader({
    digest: true,
    maxKeptDevices: 0,
    onHeader: (h) => { header = h; },
    onDevice: (dev) => {
      const id = dev.fields.DeviceID === null ? null : canonicalEui(dev.fields.DeviceID);
      if (id !== null && !seen.add(id)) duplicates.add(id);
      if (!checking) return;
      if (open === null) {
        open = { facts: null, waiting: [], next: 0, outcomes: [], oversized: null };
        pending.push(open);
      }
      open.waiting.push(withoutTexts(dev));
      items.push(cryptoInputFor(dev, id));
      if (items.length >= batchSize) dispatch();
    },
    onInstallation: (inst) => {
      if (checking) {
        if (open === null) pending.push({ facts: inst, waiting: [], next: 0, outcomes: [], oversized: null });
        else open.facts = inst;
      }
      open = null;
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
      pending.length = 0;
      open = null;
      items = [];
    }
    while (inFlight.length > maxInFlight) await settleOldest();
  }
  const scan = reader.end();
  if (checking) dispatch();
  while (inFlight.length > 0) await settleOldest();
  await spoolReady(); // trailing installations without devices wait for no batch
  // A file cut short leaves devices of an unclosed installation behind; it is rejected anyway.
  if (checking && scan.malformed === null && !reader.doomed && pending.length > 0) {
    throw new S1migError('INTERNAL', `checker results do not match the devices (${pending.length} installations waiting)`);
  }
  return scan;
}

/**
 * The report of an oversized installation from the spool, in two passes over its devices:
 * the first finds whether any of them is a duplicate (the one installation rule its
 * devices still decide) and tallies them, the second streams them to the sink.
 */
async function reportStreamed(inst: StreamedInstallation, ctx: InstallationContext, sink: ReportSink, summary: ReportSummary): Promise<void> {
  let anyDuplicate = false;
  let valid = 0;
  let count = 0;
  for await (const d of inst.scan) {
    count++;
    if (d.errors.length === 0) valid++;
    if (!anyDuplicate && d.canonicalId !== null && ctx.isDuplicate(d.canonicalId)) anyDuplicate = true;
  }
  const outcome = oversizedOutcome(anyDuplicate, ctx);
  summary.installations++;
  summary[outcome.status]++;
  summary.devices += count;
  summary.devicesValid += valid;
  summary.devicesInvalid += count - valid;
  await sink.installationStream({ installationId: inst.id, status: outcome.status, errors: outcome.errors.map((c) => coded(c)) }, deviceReports(inst.devices));
}

async function* deviceReports(devices: AsyncIterable<OversizedDevice>): AsyncGenerator<DeviceReport> {
  for await (const d of devices) {
    yield { deviceId: d.deviceId, deviceType: d.deviceType, status: d.errors.length === 0 ? 'valid' : 'invalid', errors: d.errors.map((c) => coded(c)) };
  }
}

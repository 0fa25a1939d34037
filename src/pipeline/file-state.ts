import type { FileResultRecord } from './records.js';
import type { FileReport, UploadEntry } from './file-report.js';

/**
 * Where a file is in the pipeline, as `report` tells it:
 * - `uploading`: chunks of an upload are on the input topic and the splitter has not decided it
 *   (`received` of `count` chunks so far: fewer is "waiting for chunks");
 * - `emitting`: accepted, the splitter is still writing its device events;
 * - `validating`: every event written, some installations have no outcome yet;
 * - `enrolling`: a Migration file whose installations are waiting or in progress at an SMSO;
 * - `complete`: every installation has its final outcome; `rejected`: the file was rejected.
 */
export type FileState = 'uploading' | 'emitting' | 'validating' | 'enrolling' | 'complete' | 'rejected';

/** The states a file leaves by itself; `complete` and `rejected` are final. */
export const FINAL_STATES: readonly FileState[] = ['complete', 'rejected'];

/** An upload whose chunks are on the input topic with no decision yet. */
export interface InFlightUpload {
  readonly upload: string;
  readonly received: number;
  readonly count: number;
}

export interface FileProgress {
  readonly state: FileState;
  /** One line for a person: "emitting: 1,200 of 5,000 installations". */
  readonly detail: string;
  /** Counts behind the state (installations for emitting/validating/enrolling, chunks for uploading). */
  readonly done: number;
  readonly total: number;
}

const n = (x: number): string => x.toLocaleString('en-GB');

/**
 * The state of a file key from what the topics hold: its report (null when no upload was
 * decided), its accepted record (the splitter's emission progress), its decided uploads and
 * the upload in flight, if any. Null: nothing at all is known of the key.
 */
export function fileProgress(report: FileReport | null, accepted: FileResultRecord | undefined, uploads: readonly UploadEntry[],
  inFlight: InFlightUpload | null): FileProgress | null {
  const decided = new Set(uploads.map((u) => u.upload));
  const flying = inFlight !== null && !decided.has(inFlight.upload) ? inFlight : null;
  // A new upload of an accepted file will be a duplicate: the accepted file's state is the answer.
  if (flying && accepted === undefined) {
    const waiting = flying.received < flying.count;
    return { state: 'uploading', done: flying.received, total: flying.count,
      detail: `uploading: ${n(flying.received)} of ${n(flying.count)} chunks received${waiting ? ' (waiting for chunks)' : ' (verifying)'}` };
  }
  if (report === null) return null;
  if (report.header.status === 'rejected' || accepted === undefined) {
    return { state: 'rejected', done: 0, total: 0, detail: `rejected: ${report.header.errors.map((e) => e.code).join(', ')}` };
  }
  const total = accepted.installations;
  if (!accepted.emissionComplete) {
    return { state: 'emitting', done: accepted.emittedInstallations, total, detail: `emitting: ${n(accepted.emittedInstallations)} of ${n(total)} installations split into device events` };
  }
  const withOutcome = report.installations.length;
  if (report.pending > 0) {
    return { state: 'validating', done: withOutcome, total, detail: `validating: ${n(withOutcome)} of ${n(total)} installations have their outcome` };
  }
  const open = report.installations.filter((i) => i.migration?.status === 'waiting' || i.migration?.status === 'in-progress').length;
  if (open > 0) {
    return { state: 'enrolling', done: total - open, total, detail: `enrolling: ${n(total - open)} of ${n(total)} installations have their final outcome, ${n(open)} waiting or in progress` };
  }
  return { state: 'complete', done: total, total, detail: `complete: ${n(total)} installations` };
}

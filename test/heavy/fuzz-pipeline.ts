/**
 * Test helper (not a test) of fuzz-volume.test.ts: how a mutated file is sent to the input
 * topic (its chunking and one transfer fault or none, as a fast-check plan), and what the
 * pipeline must answer, from the spec, not from the product: an independent model of the
 * transfer checks (pipeline.md "Input", validation.md step 0) and the file's own verdict
 * (offline validate plus the pipeline's steps 8).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { Message } from 'kafkajs';
import { chunkHeaders, CHUNK_HEADERS } from '../../src/core/transfer/chunk-headers.js';
import type { Report } from '../unit/fuzz/report-invariants.js';

export type Fault =
  | { kind: 'none' }
  /** Chunk i sent twice, the same bytes (ignored). */
  | { kind: 'resend'; i: number }
  /** Chunk i sent again right after, one byte changed. */
  | { kind: 'conflict'; i: number }
  | { kind: 'drop'; i: number }
  /** Chunks i and i+1 exchanged. */
  | { kind: 'swap'; i: number }
  /** One byte of chunk i changed (its headers still give the file's sha256). */
  | { kind: 'flip'; i: number }
  /** Chunk i announces another sha256. */
  | { kind: 'sha'; i: number }
  /** Chunk i announces one chunk more. */
  | { kind: 'count'; i: number }
  /** Chunk i's index header is no number (a dead letter). */
  | { kind: 'poison'; i: number };

export interface Transfer {
  readonly chunkSize: number;
  readonly fault: Fault;
}

export const transferArb: fc.Arbitrary<Transfer> = fc.record({
  chunkSize: fc.constantFrom(97, 1021, 4096, 65536),
  fault: fc.oneof(
    { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('resend' as const, 'conflict' as const, 'drop' as const, 'swap' as const, 'flip' as const, 'sha' as const, 'count' as const, 'poison' as const), i: fc.nat() }) },
  ),
});

interface Sent {
  readonly index: number;
  readonly count: number;
  readonly sha: string;
  readonly value: Buffer;
  readonly poison: boolean;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const OTHER_SHA = 'f'.repeat(64);

/** The chunk records of `bytes` under `key`, with the plan's fault. */
export function chunkRun(key: string, bytes: Buffer, t: Transfer): { messages: Message[]; sent: Sent[] } {
  const n = Math.max(1, Math.ceil(bytes.length / t.chunkSize));
  const sha = sha256(bytes);
  let sent: Sent[] = Array.from({ length: n }, (_, index) => ({ index, count: n, sha, value: bytes.subarray(index * t.chunkSize, (index + 1) * t.chunkSize), poison: false }));
  const f = t.fault;
  const i = 'i' in f ? f.i % n : 0;
  const changed = (v: Buffer): Buffer => {
    const c = Buffer.from(v.length === 0 ? Buffer.from(' ') : v);
    c[c.length - 1] = c[c.length - 1]! ^ 0x01;
    return c;
  };
  switch (f.kind) {
    case 'none': break;
    case 'resend': sent.splice(i + 1, 0, sent[i]!); break;
    case 'conflict': sent.splice(i + 1, 0, { ...sent[i]!, value: changed(sent[i]!.value) }); break;
    case 'drop': sent.splice(i, 1); break;
    case 'swap': if (i + 1 < n) sent = [...sent.slice(0, i), sent[i + 1]!, sent[i]!, ...sent.slice(i + 2)]; break;
    case 'flip': sent[i] = { ...sent[i]!, value: changed(sent[i]!.value) }; break;
    case 'sha': sent[i] = { ...sent[i]!, sha: OTHER_SHA }; break;
    case 'count': sent[i] = { ...sent[i]!, count: n + 1 }; break;
    case 'poison': sent[i] = { ...sent[i]!, poison: true }; break;
  }
  const messages = sent.map((s): Message => {
    const headers = chunkHeaders({ index: s.index, count: s.count, sha256: s.sha });
    if (s.poison) headers[CHUNK_HEADERS.index] = `x${s.index}`;
    return { key, value: s.value, headers };
  });
  return { messages, sent };
}

/** What the transfer checks make of a run (pipeline.md): per upload 'complete' or a step-0 code; dead letters; orphans. */
export interface TransferOutcome {
  readonly uploads: Array<'complete' | 'MCF_CHECKSUM_MISMATCH' | 'MCF_TRANSFER_INCOMPLETE'>;
  readonly deadLetters: number;
  readonly orphans: number;
}

/**
 * An independent model of step 0, written from pipeline.md: chunk 0 starts an upload when
 * none is in progress; a chunk announcing another count or sha256 is MCF_CHECKSUM_MISMATCH;
 * an index seen before is ignored when its bytes are the same and MCF_CHECKSUM_MISMATCH when
 * not; a later index than the next is a missing chunk (MCF_TRANSFER_INCOMPLETE); the last
 * chunk completes the upload, MCF_CHECKSUM_MISMATCH when the bytes do not give the sha256;
 * an upload still open at the end times out (MCF_TRANSFER_INCOMPLETE); a chunk of no upload
 * in progress is an orphan (counted); a chunk without valid headers is a dead letter.
 */
export function transferModel(sent: readonly Sent[]): TransferOutcome {
  const uploads: TransferOutcome['uploads'] = [];
  let deadLetters = 0;
  let orphans = 0;
  let up: { count: number; sha: string; digests: string[]; whole: Buffer[] } | null = null;
  for (const s of sent) {
    if (s.poison) { deadLetters++; continue; }
    if (up === null) {
      if (s.index !== 0) { orphans++; continue; }
      up = { count: s.count, sha: s.sha, digests: [], whole: [] };
    }
    const d = sha256(s.value);
    if (s.count !== up.count || s.sha !== up.sha || (s.index < up.digests.length && up.digests[s.index] !== d)) {
      uploads.push('MCF_CHECKSUM_MISMATCH');
      up = null;
    } else if (s.index > up.digests.length) {
      uploads.push('MCF_TRANSFER_INCOMPLETE');
      up = null;
    } else if (s.index === up.digests.length) {
      up.digests.push(d);
      up.whole.push(s.value);
      if (up.digests.length === up.count) {
        uploads.push(sha256(Buffer.concat(up.whole)) === up.sha ? 'complete' : 'MCF_CHECKSUM_MISMATCH');
        up = null;
      }
    }
  }
  if (up !== null) uploads.push('MCF_TRANSFER_INCOMPLETE');
  return { uploads, deadLetters, orphans };
}

const DAY = 86_400;
/** The pipeline's own file-level steps (validation.md step 8) beside the offline report's. */
export function pipelineFileCodes(offline: Report, createdAtSec: number | null, fileKey: string, receivedAtSec: number, maxAgeSec = 30 * DAY): { codes: string[]; unsure: string[] } {
  const codes: string[] = offline.errors.map((e) => e.code);
  const unsure: string[] = [];
  const headerRead = offline.status === 'accepted' || offline.errors.every((e) => e.code === 'MCF_SIGNATURE_INVALID' || e.code === 'MCF_COUNT_MISMATCH');
  if (!headerRead) return { codes, unsure };
  const r = offline as Report & { requestingParty: string };
  if (`${r.requestingParty}/${offline.fileId}` !== fileKey) codes.push('MCF_KEY_MISMATCH');
  if (createdAtSec !== null) {
    // Receipt is the broker's append time: within two minutes of an edge, either answer is right.
    const near = (edge: number): boolean => Math.abs(createdAtSec - edge) < 120;
    if (near(receivedAtSec - maxAgeSec) || near(receivedAtSec + 300)) unsure.push('MCF_STALE');
    else if (createdAtSec < receivedAtSec - maxAgeSec || createdAtSec > receivedAtSec + 300) codes.push('MCF_STALE');
  }
  // No MA is published in the run: a Migration file that passes steps 1-7 names an unknown one.
  if (offline.status === 'accepted' && (offline as Report & { purpose: string | null }).purpose === 'Migration') codes.push('MCF_NOT_AUTHORISED');
  return { codes, unsure };
}

import type { McfScan } from '../../core/mcf/types.js';
import { parseHeader, type ParsedHeader } from '../../core/mcf/header.js';
import type { Reference } from '../../core/reference/index.js';
import { coded } from '../../core/outcome/messages.js';
import type { CodedMessage } from '../../core/outcome/report.js';
import { decideFile } from '../../core/validation/file-rules.js';
import type { FileResultRecord } from '../records.js';

export interface VerdictInput {
  fileKey: string;
  upload: string;
  sha256: string;
  scan: McfScan;
  /** Receipt: broker append time of chunk 0 (LogAppendTime). */
  receivedAtMs: number;
  nowMs: number;
  maxFileAgeSec: number;
  /** The accepted record of this file key, if any (from the files table). */
  accepted: FileResultRecord | undefined;
  /** For a Migration file: null when its MA covers it, else why not (MCF_NOT_AUTHORISED). */
  authorise: (reference: string, smso: string) => string | null;
}

export type Verdict =
  | { kind: 'rejected'; record: FileResultRecord }
  | { kind: 'accepted'; record: FileResultRecord; header: ParsedHeader }
  /** The same upload was accepted before (a replay after a restart): resume or skip. */
  | { kind: 'replay'; record: FileResultRecord; header: ParsedHeader };

/** Clock skew tolerated for a CreatedAt after receipt (validation.md: 5 minutes). */
export const FUTURE_SKEW_SEC = 300;

/** The file key a file's own Header gives it (mcf-format.md): `<canonical RequestingParty>/<FileID>`. */
export function headerFileKey(h: Pick<ParsedHeader, 'requestingParty' | 'fileId'>): string {
  return `${h.requestingParty}/${h.fileId}`;
}

/**
 * File-level verdict of a completely received, checksum-verified upload: check steps 1-7
 * of the core, then the pipeline's MCF_KEY_MISMATCH, MCF_STALE and MCF_NOT_AUTHORISED and,
 * only for an otherwise clean file, MCF_DUPLICATE_FILE (validation.md step 8). The key check is what ties a signed file to exactly one file key:
 * without it the same signed bytes could be accepted again under any other key.
 */
export function fileVerdict(v: VerdictInput, ref: Reference): Verdict {
  const decision = decideFile(v.scan, ref);
  const errors: CodedMessage[] = [...decision.report.errors];
  // Steps 6 to 8 are all evaluated: the freshness check also runs when only the signature
  // or the counts failed (then the Header itself was valid).
  const laterStepsOnly = errors.length > 0 && errors.every((e) => e.code === 'MCF_SIGNATURE_INVALID' || e.code === 'MCF_COUNT_MISMATCH');
  const parsed = laterStepsOnly && v.scan.header !== null ? parseHeader(v.scan.header) : null;
  const stampHeader = decision.header ?? (typeof parsed === 'object' ? parsed : null);
  const header = decision.header;
  if (stampHeader !== null) {
    const own = headerFileKey(stampHeader);
    if (v.fileKey !== own) errors.push(coded('MCF_KEY_MISMATCH', `published under key ${JSON.stringify(v.fileKey.slice(0, 200))}, the Header gives ${own}`));
    const receiptSec = Math.floor(v.receivedAtMs / 1000);
    if (stampHeader.createdAtSec < receiptSec - v.maxFileAgeSec) {
      errors.push(coded('MCF_STALE', `CreatedAt is ${Math.round((receiptSec - stampHeader.createdAtSec) / 86400)} days before receipt`));
    } else if (stampHeader.createdAtSec > receiptSec + FUTURE_SKEW_SEC) {
      errors.push(coded('MCF_STALE', `CreatedAt is ${stampHeader.createdAtSec - receiptSec} s after receipt`));
    }
  }
  const base = {
    fileKey: v.fileKey, fileId: decision.report.fileId, smso: decision.report.smso, requestingParty: decision.report.requestingParty,
    purpose: decision.report.purpose, sha256: v.sha256, upload: v.upload, receivedAtMs: v.receivedAtMs, decidedAtMs: v.nowMs,
    installations: v.scan.installationCount, devices: v.scan.deviceCount, emittedInstallations: 0, emittedDevices: 0, emissionComplete: false,
  };
  const replay = header !== null && v.accepted !== undefined && v.accepted.upload === v.upload && v.accepted.sha256 === v.sha256;
  // The MA is checked when the file is verified, not again when its own upload is replayed
  // after a restart (its installations may have used the MA up since).
  if (header !== null && header.purpose === 'Migration' && header.migrationAuthorisation !== null && !replay) {
    const why = v.authorise(header.migrationAuthorisation, header.smso);
    if (why !== null) errors.push(coded('MCF_NOT_AUTHORISED', why));
  }
  if (header !== null && errors.length === 0 && v.accepted !== undefined) {
    if (replay) return { kind: 'replay', record: v.accepted, header };
    errors.push(coded('MCF_DUPLICATE_FILE', `accepted before (upload ${v.accepted.upload})`));
  }
  if (header === null || errors.length > 0) {
    return { kind: 'rejected', record: { ...base, status: 'rejected', errors, emissionComplete: true } };
  }
  return { kind: 'accepted', record: { ...base, status: 'accepted', errors: [] }, header };
}

/** A transfer-level rejection (validation.md step 0): the bytes were not parsed. */
export function transferRejection(fileKey: string, upload: string, code: 'MCF_TRANSFER_INCOMPLETE' | 'MCF_CHECKSUM_MISMATCH',
  reason: string, receivedAtMs: number, nowMs: number): FileResultRecord {
  return {
    fileKey, fileId: null, smso: null, requestingParty: null, purpose: null, status: 'rejected', errors: [coded(code, reason)],
    installations: 0, devices: 0, sha256: null, upload, emittedInstallations: 0, emittedDevices: 0, emissionComplete: true, receivedAtMs, decidedAtMs: nowMs,
  };
}

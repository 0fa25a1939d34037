import { canonicalEui } from '../values.js';
import type { FileCode } from '../errors/codes.js';
import { checkFileSignature } from '../file-signature/index.js';
import { parseHeader, type ParsedHeader } from '../mcf/header.js';
import type { HeaderTexts, McfScan } from '../mcf/types.js';
import type { Reference } from '../reference/index.js';
import { coded } from '../outcome/messages.js';
import type { CodedMessage, ReportHeader } from '../outcome/report.js';

export interface FileDecision {
  readonly report: ReportHeader;
  /** The parsed Header when the file is accepted. */
  readonly header: ParsedHeader | null;
}

/** The report's Header fields (validation.md): trimmed texts, requestingParty canonical when valid. */
export function headerFields(h: HeaderTexts | null): Pick<ReportHeader, 'fileId' | 'smso' | 'requestingParty' | 'purpose'> {
  if (h === null) return { fileId: null, smso: null, requestingParty: null, purpose: null };
  const rp = h.RequestingParty;
  return { fileId: h.FileID, smso: h.SMSO, requestingParty: rp === null ? null : canonicalEui(rp) ?? rp, purpose: h.Purpose };
}

/** File-level check steps 1-7 of validation.md, in order, from what pass 1 found. */
export function decideFile(scan: McfScan, ref: Reference): FileDecision {
  const fields = headerFields(scan.header);
  const reject = (errors: CodedMessage[]): FileDecision => ({ report: { ...fields, status: 'rejected', errors }, header: null });
  const m = scan.malformed;
  if (m !== null && m.step === 1) return reject([coded('MCF_MALFORMED', `${m.reason} (byte ${m.offset})`)]);
  if (scan.unsupportedVersion !== null) return reject([coded('MCF_UNSUPPORTED_VERSION', JSON.stringify(scan.unsupportedVersion))]);
  if (m !== null) return reject([coded('MCF_MALFORMED', `${m.reason} (byte ${m.offset})`)]);
  const header = scan.header === null ? 'no Header' : parseHeader(scan.header);
  if (typeof header === 'string') return reject([coded('MCF_MALFORMED', header)]);
  if (!scan.signaturePresent || scan.signature === null || scan.signedDigest === null) return reject([coded('MCF_SIGNATURE_MISSING')]);

  const codes: FileCode[] = [];
  const sig = checkFileSignature(ref, {
    smso: header.smso,
    requestingParty: header.requestingParty,
    createdAtSec: header.createdAtSec,
    signedDigest: scan.signedDigest,
    signature: scan.signature,
  });
  if (sig === 'MCF_SIGNER_UNKNOWN' || sig === 'MCF_SIGNER_EXPIRED') return reject([coded(sig)]);
  if (sig !== null) codes.push(sig);
  const counts: string[] = [];
  if (header.installationCount !== scan.installationCount) counts.push(`InstallationCount ${header.installationCount}, body ${scan.installationCount}`);
  if (header.deviceCount !== scan.deviceCount) counts.push(`DeviceCount ${header.deviceCount}, body ${scan.deviceCount}`);
  const errors = codes.map((c) => coded(c));
  if (counts.length > 0) errors.push(coded('MCF_COUNT_MISMATCH', counts.join('; ')));
  if (errors.length > 0) return reject(errors);
  return { report: { ...fields, status: 'accepted', errors: [] }, header };
}

/**
 * Steps 5 and 6 of validation.md: choosing the file signer and verifying the MCF signature
 * over the digest of the signed byte range (computed by the streaming reader).
 */
import { decodeStrictBase64 } from '../values.js';
import { decodeDerSignature, verifyDigest } from '../crypto/p256.js';
import type { Reference } from '../reference/index.js';
import { isValidAt } from '../x509/time.js';

export type SignatureCode = 'MCF_SIGNER_UNKNOWN' | 'MCF_SIGNER_EXPIRED' | 'MCF_SIGNATURE_INVALID';

export const MAX_SIGNATURE_CHARS = 200;

export interface FileSignatureArgs {
  /** Header SMSO text. */
  smso: string;
  /** Canonical EUI-64 (16 lowercase hex). */
  requestingParty: string;
  /** CreatedAt in whole seconds since the epoch. */
  createdAtSec: number;
  /** SHA-256 of the signed byte range. */
  signedDigest: Uint8Array;
  /** Signature text with XML whitespace removed (non-empty). */
  signature: string;
}

/** null when the file signature verifies, else the code of the first failing step. */
export function checkFileSignature(ref: Reference, args: FileSignatureArgs): SignatureCode | null {
  const bundle = ref.fileSigners.get(args.smso) ?? [];
  const candidates = bundle.filter((c) => c.eui === args.requestingParty && c.mayDigitallySign);
  if (candidates.length === 0) return 'MCF_SIGNER_UNKNOWN';
  const valid = candidates.filter((c) => isValidAt(c.notBefore, c.notAfter, args.createdAtSec));
  if (valid.length === 0) return 'MCF_SIGNER_EXPIRED';

  if (args.signature.length > MAX_SIGNATURE_CHARS) return 'MCF_SIGNATURE_INVALID';
  const der = decodeStrictBase64(args.signature);
  const sig = der === null ? null : decodeDerSignature(der);
  if (sig === null) return 'MCF_SIGNATURE_INVALID';
  const ok = valid.some((c) => c.publicKey !== null && verifyDigest(c.publicKey, args.signedDigest, sig));
  return ok ? null : 'MCF_SIGNATURE_INVALID';
}

/**
 * The SMSO as the enrolment stage sees it (enrolment.md, "Commissioning through the SMSO"):
 * two operations, each carrying a request ID in the DUIS form
 * `<originator EUI>:<target EUI>:<counter>`, stable across retries of the same attempt, so
 * that a repeated request after a crash has no second effect. An adapter must treat a
 * repeated request ID as the same request. The local default is a simulator; production
 * adapters implement the same interface.
 */

import { createHash } from 'node:crypto';
import { hyphenatedEui } from '../values.js';

/** Codes of a failed attempt (enrolment.md, the report's migration block). */
export const ENROLMENT_FAILURE_CODES = ['ENR_CHF_UNREACHABLE', 'ENR_COMMISSION_FAILED', 'ENR_SMSO_TIMEOUT'] as const;
export type EnrolmentFailureCode = (typeof ENROLMENT_FAILURE_CODES)[number];

export interface SmsoDevice {
  /** Canonical EUI-64. */
  readonly deviceId: string;
  readonly deviceType: string;
}

export interface CommissionRequest {
  readonly requestId: string;
  readonly smso: string;
  /** Canonical EUI-64 of the installation's CHF. */
  readonly chf: string;
  /** The devices to commission once communication with the CHF is established. */
  readonly devices: readonly SmsoDevice[];
}

export interface RemoveAccessRequest {
  readonly requestId: string;
  /** The previous SMSO, whose access to the devices is removed (TMAD 7.14). */
  readonly smso: string;
  readonly devices: readonly string[];
}

export type SmsoResult =
  | { readonly kind: 'done'; readonly atMs: number }
  /** The attempt failed: it is rolled back and counted. */
  | { readonly kind: 'failed'; readonly code: EnrolmentFailureCode; readonly reason: string }
  /** The SMSO refused for now (its own capacity): nothing happened; try the same request again later. */
  | { readonly kind: 'busy'; readonly retryAfterMs: number };

export interface SmsoAdapter {
  commission(req: CommissionRequest): Promise<SmsoResult>;
  removeAccess(req: RemoveAccessRequest): Promise<SmsoResult>;
  close(): Promise<void>;
}

/**
 * The counter of an attempt's request ID: derived from what identifies the attempt (the
 * installation and its attempt number) and the operation, so a retry, before or after a
 * crash, on any process, gives the same ID and a new attempt another. 63 bits of SHA-256.
 */
export function attemptCounter(fileKey: string, installationId: string, attempt: number, operation: 'commission' | 'remove-access'): bigint {
  const h = createHash('sha256').update(`${operation}\0${fileKey}\0${installationId}\0${attempt}`).digest();
  return h.readBigUInt64BE(0) & ((1n << 63n) - 1n);
}

/**
 * A request ID `<originator>:<target>:<counter>` (hyphenated upper-case EUI-64s), the counter
 * derived from what identifies the attempt, so every retry of it, before or after a crash,
 * carries the same ID without any state kept for it. The counter is below 2^64.
 */
export function requestId(originator: string, target: string, counter: bigint): string {
  if (counter < 0n || counter >= 1n << 64n) throw new RangeError('request counter out of range');
  return `${hyphenatedEui(originator)}:${hyphenatedEui(target)}:${counter}`;
}

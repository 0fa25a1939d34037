/**
 * The quantity and day-capacity rules of enrolment.md, as pure functions over counts the
 * enrolment stage keeps (in its state table, updated in the transaction of each decision).
 *
 * - An MA's installations use it up in the order enrolment reaches them: the first
 *   `committed` are committed, up to `requested` they are excess, beyond it they are
 *   INST_NOT_AUTHORISED at once. A failed installation gives its unit back.
 * - Per SMSO and migration day, `perDay` bounds the installations started. Committed ones
 *   have first claim: an excess one may start only while
 *   `started + unused commitment of that SMSO's MAs for that day < perDay`.
 * - What cannot start yet waits; still waiting when its day ends it is INST_NOT_AUTHORISED;
 *   before its day begins it waits for it.
 */
import type { MigrationAuthorisation } from '../inputs/authorisations.js';

export type Claim = 'committed' | 'excess';

/** What an MA has used: installations started (or migrated) and not given back, by claim. */
export interface MaUsage {
  readonly committedUsed: number;
  readonly excessUsed: number;
}

export const NO_USAGE: MaUsage = Object.freeze({ committedUsed: 0, excessUsed: 0 });

/** The claim the next installation of an MA gets, or 'beyond' (more than requested). */
export function nextClaim(ma: Pick<MigrationAuthorisation, 'requested' | 'committed'>, usage: MaUsage): Claim | 'beyond' {
  const used = usage.committedUsed + usage.excessUsed;
  if (usage.committedUsed < ma.committed) return 'committed';
  return used < ma.requested ? 'excess' : 'beyond';
}

/** True when the MA has nothing left to give (the file-level MCF_NOT_AUTHORISED "used up"). */
export function usedUp(ma: Pick<MigrationAuthorisation, 'requested' | 'committed'>, usage: MaUsage): boolean {
  return nextClaim(ma, usage) === 'beyond';
}

/** Usage after an installation with `claim` started (+1) or failed and gave its unit back (-1). */
export function adjustUsage(usage: MaUsage, claim: Claim, delta: 1 | -1): MaUsage {
  return claim === 'committed'
    ? { committedUsed: Math.max(0, usage.committedUsed + delta), excessUsed: usage.excessUsed }
    : { committedUsed: usage.committedUsed, excessUsed: Math.max(0, usage.excessUsed + delta) };
}

/** Commitment of an SMSO's MAs for one day not yet used by committed installations. */
export function unusedCommitment(mas: Iterable<{ readonly ma: Pick<MigrationAuthorisation, 'committed'>; readonly usage: MaUsage }>): number {
  let n = 0;
  for (const { ma, usage } of mas) n += Math.max(0, ma.committed - usage.committedUsed);
  return n;
}

export interface DayCapacity {
  /** The migration day, [startMs, endMs) (Europe/London midnight to midnight). */
  readonly startMs: number;
  readonly endMs: number;
  readonly perDay: number;
  /** Installations of this SMSO started on this day so far (failures included: the day capacity they used stays used). */
  readonly started: number;
  /** Unused commitment of this SMSO's MAs for this day, the installation's own MA included. */
  readonly unusedCommitment: number;
}

export type StartDecision =
  | { readonly kind: 'start' }
  /** Not yet: decide again at `untilMs` at the latest, or when the counts change. */
  | { readonly kind: 'wait'; readonly untilMs: number; readonly why: 'day-not-begun' | 'day-capacity' }
  /** Its migration day ended while it waited: INST_NOT_AUTHORISED. */
  | { readonly kind: 'day-ended' };

/**
 * May an installation of `claim` start now, as far as its day is concerned? (maxInFlight and
 * perSecond are the capacity gate's, not this rule's.) A committed installation's own unit
 * is part of `unusedCommitment`, so it never waits behind its own reservation.
 */
export function dayDecision(claim: Claim, nowMs: number, day: DayCapacity): StartDecision {
  if (nowMs >= day.endMs) return { kind: 'day-ended' };
  if (nowMs < day.startMs) return { kind: 'wait', untilMs: day.startMs, why: 'day-not-begun' };
  const fits = claim === 'committed' ? day.started < day.perDay : day.started + day.unusedCommitment < day.perDay;
  return fits ? { kind: 'start' } : { kind: 'wait', untilMs: day.endMs, why: 'day-capacity' };
}

/**
 * The file-level authorisation of a Migration file (validation.md step 8, MCF_NOT_AUTHORISED):
 * null when its MA covers it, else why not: unknown or withdrawn, for another SMSO, past its
 * migration day, or used up.
 */
export function fileAuthorisation(reference: string, ma: MigrationAuthorisation | undefined, usage: MaUsage, smso: string, nowMs: number, dayEndMs: (date: string) => number): string | null {
  if (ma === undefined) return `MA ${JSON.stringify(reference.slice(0, 128))} is unknown or withdrawn`;
  if (ma.smso !== smso) return `MA ${ma.reference} is for SMSO ${ma.smso}, the file is from ${smso}`;
  if (nowMs >= dayEndMs(ma.migrationDate)) return `the migration day of MA ${ma.reference} (${ma.migrationDate}) has ended`;
  if (usedUp(ma, usage)) return `MA ${ma.reference} is used up (${usage.committedUsed + usage.excessUsed} of ${ma.requested})`;
  return null;
}

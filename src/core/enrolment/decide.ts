/**
 * What the enrolment stage does with one installation of a Migration file, given what its
 * tables say now (enrolment.md: the pipeline checks, then quantity and capacity). Pure: the
 * stage gathers the view, applies the action in one transaction, and asks again when a
 * waiting installation may have become startable (capacity freed, time passed).
 */
import type { MigrationAuthorisation } from '../inputs/authorisations.js';
import { londonDay } from '../inputs/london-day.js';
import { supplierMissing, withPipelineChecks, type OfflineOutcome } from './pipeline-checks.js';
import { dayDecision, nextClaim, type Claim, type MaUsage } from './quantity.js';
import { recordedElsewhere, type SmiDevice, type SmiRecord } from './smi.js';

export interface LaneInstallation {
  readonly fileKey: string;
  readonly installationId: string;
  readonly smso: string;
  readonly maReference: string;
  readonly migrationType: string | null;
  readonly chf: string | null;
  readonly offline: OfflineOutcome;
  readonly devices: readonly SmiDevice[];
}

export interface ChfFacts {
  readonly failedAttempts: number;
  readonly migrated: boolean;
  readonly inFlight: { readonly fileKey: string; readonly installationId: string } | null;
}

/** What the stage's tables say, as the decision needs it. */
export interface LaneView {
  ma(reference: string): MigrationAuthorisation | undefined;
  maUsage(reference: string): MaUsage;
  chf(id: string): ChfFacts | undefined;
  smi(deviceId: string): SmiRecord | undefined;
  /** Installations of `smso` started on `date` (its migration day). */
  dayStarted(smso: string, date: string): number;
  /** Commitment of `smso`'s MAs for `date` not yet used by committed installations. */
  unusedCommitment(smso: string, date: string): number;
  perDay(smso: string): number;
}

/** Why an installation is not enrolled: the checks, the MA quantity, or its day ended while it waited. */
export type NotEnrolledCause = 'checks' | 'quantity' | 'day-ended';

/** Start an attempt (attempt number 1-based); dormant ones are recorded, not commissioned. */
export interface StartAction {
  readonly kind: 'start';
  readonly outcome: OfflineOutcome;
  readonly claim: Claim;
  readonly attempt: number;
  readonly dormant: boolean;
  readonly migrationDate: string;
}

export type LaneAction =
  /** Final without enrolment: the outcome with its codes. */
  | { readonly kind: 'not-enrolled'; readonly outcome: OfflineOutcome; readonly cause: NotEnrolledCause }
  | { readonly kind: 'wait'; readonly untilMs: number; readonly why: 'day-not-begun' | 'day-capacity' }
  | StartAction
  /** This installation's attempt is in flight (recorded before a crash or a rebalance): send the same request again. */
  | { readonly kind: 'resume' };

/**
 * `waited`: this installation was told to wait before (in this lane's memory); if its day then
 * ends, its INST_NOT_AUTHORISED is counted as `day-ended`, not as a check that failed on arrival.
 */
export function decide(inst: LaneInstallation, view: LaneView, nowMs: number, waited = false): LaneAction {
  const chf = inst.chf === null ? undefined : view.chf(inst.chf);
  if (chf?.inFlight != null && chf.inFlight.fileKey === inst.fileKey && chf.inFlight.installationId === inst.installationId) return { kind: 'resume' };
  const ma = view.ma(inst.maReference);
  const day = ma === undefined ? null : londonDay(ma.migrationDate);
  const dayEnded = day !== null && nowMs >= day.endMs;
  const otherwiseNotAuthorised = ma === undefined || ma.smso !== inst.smso || supplierMissing(inst.devices, ma.supplier);
  const facts = {
    failedAttempts: chf?.failedAttempts ?? 0,
    alreadyMigrated: chf?.migrated ?? false,
    deviceRecordedElsewhere: inst.chf !== null && inst.devices.some((d) => recordedElsewhere(view.smi(d.deviceId), inst.chf!)),
    notAuthorised: otherwiseNotAuthorised || dayEnded,
  };
  const outcome = withPipelineChecks(inst.offline, facts);
  if (outcome.status !== 'valid' && outcome.status !== 'partial') {
    // Counted as the day's end only when nothing but the day stood in its way.
    const withoutDay = dayEnded && waited ? withPipelineChecks(inst.offline, { ...facts, notAuthorised: otherwiseNotAuthorised }).status : null;
    return { kind: 'not-enrolled', outcome, cause: withoutDay === 'valid' || withoutDay === 'partial' ? 'day-ended' : 'checks' };
  }
  // Installation rules give every valid or partial installation its CHF; without one nothing can be commissioned.
  if (inst.chf === null) return { kind: 'not-enrolled', outcome, cause: 'checks' };
  // Another attempt of the same CHF in flight (a second file naming it): wait for its result.
  if (chf?.inFlight != null) return { kind: 'wait', untilMs: nowMs + 1000, why: 'day-capacity' };
  const claim = nextClaim(ma!, view.maUsage(ma!.reference));
  if (claim === 'beyond') return { kind: 'not-enrolled', outcome: notAuthorised(outcome), cause: 'quantity' };
  const dormant = inst.migrationType === 'Dormant';
  const attempt = (chf?.failedAttempts ?? 0) + 1;
  const start: StartAction = { kind: 'start', outcome, claim, attempt, dormant, migrationDate: ma!.migrationDate };
  // Dormant installations use their MA but start nothing at the SMSO: no day capacity.
  if (dormant) return nowMs < day!.startMs ? { kind: 'wait', untilMs: day!.startMs, why: 'day-not-begun' } : start;
  const d = dayDecision(claim, nowMs, {
    startMs: day!.startMs, endMs: day!.endMs, perDay: view.perDay(inst.smso),
    started: view.dayStarted(inst.smso, ma!.migrationDate), unusedCommitment: view.unusedCommitment(inst.smso, ma!.migrationDate),
  });
  if (d.kind === 'day-ended') return { kind: 'not-enrolled', outcome: notAuthorised(outcome), cause: 'day-ended' };
  if (d.kind === 'wait') return d;
  return start;
}

/** An installation made invalid by INST_NOT_AUTHORISED (beyond the MA quantity, or its day ended while it waited). */
function notAuthorised(o: OfflineOutcome): OfflineOutcome {
  return withPipelineChecks(o, { failedAttempts: 0, alreadyMigrated: false, deviceRecordedElsewhere: false, notAuthorised: true });
}


import { S1migError } from '../../core/errors/s1mig-error.js';

export interface EnrolmentOptions {
  /** Consumer group of the stage (also the stem of its transactional ids). */
  groupId: string;
  /** Installations a lane holds in memory (waiting or in flight); the rest waits in Kafka. */
  maxWindow: number;
  /** An SMSO attempt not answered within this is ENR_SMSO_TIMEOUT. */
  commissionTimeoutMs: number;
  /** Waiting installations are decided again at least this often. */
  recheckMs: number;
  /** How long a lane taking over waits to read the state its previous owner committed. */
  tableCatchUpMs: number;
  /** On stop: how long attempts in flight may take to finish before they are left to the next owner. */
  drainMs: number;
  heartbeatMs: number;
  sessionTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  /** The clock of decisions and migration days (tests inject one). */
  now: () => number;
}

export const ENROLMENT_DEFAULTS: Readonly<EnrolmentOptions> = Object.freeze({
  groupId: 's1mig.enrolment',
  maxWindow: 2_000,
  commissionTimeoutMs: 30_000,
  recheckMs: 5_000,
  tableCatchUpMs: 60_000,
  drainMs: 10_000,
  heartbeatMs: 2_000,
  sessionTimeoutMs: 30_000,
  retryBackoffMs: 500,
  retryBackoffMaxMs: 30_000,
  now: () => Date.now(),
});

export function enrolmentOptions(partial: Partial<EnrolmentOptions> = {}): Readonly<EnrolmentOptions> {
  const o: EnrolmentOptions = { ...ENROLMENT_DEFAULTS, ...partial };
  if (typeof o.groupId !== 'string' || o.groupId.length === 0 || o.groupId.length > 200) bad('groupId', 'must be a non-empty string');
  const ints: Array<keyof EnrolmentOptions> = ['maxWindow', 'commissionTimeoutMs', 'recheckMs', 'tableCatchUpMs', 'drainMs', 'heartbeatMs', 'sessionTimeoutMs', 'retryBackoffMs', 'retryBackoffMaxMs'];
  for (const k of ints) if (!Number.isInteger(o[k]) || (o[k] as number) < 1) bad(k, `must be a positive integer, got ${String(o[k])}`);
  if (o.heartbeatMs >= o.sessionTimeoutMs) bad('heartbeatMs', `must be below sessionTimeoutMs (${o.sessionTimeoutMs})`);
  if (typeof o.now !== 'function') bad('now', 'must be a function');
  return Object.freeze(o);
}

function bad(field: string, why: string): never {
  throw new S1migError('CONFIG_INVALID', `enrolment option ${field} ${why}`);
}

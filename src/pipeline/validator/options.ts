import { S1migError } from '../../core/errors/s1mig-error.js';
import { DEFAULT_POLICY, type ValidationPolicy } from '../../core/validation/policy.js';

export interface ValidatorOptions {
  /** Consumer group of the stage (also the stem of its transactional ids). */
  groupId: string;
  /** Devices per checker call. */
  checkChunkDevices: number;
  /** Devices buffered or in flight in this process before partitions are paused. */
  maxDevicesInFlight: number;
  /** Partitions whose batches are processed at the same time. */
  partitionsConsumedConcurrently: number;
  /** Largest deviceCount accepted from a device event (more is poison). */
  maxDevicesPerInstallation: number;
  /** Heartbeat period while waiting for the checker or for budget. */
  heartbeatMs: number;
  /** Back-off after a transient failure, doubled up to the maximum. */
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  sessionTimeoutMs: number;
  policy: Readonly<ValidationPolicy>;
  /** Clock of decidedAtMs (tests inject one). */
  now: () => number;
}

export const VALIDATOR_DEFAULTS: Readonly<ValidatorOptions> = Object.freeze({
  groupId: 's1mig-validator',
  checkChunkDevices: 256,
  maxDevicesInFlight: 20_000,
  // kafkajs fetches again only when every batch of the last fetch is done, so batches
  // waiting on their commits leave the pool idle unless others are in progress. 12 (one per
  // partition of mcf.device-events) measured +4-6 % end to end on the pipeline bench, but
  // also +50 MB of processor RSS at 100k (387-417 MB against 338-354 MB), and the 500 MB
  // budget with a 1M backlog was already at 451-459 MB with 4. So 4 stays until that backlog
  // is measured with more (docs/performance.md).
  partitionsConsumedConcurrently: 4,
  maxDevicesPerInstallation: 10_000,
  heartbeatMs: 2_000,
  retryBackoffMs: 500,
  retryBackoffMaxMs: 30_000,
  sessionTimeoutMs: 30_000,
  policy: DEFAULT_POLICY,
  now: () => Date.now(),
});

export function validatorOptions(partial: Partial<ValidatorOptions> = {}): Readonly<ValidatorOptions> {
  const o: ValidatorOptions = { ...VALIDATOR_DEFAULTS, ...partial };
  if (typeof o.groupId !== 'string' || o.groupId.length === 0 || o.groupId.length > 200) bad('groupId', 'must be a non-empty string');
  const ints: Array<keyof ValidatorOptions> = ['checkChunkDevices', 'maxDevicesInFlight', 'partitionsConsumedConcurrently',
    'maxDevicesPerInstallation', 'heartbeatMs', 'retryBackoffMs', 'retryBackoffMaxMs', 'sessionTimeoutMs'];
  for (const k of ints) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(k, `must be a positive integer, got ${String(v)}`);
  }
  if (o.heartbeatMs >= o.sessionTimeoutMs) bad('heartbeatMs', 'must be below sessionTimeoutMs');
  if (o.retryBackoffMaxMs < o.retryBackoffMs) bad('retryBackoffMaxMs', 'must be at least retryBackoffMs');
  return Object.freeze(o);
}

function bad(field: string, message: string): never {
  throw new S1migError('CONFIG_INVALID', `validator option ${field}: ${message}`);
}

import type { CommissionRequest, EnrolmentFailureCode, RemoveAccessRequest, SmsoAdapter, SmsoResult } from '../../core/contracts/smso.js';

export type AttemptResult =
  | { readonly kind: 'done'; readonly atMs: number }
  | { readonly kind: 'failed'; readonly code: EnrolmentFailureCode; readonly reason: string }
  /** The lane was given up while the call ran (stop, rebalance): its next owner resumes the request. */
  | { readonly kind: 'abandoned' };

export interface CallOptions {
  /** An attempt not answered within this is ENR_SMSO_TIMEOUT (enrolment.md). */
  readonly timeoutMs: number;
  /** Wait between tries after an adapter error (network), doubled up to 8x. */
  readonly errorBackoffMs: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** True once the lane that started the call is gone. */
  readonly abandoned: () => boolean;
  readonly onError: (operation: string, err: unknown) => void;
}

/**
 * One migration attempt at the SMSO: commission, then (after success) remove the previous
 * SMSO's access (TMAD 7.14), each retried with the same request ID while the SMSO is busy
 * or unreachable, so the SMSO sees one request however often it is sent.
 */
export async function runAttempt(adapter: SmsoAdapter, commission: CommissionRequest, remove: RemoveAccessRequest, o: CallOptions): Promise<AttemptResult> {
  const deadline = o.now() + o.timeoutMs;
  const first = await untilAnswered(() => adapter.commission(commission), 'commission', deadline, o);
  if (first.kind !== 'done') return first;
  // Removal is idempotent by its request ID and has no failure of its own in the contract:
  // it is retried until answered; a refusal is reported but the migration stands.
  const removed = await untilAnswered(() => adapter.removeAccess(remove), 'remove-access', Number.POSITIVE_INFINITY, o);
  if (removed.kind === 'abandoned') return removed;
  if (removed.kind === 'failed') o.onError('remove-access', new Error(`${removed.code}: ${removed.reason}`));
  return first;
}

async function untilAnswered(call: () => Promise<SmsoResult>, operation: string, deadline: number, o: CallOptions): Promise<AttemptResult> {
  let errors = 0;
  for (;;) {
    if (o.abandoned()) return { kind: 'abandoned' };
    const left = deadline - o.now();
    if (left <= 0) return { kind: 'failed', code: 'ENR_SMSO_TIMEOUT', reason: `no answer to ${operation} within the timeout` };
    let r: SmsoResult | 'timeout';
    try {
      r = await withTimeout(call(), left);
    } catch (err) {
      o.onError(operation, err);
      await o.sleep(Math.min(o.errorBackoffMs * 2 ** Math.min(errors++, 3), Math.max(0, deadline - o.now())));
      continue;
    }
    if (r === 'timeout') return { kind: 'failed', code: 'ENR_SMSO_TIMEOUT', reason: `no answer to ${operation} within the timeout` };
    if (r.kind === 'busy') {
      await o.sleep(Math.max(1, Math.min(r.retryAfterMs, Math.max(0, deadline - o.now()))));
      continue;
    }
    return r;
  }
}

/** `p`, or 'timeout' after `ms`; the timer is cleared as soon as `p` settles (one per SMSO call, on the hot path). */
async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  if (!Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

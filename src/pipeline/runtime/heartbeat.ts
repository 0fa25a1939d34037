/**
 * Heartbeats while a batch waits. kafkajs sends heartbeats only between batches or when the
 * handler calls `heartbeat()`: a batch waiting on the worker pool, a gate or a backoff longer
 * than the session timeout without them loses the group membership (and the group
 * rebalances in a loop).
 */

/** Awaits `work` while calling `beat` every `everyMs` (errors of a beat are ignored: a rebalance shows up elsewhere). */
export async function withHeartbeat<T>(work: Promise<T>, beat: () => Promise<void>, everyMs: number): Promise<T> {
  const timer = setInterval(() => void beat().catch(() => undefined), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Sleeps `ms` heartbeating every `everyMs`; ends early once `cancelled()` says so (checked at each beat). */
export async function sleepWithHeartbeat(ms: number, beat: () => Promise<void>, everyMs: number, cancelled: () => boolean = () => false): Promise<void> {
  const end = Date.now() + ms;
  while (!cancelled()) {
    const left = end - Date.now();
    if (left <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(left, everyMs)));
    if (Date.now() < end) await beat().catch(() => undefined);
  }
}

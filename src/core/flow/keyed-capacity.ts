/**
 * Capacity per key: at most `concurrency` units in flight, at most `perSecond` starts in any
 * one-second window, at most `quota.amount` starts per period. Work for a saturated key
 * waits (first come, first served within its key) while other keys go on: one SMSO at its
 * cap never delays another, even when their work arrives on the same partition. Waiting is
 * bounded: beyond `maxWaiting` requests in all, `tryEnqueue` refuses, and the caller pauses
 * its input until `whenRoom()` resolves. Pure apart from the injected clock and timers.
 */

export interface KeyLimits {
  /** Units in flight at once; a single request larger than this runs alone. */
  readonly concurrency?: number;
  /** Starts in any window of 1,000 ms. */
  readonly perSecond?: number;
  /** Starts per period; the period of a time is named by `periodOf` (e.g. a migration day). */
  readonly quota?: { readonly amount: number; readonly periodOf: (nowMs: number) => { readonly id: string; readonly endsAtMs: number } };
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Held capacity; `release` gives the in-flight units back (the start stays counted for rates and quotas). */
export interface Lease {
  readonly key: string;
  readonly units: number;
  /** When the start was counted (the clock's time): what perSecond and the quota count. */
  readonly startedAtMs: number;
  release(): void;
}

export interface KeyedCapacityOptions {
  readonly limits: (key: string) => KeyLimits;
  /** Requests waiting, over all keys, before `tryEnqueue` refuses. */
  readonly maxWaiting: number;
  readonly clock?: Clock;
}

interface Waiter {
  readonly units: number;
  readonly grant: (lease: Lease) => void;
}

interface KeyState {
  inFlight: number;
  /** Start times within the last second (at most perSecond of them). */
  readonly starts: number[];
  period: string | null;
  startedInPeriod: number;
  readonly queue: Waiter[];
  timer: unknown;
}

export class KeyedCapacity {
  private readonly keys = new Map<string, KeyState>();
  private readonly clock: Clock;
  private waitingCount = 0;
  private roomWaiters: Array<() => void> = [];

  constructor(private readonly options: KeyedCapacityOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** Requests waiting, in all or for one key. */
  waiting(key?: string): number {
    return key === undefined ? this.waitingCount : (this.keys.get(key)?.queue.length ?? 0);
  }

  inFlight(key: string): number {
    return this.keys.get(key)?.inFlight ?? 0;
  }

  /** Starts of `key` in its current quota period. */
  startedInPeriod(key: string): number {
    const st = this.keys.get(key);
    const q = this.options.limits(key).quota;
    if (st === undefined || q === undefined) return 0;
    return st.period === q.periodOf(this.clock.now()).id ? st.startedInPeriod : 0;
  }

  get full(): boolean {
    return this.waitingCount >= this.options.maxWaiting;
  }

  /** A lease now if the key has room and nobody of that key is waiting before us; else null. */
  tryAcquire(key: string, units = 1): Lease | null {
    const st = this.state(key);
    if (st.queue.length > 0 || !this.fits(key, st, units)) return null;
    return this.start(key, st, units);
  }

  /**
   * Queues a request: `granted` resolves with the lease once the key has room (at once when
   * it has now). Null when the waiting bound is reached: the caller stops taking input.
   */
  tryEnqueue(key: string, units = 1): Promise<Lease> | null {
    const now = this.tryAcquire(key, units);
    if (now !== null) return Promise.resolve(now);
    if (this.full) return null;
    const st = this.state(key);
    this.waitingCount++;
    const p = new Promise<Lease>((grant) => st.queue.push({ units, grant }));
    this.schedule(key, st);
    return p;
  }

  /** Resolves once fewer than `maxWaiting` requests wait. */
  whenRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((r) => this.roomWaiters.push(r));
  }

  private state(key: string): KeyState {
    let st = this.keys.get(key);
    if (st === undefined) {
      st = { inFlight: 0, starts: [], period: null, startedInPeriod: 0, queue: [], timer: null };
      this.keys.set(key, st);
    }
    return st;
  }

  private fits(key: string, st: KeyState, units: number): boolean {
    const l = this.options.limits(key);
    const now = this.clock.now();
    if (l.concurrency !== undefined && st.inFlight > 0 && st.inFlight + units > l.concurrency) return false;
    if (l.perSecond !== undefined) {
      while (st.starts.length > 0 && st.starts[0]! <= now - 1000) st.starts.shift();
      if (st.starts.length >= l.perSecond) return false;
    }
    if (l.quota !== undefined) {
      const period = l.quota.periodOf(now).id;
      if (st.period !== period) {
        st.period = period;
        st.startedInPeriod = 0;
      }
      if (st.startedInPeriod >= l.quota.amount) return false;
    }
    return true;
  }

  private start(key: string, st: KeyState, units: number): Lease {
    const l = this.options.limits(key);
    st.inFlight += units;
    const startedAtMs = this.clock.now();
    if (l.perSecond !== undefined) st.starts.push(startedAtMs);
    if (l.quota !== undefined) st.startedInPeriod++;
    let released = false;
    return {
      key,
      units,
      startedAtMs,
      release: () => {
        if (released) return;
        released = true;
        st.inFlight -= units;
        this.drain(key, st);
      },
    };
  }

  /** Grants what now fits, in order, then arranges to be woken when time frees more. */
  private drain(key: string, st: KeyState): void {
    while (st.queue.length > 0 && this.fits(key, st, st.queue[0]!.units)) {
      const w = st.queue.shift()!;
      this.waitingCount--;
      w.grant(this.start(key, st, w.units));
    }
    if (!this.full && this.roomWaiters.length > 0) {
      const ws = this.roomWaiters;
      this.roomWaiters = [];
      for (const r of ws) r();
    }
    this.schedule(key, st);
  }

  /** A timer for the earliest moment a rate or quota limit of the key's head request lifts. */
  private schedule(key: string, st: KeyState): void {
    if (st.timer !== null) {
      this.clock.clearTimeout(st.timer);
      st.timer = null;
    }
    if (st.queue.length === 0) return;
    const l = this.options.limits(key);
    const now = this.clock.now();
    let at = Number.POSITIVE_INFINITY;
    if (l.perSecond !== undefined && st.starts.length >= l.perSecond) at = Math.min(at, st.starts[0]! + 1000);
    if (l.quota !== undefined && st.startedInPeriod >= l.quota.amount) at = Math.min(at, l.quota.periodOf(now).endsAtMs);
    if (!Number.isFinite(at)) return; // only concurrency blocks: a release wakes it
    st.timer = this.clock.setTimeout(() => {
      st.timer = null;
      this.drain(key, st);
    }, Math.max(0, at - now + 1));
  }
}

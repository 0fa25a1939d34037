/**
 * One lock per input partition, not per partition state: it serialises a partition's batches
 * and timer work, and it outlives the states a rebalance drops. A state dropped by a rejoin
 * may still be inside a pass (an SMSO answer being recorded); its successor must not read the
 * tables (the lane's catch-up) until that pass has committed or failed, or it reads past the
 * pass's transaction and does its work a second time (issue 13's scale-out test: 94 finals
 * for 90 installations).
 *
 * Because a successor now waits for its predecessor's work, work that never ends would stall
 * the partition for good: what holds each lock, and since when, is kept so that the runtime
 * can name a partition held for too long.
 */
export interface LockHolder {
  readonly partition: number;
  /** What holds it: 'batch', 'partition work' (an SMSO answer), 'timer' (forEachPartition), 'producer close'. */
  readonly what: string;
  readonly sinceMs: number;
  /** Where the holder is now, when it says (the commit's steps): what a stuck lock is waiting for. */
  step: string | null;
}

export class PartitionLocks {
  private readonly tails = new Map<number, Promise<void>>();
  private readonly holders = new Map<number, LockHolder>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `fn` once every earlier holder of the partition's lock is done (whether it failed or not). */
  run<T>(partition: number, what: string, fn: () => Promise<T>): Promise<T> {
    const held = async (): Promise<T> => {
      this.holders.set(partition, { partition, what, sinceMs: this.now(), step: null });
      try {
        return await fn();
      } finally {
        this.holders.delete(partition);
      }
    };
    const run = (this.tails.get(partition) ?? Promise.resolve()).then(held, held);
    const tail = run.then(() => undefined, () => undefined);
    this.tails.set(partition, tail);
    // Only a lock someone may still queue on is kept.
    void tail.then(() => {
      if (this.tails.get(partition) === tail) this.tails.delete(partition);
    });
    return run;
  }

  /** Records where the partition's current holder is (a no-op when none holds it). */
  step(partition: number, step: string): void {
    const h = this.holders.get(partition);
    if (h !== undefined) h.step = step;
  }

  /** The holders that have held their lock for `atLeastMs` or more. */
  heldLongerThan(atLeastMs: number): LockHolder[] {
    const now = this.now();
    return [...this.holders.values()].filter((h) => now - h.sinceMs >= atLeastMs);
  }

  /**
   * Calls `report` once for each holder that has held its lock `stuckMs` or more (each pass
   * is seconds at most, so that is a stuck one), checking every quarter of it. Returns the stop.
   */
  watch(stuckMs: number, report: (h: LockHolder, heldMs: number) => void): () => void {
    const reported = new WeakSet<LockHolder>();
    const timer = setInterval(() => {
      for (const h of this.heldLongerThan(stuckMs)) {
        if (reported.has(h)) continue;
        reported.add(h);
        report(h, this.now() - h.sinceMs);
      }
    }, stuckMs / 4);
    timer.unref();
    return () => clearInterval(timer);
  }
}

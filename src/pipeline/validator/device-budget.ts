/**
 * Counts devices buffered or in flight in this process. A request larger than the whole
 * limit is let through when nothing else is held, so one oversized batch can never wait
 * forever.
 */
export class DeviceBudget {
  private used = 0;
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  tryAcquire(n: number): boolean {
    if (this.waiters.length > 0 || !this.fits(n)) return false;
    this.used += n;
    return true;
  }

  /** Resolves once `n` devices fit, first come first served. */
  acquire(n: number): Promise<void> {
    if (this.tryAcquire(n)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
    for (;;) {
      const next = this.waiters[0];
      if (next === undefined || !this.fits(next.n)) return;
      this.waiters.shift();
      this.used += next.n;
      next.resolve();
    }
  }

  private fits(n: number): boolean {
    return this.used === 0 || this.used + n <= this.limit;
  }
}

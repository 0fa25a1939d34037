import { describe, expect, it } from 'vitest';
import { KeyedCapacity, type Clock, type KeyLimits, type Lease } from '../../../../src/core/flow/keyed-capacity.js';
import { OpenOffsets } from '../../../../src/core/flow/open-offsets.js';

/** A clock whose time moves only when the test says so; timers fire in time order. */
class FakeClock implements Clock {
  t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await Promise.resolve();
    }
    this.t = end;
    await Promise.resolve();
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function capacity(limits: Record<string, KeyLimits>, maxWaiting = 100, clock = new FakeClock()) {
  return { cap: new KeyedCapacity({ limits: (k) => limits[k] ?? {}, maxWaiting, clock }), clock };
}

describe('KeyedCapacity', () => {
  it('lets a saturated key wait while another key on the same input goes on', async () => {
    const { cap } = capacity({ A: { concurrency: 2 }, B: { concurrency: 2 } });
    const a1 = cap.tryAcquire('A')!;
    const a2 = cap.tryAcquire('A')!;
    expect(cap.tryAcquire('A')).toBeNull();
    let a3: Lease | null = null;
    void cap.tryEnqueue('A')!.then((l) => { a3 = l; });
    // B is not held up by A's queue.
    expect(cap.tryAcquire('B')).not.toBeNull();
    expect(cap.tryAcquire('B')).not.toBeNull();
    expect(cap.waiting('A')).toBe(1);
    await flush();
    expect(a3).toBeNull();
    a1.release();
    await flush();
    expect(a3).not.toBeNull();
    expect(cap.inFlight('A')).toBe(2);
    a2.release();
    a3!.release();
    a3!.release(); // twice is harmless
    expect(cap.inFlight('A')).toBe(0);
  });

  it('never starts more than perSecond in any one-second window, and starts the waiting ones as the window moves', async () => {
    const { cap, clock } = capacity({ S: { perSecond: 3 } });
    const starts: number[] = [];
    const take = (): void => void cap.tryEnqueue('S')!.then((l) => { starts.push(clock.now()); l.release(); });
    for (let k = 0; k < 10; k++) take();
    await flush();
    for (let step = 0; step < 40; step++) await clock.advance(100);
    expect(starts).toHaveLength(10);
    for (const t of starts) expect(starts.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(3);
    // And the rate is used: 10 starts at 3 per second take a little over 3 seconds.
    expect(starts[9]! - starts[0]!).toBeLessThan(3200);
  });

  it('holds a quota per period, waits for the next period, and counts starts in the current one', async () => {
    const day = 86_400_000;
    const periodOf = (now: number) => ({ id: String(Math.floor(now / day)), endsAtMs: (Math.floor(now / day) + 1) * day });
    const { cap, clock } = capacity({ Q: { quota: { amount: 2, periodOf } } });
    cap.tryAcquire('Q')!.release();
    cap.tryAcquire('Q')!.release();
    expect(cap.startedInPeriod('Q')).toBe(2);
    expect(cap.tryAcquire('Q')).toBeNull();
    let got = false;
    void cap.tryEnqueue('Q')!.then(() => { got = true; });
    await clock.advance(day - (clock.now() % day) - 10);
    expect(got).toBe(false);
    await clock.advance(20);
    await flush();
    expect(got).toBe(true);
    expect(cap.startedInPeriod('Q')).toBe(1);
  });

  it('bounds waiting: beyond maxWaiting it refuses, and tells when there is room again', async () => {
    const { cap } = capacity({ A: { concurrency: 1 } }, 2);
    const held = cap.tryAcquire('A')!;
    const w1 = cap.tryEnqueue('A');
    const w2 = cap.tryEnqueue('A');
    expect(w1).not.toBeNull();
    expect(w2).not.toBeNull();
    expect(cap.full).toBe(true);
    expect(cap.tryEnqueue('A')).toBeNull();
    expect(cap.tryEnqueue('B')).not.toBeNull(); // B has room now: no waiting needed
    let room = false;
    void cap.whenRoom().then(() => { room = true; });
    held.release();
    await flush();
    expect(room).toBe(true);
    (await w1!).release();
    (await w2!).release();
  });

  it('lets one request larger than the whole concurrency through when the key is idle', () => {
    const { cap } = capacity({ A: { concurrency: 10 } });
    const big = cap.tryAcquire('A', 25)!;
    expect(big).not.toBeNull();
    expect(cap.tryAcquire('A', 1)).toBeNull();
    big.release();
    expect(cap.tryAcquire('A', 10)).not.toBeNull();
  });

  it('keeps memory bounded while work waits: one entry per waiting request, none after', async () => {
    const { cap, clock } = capacity({ A: { perSecond: 1 } }, 999);
    const all: Array<Promise<Lease>> = [];
    for (let k = 0; k < 1000; k++) all.push(cap.tryEnqueue('A')!);
    expect(cap.waiting()).toBe(999); // the first one started at once
    expect(cap.tryEnqueue('A')).toBeNull();
    await clock.advance(1_001_000);
    for (const p of all) (await p).release();
    expect(cap.waiting()).toBe(0);
  });
});

describe('OpenOffsets', () => {
  it('keeps the commit point at the lowest offset whose work is still open', () => {
    const o = new OpenOffsets();
    expect(o.lowest()).toBeNull();
    for (const k of [10n, 11n, 12n, 15n]) o.open(k);
    o.close(11n);
    expect(o.lowest()).toBe(10n); // 11 is done, but 10 still waits (a saturated key)
    o.close(10n);
    expect(o.lowest()).toBe(12n);
    o.close(15n);
    o.close(12n);
    expect(o.lowest()).toBeNull();
    expect(o.size).toBe(0);
  });

  it('stays small over a long run', () => {
    const o = new OpenOffsets();
    for (let k = 0n; k < 100_000n; k++) {
      o.open(k);
      if (k >= 5n) o.close(k - 5n);
    }
    expect(o.size).toBe(5);
    expect(o.lowest()).toBe(99_995n);
    expect((o as unknown as { offsets: bigint[] }).offsets.length).toBeLessThan(3000);
  });
});

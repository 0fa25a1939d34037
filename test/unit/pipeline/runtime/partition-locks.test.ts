import { describe, expect, it } from 'vitest';
import { PartitionLocks } from '../../../../src/pipeline/runtime/partition-locks.js';

describe('partition locks', () => {
  it('runs the work of one partition one at a time, in order, past failures, and other partitions beside it', async () => {
    const locks = new PartitionLocks();
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const a = locks.run(0, 'batch', async () => {
      order.push('a start');
      await gate;
      order.push('a end');
      throw new Error('a failed');
    });
    const b = locks.run(0, 'timer', async () => void order.push('b'));
    const other = locks.run(1, 'batch', async () => void order.push('other'));
    await other;
    expect(order).toEqual(['a start', 'other']);
    release();
    await expect(a).rejects.toThrow('a failed');
    await b;
    expect(order).toEqual(['a start', 'other', 'a end', 'b']);
  });

  it('names the work that has held its partition too long', async () => {
    let now = 1_000;
    const locks = new PartitionLocks(() => now);
    let release: () => void = () => undefined;
    const held = locks.run(3, 'partition work', () => new Promise<void>((r) => (release = r)));
    await Promise.resolve();
    now += 59_999;
    expect(locks.heldLongerThan(60_000)).toEqual([]);
    now += 1;
    expect(locks.heldLongerThan(60_000)).toEqual([{ partition: 3, what: 'partition work', sinceMs: 1_000, step: null }]);
    locks.step(3, 'commit: send');
    expect(locks.heldLongerThan(60_000)[0]!.step).toBe('commit: send');
    release();
    await held;
    expect(locks.heldLongerThan(0)).toEqual([]);
  });

  it('reports a stuck holder once, with where it is', async () => {
    const locks = new PartitionLocks();
    const reports: string[] = [];
    const stop = locks.watch(40, (h, heldMs) => reports.push(`${h.partition} ${h.what} ${h.step} ${heldMs >= 40}`));
    let release: () => void = () => undefined;
    const held = locks.run(2, 'batch', () => {
      locks.step(2, 'commit: end');
      return new Promise<void>((r) => (release = r));
    });
    await new Promise((r) => setTimeout(r, 150));
    stop();
    release();
    await held;
    expect(reports).toEqual(['2 batch commit: end true']);
  });
});

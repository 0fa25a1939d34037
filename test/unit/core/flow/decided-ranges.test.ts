import { describe, expect, it } from 'vitest';
import { DecidedRanges } from '../../../../src/core/flow/decided-ranges.js';

describe('DecidedRanges', () => {
  it('merges neighbours, tells members, and forgets what lies below the committed offset', () => {
    const d = new DecidedRanges();
    for (const o of [5, 7, 6, 10, 3, 4, 12, 11]) d.add(o);
    expect(d.toJSON()).toEqual([{ from: 3, to: 8 }, { from: 10, to: 13 }]);
    expect([2, 3, 7, 8, 9, 10, 12, 13].map((o) => d.has(o))).toEqual([false, true, true, false, false, true, true, false]);
    d.add(8);
    d.add(9);
    expect(d.toJSON()).toEqual([{ from: 3, to: 13 }]);
    d.prune(6);
    expect(d.toJSON()).toEqual([{ from: 6, to: 13 }]);
    expect(d.has(5)).toBe(false);
    d.prune(20);
    expect(d.toJSON()).toEqual([]);
  });

  it('restores from its record unordered and ignores empty ranges', () => {
    const d = new DecidedRanges([{ from: 9, to: 10 }, { from: 1, to: 3 }, { from: 4, to: 4 }]);
    expect(d.toJSON()).toEqual([{ from: 1, to: 3 }, { from: 9, to: 10 }]);
    expect(d.has(4)).toBe(false);
  });
});

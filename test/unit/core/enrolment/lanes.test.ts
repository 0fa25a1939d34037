import { describe, expect, it } from 'vitest';
import { laneOf } from '../../../../src/core/enrolment/lanes.js';

describe('SMSO lanes', () => {
  const smsos = ['LG', 'MDS', 'SECURE', 'TRILLIANT'];
  it('give every configured SMSO a partition of its own', () => {
    const lanes = smsos.map((s) => laneOf(s, smsos, 8));
    expect(lanes).toEqual([0, 1, 2, 3]);
    expect(new Set(lanes).size).toBe(smsos.length);
  });

  it('put an SMSO that is not configured on the spare partitions, never on a configured one\'s, and the same every time', () => {
    const lane = laneOf('NEWCO', smsos, 8);
    expect(lane).toBeGreaterThanOrEqual(4);
    expect(lane).toBeLessThan(8);
    expect(laneOf('NEWCO', smsos, 8)).toBe(lane);
  });

  it('refuse a topic with fewer partitions than configured SMSOs', () => {
    expect(() => laneOf('MDS', smsos, 3)).toThrow(/4 lane partitions/);
  });
});

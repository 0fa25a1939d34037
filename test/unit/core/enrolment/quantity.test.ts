import { describe, expect, it } from 'vitest';
import { adjustUsage, dayDecision, nextClaim, NO_USAGE, unusedCommitment, usedUp, type Claim, type MaUsage } from '../../../../src/core/enrolment/quantity.js';
import { londonDay } from '../../../../src/core/inputs/london-day.js';

const ma = { requested: 5, committed: 3 };

describe('MA quantities (enrolment.md)', () => {
  it('gives the first `committed` installations the committed claim, then excess up to `requested`, then none', () => {
    let usage: MaUsage = NO_USAGE;
    const claims: string[] = [];
    for (let k = 0; k < 7; k++) {
      const c = nextClaim(ma, usage);
      claims.push(c);
      if (c !== 'beyond') usage = adjustUsage(usage, c, 1);
    }
    expect(claims).toEqual(['committed', 'committed', 'committed', 'excess', 'excess', 'beyond', 'beyond']);
    expect(usedUp(ma, usage)).toBe(true);
  });

  it('takes a failed installation\'s unit back, so a later one may use it', () => {
    let usage: MaUsage = { committedUsed: 3, excessUsed: 2 };
    expect(nextClaim(ma, usage)).toBe('beyond');
    usage = adjustUsage(usage, 'committed', -1);
    expect(nextClaim(ma, usage)).toBe('committed');
    usage = adjustUsage(adjustUsage(usage, 'committed', 1), 'excess', -1);
    expect(nextClaim(ma, usage)).toBe('excess');
  });

  it('sums the unused commitment of an SMSO\'s MAs for a day', () => {
    expect(unusedCommitment([{ ma: { committed: 400 }, usage: { committedUsed: 150, excessUsed: 9 } }, { ma: { committed: 10 }, usage: { committedUsed: 12, excessUsed: 0 } }])).toBe(250);
  });
});

describe('the day capacity rule (committed installations have first claim)', () => {
  const day = londonDay('2026-12-01');
  const at = day.startMs + 3_600_000;
  const cap = (started: number, unused: number) => ({ ...day, perDay: 10, started, unusedCommitment: unused });

  it('lets an excess installation start only while started + unused commitment < perDay', () => {
    expect(dayDecision('excess', at, cap(5, 4))).toEqual({ kind: 'start' });
    expect(dayDecision('excess', at, cap(5, 5))).toEqual({ kind: 'wait', untilMs: day.endMs, why: 'day-capacity' });
    expect(dayDecision('committed', at, cap(9, 5))).toEqual({ kind: 'start' });
    expect(dayDecision('committed', at, cap(10, 5))).toMatchObject({ kind: 'wait', why: 'day-capacity' });
  });

  it('waits for a day that has not begun, and ends a wait at the day\'s end (INST_NOT_AUTHORISED)', () => {
    for (const claim of ['committed', 'excess'] as Claim[]) {
      expect(dayDecision(claim, day.startMs - 1, cap(0, 0))).toEqual({ kind: 'wait', untilMs: day.startMs, why: 'day-not-begun' });
      expect(dayDecision(claim, day.endMs, cap(0, 0))).toEqual({ kind: 'day-ended' });
      expect(dayDecision(claim, day.endMs - 1, cap(0, 0))).toEqual({ kind: 'start' });
    }
  });

  it('plays out a day: 10 per day, MDC 6, excess waits while the reservation holds and starts once it is used', () => {
    // Two excess installations arrive first, then six committed ones, then the excess try again.
    let started = 0;
    let committedUsed = 0;
    const unused = () => 6 - committedUsed;
    const log: string[] = [];
    const tryStart = (claim: Claim, name: string) => {
      const d = dayDecision(claim, at, { ...day, perDay: 10, started, unusedCommitment: unused() });
      log.push(`${name}:${d.kind}`);
      if (d.kind === 'start') {
        started++;
        if (claim === 'committed') committedUsed++;
      }
    };
    tryStart('excess', 'x1');
    tryStart('excess', 'x2');
    tryStart('excess', 'x3');
    tryStart('excess', 'x4');
    tryStart('excess', 'x5');
    for (let k = 1; k <= 6; k++) tryStart('committed', `c${k}`);
    tryStart('excess', 'x5');
    expect(log).toEqual(['x1:start', 'x2:start', 'x3:start', 'x4:start', 'x5:wait', 'c1:start', 'c2:start', 'c3:start', 'c4:start', 'c5:start', 'c6:start', 'x5:wait']);
    expect(started).toBe(10);
  });
});

import { describe, expect, it } from 'vitest';
import { ENROLMENT_DEFAULTS, enrolmentOptions } from '../../../../src/pipeline/enrolment/options.js';

describe('enrolment options', () => {
  it('fills in the defaults and freezes the result', () => {
    const o = enrolmentOptions({ sessionTimeoutMs: 6000 });
    expect(o.sessionTimeoutMs).toBe(6000);
    expect(o.heartbeatMs).toBe(ENROLMENT_DEFAULTS.heartbeatMs);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('names the field it refuses', () => {
    expect(() => enrolmentOptions({ maxWindow: 0 })).toThrow(/enrolment option maxWindow must be a positive integer, got 0/);
    expect(() => enrolmentOptions({ groupId: '' })).toThrow(/enrolment option groupId/);
  });

  // processor.sessionTimeoutMs now reaches the enrolment stage too: a value at or below its
  // heartbeat would have the member evicted between two beats.
  it('refuses a session timeout the heartbeat does not fit in', () => {
    expect(() => enrolmentOptions({ sessionTimeoutMs: 2000 })).toThrow(/enrolment option heartbeatMs must be below sessionTimeoutMs \(2000\)/);
    expect(() => enrolmentOptions({ sessionTimeoutMs: 2001 })).not.toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { faultHook } from '../../../../src/pipeline/enrolment/faults.js';

describe('test-only fault points', () => {
  it('kill at the n-th arrival at the named point, and never when unset', () => {
    let kills = 0;
    const hook = faultHook('before-record:2', () => kills++);
    hook('after-send');
    hook('before-record');
    expect(kills).toBe(0);
    hook('before-record');
    expect(kills).toBe(1);
    hook('before-record');
    expect(kills).toBe(1);
    expect(() => faultHook('nowhere')).toThrow(/S1MIG_FAULT_KILL/);
    expect(() => faultHook(undefined)('after-send')).not.toThrow();
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVICE_CODES, FILE_CODES, INSTALLATION_CODES } from '../../../../src/core/errors/codes.js';
import { errorCode, exitStatusOf, isRetriable, S1migError } from '../../../../src/core/errors/s1mig-error.js';

const spec = readFileSync(new URL('../../../../../shared/spec/validation.md', import.meta.url), 'utf8');

function specCodes(prefix: string): string[] {
  return [...spec.matchAll(new RegExp(`^\\| (${prefix}_[A-Z_]+) \\|`, 'gm'))].map((m) => m[1]!);
}

describe('the error catalogue', () => {
  it('holds exactly the outcome codes of validation.md, in the order of its tables', () => {
    expect(DEVICE_CODES).toEqual(specCodes('DEV'));
    expect(INSTALLATION_CODES).toEqual(specCodes('INST'));
    expect([...FILE_CODES].sort()).toEqual(specCodes('MCF').sort());
  });

  it('classifies errors by code, not by class', () => {
    const e = new S1migError('REF_INVALID', 'x');
    expect(errorCode(e)).toBe('REF_INVALID');
    expect(errorCode({ code: 'REF_INVALID' })).toBe('REF_INVALID');
    expect(errorCode(new Error('plain'))).toBeUndefined();
    expect(exitStatusOf(e)).toBe(2);
    expect(exitStatusOf(new Error('plain'))).toBe(3);
    expect(isRetriable(new S1migError('KAFKA_UNAVAILABLE', 'x'))).toBe(true);
    expect(isRetriable(new S1migError('USAGE', 'x'))).toBe(false);
  });
});

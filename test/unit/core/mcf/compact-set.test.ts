import { describe, expect, it } from 'vitest';
import { CompactStringSet } from '../../../../src/core/mcf/compact-set.js';

describe('CompactStringSet', () => {
  it('is an exact set across growth', () => {
    const s = new CompactStringSet();
    for (let k = 0; k < 50_000; k++) expect(s.add(`INST-${k}`)).toBe(true);
    expect(s.size).toBe(50_000);
    for (let k = 0; k < 50_000; k += 997) expect(s.add(`INST-${k}`)).toBe(false);
    expect(s.has('INST-49999')).toBe(true);
    expect(s.has('INST-50000')).toBe(false);
    expect(s.has('')).toBe(false);
    expect(s.add('')).toBe(true);
    expect(s.has('')).toBe(true);
    expect(s.size).toBe(50_001);
  });
});

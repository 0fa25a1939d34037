import { describe, expect, it } from 'vitest';
import { assignDefects, parseDefects } from '../../../../src/jobs/gen/defects.js';
import { evaluateInstallation, type ExpectPolicy } from '../../../../src/jobs/gen/expected.js';
import type { Combination } from '../../../../src/jobs/gen/material.js';
import type { PlannedDevice, PlannedInstallation } from '../../../../src/jobs/gen/model.js';
import { mpanCore } from '../../../../src/jobs/gen/planner.js';
import { Prng } from '../../../../src/core/random/prng.js';

const COMBOS: Combination[] = [
  { CHF: { manufacturer: 'A', model: 'H' }, ESME: { manufacturer: 'A', model: 'E' }, GSME: { manufacturer: 'A', model: 'G' } },
  { CHF: { manufacturer: 'A', model: 'H' }, ESME: { manufacturer: 'A', model: 'E' } },
];
const ALLOW: ExpectPolicy = { splitSupply: 'allow', partial: 'allow' };

function dev(type: 'CHF' | 'ESME' | 'GSME' | 'IHD', n: number, parent?: number, supplier?: string): PlannedDevice {
  const eui = `00db00000000000${n}`;
  const d: PlannedDevice = {
    eui, idText: eui.toUpperCase().match(/../g)!.join('-'), typeText: type, type,
    manufacturer: 'A', model: type === 'CHF' ? 'H' : type === 'ESME' ? 'E' : type === 'GSME' ? 'G' : 'D',
    firmware: '01', cert: 'ok', credential: 'ok', keyUsage: 'digitalSignature', codes: [],
  };
  if (parent !== undefined) d.parent = parent;
  if (supplier !== undefined) d.supplier = supplier;
  return d;
}
function site(): PlannedInstallation {
  return { id: 'I1', migrationType: 'Active', injected: [], devices: [dev('CHF', 0), dev('ESME', 1, 0, 's1'), dev('GSME', 2, 0, 's1'), dev('IHD', 3, 2)] };
}

describe('expected outcome (validation.md precedence)', () => {
  it('valid when nothing fails', () => {
    expect(evaluateInstallation(site(), COMBOS, ALLOW).status).toBe('valid');
  });
  it('partial when only the GSME and its children fail; invalid under partial=deny', () => {
    const s = site();
    s.devices[2]!.codes.push('DEV_CERT_UNTRUSTED');
    s.devices[3]!.codes.push('DEV_FIELD_INVALID');
    expect(evaluateInstallation(s, COMBOS, ALLOW)).toMatchObject({ status: 'partial', codes: [] });
    expect(evaluateInstallation(s, COMBOS, { ...ALLOW, partial: 'deny' })).toMatchObject({ status: 'invalid', codes: [] });
  });
  it('invalid with errors [] when the ESME fails; excluded when only keys are missing', () => {
    const s = site();
    s.devices[1]!.codes.push('DEV_CERT_UNTRUSTED');
    expect(evaluateInstallation(s, COMBOS, ALLOW)).toMatchObject({ status: 'invalid', codes: [] });
    const k = site();
    k.devices[1]!.codes.push('DEV_CREDENTIAL_MISSING');
    expect(evaluateInstallation(k, COMBOS, ALLOW)).toMatchObject({ status: 'excluded', codes: ['INST_EXCLUDED_MISSING_KEYS'] });
    // a GSME with missing keys only: step 3 (partial) wins over step 4
    const g = site();
    g.devices[2]!.codes.push('DEV_CREDENTIAL_INCOMPLETE');
    expect(evaluateInstallation(g, COMBOS, ALLOW).status).toBe('partial');
  });
  it('installation codes: eligibility, split supply under reject only, structure suppresses both', () => {
    const s = site();
    s.devices[0]!.model = 'H-X';
    expect(evaluateInstallation(s, COMBOS, ALLOW)).toMatchObject({ status: 'invalid', codes: ['INST_DMC_NOT_ELIGIBLE'] });
    const sp = site();
    sp.devices[2]!.supplier = 's2';
    expect(evaluateInstallation(sp, COMBOS, ALLOW).status).toBe('valid');
    expect(evaluateInstallation(sp, COMBOS, { ...ALLOW, splitSupply: 'reject' }).codes).toEqual(['INST_SPLIT_SUPPLY']);
    sp.injected.push('INST_DUPLICATE_DEVICE', 'INST_STRUCTURE');
    sp.devices[0]!.model = 'H-X';
    expect(evaluateInstallation(sp, COMBOS, { ...ALLOW, splitSupply: 'reject' }).codes).toEqual(['INST_STRUCTURE', 'INST_DUPLICATE_DEVICE']);
  });
  it('reports invalid ids and types as written, device codes in catalogue order', () => {
    const s = site();
    s.devices[3]!.idText = '00-DB-00-00-00-00-00-ZZ';
    s.devices[3]!.codes.push('DEV_ID_INVALID');
    s.devices[1]!.codes.push('DEV_CERT_EXPIRED', 'DEV_CERT_PROFILE');
    const e = evaluateInstallation(s, COMBOS, ALLOW);
    expect(e.devices[3]!.deviceId).toBe('00-DB-00-00-00-00-00-ZZ');
    expect(e.devices[0]!.deviceId).toBe('00db000000000000');
    expect(e.devices[1]!.codes).toEqual(['DEV_CERT_PROFILE', 'DEV_CERT_EXPIRED']);
  });
});

describe('defect specs and PRNG', () => {
  it('parses counts and percentages', () => {
    expect(parseDefects('DEV_CERT_PROFILE:3, INST_STRUCTURE:10%,MCF_COUNT_MISMATCH', 200)).toEqual({
      file: 'MCF_COUNT_MISMATCH',
      installations: [['DEV_CERT_PROFILE', 3], ['INST_STRUCTURE', 20]],
    });
    expect(parseDefects('DEV_CERT_PROFILE:0.1%', 10).installations).toEqual([['DEV_CERT_PROFILE', 1]]);
    expect(() => parseDefects('DEV_CERT_PROFILE:x', 10)).toThrow(RangeError);
    expect(() => parseDefects('INST_ALREADY_MIGRATED', 10)).toThrow(RangeError);
  });
  it('assigns distinct installations', () => {
    const m = assignDefects(parseDefects('DEV_CERT_PROFILE:40,INST_STRUCTURE:60', 100), 100, new Prng('x'));
    expect(m.size).toBe(100);
    expect([...m.values()].filter((c) => c === 'INST_STRUCTURE').length).toBe(60);
  });
  it('is reproducible and writes valid MPAN check digits', () => {
    expect(new Prng('s').u32()).toBe(new Prng('s').u32());
    expect(new Prng('s').u32()).not.toBe(new Prng('t').u32());
    const p = new Prng('m');
    for (let i = 0; i < 50; i++) {
      const m = mpanCore(p);
      const primes = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
      const sum = primes.reduce((acc, q, j) => acc + q * Number(m[j]), 0);
      expect(m).toMatch(/^(1[0-9]|2[0-3])[0-9]{11}$/);
      expect(Number(m[12])).toBe((sum % 11) % 10);
    }
  });
});

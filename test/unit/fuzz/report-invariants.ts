/** Test helper (not a test): the invariants every `validate --json` report must satisfy, whatever the input. */
import { expect } from 'vitest';
import { DEVICE_CODES, FILE_CODES, INSTALLATION_CODES } from '../../../src/core/errors/codes.js';

export interface Coded { code: string; message: string }
export interface Report {
  fileId: string | null;
  status: string;
  errors: Coded[];
  installations: { installationId: string; status: string; errors: Coded[]; devices: { deviceId: string | null; status: string; errors: Coded[] }[] }[];
  summary: Record<'installations' | 'valid' | 'partial' | 'excluded' | 'invalid' | 'devices' | 'devicesValid' | 'devicesInvalid', number>;
}

const FILE = new Set<string>(FILE_CODES);
const INST = new Set<string>(INSTALLATION_CODES);
const DEV = new Set<string>(DEVICE_CODES);

/** A well-formed report built from the catalogue's codes, its summary the tally of its items. */
export function checkReport(r: Report): void {
  expect(['accepted', 'rejected']).toContain(r.status);
  if (r.status === 'rejected') expect(r.errors.length).toBeGreaterThan(0);
  else expect(r.errors).toEqual([]);
  for (const e of r.errors) {
    expect(FILE.has(e.code), e.code).toBe(true);
    expect(typeof e.message).toBe('string');
  }
  const counts = { valid: 0, partial: 0, excluded: 0, invalid: 0 };
  let devices = 0;
  let devicesValid = 0;
  for (const inst of r.installations) {
    expect(Object.keys(counts)).toContain(inst.status);
    counts[inst.status as keyof typeof counts]++;
    for (const e of inst.errors) expect(INST.has(e.code), e.code).toBe(true);
    for (const d of inst.devices) {
      devices++;
      expect(['valid', 'invalid']).toContain(d.status);
      expect(d.status === 'valid').toBe(d.errors.length === 0);
      if (d.status === 'valid') devicesValid++;
      for (const e of d.errors) expect(DEV.has(e.code), e.code).toBe(true);
    }
  }
  expect(r.summary).toEqual({
    installations: r.installations.length,
    ...counts,
    devices,
    devicesValid,
    devicesInvalid: devices - devicesValid,
  });
}

/** The report's contract (validation.md: codes, ids, order, statuses), messages aside. */
export function withoutMessages(r: Report): unknown {
  return {
    ...r,
    errors: r.errors.map((e) => e.code),
    installations: r.installations.map((i) => ({ ...i, errors: i.errors.map((e) => e.code), devices: i.devices.map((d) => ({ ...d, errors: d.errors.map((e) => e.code) })) })),
  };
}

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceOutcome } from '../../../../src/core/validation/device-rules.js';
import { InstallationSpool, type SpooledInstallation, type StreamedInstallation } from '../../../../src/jobs/validate/installation-spool.js';

let tmp = '';
let saved: string | undefined;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 's1mig-spool-test-'));
  saved = process.env['TMPDIR'];
  process.env['TMPDIR'] = tmp;
});
afterEach(() => {
  if (saved === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = saved;
  rmSync(tmp, { recursive: true, force: true });
});

const outcome = (o: Partial<DeviceOutcome> = {}): DeviceOutcome => ({
  deviceId: '00db000000000001', deviceType: 'CHF', canonicalId: '00db000000000001', type: 'CHF', parent: null,
  parentPresent: false, manufacturer: 'ACME', model: 'C-1', supplier: null, errors: [], ...o,
});

const installations: SpooledInstallation[] = [
  { id: 'I-1', migrationType: 'Active', groupId: null, deviceCount: 2, structureInvalid: false, devices: [
    outcome(),
    outcome({ deviceId: '00db000000000002', deviceType: 'ESME', canonicalId: '00db000000000002', type: 'ESME', supplier: '90b3d51f30010008', errors: ['DEV_CERT_UNTRUSTED', 'DEV_CREDENTIAL_INCOMPLETE'] }),
  ] },
  // Texts that a line-oriented file must survive: newlines, CR, U+2028, a surrogate pair, quotes.
  { id: 'I.2', migrationType: 'Dorm\nant', groupId: 'g\r"\u2028\u{1F600}', deviceCount: 40, structureInvalid: true, devices: [
    outcome({ deviceId: 'not\nan id', deviceType: 'TOASTER', canonicalId: null, type: null, parent: '00db000000000009', parentPresent: true, manufacturer: null, model: '\\', errors: ['DEV_ID_INVALID', 'DEV_TYPE_INVALID', 'DEV_FIELD_INVALID'] }),
  ] },
  { id: 'I_3', migrationType: null, groupId: null, deviceCount: 0, structureInvalid: false, devices: [] },
];

describe('InstallationSpool', () => {
  it('gives back exactly what was appended, in order, from a private file', async () => {
    const spool = await InstallationSpool.create();
    try {
      for (const inst of installations) await spool.append(inst);
      expect(spool.size).toBe(3);
      const [spoolDir] = readdirSync(tmp);
      const file = join(tmp, spoolDir!, 'installations.jsonl');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const back: (SpooledInstallation | StreamedInstallation)[] = [];
      for await (const inst of spool.read()) back.push(inst);
      expect(back).toEqual(installations);
    } finally {
      await spool.dispose();
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('flushes in chunks and keeps order across them', async () => {
    const spool = await InstallationSpool.create();
    try {
      const many = Array.from({ length: 20_000 }, (_, k): SpooledInstallation => ({ ...installations[0]!, id: `I-${k}` }));
      for (const inst of many) await spool.append(inst);
      let k = 0;
      for await (const inst of spool.read()) expect(inst.id).toBe(`I-${k++}`);
      expect(k).toBe(20_000);
    } finally {
      await spool.dispose();
      await spool.dispose();
    }
  });

  it('gives back an oversized installation\'s devices twice, in order, between the ordinary ones, skipping what a reader left', async () => {
    const spool = await InstallationSpool.create();
    try {
      const row = (k: number) => ({ deviceId: `d${k}\n`, deviceType: 'IHD', canonicalId: k % 2 === 0 ? `${k}` : null, errors: k % 3 === 0 ? ['DEV_CERT_UNTRUSTED' as const] : [] });
      await spool.append(installations[0]!);
      for (const [id, n] of [['BIG-1', 5000], ['BIG-2', 40]] as const) {
        const w = spool.oversizedWriter();
        for (let k = 0; k < n; k++) await w.append(row(k));
        await spool.appendOversized({ id, migrationType: 'Active', groupId: null, deviceCount: n, structureInvalid: false }, w);
        await spool.append(installations[2]!);
      }
      const seen: string[] = [];
      let k = 0;
      for await (const inst of spool.read()) {
        seen.push(inst.id);
        if (!('streamed' in inst)) continue;
        const n = inst.deviceCount;
        if (k++ === 0) {
          const scanned: unknown[] = [];
          for await (const d of inst.scan) scanned.push(d);
          const listed: unknown[] = [];
          for await (const d of inst.devices) listed.push(d);
          const want = Array.from({ length: n }, (_, j) => row(j));
          expect(scanned).toEqual(want);
          expect(listed).toEqual(want);
        } else {
          // This reader reads only one device of each pass: the rest is skipped for the next one.
          for await (const d of inst.scan) { expect(d).toEqual(row(0)); break; }
        }
      }
      expect(seen).toEqual(['I-1', 'BIG-1', 'I_3', 'BIG-2', 'I_3']);
    } finally {
      await spool.dispose();
    }
  });

  it('keeps texts rendered ahead, concatenated in order, and says whether every installation has one', async () => {
    const spool = await InstallationSpool.create();
    try {
      await spool.append(installations[0]!, '\n    {"a": 1}');
      await spool.append(installations[1]!, '');
      expect(spool.allRendered).toBe(true);
      await spool.append(installations[2]!);
      expect(spool.allRendered).toBe(false);
      let text = '';
      for await (const block of spool.renderedBlocks()) text += block;
      expect(text).toBe('\n    {"a": 1}');
      const back: (SpooledInstallation | StreamedInstallation)[] = [];
      for await (const inst of spool.read()) back.push(inst);
      expect(back).toEqual(installations);
    } finally {
      await spool.dispose();
    }
  });
});

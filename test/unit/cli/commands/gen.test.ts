import { describe, expect, it, vi } from 'vitest';
import { command } from '../../../../src/cli/commands/gen.js';

describe('gen CLI', () => {
  it('exits 2 with a one-line reason on an unknown option or missing required option', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await command.run(['--bogus'])).toBe(2);
    expect(await command.run(['--ref', 'x'])).toBe(2);
    expect(await command.run(['--ref', 'x', '--smso', 'MDS', '--installations', '1', '--out', 'o', '--created-at', '2026-02-30'])).toBe(2);
    expect(err.mock.calls.every(([t]) => String(t).trim().split('\n').length === 1)).toBe(true);
    err.mockRestore();
  });
});

describe('gen CLI: errors list the valid values (issue 12)', () => {
  const run = async (args: string[]): Promise<{ status: number; err: string }> => {
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: unknown) => ((err += String(c)), true));
    const status = await command.run(args);
    spy.mockRestore();
    return { status, err };
  };

  it('names the SMSOs the reference has, the injectable defects, and refuses a negative count as such', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { initReferenceDirectory } = await import('../../../../src/jobs/devtools/ref-init.js');
    const dir = mkdtempSync(join(tmpdir(), 's1mig-gen-'));
    try {
      const ref = join(dir, 'ref');
      initReferenceDirectory(ref);
      const out = join(dir, 'o.xml');
      const smso = await run(['--ref', ref, '--smso', 'XYZ', '--installations', '2', '--out', out]);
      expect(smso.status).toBe(2);
      expect(smso.err).toMatch(/^s1mig gen: --smso XYZ: .* has no development device CA and file signer for it \(it has LG, MDS, SECURE, TRILLIANT\)\n$/);
      const defect = await run(['--ref', ref, '--smso', 'MDS', '--installations', '2', '--out', out, '--defects', 'BOGUS']);
      expect(defect.status).toBe(2);
      expect(defect.err).toMatch(/defect 'BOGUS' cannot be injected; the injectable ones are [A-Z_, ]*DEV_CERT_EXPIRED/);
      const negative = await run(['--ref', ref, '--smso', 'MDS', '--installations', '-3', '--out', out]);
      expect(negative).toEqual({ status: 2, err: 's1mig gen: --installations must be a whole number (0 or more)\n' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

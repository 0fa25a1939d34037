import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runValidateCli } from './run-validate.js';

const VECTORS = fileURLToPath(new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url));
const REF = `${VECTORS}ref`;

const runCli = runValidateCli;

describe('s1mig validate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('--json prints exactly one JSON document and exits 0 for an accepted file', async () => {
    const r = await runCli([`${VECTORS}mixed-outcomes.xml`, '--ref', REF, '--json']);
    expect(r.status).toBe(0);
    const expected = JSON.parse(readFileSync(`${VECTORS}mixed-outcomes.expected.json`, 'utf8')) as { summary: unknown };
    const actual = JSON.parse(r.stdout) as { summary: unknown; status: string };
    expect(actual.status).toBe('accepted');
    expect(actual.summary).toEqual(expected.summary);
  });

  it('exits 1 for a rejected file, with the human report on stdout', async () => {
    const r = await runCli([`${VECTORS}bad-signature.xml`, '--ref', REF]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('REJECTED');
    expect(r.stdout).toContain('MCF_SIGNATURE_INVALID');
  });

  it('exits 2 with empty stdout and a one-line reason for usage and reference errors', async () => {
    for (const args of [
      [`${VECTORS}basic-valid.xml`, '--ref', REF, '--json', '--bogus'],
      [`${VECTORS}basic-valid.xml`, '--json'],
      [`${VECTORS}basic-valid.xml`, '--ref', REF, '--partial', 'maybe'],
      [`${VECTORS}basic-valid.xml`, '--ref', REF, '--split-supply', 'x'],
      [`${VECTORS}basic-valid.xml`, '--ref', `${VECTORS}nope`, '--json'],
      [`${VECTORS}missing.xml`, '--ref', REF, '--json'],
      [VECTORS, '--ref', REF, '--json'],
      ['--ref', REF],
    ]) {
      const r = await runCli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('accepts the policy options', async () => {
    const r = await runCli([`${VECTORS}mixed-outcomes.xml`, '--ref', REF, '--json', '--partial', 'deny', '--split-supply', 'reject']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { installations: { installationId: string; status: string }[] };
    expect(report.installations.find((i) => i.installationId === 'V5')?.status).toBe('invalid');
  });
});

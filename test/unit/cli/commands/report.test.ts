import { afterEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../../../src/cli/commands/report.js';
import { runCommand } from '../../../../src/cli/run-command.js';

describe('s1mig report arguments', () => {
  afterEach(() => vi.restoreAllMocks());

  const run = async (args: string[]): Promise<{ status: number; err: string; out: string }> => {
    const err: string[] = [];
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((c: unknown) => (err.push(String(c)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation((c: unknown) => (out.push(String(c)), true));
    const status = await runCommand('report', command, args);
    vi.restoreAllMocks();
    return { status, err: err.join(''), out: out.join('') };
  };

  it('refuses an unknown option with exit 2 and one line on stderr', async () => {
    const r = await run(['F-1', '--bogus']);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^s1mig report: .*bogus.*\n$/);
    expect(r.err.split('\n')).toHaveLength(2);
  });

  it('wants exactly one file key or FileID, and a sane timeout', async () => {
    expect((await run([])).status).toBe(2);
    expect((await run(['a', 'b'])).status).toBe(2);
    expect((await run(['a', '--timeout', 'soon'])).status).toBe(2);
    expect((await run(['a', '--timeout', '0'])).status).toBe(2);
    expect((await run(['a', '--timeout-ms', '5000'])).status).toBe(2);
  });

  it('prints its usage with --help', async () => {
    const r = await run(['--help']);
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/^usage: s1mig report/);
  });
});

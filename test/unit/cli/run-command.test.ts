import { parseArgs } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../../src/cli/run-command.js';
import { S1migError } from '../../../src/core/errors/s1mig-error.js';

describe('runCommand', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(fn: () => Promise<number>): Promise<{ status: number; out: string; err: string }> {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c: unknown) => ((out += String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c: unknown) => ((err += String(c)), true));
    const status = await runCommand('x', { usage: 'usage: s1mig x', run: fn }, []);
    vi.restoreAllMocks();
    return { status, out, err };
  }

  it('maps errors to exit statuses with one line on stderr and nothing on stdout', async () => {
    const unknownOption = await run(async () => {
      parseArgs({ args: ['--bogus'], strict: true, options: {} });
      return 0;
    });
    expect(unknownOption).toMatchObject({ status: 2, out: '' });
    expect(unknownOption.err).toMatch(/^s1mig x: .*bogus.*\n$/);
    expect(await run(async () => { throw new S1migError('REF_INVALID', 'bad ref\nmore'); })).toEqual({ status: 2, out: '', err: 's1mig x: bad ref\n' });
    expect((await run(async () => { throw new S1migError('KAFKA_UNAVAILABLE', 'down'); })).status).toBe(3);
    expect((await run(async () => { throw new Error('boom'); })).status).toBe(3);
    expect((await run(async () => 1)).status).toBe(1);
  });

  it('prints the usage for --help or -h anywhere before --, without running the command', async () => {
    let ran = 0;
    const cmd = { usage: 'usage: s1mig x [--flag]', run: async () => ++ran };
    for (const args of [['--help'], ['-h'], ['sub', '--help'], ['a', 'b', '-h', '--bogus']]) {
      let out = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((c: unknown) => ((out += String(c)), true));
      expect(await runCommand('x', cmd, args)).toBe(0);
      vi.restoreAllMocks();
      expect(out).toBe('usage: s1mig x [--flag]\n');
    }
    expect(ran).toBe(0);
    expect(await runCommand('x', cmd, ['--', '--help'])).toBe(1);
    expect(ran).toBe(1);
  });
});

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

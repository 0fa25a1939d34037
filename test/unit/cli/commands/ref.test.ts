import { describe, expect, it, vi } from 'vitest';
import { command } from '../../../../src/cli/commands/ref.js';

describe('ref CLI', () => {
  it('exits 2 on an unknown option or subcommand', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await command.run(['init', 'x', '--bogus'])).toBe(2);
    expect(await command.run(['create', 'x'])).toBe(2);
    expect(await command.run(['init'])).toBe(2);
    err.mockRestore();
  });
});

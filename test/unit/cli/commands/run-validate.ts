/** Test helper (not a test): `s1mig validate` run in-process, with what it wrote to stdout and stderr. */
import { vi } from 'vitest';
import { command } from '../../../../src/cli/commands/validate.js';
import { runCommand } from '../../../../src/cli/run-command.js';

const text = (chunk: unknown): string => (typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));

export async function runValidateCli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    stdout += text(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    stderr += text(chunk);
    return true;
  });
  try {
    const status = await runCommand('validate', command, args);
    return { status, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

import { exitStatusOf } from '../core/errors/s1mig-error.js';
import { isClosedOutput } from './closed-output.js';
import type { CliCommand } from './command.js';

/**
 * Runs one command and maps a thrown error to its exit status with a one-line reason on
 * stderr and nothing on stdout (validation.md: exit 2 for usage, 3 for internal errors).
 * node:util parseArgs errors are usage errors. A closed stdout ends a command that did its
 * work quietly (exit 0); a command whose status depends on its result catches it itself.
 */
export async function runCommand(name: string, command: CliCommand, args: string[]): Promise<number> {
  // Help wins over everything else on the line (`s1mig ma publish --help`), options after `--` excepted.
  const options = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (options.includes('--help') || options.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (isClosedOutput(err)) return 0;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`s1mig ${name}: ${message.split('\n')[0]}\n`);
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') ? 2 : exitStatusOf(err);
  }
}

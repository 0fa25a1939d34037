#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectDir } from '../adapters/project-dir.js';
import { exitStatusOf } from '../core/errors/s1mig-error.js';
import { tolerateClosedStdout } from './closed-output.js';
import { COMMANDS, usage } from './command-table.js';
import { bashScript, commandWords, zshScript } from './completion.js';
import { takeConnectionFlags } from './connection-flags.js';
import { runCommand } from './run-command.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    const pkg = JSON.parse(readFileSync(join(projectDir(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`s1mig ${pkg.version}\n`);
    return 0;
  }
  if (name === 'completion') {
    const shell = rest[0];
    if (rest.length !== 1 || (shell !== 'bash' && shell !== 'zsh')) {
      const help = shell === '--help' || shell === '-h';
      (help ? process.stdout : process.stderr).write('usage: s1mig completion bash | zsh   (e.g. source <(s1mig completion bash))\n');
      return help ? 0 : 2;
    }
    const words = await commandWords();
    process.stdout.write(shell === 'bash' ? bashScript(words) : zshScript(words));
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(`s1mig: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  const taken = takeConnectionFlags(rest);
  if (taken.missing !== null) {
    process.stderr.write(`s1mig ${name}: ${taken.missing} needs a value\n`);
    return 2;
  }
  Object.assign(process.env, taken.env);
  return runCommand(name, await entry.load(), taken.rest);
}

tolerateClosedStdout();
main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`s1mig: ${message.split('\n')[0]}\n`);
    process.exitCode = exitStatusOf(err);
  },
);

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../src/cli/command-table.js';
import { bashScript, commandWords, wordsOf, zshScript } from '../../../src/cli/completion.js';

/** What bash's completion offers for a command line (the last word is being completed). */
function complete(script: string, line: string[]): string[] {
  const words = line.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _s1mig; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('shell completion', () => {
  it('reads subcommands and the synopsis\'s options from a usage text', () => {
    const w = wordsOf('local', 'usage: s1mig local up | down | status [--json]\n\nSee kafka-tool --not-ours.');
    expect(w.verbs).toEqual(['down', 'status', 'up']);
    expect(w.options).toEqual(['--help', '--json']);
    expect(wordsOf('ma', 'usage: s1mig ma publish FILE|- | ma withdraw REFERENCE | ma show [--json]').verbs).toEqual(['publish', 'show', 'withdraw']);
  });

  it('completes commands, subcommands, options and file names in bash', async () => {
    const script = bashScript(await commandWords());
    expect(complete(script, ['s1mig', ''])).toEqual(expect.arrayContaining([...Object.keys(COMMANDS), '--help', '--version']));
    expect(complete(script, ['s1mig', 'val'])).toEqual(['validate']);
    expect(complete(script, ['s1mig', 'ma', ''])).toEqual(['publish', 'show', 'withdraw']);
    expect(complete(script, ['s1mig', 'dlq', 're'])).toEqual(['replay']);
    expect(complete(script, ['s1mig', 'validate', '--sp'])).toEqual(['--split-supply']);
    expect(complete(script, ['s1mig', 'stage', 'reset', 'splitter', '--to-'])).toEqual(['--to-datetime', '--to-earliest', '--to-latest', '--to-offset']);
    expect(complete(script, ['s1mig', 'report', 'K', '--bootstrap'])).toEqual(['--bootstrap-server']);
    expect(complete(script, ['s1mig', 'validate', 'package.js'])).toEqual(['package.json']);
  });

  it('gives every command its subcommands where it has them', async () => {
    const words = new Map((await commandWords()).map((w) => [w.name, w.verbs]));
    expect(Object.fromEntries(['local', 'topics', 'ma', 'suppliers', 'smi', 'alerts', 'dlq', 'stage', 'ref', 'schemas'].map((c) => [c, words.get(c)]))).toEqual({
      local: ['down', 'status', 'up'], topics: ['apply', 'export'], ma: ['publish', 'show', 'withdraw'], suppliers: ['publish', 'show'], smi: ['show'],
      alerts: ['export', 'tail', 'verify'], dlq: ['list', 'replay', 'show'], stage: ['reset'], ref: ['init'], schemas: ['apply'],
    });
  });

  it('wraps the same function for zsh', async () => {
    const words = await commandWords();
    expect(zshScript(words)).toContain('bashcompinit');
    expect(zshScript(words)).toContain(bashScript(words));
  });
});

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../../src/cli/command-table.js';
import { runCommand } from '../../../src/cli/run-command.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = `${root}dist/src/cli/main.js`;

/** Every command and its subcommands, with --help anywhere: usage on stdout, exit 0 (issue 12: validate, publish and schemas said "Unknown option"). */
const FORMS: Record<string, string[][]> = {
  local: [['up'], ['status']], topics: [['apply']], ref: [['init']], schemas: [['apply']], ma: [['publish'], ['withdraw'], ['show']],
  suppliers: [['publish'], ['show']], smi: [['show']], alerts: [['verify'], ['export'], ['tail']],
  validate: [['file.xml']], publish: [['a.xml', 'b.xml']], report: [['KEY']], dlq: [['list'], ['show', '0:1'], ['replay', '--all']],
};

describe('--help on every command', () => {
  afterEach(() => vi.restoreAllMocks());

  for (const [name, entry] of Object.entries(COMMANDS)) {
    it(`s1mig ${name} --help, -h, and after its subcommands`, async () => {
      const cmd = await entry.load();
      expect(cmd.usage.startsWith(`usage: s1mig ${name}`), cmd.usage).toBe(true);
      for (const before of [[], ...(FORMS[name] ?? [])]) {
        for (const flag of ['--help', '-h']) {
          let out = '';
          let err = '';
          vi.spyOn(process.stdout, 'write').mockImplementation((c: unknown) => ((out += String(c)), true));
          vi.spyOn(process.stderr, 'write').mockImplementation((c: unknown) => ((err += String(c)), true));
          const status = await runCommand(name, cmd, [...before, flag]);
          vi.restoreAllMocks();
          expect({ status, err }, `s1mig ${name} ${[...before, flag].join(' ')}`).toEqual({ status: 0, err: '' });
          expect(out).toBe(`${cmd.usage}\n`);
        }
      }
    });
  }

  it('the built CLI: --help on validate, publish and schemas, and --version / -V from package.json', () => {
    const version = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
    for (const args of [['validate', '--help'], ['publish', '-h'], ['schemas', 'apply', '--help']]) {
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: s1mig ${args[0]}`));
    }
    for (const flag of ['--version', '-V']) {
      const r = spawnSync(process.execPath, [cli, flag], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`s1mig ${version}\n`);
    }
  });
});

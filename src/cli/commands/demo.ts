import { parseArgs } from 'node:util';
import { formatStatus, localDown, localUp, resolveLocalInstance } from '../../local/index.js';
import type { CliCommand } from '../command.js';

/**
 * The README's main command. First version: bring up the local infrastructure and show
 * its status. The pipeline issue grows it into the end-to-end demo.
 */
export const command: CliCommand = {
  async run(args) {
    const { values } = parseArgs({ args, strict: true, options: { down: { type: 'boolean', default: false } } });
    const o = resolveLocalInstance();
    const log = (line: string): void => void process.stderr.write(`s1mig demo: ${line}\n`);
    const st = await localUp(o, log);
    process.stdout.write(formatStatus(st) + '\n');
    if (values.down) await localDown(o, log);
    else process.stdout.write('the local infrastructure keeps running; stop it with: npx s1mig local down\n');
    return st.healthy ? 0 : 1;
  },
};

import { parseArgs } from 'node:util';
import { initReferenceDirectory } from '../../jobs/devtools/ref-init.js';
import { errorCode } from '../../core/errors/s1mig-error.js';
import type { CliCommand } from '../command.js';

const USAGE = 'usage: s1mig ref init DIR [--force]';

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { force: { type: 'boolean' } } });
    } catch (err) {
      process.stderr.write(`s1mig ref: ${(err as Error).message.split('\n')[0]}\n`);
      return 2;
    }
    const [sub, dir, ...extra] = parsed.positionals;
    if (sub !== 'init' || dir === undefined || extra.length > 0) {
      process.stderr.write(`s1mig ref: ${USAGE}\n`);
      return 2;
    }
    try {
      const result = initReferenceDirectory(dir, { force: parsed.values.force === true });
      process.stdout.write(`reference directory written: ${result.dir} (${result.files.length} files; private keys mode 0600, development only)\n`);
      return 0;
    } catch (err) {
      if (errorCode(err) === 'USAGE') {
        process.stderr.write(`s1mig ${(err as Error).message}\n`);
        return 2;
      }
      throw err;
    }
  },
};

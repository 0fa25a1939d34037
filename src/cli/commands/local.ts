import { parseArgs } from 'node:util';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { formatStatus, localDown, localStatus, localUp, resolveLocalInstance, LOCAL_ENV_VARS } from '../../adapters/local/index.js';
import type { CliCommand } from '../command.js';

const USAGE = `usage: s1mig local up | down | status [--json]

Starts, stops or shows this instance's real Kafka (KRaft, single node) and Schema Registry
(Apicurio, Confluent API), both on 127.0.0.1. Environment:
${Object.entries(LOCAL_ENV_VARS).map(([k, v]) => `  ${k.padEnd(26)} ${v}`).join('\n')}`;

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true,
      options: { json: { type: 'boolean', default: false } } });
    const [action, ...extra] = positionals;
    if (extra.length > 0 || !['up', 'down', 'status'].includes(action ?? '')) {
      throw new S1migError('USAGE', `expected 'local up', 'local down' or 'local status'`);
    }
    const o = resolveLocalInstance();
    const log = (line: string): void => void process.stderr.write(`s1mig local: ${line}\n`);
    if (action === 'down') {
      await localDown(o, log);
      return 0;
    }
    const st = action === 'up' ? await localUp(o, log) : await localStatus(o);
    process.stdout.write((values.json ? JSON.stringify(st, null, 2) : formatStatus(st)) + '\n');
    return action === 'status' && !st.healthy ? 1 : 0;
  },
};

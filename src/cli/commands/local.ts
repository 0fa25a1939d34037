import { parseArgs } from 'node:util';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { formatStatus, localDown, localStatus, localUp, resolveLocalInstance, LOCAL_ENV_VARS } from '../../adapters/local/index.js';
import type { CliCommand } from '../command.js';

const USAGE = `usage: s1mig local up | down | status [--json] [--brokers 1|3]

Starts, stops or shows this instance's real Kafka (KRaft) and Schema Registry (Apicurio,
Confluent API), all on 127.0.0.1. \`up --brokers 3\` makes a three-node cluster (each node a
broker and a controller; internal topics and the product's topics replicated 3 ways, min ISR
2) for fault tests; the default is one node. The count is recorded in the data folder:
\`status\`, \`down\`, a later \`up\` and every command's local default follow it. Environment:
${Object.entries(LOCAL_ENV_VARS).map(([k, v]) => `  ${k.padEnd(26)} ${v}`).join('\n')}`;

/** `--brokers` as given: a whole number, checked against what an instance can be by resolveLocalInstance. */
function brokersOption(raw: string | undefined, action: string): number | undefined {
  if (raw === undefined) return undefined;
  if (action !== 'up') throw new S1migError('USAGE', `--brokers goes with 'local up' only (down and status follow the instance's record)`);
  if (!/^[0-9]{1,3}$/.test(raw)) throw new S1migError('USAGE', `--brokers must be 1 or 3, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true,
      options: { json: { type: 'boolean', default: false }, brokers: { type: 'string' } } });
    const [action, ...extra] = positionals;
    if (extra.length > 0 || !['up', 'down', 'status'].includes(action ?? '')) {
      throw new S1migError('USAGE', `expected 'local up', 'local down' or 'local status'`);
    }
    const o = resolveLocalInstance(process.env, process.cwd(), { brokers: brokersOption(values.brokers, action!) });
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

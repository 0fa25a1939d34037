import { parseArgs } from 'node:util';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { applySchemas } from '../../adapters/registry/schemas.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';

const USAGE = `usage: s1mig schemas apply [--config FILE] [--json]

Registers the Avro value schemas of avro/ under the topics' subjects (BACKWARD
compatibility); an incompatible change is refused by the registry. \`topics apply\` does this
too unless --no-schemas.`;

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true,
      options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
    if (positionals.length !== 1 || positionals[0] !== 'apply') throw new S1migError('USAGE', `expected 'schemas apply'\n${USAGE}`);
    const config = await connectedConfig(values.config);
    const plan = topicPlan(loadTopicDefinitions(), config.topics);
    const schemas = await applySchemas(createRegistry(config), plan);
    if (values.json) process.stdout.write(JSON.stringify(schemas, null, 2) + '\n');
    else for (const s of schemas) process.stdout.write(`${s.subject}  id ${s.id} (${s.schema}.avsc)\n`);
    return 0;
  },
};

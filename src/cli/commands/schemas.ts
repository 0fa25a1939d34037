import { parseArgs } from 'node:util';
import { loadConfig } from '../../adapters/config/config.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { applySchemas } from '../../adapters/registry/schemas.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import type { CliCommand } from '../command.js';

export const command: CliCommand = {
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true,
      options: { config: { type: 'string' }, json: { type: 'boolean', default: false } } });
    if (positionals.length !== 1 || positionals[0] !== 'apply') throw new S1migError('USAGE', `expected 'schemas apply [--config FILE] [--json]'`);
    const config = loadConfig({ file: values.config });
    const plan = topicPlan(loadTopicDefinitions(), config.topics);
    const schemas = await applySchemas(createRegistry(config), plan);
    if (values.json) process.stdout.write(JSON.stringify(schemas, null, 2) + '\n');
    else for (const s of schemas) process.stdout.write(`${s.subject}  id ${s.id} (${s.schema}.avsc)\n`);
    return 0;
  },
};

import { parseArgs } from 'node:util';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import { createKafka } from '../../adapters/kafka/client.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { applySchemas } from '../../adapters/registry/schemas.js';
import { applyTopics, assertNoRefusal } from '../../adapters/topics/apply.js';
import { loadConfig } from '../../adapters/config/config.js';
import { strimziTopics } from '../../adapters/topics/strimzi.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';

const USAGE = `usage: s1mig topics apply [--force] [--dry-run] [--no-schemas] [--config FILE] [--json]
       s1mig topics export --format strimzi [--cluster NAME] [--config FILE]

apply:   creates or reconciles the topics of topics/topics.json (with the configured prefix
         and the profile's replication), then registers the Avro value schemas of avro/
         (BACKWARD).
export:  prints the same topics as Strimzi KafkaTopic resources (YAML, one document each)
         for a cluster whose Topic Operator manages topics; --cluster is the Kafka
         resource's name (label strimzi.io/cluster, default "kafka"). Set the profile
         (S1MIG_PROFILE=production: 3 replicas, min ISR 2) as for apply. Needs no broker.`;

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      force: { type: 'boolean', default: false }, 'dry-run': { type: 'boolean', default: false },
      'no-schemas': { type: 'boolean', default: false }, config: { type: 'string' }, json: { type: 'boolean', default: false },
      format: { type: 'string' }, cluster: { type: 'string' } } });
    if (positionals.length === 1 && positionals[0] === 'export') {
      if (values.format !== 'strimzi') throw new S1migError('USAGE', `topics export: --format must be strimzi (the one format there is), got ${JSON.stringify(values.format)}`);
      const cluster = values.cluster ?? 'kafka';
      if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(cluster)) throw new S1migError('USAGE', `topics export: --cluster must be a Kubernetes resource name, got ${JSON.stringify(cluster)}`);
      const config = loadConfig({ file: values.config });
      process.stdout.write(strimziTopics(topicPlan(loadTopicDefinitions(), config.topics), cluster));
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'apply') throw new S1migError('USAGE', `expected 'topics apply' or 'topics export --format strimzi'\n${USAGE}`);
    const config = await connectedConfig(values.config);
    const plan = topicPlan(loadTopicDefinitions(), config.topics);
    const admin = createKafka(config, 'admin').admin();
    try {
      await admin.connect();
      const changes = await applyTopics(admin, plan, { force: values.force, dryRun: values['dry-run'] });
      const schemas = values['no-schemas'] || values['dry-run'] ? [] : await applySchemas(createRegistry(config), plan);
      if (values.json) process.stdout.write(JSON.stringify({ topics: changes, schemas }, null, 2) + '\n');
      else {
        for (const c of changes) process.stdout.write(`${c.action.padEnd(16)} ${c.topic}  ${c.detail}\n`);
        for (const s of schemas) process.stdout.write(`${'schema'.padEnd(16)} ${s.subject}  id ${s.id} (${s.schema}.avsc)\n`);
      }
      assertNoRefusal(changes);
      return 0;
    } catch (cause) {
      if (errorCode(cause) !== undefined) throw cause;
      throw new S1migError('KAFKA_UNAVAILABLE', `topics apply failed: ${(cause as Error).message} (brokers ${config.kafka.brokers.join(',')})`, { cause });
    } finally {
      await admin.disconnect();
    }
  },
};

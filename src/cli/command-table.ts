/** Every command of the CLI, loaded on first use (a command's imports cost only when it runs). */
import type { CliCommand } from './command.js';

export interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<CliCommand>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  demo: { summary: 'run the main job on the local default infrastructure', load: async () => (await import('./commands/demo.js')).command },
  local: { summary: 'local infrastructure: up | down | status', load: async () => (await import('./commands/local.js')).command },
  topics: { summary: 'topics apply: create or reconcile the topics in topics/', load: async () => (await import('./commands/topics.js')).command },
  validate: { summary: 'validate an MCF file offline against a reference directory', load: async () => (await import('./commands/validate.js')).command },
  ref: { summary: 'ref init DIR: create a development reference directory', load: async () => (await import('./commands/ref.js')).command },
  gen: { summary: 'generate a signed, realistic MCF file', load: async () => (await import('./commands/gen.js')).command },
  publish: { summary: 'publish MCF files as chunks on the input topic', load: async () => (await import('./commands/publish.js')).command },
  run: { summary: 'run the stream processor (all stages, or --stages ...)', load: async () => (await import('./commands/run.js')).command },
  schemas: { summary: 'schemas apply: register the Avro schemas in avro/', load: async () => (await import('./commands/schemas.js')).command },
  ma: { summary: 'ma publish FILE | withdraw REFERENCE | show: Migration Authorisations', load: async () => (await import('./commands/inputs.js')).maCommand },
  suppliers: { summary: 'suppliers publish FILE | show: the supplier directory', load: async () => (await import('./commands/inputs.js')).suppliersCommand },
  smi: { summary: 'smi show DEVICE_ID: a device\'s Smart Metering Inventory record and history', load: async () => (await import('./commands/smi.js')).command },
  alerts: { summary: 'alerts verify [FILE ...] | export --out DIR | tail: the signed S1SP alerts', load: async () => (await import('./commands/alerts.js')).command },
  status: { summary: 'status: consumer groups and lag per stage, dead letters, files still emitting, enrolment starts per SMSO and day', load: async () => (await import('./commands/status.js')).command },
  dlq: { summary: 'dlq list | show ID | replay ID...|--all: the dead letters, and their replay to their origin topic, once', load: async () => (await import('./commands/dlq.js')).command },
  stage: { summary: 'stage reset STAGE --to-...: move a stage\'s consumer group (dry run unless --execute)', load: async () => (await import('./commands/stage.js')).command },
  report: { summary: 'report FILE_KEY|FILE_ID: a file\'s report from the pipeline\'s topics', load: async () => (await import('./commands/report.js')).command },
};

export function usage(): string {
  const lines = ['usage: s1mig <command> [options]', '       s1mig --version | -V', '       s1mig <command> --help', '       s1mig completion bash | zsh   (source <(s1mig completion bash))', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', 'connection options, for every command that talks to Kafka (over the configuration):',
    '  --bootstrap-server HOST:PORT[,HOST:PORT]  the brokers (S1MIG_KAFKA_BROKERS)',
    '  --command-config FILE                     the configuration file (S1MIG_CONFIG, as --config)',
    '  --schema-registry-url URL                 the Schema Registry (S1MIG_REGISTRY_URL)');
  return lines.join('\n');
}

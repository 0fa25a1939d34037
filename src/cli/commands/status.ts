import { parseArgs } from 'node:util';
import { createKafka } from '../../adapters/kafka/client.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { readStatus, type StatusReport } from '../../jobs/status/read-status.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';

const USAGE = `usage: s1mig status [--json] [--config FILE]

What the pipeline is doing, read from Kafka: each stage's consumer group (state, members,
lag per input partition: the partition's end minus the group's committed offset, so a
partition written by transactions shows 1 for the commit marker when caught up), the
records on the dead-letter topic, the accepted files whose emission is not complete, and
the installations started per SMSO and migration day (last 7 days in the text form).`;

function text(r: StatusReport): string {
  const lines: string[] = [];
  const table = (rows: string[][]): void => {
    const widths = rows[0]!.map((_, k) => Math.max(...rows.map((row) => row[k]!.length)));
    for (const row of rows) lines.push(row.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ').trimEnd());
  };
  table([['stage', 'group state', 'members', 'lag', 'lag by partition'],
    ...r.stages.map((s) => [s.stage, s.state, String(s.members), String(s.lag), s.partitions.map((p) => `${p.partition}:${p.lag}`).join(' ')])]);
  lines.push('', `dead letters: ${r.deadLetters}`);
  lines.push(`files: ${r.files.accepted} accepted, ${r.files.rejectedUploads} rejected uploads, ${r.files.emitting.length} still emitting`);
  for (const f of r.files.emitting) lines.push(`  ${f.fileKey}: ${f.emittedInstallations} of ${f.installations} installations emitted`);
  const days = [...new Set(r.enrolmentDays.map((d) => d.day))].slice(0, 7);
  if (days.length > 0) {
    lines.push('', 'enrolment: installations started per migration day');
    table([['day', 'smso', 'started'], ...r.enrolmentDays.filter((d) => days.includes(d.day)).map((d) => [d.day, d.smso, String(d.started)])]);
  }
  return `${lines.join('\n')}\n`;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      config: { type: 'string' }, json: { type: 'boolean', default: false },
    } });
    if (positionals.length > 0) throw new S1migError('USAGE', `status takes no arguments\n${USAGE}`);
    const config = await connectedConfig(values.config);
    const plan = topicPlan(loadTopicDefinitions(), config.topics);
    const kafka = createKafka(config, 'status');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const r = await readStatus({ kafka, admin, registry: createRegistry(config), plan, prefix: config.topics.prefix });
      process.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : text(r));
      return 0;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};

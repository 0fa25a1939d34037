import { parseArgs } from 'node:util';
import { createKafka } from '../../adapters/kafka/client.js';
import { loadTopicDefinitions, topicName, topicPlan } from '../../adapters/topics/definitions.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { STAGES, type StageName } from '../../pipeline/processor.js';
import { resetStageOffsets, type ResetPlan, type ResetTarget } from '../../jobs/stage/reset-offsets.js';
import { connectedConfig } from '../../jobs/connect.js';
import type { CliCommand } from '../command.js';

const USAGE = `usage: s1mig stage reset STAGE (--to-earliest | --to-latest | --to-datetime ISO-8601 | --to-offset N)
                         [--partition P[,P...]] [--execute] [--json] [--config FILE]

Moves the consumer group of STAGE (${STAGES.join(', ')}) on its input topic, like
kafka-consumer-groups --reset-offsets. Without --execute it only prints the plan (each
partition: the committed offset and the new one). --execute applies it, and is refused
while any processor runs the stage (stop them all first; \`s1mig status\` shows members).
--to-offset is clamped to each partition's retained range. Read docs/operations.md,
"Resetting a stage", for what a reset replays or skips, before using it.`;

function target(v: { 'to-earliest'?: boolean; 'to-latest'?: boolean; 'to-datetime'?: string; 'to-offset'?: string }): ResetTarget {
  const chosen = [v['to-earliest'] === true, v['to-latest'] === true, v['to-datetime'] !== undefined, v['to-offset'] !== undefined].filter(Boolean).length;
  if (chosen !== 1) throw new S1migError('USAGE', `give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset\n${USAGE}`);
  if (v['to-earliest']) return { kind: 'earliest' };
  if (v['to-latest']) return { kind: 'latest' };
  if (v['to-datetime'] !== undefined) {
    const atMs = Date.parse(v['to-datetime']);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v['to-datetime']) || Number.isNaN(atMs)) {
      throw new S1migError('USAGE', `--to-datetime must be an ISO-8601 time with its zone (2026-12-07T09:00:00Z), got ${JSON.stringify(v['to-datetime'])}`);
    }
    return { kind: 'datetime', atMs };
  }
  const text = v['to-offset']!;
  if (!/^(0|[1-9][0-9]{0,18})$/.test(text)) throw new S1migError('USAGE', `--to-offset must be a whole number, got ${JSON.stringify(text)}`);
  return { kind: 'offset', offset: BigInt(text) };
}

function partitions(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((p) => p.trim());
  if (list.some((p) => !/^(0|[1-9][0-9]{0,4})$/.test(p))) throw new S1migError('USAGE', `--partition must be partition numbers separated by commas, got ${JSON.stringify(text)}`);
  return [...new Set(list.map(Number))].sort((a, b) => a - b);
}

function render(p: ResetPlan): string {
  const lines = [`${p.executed ? 'reset' : 'plan (dry run; --execute applies it)'}: group ${p.group} (${p.state}, ${p.members} member(s)) on ${p.topic}`,
    'partition  committed  new offset'];
  for (const m of p.moves) lines.push(`${String(m.partition).padStart(9)}  ${(m.from ?? '-').padStart(9)}  ${m.to.padStart(10)}`);
  return `${lines.join('\n')}\n`;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      'to-earliest': { type: 'boolean' }, 'to-latest': { type: 'boolean' }, 'to-datetime': { type: 'string' }, 'to-offset': { type: 'string' },
      partition: { type: 'string' }, execute: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, config: { type: 'string' },
    } });
    const [verb, stage, ...rest] = positionals;
    if (verb !== 'reset' || stage === undefined || rest.length > 0) throw new S1migError('USAGE', `expected 'stage reset STAGE'\n${USAGE}`);
    if (!(STAGES as readonly string[]).includes(stage)) throw new S1migError('USAGE', `unknown stage ${JSON.stringify(stage)}; the stages are ${STAGES.join(', ')}`);
    const to = target(values);
    const only = partitions(values.partition);
    const config = await connectedConfig(values.config);
    const plan = topicPlan(loadTopicDefinitions(), config.topics);
    const admin = createKafka(config, 'stage-reset').admin();
    await admin.connect();
    try {
      const result = await resetStageOffsets(admin, config.topics.prefix, (t) => topicName(plan, t), {
        stage: stage as StageName, target: to, execute: values.execute === true, ...(only ? { partitions: only } : {}) });
      process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : render(result));
      return 0;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};

import { parseArgs } from 'node:util';
import { createKafka } from '../../adapters/kafka/client.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { listDeadLetters, replayDeadLetters, type DeadLetterRecord, type DlqDeps } from '../../jobs/dlq/dead-letters.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';

const USAGE = `usage: s1mig dlq list [--stage STAGE] [--json] [--config FILE]
       s1mig dlq show ID [--json] [--config FILE]
       s1mig dlq replay ID... | --all [--stage STAGE] [--config FILE]

list:    every dead letter (ID = <partition>:<offset> on the DLQ topic) with its stage,
         reason, origin (topic:partition:offset), when, and whether it was replayed.
show:    one letter: the above, its headers, its key, and its value (length and the first
         256 bytes in hex).
replay:  after the cause is fixed, writes the chosen letters back to their origin topic and
         partition (original key, value and headers, plus s1mig-replay-of), exactly once:
         a letter already replayed is skipped and said so. --all: every letter not replayed
         yet (of --stage STAGE only, if given).`;

const printable = (b: Buffer | null): string => (b === null ? '(none)' : /^[\x20-\x7e]*$/.test(b.toString('latin1')) ? b.toString('latin1') : `hex ${b.toString('hex')}`);

function json(l: DeadLetterRecord, full: boolean): unknown {
  return {
    id: l.id, stage: l.stage, reason: l.reason, origin: l.origin, deadAt: new Date(l.deadAtMs).toISOString(),
    replayedAt: l.replayedAtMs === null ? null : new Date(l.replayedAtMs).toISOString(),
    ...(full ? { key: l.key?.toString('base64') ?? null, valueBytes: l.value?.length ?? 0, value: l.value?.toString('base64') ?? null,
      headers: Object.fromEntries(Object.entries(l.headers).map(([k, v]) => [k, printable(v)])) } : {}),
  };
}

function line(l: DeadLetterRecord): string {
  const when = new Date(l.deadAtMs).toISOString();
  return `${l.id.padEnd(8)} ${l.stage.padEnd(10)} ${`${l.origin.topic}:${l.origin.partition}:${l.origin.offset}`.padEnd(40)} ${when}  ${l.replayedAtMs === null ? 'not replayed' : `replayed ${new Date(l.replayedAtMs).toISOString()}`}  ${l.reason}`;
}

export const command: CliCommand = {
  usage: USAGE,
  async run(args) {
    const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
      config: { type: 'string' }, json: { type: 'boolean', default: false }, stage: { type: 'string' }, all: { type: 'boolean', default: false },
    } });
    const [verb, ...ids] = positionals;
    if (verb !== 'list' && verb !== 'show' && verb !== 'replay') throw new S1migError('USAGE', `expected 'dlq list', 'dlq show ID' or 'dlq replay ID...'\n${USAGE}`);
    for (const id of ids) if (!/^[0-9]+:[0-9]+$/.test(id)) throw new S1migError('USAGE', `'${id}' is not a dead letter ID (<partition>:<offset>, as dlq list shows)`);
    if (verb === 'show' && ids.length !== 1) throw new S1migError('USAGE', `expected 'dlq show ID'\n${USAGE}`);
    if (verb === 'replay' && (ids.length === 0) === !values.all) throw new S1migError('USAGE', `expected 'dlq replay ID...' or 'dlq replay --all'\n${USAGE}`);
    if (verb === 'list' && ids.length > 0) throw new S1migError('USAGE', `expected 'dlq list'\n${USAGE}`);
    const config = await connectedConfig(values.config);
    const kafka = createKafka(config, 'dlq');
    const admin = kafka.admin();
    await admin.connect();
    const d: DlqDeps = { kafka, admin, plan: topicPlan(loadTopicDefinitions(), config.topics), prefix: config.topics.prefix };
    try {
      const letters = (await listDeadLetters(d)).filter((l) => values.stage === undefined || l.stage === values.stage);
      if (verb === 'list') {
        process.stdout.write(values.json ? `${JSON.stringify(letters.map((l) => json(l, false)), null, 2)}\n`
          : `${letters.length} dead letters${letters.length === 0 ? '' : `\n${letters.map(line).join('\n')}`}\n`);
        return 0;
      }
      if (verb === 'show') {
        const l = letters.find((x) => x.id === ids[0]);
        if (l === undefined) {
          process.stderr.write(`s1mig dlq show: no dead letter ${ids[0]}\n`);
          return 1;
        }
        if (values.json) process.stdout.write(`${JSON.stringify(json(l, true), null, 2)}\n`);
        else {
          process.stdout.write(`${line(l)}\nkey: ${printable(l.key)}\nheaders:\n${Object.entries(l.headers).map(([k, v]) => `  ${k}: ${printable(v)}`).join('\n') || '  (none)'}\n`);
          process.stdout.write(`value: ${l.value?.length ?? 0} bytes${l.value === null ? '' : `, first ${Math.min(256, l.value.length)} in hex: ${l.value.subarray(0, 256).toString('hex')}`}\n`);
        }
        return 0;
      }
      const chosen = values.all ? letters.filter((l) => l.replayedAtMs === null).map((l) => l.id) : ids;
      const r = await replayDeadLetters(d, chosen);
      for (const l of r.replayed) process.stdout.write(`replayed ${l.id} to ${l.origin.topic}:${l.origin.partition}\n`);
      for (const l of r.alreadyReplayed) process.stdout.write(`already replayed ${l.id} (${new Date(l.replayedAtMs!).toISOString()}): skipped\n`);
      process.stdout.write(`${r.replayed.length} replayed, ${r.alreadyReplayed.length} already replayed\n`);
      return 0;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};

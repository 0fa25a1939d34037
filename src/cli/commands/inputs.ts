import { parseArgs } from 'node:util';
import { createKafka } from '../../adapters/kafka/client.js';
import { createRegistry } from '../../adapters/registry/client.js';
import { loadTopicDefinitions, topicPlan } from '../../adapters/topics/definitions.js';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import type { MigrationAuthorisation, SupplierEntry } from '../../core/inputs/authorisations.js';
import { INPUT_KINDS, publishInputFile, withdrawAuthorisation, type InputKind, type PublishInputsDeps } from '../../jobs/inputs/publish-inputs.js';
import { recordCodec } from '../../pipeline/codecs.js';
import { readCompactedTable } from '../../pipeline/tables/compacted-table.js';
import type { EnrolmentStateRecord } from '../../pipeline/records.js';
import { laterStateRow } from '../../pipeline/enrolment/tables.js';
import { NO_USAGE, type MaUsage } from '../../core/enrolment/quantity.js';
import type { CliCommand } from '../command.js';
import { connectedConfig } from '../../jobs/connect.js';
import { inputPath } from '../../adapters/fs/stream-input.js';

const USAGE = {
  ma: `usage: s1mig ma publish FILE|- | ma withdraw REFERENCE | ma show [REFERENCE] [--json] [--config FILE]

publish:  validates a Migration Authorisation CSV (reference,supplier,smso,migrationDate,
          requested,committed) and publishes every row to the MA topic in one transaction;
          a file with any bad line is refused whole (every bad line listed, exit 2).
withdraw: publishes a tombstone for REFERENCE.
show:     the MA table as the topic holds it, with what each MA has used (committed and
          excess installations started and not given back by a failure).`,
  suppliers: `usage: s1mig suppliers publish FILE|- | suppliers show [--json] [--config FILE]

publish:  validates a supplier directory CSV (supplier,duisVersion,name) and publishes every
          row in one transaction; a file with any bad line is refused whole (exit 2).
show:     the directory as the topic holds it.`,
} as const;

function inputsCommand(kind: InputKind): CliCommand {
  return {
    usage: USAGE[kind],
    async run(args) {
      const { positionals, values } = parseArgs({ args, allowPositionals: true, strict: true, options: {
        config: { type: 'string' }, json: { type: 'boolean', default: false },
      } });
      const [verb, arg, ...rest] = positionals;
      const verbs = kind === 'ma' ? ['publish', 'withdraw', 'show'] : ['publish', 'show'];
      if (verb === undefined || !verbs.includes(verb) || rest.length > 0 || ((verb === 'publish' || verb === 'withdraw') && arg === undefined)) {
        throw new S1migError('USAGE', `expected ${verbs.map((v) => `'${kind} ${v}'`).join(', ')}\n${USAGE[kind]}`);
      }
      const config = await connectedConfig(values.config);
      const plan = topicPlan(loadTopicDefinitions(), config.topics);
      const kafka = createKafka(config, `${kind}-${verb}`);
      const registry = createRegistry(config);
      const deps = { kafka, registry, plan, prefix: config.topics.prefix };
      try {
        if (verb === 'publish') {
          const input = await inputPath(arg!);
          const r = await publishInputFile(deps, kind, input.path).finally(() => input.dispose());
          if (!r.ok) {
            for (const p of r.problems) process.stderr.write(`${arg}:${p.line}: ${p.message}\n`);
            process.stderr.write(`s1mig ${kind} publish: ${arg} refused, ${new Set(r.problems.map((p) => p.line)).size} bad line(s); nothing published\n`);
            return 2;
          }
          process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${arg}: ${r.records} record(s) published to ${r.topic}\n`);
          return 0;
        }
        if (verb === 'withdraw') {
          await withdrawAuthorisation(deps, arg!);
          process.stdout.write(values.json ? `${JSON.stringify({ withdrawn: arg })}\n` : `MA ${arg} withdrawn\n`);
          return 0;
        }
        return await show(kind, deps, arg, values.json === true);
      } catch (cause) {
        if (errorCode(cause) !== undefined) throw cause;
        throw new S1migError('KAFKA_UNAVAILABLE', `${kind} ${verb} failed: ${(cause as Error).message} (brokers ${config.kafka.brokers.join(',')})`, { cause });
      }
    },
  };
}

async function show(kind: InputKind, deps: PublishInputsDeps, only: string | undefined, json: boolean): Promise<number> {
  const codec = await recordCodec<MigrationAuthorisation | SupplierEntry>(deps.registry, deps.plan, INPUT_KINDS[kind].topic);
  const rows = await readCompactedTable(deps.kafka, { topic: codec.topic, groupStem: `${deps.prefix}${kind}-show`, decode: (v) => codec.decode(v) });
  const used = kind === 'ma' ? await maUsage(deps) : new Map<string, MaUsage>();
  const list = [...rows.entries()].filter(([k]) => only === undefined || k === only).sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => (kind === 'ma' ? { ...v, used: used.get(k) ?? NO_USAGE } : v));
  if (only !== undefined && list.length === 0) {
    process.stderr.write(`s1mig ${kind} show: no ${kind === 'ma' ? 'MA' : 'supplier'} ${only}\n`);
    return 1;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  const table = kind === 'ma'
    ? [['reference', 'supplier', 'smso', 'migrationDate', 'requested', 'committed', 'usedCommitted', 'usedExcess'],
      ...(list as Array<MigrationAuthorisation & { used: MaUsage }>).map((r) => [r.reference, r.supplier, r.smso, r.migrationDate, String(r.requested), String(r.committed),
        String(r.used.committedUsed), String(r.used.excessUsed)])]
    : [['supplier', 'duisVersion', 'name'], ...(list as SupplierEntry[]).map((r) => [r.supplier, r.duisVersion, r.name])];
  const widths = table[0]!.map((_, k) => Math.max(...table.map((row) => row[k]!.length)));
  for (const row of table) process.stdout.write(`${row.map((c, k) => c.padEnd(widths[k]!)).join('  ').trimEnd()}\n`);
  return 0;
}

/** What each MA has used, from the enrolment stage's state (rows ma|REFERENCE). */
async function maUsage(deps: PublishInputsDeps): Promise<Map<string, MaUsage>> {
  const codec = await recordCodec<EnrolmentStateRecord>(deps.registry, deps.plan, 'enrolment.state');
  const rows = await readCompactedTable(deps.kafka, { topic: codec.topic, groupStem: `${deps.prefix}ma-show-state`, decode: (v) => codec.decode(v),
    merge: laterStateRow });
  const out = new Map<string, MaUsage>();
  for (const [k, v] of rows.entries()) if (k.startsWith('ma|') && v.ma !== null) out.set(k.slice(3), v.ma);
  return out;
}

export const maCommand = inputsCommand('ma');
export const suppliersCommand = inputsCommand('suppliers');

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka, Message } from 'kafkajs';
import { keyPartitioner } from '../../adapters/kafka/partitioner.js';
import { topicName, type TopicPlanEntry } from '../../adapters/topics/definitions.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import type { CsvProblem } from '../../core/inputs/csv.js';
import { parseAuthorisations, parseSuppliers, type InputResult, type MigrationAuthorisation, type SupplierEntry } from '../../core/inputs/authorisations.js';
import { recordCodec } from '../../pipeline/codecs.js';

/** The reference-data inputs: what each file kind is, where it goes and under which key. */
export const INPUT_KINDS = {
  ma: { topic: 'ref.migration-authorisations', parse: parseAuthorisations, key: (r: MigrationAuthorisation) => r.reference },
  suppliers: { topic: 'ref.suppliers', parse: parseSuppliers, key: (r: SupplierEntry) => r.supplier },
} as const;
export type InputKind = keyof typeof INPUT_KINDS;

/** Published, or refused whole (enrolment.md): every bad line, nothing published. */
export type PublishOutcome =
  | { readonly ok: true; readonly topic: string; readonly records: number }
  | { readonly ok: false; readonly problems: readonly CsvProblem[] };

export interface PublishInputsDeps {
  readonly kafka: Kafka;
  readonly registry: SchemaRegistry;
  readonly plan: readonly TopicPlanEntry[];
  /** The deployment's topic prefix, for the transactional id. */
  readonly prefix: string;
  readonly now?: () => number;
}

async function readText(path: string): Promise<string> {
  try {
    const buf = await readFile(path);
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch (err) {
    if ((err as { name?: string }).name === 'TypeError') throw new S1migError('INPUT_UNREADABLE', `${path} is not valid UTF-8`, { cause: err });
    throw new S1migError('INPUT_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Validates a whole file, then publishes all its records in one transaction, so a reader
 * (read_committed) sees all of them or none: a file with a bad line, or a publish that
 * fails half-way, changes nothing.
 */
export async function publishInputFile(deps: PublishInputsDeps, kind: InputKind, path: string): Promise<PublishOutcome> {
  const spec = INPUT_KINDS[kind];
  const parsed = (spec.parse as (t: string) => InputResult<MigrationAuthorisation | SupplierEntry>)(await readText(path));
  if (!parsed.ok) return parsed;
  const now = (deps.now ?? Date.now)();
  const codec = await recordCodec<Record<string, unknown>>(deps.registry, deps.plan, spec.topic);
  const messages: Message[] = [];
  for (const r of parsed.records) {
    messages.push({ key: (spec.key as (x: typeof r) => string)(r), value: await codec.encode({ ...r, publishedAtMs: now }) });
  }
  await transactional(deps, async (send) => send(codec.topic, messages));
  return { ok: true, topic: codec.topic, records: messages.length };
}

/** Withdraws an MA: a tombstone under its reference. */
export async function withdrawAuthorisation(deps: PublishInputsDeps, reference: string): Promise<void> {
  const topic = topicName(deps.plan, INPUT_KINDS.ma.topic);
  await transactional(deps, async (send) => send(topic, [{ key: reference, value: null }]));
}

async function transactional(deps: PublishInputsDeps, fill: (send: (topic: string, messages: Message[]) => Promise<void>) => Promise<void>): Promise<void> {
  const producer = deps.kafka.producer({
    transactionalId: `${deps.prefix}inputs-${randomBytes(6).toString('hex')}`, idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner,
  });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    try {
      await fill(async (topic, messages) => void (await tx.send({ topic, messages })));
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * `s1mig dlq list | show | replay`: the dead letters as an operator needs them, and their
 * replay to the topic they came from after a fix, exactly once: the copies and a marker per
 * replayed letter (compacted topic dlq.replays, keyed by the letter's partition:offset) go
 * in one transaction, and the markers are read again once the transaction has begun (its
 * transactional id fences any earlier replayer), so a letter is never replayed twice.
 */
import type { Admin, IHeaders, Kafka, KafkaMessage, Message } from 'kafkajs';
import { keyPartitioner } from '../../adapters/kafka/partitioner.js';
import { topicName, type TopicPlanEntry } from '../../adapters/topics/definitions.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { DLQ_HEADERS, lastHeaderValue } from '../../pipeline/dlq.js';
import { readTopicsToEnd } from '../../pipeline/tables/topic-reader.js';

/** The header a replayed record carries: `<dlq topic>:<partition>:<offset>` of its letter. */
export const REPLAY_HEADER = 's1mig-replay-of';

export interface DeadLetterRecord {
  /** `<partition>:<offset>` on the DLQ topic. */
  readonly id: string;
  readonly stage: string;
  readonly reason: string;
  readonly origin: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly deadAtMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The record's own headers, without the DLQ ones. */
  readonly headers: Readonly<Record<string, Buffer>>;
  /** When it was replayed, or null. */
  readonly replayedAtMs: number | null;
}

export interface DlqDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly plan: readonly TopicPlanEntry[];
  readonly prefix: string;
}

const DLQ_NAMES = new Set<string>(Object.values(DLQ_HEADERS));

function header(h: IHeaders | undefined, name: string): string {
  const one = lastHeaderValue(h?.[name]);
  return one === undefined ? '' : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

function toLetter(partition: number, m: KafkaMessage, replayed: ReadonlyMap<string, number>): DeadLetterRecord {
  const id = `${partition}:${m.offset}`;
  const own: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const one = DLQ_NAMES.has(k) ? undefined : lastHeaderValue(v);
    if (one !== undefined) own[k] = Buffer.isBuffer(one) ? one : Buffer.from(one);
  }
  return {
    id, stage: header(m.headers, DLQ_HEADERS.stage), reason: header(m.headers, DLQ_HEADERS.reason),
    origin: { topic: header(m.headers, DLQ_HEADERS.topic), partition: Number(header(m.headers, DLQ_HEADERS.partition)), offset: header(m.headers, DLQ_HEADERS.offset) },
    deadAtMs: Number(m.timestamp), key: m.key, value: m.value, headers: own, replayedAtMs: replayed.get(id) ?? null,
  };
}

/** Replay markers: letter id to when it was replayed. */
async function readReplays(d: DlqDeps): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await readTopicsToEnd(d.kafka, d.admin, [topicName(d.plan, 'dlq.replays')], (_t, _p, m) => {
    if (m.key === null) return;
    if (m.value === null) out.delete(m.key.toString());
    else out.set(m.key.toString(), (JSON.parse(m.value.toString()) as { replayedAtMs: number }).replayedAtMs);
  }, { groupStem: `${d.prefix}dlq-replays` });
  return out;
}

/** Every dead letter, in partition and offset order, with whether it was replayed. */
export async function listDeadLetters(d: DlqDeps): Promise<DeadLetterRecord[]> {
  const replayed = await readReplays(d);
  const out: DeadLetterRecord[] = [];
  await readTopicsToEnd(d.kafka, d.admin, [topicName(d.plan, 'dlq')], (_t, p, m) => void out.push(toLetter(p, m, replayed)), { groupStem: `${d.prefix}dlq-list` });
  return out.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

export interface ReplayResult {
  readonly replayed: readonly DeadLetterRecord[];
  readonly alreadyReplayed: readonly DeadLetterRecord[];
}

/** Replays the chosen letters (ids) to their origin topic and partition, once each. */
export async function replayDeadLetters(d: DlqDeps, ids: readonly string[]): Promise<ReplayResult> {
  const letters = await listDeadLetters(d);
  const byId = new Map(letters.map((l) => [l.id, l]));
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length > 0) throw new S1migError('USAGE', `no dead letter ${unknown.join(', ')} on ${topicName(d.plan, 'dlq')} (\`s1mig dlq list\` shows them)`);
  // One transactional id for every replayer of this prefix: a second one fences the first.
  const producer = d.kafka.producer({ transactionalId: `${d.prefix}dlq-replay`, idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
  await producer.connect();
  try {
    // The first transaction initialises the transactional id, which fences an earlier replayer
    // and ends its open transaction; only then are the markers read again, so what they say is final.
    const tx = await producer.transaction();
    const replayed = await readReplays(d);
    const chosen = ids.map((id) => byId.get(id)!);
    const todo = chosen.filter((l) => !replayed.has(l.id));
    const already = chosen.filter((l) => replayed.has(l.id)).map((l) => ({ ...l, replayedAtMs: replayed.get(l.id)! }));
    if (todo.length === 0) {
      await tx.abort().catch(() => undefined);
      return { replayed: [], alreadyReplayed: already };
    }
    const dlqTopic = topicName(d.plan, 'dlq');
    const now = Date.now();
    const byTopic = new Map<string, Message[]>();
    for (const l of todo) {
      if (l.origin.topic === '' || !Number.isInteger(l.origin.partition)) throw new S1migError('USAGE', `dead letter ${l.id} names no origin topic and partition`);
      const list = byTopic.get(l.origin.topic) ?? [];
      list.push({ key: l.key, value: l.value, partition: l.origin.partition, headers: { ...l.headers, [REPLAY_HEADER]: `${dlqTopic}:${l.id}` } });
      byTopic.set(l.origin.topic, list);
    }
    const markers: Message[] = todo.map((l) => ({ key: l.id, value: JSON.stringify({ replayedAtMs: now, to: `${l.origin.topic}:${l.origin.partition}` }) }));
    try {
      await tx.sendBatch({ topicMessages: [...[...byTopic].map(([topic, messages]) => ({ topic, messages })), { topic: topicName(d.plan, 'dlq.replays'), messages: markers }] });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      throw err;
    }
    return { replayed: todo.map((l) => ({ ...l, replayedAtMs: now })), alreadyReplayed: already };
  } finally {
    await producer.disconnect();
  }
}

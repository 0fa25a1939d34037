/**
 * `s1mig status`: what an operator asks first, read from Kafka alone (like
 * kafka-consumer-groups --describe): each stage's consumer group with its lag per
 * partition, the dead letters, the files whose emission is not complete, and the enrolment
 * starts per SMSO and migration day.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { topicName, type TopicPlanEntry } from '../../adapters/topics/definitions.js';
import { recordCodec } from '../../pipeline/codecs.js';
import { laterStateRow } from '../../pipeline/enrolment/tables.js';
import { groupIdFor } from '../../pipeline/processor.js';
import type { EnrolmentStateRecord, FileResultRecord } from '../../pipeline/records.js';
import { readCompactedTable } from '../../pipeline/tables/compacted-table.js';

/** Each stage's group reads one topic. */
export const STAGE_INPUTS = { splitter: 'mcf.chunks', validator: 'mcf.device-events', enrolment: 'enrolment.lanes' } as const;

export interface PartitionLag {
  readonly partition: number;
  /** The group's committed offset, or null before its first commit. */
  readonly committed: string | null;
  /** The partition's end (high watermark; transaction markers included). */
  readonly end: string;
  readonly lag: number;
}

export interface StageStatus {
  readonly stage: keyof typeof STAGE_INPUTS;
  readonly group: string;
  /** Stable, PreparingRebalance, CompletingRebalance, Empty, Dead or Unknown. */
  readonly state: string;
  readonly members: number;
  readonly topic: string;
  readonly lag: number;
  readonly partitions: readonly PartitionLag[];
}

export interface StatusReport {
  readonly stages: readonly StageStatus[];
  /** Records on the dead-letter topic (its retention applies). */
  readonly deadLetters: number;
  readonly files: { readonly accepted: number; readonly rejectedUploads: number; readonly emitting: ReadonlyArray<{ fileKey: string; emittedInstallations: number; installations: number }> };
  /** Installations started per SMSO and migration day, newest day first. */
  readonly enrolmentDays: ReadonlyArray<{ smso: string; day: string; started: number }>;
}

export interface StatusDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly registry: SchemaRegistry;
  readonly plan: readonly TopicPlanEntry[];
  readonly prefix: string;
}

async function stageStatus(d: StatusDeps, stage: keyof typeof STAGE_INPUTS): Promise<StageStatus> {
  const group = groupIdFor({ topics: { prefix: d.prefix } }, stage);
  const topic = topicName(d.plan, STAGE_INPUTS[stage]);
  const [described, committed, ends] = await Promise.all([
    d.admin.describeGroups([group]),
    d.admin.fetchOffsets({ groupId: group, topics: [topic] }),
    d.admin.fetchTopicOffsets(topic),
  ]);
  const g = described.groups[0];
  const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  const partitions = ends.sort((a, b) => a.partition - b.partition).map((e) => {
    const c = byPartition.get(e.partition);
    const from = c === undefined || BigInt(c) < 0n ? null : c;
    const lag = Number(BigInt(e.high) - BigInt(from ?? e.low));
    return { partition: e.partition, committed: from, end: e.high, lag: Math.max(0, lag) };
  });
  return { stage, group, state: g?.state ?? 'Unknown', members: g?.members.length ?? 0, topic, lag: partitions.reduce((n, p) => n + p.lag, 0), partitions };
}

export async function readStatus(d: StatusDeps): Promise<StatusReport> {
  const stages = await Promise.all((Object.keys(STAGE_INPUTS) as Array<keyof typeof STAGE_INPUTS>).map((s) => stageStatus(d, s)));
  const dlq = await d.admin.fetchTopicOffsets(topicName(d.plan, 'dlq'));
  const deadLetters = dlq.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
  const filesCodec = await recordCodec<FileResultRecord>(d.registry, d.plan, 'mcf.files');
  const files = await readCompactedTable(d.kafka, { topic: filesCodec.topic, groupStem: `${d.prefix}status-files`, decode: (v) => filesCodec.decode(v) });
  let accepted = 0;
  let rejectedUploads = 0;
  const emitting: Array<{ fileKey: string; emittedInstallations: number; installations: number }> = [];
  for (const [, f] of files.entries()) {
    if (f.status === 'rejected') {
      rejectedUploads++;
      continue;
    }
    accepted++;
    if (!f.emissionComplete) emitting.push({ fileKey: f.fileKey, emittedInstallations: f.emittedInstallations, installations: f.installations });
  }
  const stateCodec = await recordCodec<EnrolmentStateRecord>(d.registry, d.plan, 'enrolment.state');
  const state = await readCompactedTable(d.kafka, { topic: stateCodec.topic, groupStem: `${d.prefix}status-state`, decode: (v) => stateCodec.decode(v), merge: laterStateRow });
  const enrolmentDays: Array<{ smso: string; day: string; started: number }> = [];
  for (const [key, row] of state.entries()) {
    const [kind, smso, day] = key.split('|');
    if (kind === 'day' && smso !== undefined && day !== undefined && row.day !== null) enrolmentDays.push({ smso, day, started: row.day.started });
  }
  enrolmentDays.sort((a, b) => b.day.localeCompare(a.day) || a.smso.localeCompare(b.smso));
  emitting.sort((a, b) => a.fileKey.localeCompare(b.fileKey));
  return { stages, deadLetters, files: { accepted, rejectedUploads, emitting }, enrolmentDays };
}

/**
 * `s1mig stage reset`: moves a stage's consumer group to other offsets of its input topic,
 * as kafka-consumer-groups --reset-offsets does: a plan first (dry run), applied only with
 * `execute`, and only while no member of the group runs (a running member would commit its
 * own offsets over ours, and a transactional stage's in-flight transaction with them).
 */
import type { Admin } from 'kafkajs';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { groupIdFor, type StageName } from '../../pipeline/processor.js';
import { STAGE_INPUTS } from '../status/read-status.js';

export type ResetTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'datetime'; readonly atMs: number }
  | { readonly kind: 'offset'; readonly offset: bigint };

export interface PartitionMove {
  readonly partition: number;
  /** The group's committed offset, or null before its first commit (or after it expired). */
  readonly from: string | null;
  readonly to: string;
}

export interface ResetPlan {
  readonly stage: StageName;
  readonly group: string;
  readonly topic: string;
  /** Stable, Empty, Dead...: execution needs Empty or Dead (no member). */
  readonly state: string;
  readonly members: number;
  readonly moves: readonly PartitionMove[];
  readonly executed: boolean;
}

export interface ResetRequest {
  readonly stage: StageName;
  readonly target: ResetTarget;
  /** Only these partitions (default all). */
  readonly partitions?: readonly number[];
  readonly execute: boolean;
}

const clamp = (x: bigint, low: bigint, high: bigint): bigint => (x < low ? low : x > high ? high : x);

export async function resetStageOffsets(admin: Admin, prefix: string, topicOf: (logical: string) => string, r: ResetRequest): Promise<ResetPlan> {
  const group = groupIdFor({ topics: { prefix } }, r.stage);
  const topic = topicOf(STAGE_INPUTS[r.stage as keyof typeof STAGE_INPUTS]);
  const [described, committed, ends] = await Promise.all([
    admin.describeGroups([group]),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
    admin.fetchTopicOffsets(topic),
  ]);
  const g = described.groups[0];
  const state = g?.state ?? 'Unknown';
  const members = g?.members.length ?? 0;
  const all = ends.map((e) => e.partition).sort((a, b) => a - b);
  const wanted = r.partitions ?? all;
  const unknown = wanted.filter((p) => !all.includes(p));
  if (unknown.length > 0) throw new S1migError('USAGE', `${topic} has partitions ${all.join(', ')}; no partition ${unknown.join(', ')}`);
  const byTime = r.target.kind === 'datetime' ? await admin.fetchTopicOffsetsByTimestamp(topic, r.target.atMs) : [];
  const current = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset) < 0n ? null : p.offset]));
  const moves: PartitionMove[] = wanted.map((partition) => {
    const e = ends.find((x) => x.partition === partition)!;
    const low = BigInt(e.low);
    const high = BigInt(e.high);
    let to: bigint;
    switch (r.target.kind) {
      case 'earliest': to = low; break;
      case 'latest': to = high; break;
      // The first offset at or after the time; the end when nothing is that recent.
      case 'datetime': { const o = byTime.find((x) => x.partition === partition)?.offset; to = o === undefined || BigInt(o) < 0n ? high : BigInt(o); break; }
      case 'offset': to = clamp(r.target.offset, low, high); break;
    }
    return { partition, from: current.get(partition) ?? null, to: to.toString() };
  });
  if (!r.execute) return { stage: r.stage, group, topic, state, members, moves, executed: false };
  if (members > 0 || !(state === 'Empty' || state === 'Dead')) {
    throw new S1migError('USAGE', `group ${group} is ${state} with ${members} member(s): stop every processor running the ${r.stage} stage first (s1mig status shows them)`);
  }
  await admin.setOffsets({ groupId: group, topic, partitions: moves.map((m) => ({ partition: m.partition, offset: m.to })) });
  return { stage: r.stage, group, topic, state, members, moves, executed: true };
}

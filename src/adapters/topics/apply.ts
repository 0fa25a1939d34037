import type { Admin } from 'kafkajs';
import { ConfigResourceTypes } from '../kafka/kafkajs.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import type { TopicPlanEntry } from './definitions.js';

export interface TopicChange {
  topic: string;
  action: 'created' | 'unchanged' | 'partitions-added' | 'configs-updated' | 'refused' | 'warning';
  detail: string;
}

export interface ApplyOptions {
  /** Allow adding partitions to a keyed topic (moves keys between partitions). */
  force?: boolean;
  /** Report what would change without changing anything. */
  dryRun?: boolean;
}

/**
 * Creates missing topics and reconciles existing ones with the definitions: partitions can
 * only grow (and for keyed topics only with `force`), configs are set to the definition's
 * values. Replication factor is reported, never changed (that needs a reassignment plan).
 */
export async function applyTopics(admin: Admin, plan: readonly TopicPlanEntry[], options: ApplyOptions = {}): Promise<TopicChange[]> {
  const changes: TopicChange[] = [];
  const existing = new Set(await admin.listTopics());
  const missing = plan.filter((p) => !existing.has(p.topic));
  if (missing.length > 0) {
    if (!options.dryRun) {
      await admin.createTopics({
        // kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which KRaft answers for a
        // moment after creation; waitForTopics below retries it.
        waitForLeaders: false,
        topics: missing.map((p) => ({
          topic: p.topic,
          numPartitions: p.partitions,
          replicationFactor: p.replicationFactor,
          configEntries: Object.entries(p.configs).map(([name, value]) => ({ name, value })),
        })),
      });
    }
    if (!options.dryRun) await waitForTopics(admin, missing.map((p) => p.topic));
    for (const p of missing) changes.push({ topic: p.topic, action: 'created', detail: `${p.partitions} partitions, replication ${p.replicationFactor}` });
  }
  const present = plan.filter((p) => existing.has(p.topic));
  if (present.length === 0) return changes;
  const meta = await admin.fetchTopicMetadata({ topics: present.map((p) => p.topic) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((p) => ({ type: ConfigResourceTypes.TOPIC, name: p.topic, configNames: Object.keys(p.configs) })),
  });
  for (const p of present) {
    const m = meta.topics.find((t) => t.name === p.topic);
    const current = m?.partitions.length ?? 0;
    const rf = m?.partitions[0]?.replicas.length ?? 0;
    let changed = false;
    if (rf !== p.replicationFactor) {
      changes.push({ topic: p.topic, action: 'warning', detail: `replication factor is ${rf}, the profile asks for ${p.replicationFactor}: change it with a partition reassignment` });
    }
    if (current > p.partitions) {
      changes.push({ topic: p.topic, action: 'warning', detail: `has ${current} partitions, more than the ${p.partitions} defined; Kafka cannot shrink a topic` });
    } else if (current < p.partitions) {
      if (p.keyed && !options.force) {
        changes.push({ topic: p.topic, action: 'refused', detail: `keyed topic: growing ${current} -> ${p.partitions} partitions moves keys; rerun with --force when the topic is drained` });
      } else {
        if (!options.dryRun) await admin.createPartitions({ topicPartitions: [{ topic: p.topic, count: p.partitions }] });
        changes.push({ topic: p.topic, action: 'partitions-added', detail: `${current} -> ${p.partitions}` });
        changed = true;
      }
    }
    const res = described.resources.find((r) => r.resourceName === p.topic);
    const diff = Object.entries(p.configs).filter(([name, value]) => res?.configEntries.find((e) => e.configName === name)?.configValue !== value);
    if (diff.length > 0) {
      // kafkajs' alterConfigs is not incremental: send the full defined set so nothing defined is lost.
      if (!options.dryRun) {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: p.topic, configEntries: Object.entries(p.configs).map(([name, value]) => ({ name, value })) }],
        });
      }
      changes.push({ topic: p.topic, action: 'configs-updated', detail: diff.map(([k, v]) => `${k}=${v}`).join(', ') });
      changed = true;
    }
    if (!changed && !changes.some((c) => c.topic === p.topic)) changes.push({ topic: p.topic, action: 'unchanged', detail: `${current} partitions` });
  }
  return changes;
}

const RETRY_UNTIL_KNOWN = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION']);

/** Waits until every topic is known and each of its partitions has a leader. */
export async function waitForTopics(admin: Admin, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
      if (meta.topics.length === topics.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (!RETRY_UNTIL_KNOWN.has(String((err as { type?: unknown }).type))) throw err;
    }
    if (Date.now() > deadline) throw new S1migError('KAFKA_UNAVAILABLE', `topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function assertNoRefusal(changes: readonly TopicChange[]): void {
  const refused = changes.filter((c) => c.action === 'refused');
  if (refused.length > 0) throw new S1migError('TOPIC_CONFLICT', refused.map((c) => `${c.topic}: ${c.detail}`).join('; '));
}

/**
 * The bench's Kafka side: the local instance (reused when healthy, started otherwise) and
 * throw-away topics under a fresh prefix, so that runs never see each other's files, groups
 * or transactional ids, and nothing is left behind on a shared broker.
 */
import type { Admin, Kafka } from 'kafkajs';
import { loadConfig, type S1migConfig } from '../../src/adapters/config/config.js';
import { createKafka } from '../../src/adapters/kafka/client.js';
import { localDown, localStatus, localUp, resolveLocalInstance } from '../../src/adapters/local/index.js';
import { createRegistry } from '../../src/adapters/registry/client.js';
import { applySchemas } from '../../src/adapters/registry/schemas.js';
import { applyTopics, assertNoRefusal } from '../../src/adapters/topics/apply.js';
import { loadTopicDefinitions, topicPlan, type TopicPlanEntry } from '../../src/adapters/topics/definitions.js';

export interface Infra {
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** Whether the bench started the local instance (then it stops it at the end). */
  readonly startedLocal: boolean;
  close(): Promise<void>;
}

export interface BenchTopics {
  readonly prefix: string;
  readonly config: Readonly<S1migConfig>;
  readonly plan: readonly TopicPlanEntry[];
  /** Extra topics made by the bench itself (the pass-through copy). */
  readonly extra: string[];
}

export async function openInfra(log: (s: string) => void): Promise<Infra> {
  const local = resolveLocalInstance();
  const config = loadConfig();
  let startedLocal = false;
  if (config.profile === 'local' && !(await localStatus(local)).healthy) {
    log(`local instance ${local.dataDir} is not running: starting it`);
    await localUp(local, log);
    startedLocal = true;
  }
  const kafka = createKafka(config, 'bench');
  const admin = kafka.admin();
  await admin.connect();
  return {
    kafka,
    admin,
    startedLocal,
    async close() {
      await admin.disconnect().catch(() => undefined);
      if (startedLocal) {
        log('stopping the local instance the bench started');
        await localDown(local, log);
      }
    },
  };
}

/** Config of the processor child and of the bench's clients for one prefix. */
export function configFor(prefix: string): Readonly<S1migConfig> {
  return loadConfig({ env: { ...process.env, S1MIG_TOPIC_PREFIX: prefix } });
}

/** Creates the topics of topics/topics.json (their partition counts) under `prefix` and registers the schemas. */
export async function createBenchTopics(infra: Infra, prefix: string): Promise<BenchTopics> {
  const config = configFor(prefix);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  assertNoRefusal(await applyTopics(infra.admin, plan));
  await applySchemas(createRegistry(config), plan);
  return { prefix, config, plan, extra: [] };
}

/** Best effort: topics, consumer groups and schema subjects of one prefix. */
export async function deleteBenchTopics(infra: Infra, t: BenchTopics, groups: readonly string[], log: (s: string) => void): Promise<void> {
  const topics = [...t.plan.map((p) => p.topic), ...t.extra];
  await infra.admin.deleteGroups([...groups]).catch(() => undefined);
  await infra.admin.deleteTopics({ topics, timeout: 30_000 }).catch((err: unknown) => log(`deleting ${t.prefix}* failed: ${(err as Error).message}`));
  for (const p of t.plan) {
    if (!p.valueSchema) continue;
    // The registry keeps subjects after their topic is gone: soft delete, then permanent.
    const url = `${t.config.registry.url}/subjects/${encodeURIComponent(`${p.topic}-value`)}`;
    await fetch(url, { method: 'DELETE' }).catch(() => undefined);
    await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
  }
}

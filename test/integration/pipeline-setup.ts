import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initReferenceDirectory } from '../../src/jobs/devtools/ref-init.js';
import { generateMcf, type GenerateOptions } from '../../src/jobs/gen/generate.js';
import { createRegistry } from '../../src/adapters/registry/client.js';
import { applySchemas } from '../../src/adapters/registry/schemas.js';
import { applyTopics } from '../../src/adapters/topics/apply.js';
import { loadTopicDefinitions, topicName, topicPlan, type TopicPlanEntry } from '../../src/adapters/topics/definitions.js';
import type { KafkaMessage } from 'kafkajs';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { readTopicsToEnd } from '../../src/pipeline/tables/topic-reader.js';
import { Resources, testConfig } from './helpers.js';

/**
 * A pipeline test world: random-prefixed topics and schemas, a fresh dev reference directory.
 * `env` points it at another instance than the global one (a test's own cluster).
 */
export async function pipelineWorld(partitions?: Partial<Record<string, number>>, env: NodeJS.ProcessEnv = process.env) {
  const config = testConfig(env);
  const res = new Resources(config);
  const plan: TopicPlanEntry[] = topicPlan(loadTopicDefinitions(), config.topics).map((p) => ({ ...p, partitions: partitions?.[p.name] ?? p.partitions }));
  res.registerTopics(plan.map((p) => p.topic));
  await applyTopics(await res.getAdmin(), plan);
  const registry = createRegistry(config);
  await applySchemas(registry, plan);
  const dir = mkdtempSync(join(tmpdir(), 's1mig-it-'));
  // Generated files and the reference directory go with the world (a few MB per test file).
  res.onClose(async () => rmSync(dir, { recursive: true, force: true }));
  const refDir = join(dir, 'ref');
  initReferenceDirectory(refDir);
  const gen = async (name: string, opts: Partial<GenerateOptions> & { installations: number }) =>
    generateMcf({ refDir, smso: 'MDS', seed: name, purpose: 'EarlyValidation', out: join(dir, `${name}.xml`), fileId: name, ...opts });
  /** Publishes an MCF as `s1mig publish` does (64 KiB chunks, a producer of its own); returns its file key. */
  const publish = async (file: string): Promise<string> => {
    const producer = res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      return (await publishMcf(producer, topicName(plan, 'mcf.chunks'), file, { chunkSize: 64 * 1024 })).fileKey;
    } finally {
      await producer.disconnect();
    }
  };
  /** Every committed record of a topic up to its end now, read by a fresh read_committed reader. */
  const readToEnd = async (topic: string): Promise<KafkaMessage[]> => {
    const got: KafkaMessage[] = [];
    await readTopicsToEnd(res.kafka, await res.getAdmin(), [topic], (_t, _p, m) => void got.push(m), { groupStem: `${config.topics.prefix}it-reader`, timeoutMs: 60_000 });
    return got;
  };
  return { config, res, plan, registry, dir, refDir, gen, publish, readToEnd };
}

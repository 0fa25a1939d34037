import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { projectDir } from '../project-dir.js';

export interface TopicDefinition {
  /** Name without the configured prefix. */
  name: string;
  description: string;
  partitions: number;
  keyed: boolean;
  /** Avro schema file in avro/ (without .avsc) for the record values, if any. */
  valueSchema?: string;
  configs: Record<string, string>;
}

export interface TopicPlanEntry extends TopicDefinition {
  /** Full name with prefix. */
  topic: string;
  replicationFactor: number;
}

export function loadTopicDefinitions(path = join(projectDir(), 'topics', 'topics.json')): TopicDefinition[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new S1migError('CONFIG_INVALID', `cannot read topic definitions ${path}`, { cause });
  }
  const topics = (raw as { topics?: unknown }).topics;
  if (!Array.isArray(topics)) throw new S1migError('CONFIG_INVALID', `${path}: 'topics' must be an array`);
  return topics.map((t: Record<string, unknown>, i) => {
    const where = `${path} topics[${i}]`;
    if (typeof t['name'] !== 'string' || !/^[A-Za-z0-9._-]+$/.test(t['name'])) throw new S1migError('CONFIG_INVALID', `${where}.name is invalid`);
    if (!Number.isInteger(t['partitions']) || (t['partitions'] as number) < 1) throw new S1migError('CONFIG_INVALID', `${where}.partitions must be a positive integer`);
    if (typeof t['keyed'] !== 'boolean') throw new S1migError('CONFIG_INVALID', `${where}.keyed must be a boolean`);
    const configs = (t['configs'] ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(configs)) if (typeof v !== 'string') throw new S1migError('CONFIG_INVALID', `${where}.configs.${k} must be a string`);
    return {
      name: t['name'],
      description: typeof t['description'] === 'string' ? t['description'] : '',
      partitions: t['partitions'] as number,
      keyed: t['keyed'],
      ...(typeof t['valueSchema'] === 'string' ? { valueSchema: t['valueSchema'] } : {}),
      configs: configs as Record<string, string>,
    };
  });
}

/** Applies the prefix and the profile's replication settings to the definitions. */
export function topicPlan(defs: TopicDefinition[], t: { prefix: string; replicationFactor: number; minInsyncReplicas: number }): TopicPlanEntry[] {
  return defs.map((d) => ({
    ...d,
    topic: `${t.prefix}${d.name}`,
    replicationFactor: t.replicationFactor,
    configs: { 'min.insync.replicas': String(t.minInsyncReplicas), ...d.configs },
  }));
}

export function topicName(plan: readonly TopicPlanEntry[], name: string): string {
  const e = plan.find((p) => p.name === name);
  if (!e) throw new S1migError('INTERNAL', `no topic '${name}' in topics/topics.json`);
  return e.topic;
}

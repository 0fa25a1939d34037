import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTopicDefinitions, topicPlan } from '../../../../src/adapters/topics/definitions.js';
import { resourceName, strimziTopics } from '../../../../src/adapters/topics/strimzi.js';

const cli = fileURLToPath(new URL('../../../../dist/src/cli/main.js', import.meta.url));

/** Reads back the subset of YAML the export writes: `key: value` lines, two-space nesting, JSON-quoted scalars. */
function parseDocument(doc: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const stack: Array<{ indent: number; node: Record<string, unknown> }> = [{ indent: -1, node: root }];
  for (const line of doc.split('\n').filter((l) => l.trim() !== '')) {
    const indent = line.length - line.trimStart().length;
    const m = /^("(?:[^"\\]|\\.)*"|[A-Za-z0-9./_-]+):(?: (.*))?$/.exec(line.trim());
    if (m === null) throw new Error(`not a line the export writes: ${line}`);
    while (stack[stack.length - 1]!.indent >= indent) stack.pop();
    const key = m[1]!.startsWith('"') ? (JSON.parse(m[1]!) as string) : m[1]!;
    const parent = stack[stack.length - 1]!.node;
    if (m[2] === undefined) {
      const child: Record<string, unknown> = {};
      parent[key] = child;
      stack.push({ indent, node: child });
    } else parent[key] = JSON.parse(m[2]) as unknown;
  }
  return root;
}

describe('topics export --format strimzi (issue 12)', () => {
  it('writes one KafkaTopic per topic with the plan\'s name, partitions, replicas and configs', () => {
    const plan = topicPlan(loadTopicDefinitions(), { prefix: 's1mig.', replicationFactor: 3, minInsyncReplicas: 2 });
    const docs = strimziTopics(plan, 'prod-kafka').trimEnd().split('\n---\n').map(parseDocument);
    expect(docs).toHaveLength(plan.length);
    docs.forEach((d, k) => {
      const t = plan[k]!;
      expect(d).toMatchObject({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaTopic', metadata: { name: t.topic, labels: { 'strimzi.io/cluster': 'prod-kafka' } },
        spec: { topicName: t.topic, partitions: t.partitions, replicas: 3, config: { ...t.configs, 'min.insync.replicas': '2' } } });
    });
    expect(resourceName('Prod_S1MIG.mcf.chunks')).toBe('prod-s1mig.mcf.chunks');
  });

  it('runs from the CLI without a broker, with the production profile\'s replication', () => {
    const r = spawnSync(process.execPath, [cli, 'topics', 'export', '--format', 'strimzi', '--cluster', 'c1'], { encoding: 'utf8', env: { ...process.env, S1MIG_PROFILE: 'production', S1MIG_KAFKA_BROKERS: '127.0.0.1:1', S1MIG_REGISTRY_URL: 'http://127.0.0.1:1' } });
    expect(r.status, r.stderr).toBe(0);
    const docs = r.stdout.trimEnd().split('\n---\n').map(parseDocument) as Array<{ spec: { replicas: number; config: Record<string, string> } }>;
    expect(docs.length).toBe(loadTopicDefinitions().length);
    expect(docs.every((d) => d.spec.replicas === 3 && d.spec.config['min.insync.replicas'] === '2')).toBe(true);
    expect(spawnSync(process.execPath, [cli, 'topics', 'export', '--format', 'helm'], { encoding: 'utf8' }).status).toBe(2);
  });
});

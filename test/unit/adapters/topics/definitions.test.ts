import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadTopicDefinitions, topicName, topicPlan } from '../../../../src/adapters/topics/definitions.js';

describe('topic definitions', () => {
  const defs = loadTopicDefinitions();

  it('define the pipeline topics, keyed where keys matter', () => {
    expect(defs.map((d) => d.name)).toEqual(['mcf.chunks', 'mcf.files', 'mcf.device-events', 'mcf.installation-outcomes', 'mcf.installation-devices', 'ref.migration-authorisations', 'ref.suppliers', 'dlq', 'dlq.replays', 'enrolment.lanes', 'enrolment.state', 'smi', 'alerts']);
    expect(defs.find((d) => d.name === 'mcf.chunks')?.configs['message.timestamp.type']).toBe('LogAppendTime');
    expect(defs.find((d) => d.name === 'mcf.files')?.configs['cleanup.policy']).toBe('compact');
    expect(defs.filter((d) => d.keyed).length).toBe(12);
    for (const name of ['ref.migration-authorisations', 'ref.suppliers', 'dlq.replays', 'enrolment.state', 'smi']) expect(defs.find((d) => d.name === name)?.configs['cleanup.policy']).toBe('compact');
  });

  it('name an Avro schema that exists for every value schema', () => {
    for (const d of defs) if (d.valueSchema) expect(existsSync(new URL(`../../../../avro/${d.valueSchema}.avsc`, import.meta.url))).toBe(true);
  });

  it('take prefix and replication from the profile', () => {
    const plan = topicPlan(defs, { prefix: 'x.', replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicName(plan, 'dlq')).toBe('x.dlq');
    expect(plan.every((p) => p.replicationFactor === 3 && p.configs['min.insync.replicas'] === '2')).toBe(true);
    expect(() => topicName(plan, 'nope')).toThrow(/no topic/);
  });
});

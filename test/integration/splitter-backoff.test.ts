import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { PipelineMetrics } from '../../src/adapters/metrics/pipeline-metrics.js';
import type { FileResultRecord } from '../../src/pipeline/records.js';
import { createSplitterStage } from '../../src/pipeline/splitter/splitter-stage.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { loadReference } from '../../src/core/reference/index.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

/**
 * Regression (audit, issues 8 and 9): the splitter slept through its failure backoff
 * without heartbeating, so a backoff longer than the session timeout cost its group
 * membership (a rebalance, and a rebalance loop under repeated failures). Here one failure
 * gives a 12 s backoff against a 6 s session timeout: the member must keep its partitions
 * (one assignment only) and then finish the file.
 */
describe('the splitter\'s failure backoff on the real broker', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let stop: () => Promise<void> = async () => undefined;
  const logs: Array<{ msg: string; time: string; partitions?: number[]; fileKey?: string; installations?: number; devices?: number }> = [];
  let failed = 0;

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 2 });
    const stage = createSplitterStage({
      kafka: world.res.kafka, plan: world.plan, registry: world.registry, ref: loadReference(world.refDir),
      metrics: new PipelineMetrics(), logger: createLogger({ level: 'info', write: (line) => void logs.push(JSON.parse(line) as (typeof logs)[number]) }),
      spoolSealed: () => {
        if (failed++ === 0) throw new Error('injected failure before emission');
      },
    }, { groupId: `it-backoff-${Date.now()}`, spoolBase: world.dir, sessionTimeoutMs: 6000, retryBackoffMs: 12_000, retryBackoffMaxMs: 12_000 });
    await stage.start();
    stop = () => stage.stop();
  });
  afterAll(async () => {
    await stop();
    await world?.res.close();
  });

  it('keeps its membership through a backoff twice the session timeout, then accepts the file', async () => {
    const files = await collect(world.res, topicName(world.plan, 'mcf.files'));
    const g = await world.gen('backoff', { installations: 3 });
    const p = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await p.connect();
    world.res.onClose(() => p.disconnect());
    const t0 = Date.now();
    const pub = await publishMcf(p, topicName(world.plan, 'mcf.chunks'), g.out);
    for (;;) {
      const rs = await Promise.all(files.messages.map(async (m) => (await world.registry.decode(m.value!)) as FileResultRecord));
      if (rs.some((r) => r.fileKey === pub.fileKey && r.emissionComplete)) break;
      if (Date.now() - t0 > 90_000) throw new Error('file not accepted');
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(failed).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(11_000);
    const failures = logs.filter((l) => l.msg === 'batch failed; replaying from the committed offset');
    expect(failures, JSON.stringify(logs.filter((l) => l.msg !== "file result"), null, 0)).toHaveLength(1);
    // No rejoin from the failure to the end of its backoff: the membership was never lost.
    // (A rejoin at start-up, before the file, is the group settling, not this.)
    const failedAt = Date.parse(failures[0]!.time);
    const assignments = logs.filter((l) => l.msg === 'partitions assigned');
    const during = assignments.filter((l) => Date.parse(l.time) >= failedAt && Date.parse(l.time) <= failedAt + 12_500);
    expect(during, JSON.stringify(assignments)).toEqual([]);
    // One info line for the verdict and one when the file's last device event is written (issue 12).
    for (let i = 0; i < 50 && !logs.some((l) => l.msg === 'file emitted'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(logs.filter((l) => l.msg === 'file emitted').map((l) => [l.fileKey, l.installations])).toEqual([[pub.fileKey, 3]]);
  });
});

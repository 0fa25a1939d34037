/**
 * The retry of work whose spool the disk refused (issue 13), on the stage runtime with a fake
 * Kafka: a stage that spools an upload of four chunks as the splitter does (the commit floor
 * at its first chunk while it is open, a VerifiedSpool with the disk seam, SpoolHealth on a
 * failure) must commit nothing while the disk refuses, drop the half-written spool, go back
 * to the committed offset with a doubling backoff, and finish the upload once when the disk
 * is back.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { VerifiedSpool } from '../../../../src/adapters/fs/verified-spool.js';
import { createLogger } from '../../../../src/adapters/log/logger.js';
import { PipelineMetrics } from '../../../../src/adapters/metrics/pipeline-metrics.js';
import type { PartitionContext, PartitionedStage } from '../../../../src/pipeline/runtime/stage.js';
import { startStageRuntime } from '../../../../src/pipeline/runtime/stage-runtime.js';
import { SPOOL_BACK_MESSAGE, SPOOL_DOWN_MESSAGE, SpoolHealth } from '../../../../src/pipeline/splitter/spool-health.js';
import { FaultPlan } from '../../../support/spool-fault.js';
import { FakeKafka } from '../runtime/fake-kafka.js';

const dir = mkdtempSync(join(tmpdir(), 's1mig-spool-retry-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Upload {
  first: bigint | null;
  spool: VerifiedSpool | null;
}

const CHUNKS = 4;

describe('a spool refused by its disk, on the stage runtime', () => {
  it('commits nothing past the upload while the disk refuses, removes the half-written spool, backs off doubling, and finishes once when the disk is back', async () => {
    const fake = new FakeKafka();
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'info', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    const metrics = new PipelineMetrics();
    const health = new SpoolHealth(logger, metrics);
    // The third write of the first attempt fails, and the first write of the second: then the disk is back.
    const plan = new FaultPlan([{ op: 'write', errno: 'ENOSPC', skip: 2, times: 2 }]);
    let files = 0;
    const stage: PartitionedStage<Upload> = {
      name: 'splitter', inputTopic: 'in', groupId: 'g',
      consumer: { sessionTimeoutMs: 1000, heartbeatMs: 20 },
      retry: { backoffMs: 100, backoffMaxMs: 1000 },
      createState: () => ({ first: null, spool: null }),
      dropState: (s) => s.spool?.discard(),
      commitFloor: (s) => s.first,
      processBatch: async (ms: readonly KafkaMessage[], ctx: PartitionContext<Upload>) => {
        try {
          for (const m of ms) {
            const st = ctx.state;
            if (st.spool === null) {
              st.first = BigInt(m.offset);
              st.spool = VerifiedSpool.create(join(dir, `${++files}.mcf`), plan.hook);
            }
            st.spool.write(m.value!);
            if (Number(m.offset) === CHUNKS - 1) {
              st.spool.seal();
              health.ok();
              let bytes = 0;
              for await (const b of st.spool.read()) bytes += b.length;
              st.spool.discard();
              st.spool = null;
              st.first = null;
              await ctx.commit([{ topic: 'out', messages: [{ value: String(bytes) }] }], BigInt(m.offset) + 1n);
            }
          }
        } catch (err) {
          health.failed(err);
          throw err;
        }
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    };
    const rt = await startStageRuntime({ kafka: fake.asKafka(), metrics, logger, dlqTopic: 'dlq' }, stage);
    const offsets = Array.from({ length: CHUNKS }, (_, i) => i);

    const t1 = Date.now();
    await fake.deliver(0, offsets);
    expect(Date.now() - t1).toBeGreaterThanOrEqual(90);
    const t2 = Date.now();
    await fake.deliver(0, offsets);
    expect(Date.now() - t2, 'the backoff doubles').toBeGreaterThanOrEqual(190);
    // Nothing committed while the disk refused, both attempts went back to the upload's first chunk.
    expect(fake.transactions.filter((t) => t.result === 'committed')).toEqual([]);
    expect(fake.committed.get(0)).toBeUndefined();
    expect(fake.seeks).toEqual([{ partition: 0, offset: '0' }, { partition: 0, offset: '0' }]);
    expect(fake.resolved).toEqual([]);
    expect(readdirSync(dir), 'the half-written spools are gone').toEqual([]);
    expect(plan.fired.map((f) => f.errno)).toEqual(['ENOSPC', 'ENOSPC']);

    await fake.deliver(0, offsets);
    expect(fake.transactions.filter((t) => t.result === 'committed')).toEqual([{ messages: [{ topic: 'out', n: 1 }], offsets: '4', result: 'committed' }]);
    expect(fake.committed.get(0)).toBe('4');
    expect(readdirSync(dir)).toEqual([]);

    const failed = lines.filter((l) => l.msg === 'batch failed; replaying from the committed offset');
    expect(failed.map((l) => [(l.error as { code: string }).code, (l.error as { retriable: boolean }).retriable, l.backoffMs])).toEqual([['SPOOL_UNAVAILABLE', true, 100], ['SPOOL_UNAVAILABLE', true, 200]]);
    expect(lines.filter((l) => l.msg === SPOOL_DOWN_MESSAGE)).toHaveLength(1);
    expect(lines.filter((l) => l.msg === SPOOL_BACK_MESSAGE)).toEqual([expect.objectContaining({ failures: 2 })]);
    expect((await metrics.spoolErrors.get()).values.find((v) => v.labels.errno === 'ENOSPC')?.value).toBe(2);
    await rt.stop();
  });
});

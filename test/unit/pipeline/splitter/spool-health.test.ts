import { describe, expect, it } from 'vitest';
import { spoolDiskError } from '../../../../src/adapters/fs/spool-disk.js';
import { createLogger } from '../../../../src/adapters/log/logger.js';
import { PipelineMetrics } from '../../../../src/adapters/metrics/pipeline-metrics.js';
import { S1migError } from '../../../../src/core/errors/s1mig-error.js';
import { SPOOL_BACK_MESSAGE, SPOOL_DOWN_MESSAGE, SpoolHealth } from '../../../../src/pipeline/splitter/spool-health.js';
import { errnoError } from '../../../support/spool-fault.js';

const DIR = '/srv/spool/s1mig-spool-Xy12ab';

function world() {
  const lines: Array<Record<string, unknown>> = [];
  const metrics = new PipelineMetrics();
  let t = 1_000;
  const health = new SpoolHealth(createLogger({ level: 'info', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) }), metrics, () => t);
  const count = async (errno: string): Promise<number> => (await metrics.spoolErrors.get()).values.find((v) => v.labels.errno === errno)?.value ?? NaN;
  return { lines, metrics, health, count, tick: (ms: number) => (t += ms) };
}

describe('SpoolHealth: what the splitter tells about its spool disk (issue 13)', () => {
  it('exports every errno at 0 from the start, so the alert has a series before the first failure', async () => {
    const { count } = world();
    for (const errno of ['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EIO', 'ENOENT']) expect(await count(errno)).toBe(0);
  });

  it('logs one clear line when the disk starts refusing, counts every refusal, and one line when an upload is spooled whole again', async () => {
    const { lines, health, count, tick } = world();
    const full = spoolDiskError(errnoError('ENOSPC', 'write', `${DIR}/1.mcf`), DIR, 'write')!;
    expect(health.failed(full)).toBe(true);
    expect(health.failed(full)).toBe(true);
    expect(health.failed(full)).toBe(true);
    expect(health.unavailable).toBe(true);
    expect(await count('ENOSPC')).toBe(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error', msg: SPOOL_DOWN_MESSAGE, errno: 'ENOSPC',
      error: { code: 'SPOOL_UNAVAILABLE', retriable: true, message: `spool folder ${DIR}: cannot write to it (ENOSPC): no space left: free space on its disk` },
    });
    tick(4_500);
    health.ok();
    health.ok();
    expect(health.unavailable).toBe(false);
    expect(lines.slice(1)).toEqual([expect.objectContaining({ level: 'info', msg: SPOOL_BACK_MESSAGE, errno: 'ENOSPC', failures: 3, ms: 4_500 })]);
  });

  it('tells again when the disk refuses differently (full, then read-only)', () => {
    const { lines, health } = world();
    health.failed(spoolDiskError(errnoError('ENOSPC', 'write', DIR), DIR, 'write'));
    health.failed(spoolDiskError(errnoError('EROFS', 'create', DIR), DIR, 'create'));
    expect(lines.map((l) => [l.msg, l.errno])).toEqual([[SPOOL_DOWN_MESSAGE, 'ENOSPC'], [SPOOL_DOWN_MESSAGE, 'EROFS']]);
  });

  it('is not about any other failure: a broker, a tampered spool, an errno that is not the disk\'s', async () => {
    const { lines, health, count } = world();
    for (const err of [new S1migError('KAFKA_UNAVAILABLE', 'gone'), new S1migError('SPOOL_TAMPERED', 'changed'), Object.assign(new Error('EEXIST'), { code: 'EEXIST' }), new Error('boom')]) {
      expect(health.failed(err)).toBe(false);
    }
    expect(health.unavailable).toBe(false);
    expect(lines).toEqual([]);
    expect(await count('ENOSPC')).toBe(0);
  });
});

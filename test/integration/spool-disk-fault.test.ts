/**
 * The splitter's spool disk full or unwritable, then back (issue 13), against the real
 * broker: a processor (splitter and validator) whose spool disk refuses it at start (EROFS),
 * in the middle of a file's upload (ENOSPC, until the test "frees space"), on the retry's
 * first create (EACCES), and half-way through the emission (EIO, after events of the file
 * were committed); then, for real, its spool folder removed while it runs (a temporary-files
 * cleaner). The processor must keep running (healthy and ready, nothing dead-lettered),
 * commit nothing of the file's chunks while the disk refuses, say once what to do, count the
 * refusals in /metrics, and then finish each file exactly once: a fresh read_committed
 * reader finds every device event and every validation outcome once.
 *
 * The faults come from the SpoolFault seam at the spool's file-system boundary
 * (test/support/spool-fault.ts): CI runs as root, where permissions refuse nothing, and
 * cannot count on mounting a small tmpfs.
 */
import { readdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { groupIdFor, startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { DeviceEvent, FileResultRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { SPOOL_PREFIX } from '../../src/pipeline/splitter/splitter-stage.js';
import { SPOOL_BACK_MESSAGE, SPOOL_DOWN_MESSAGE } from '../../src/pipeline/splitter/spool-health.js';
import { FaultPlan } from '../support/spool-fault.js';
import { decodeAll, repeated } from './processor-runner.js';
import { pipelineWorld } from './pipeline-setup.js';

type Line = { msg: string; level: string; errno?: string; path?: string; failures?: number; error?: { message: string; code?: string; retriable?: boolean } };

async function until(what: string, pred: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await pred());) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the splitter\'s spool disk full or unwritable, then back', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  const lines: Line[] = [];
  const plan = new FaultPlan([
    { op: 'mkdir', errno: 'EROFS', times: 1 },
    // Mid-upload: the fourth chunk's write, and every attempt after it until the disk is freed.
    { op: 'write', errno: 'ENOSPC', skip: 3, times: Infinity },
    { op: 'create', errno: 'EACCES', times: 1 },
    // Emission: block 0's events are committed, the read of block 1 fails.
    { op: 'read', errno: 'EIO', skip: 1, times: 1 },
  ]);

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 2, 'mcf.installation-outcomes': 2 });
    processor = await startProcessor(world.config, {
      stages: ['splitter', 'validator'], refDir: world.refDir, metricsPort: 0, threads: 1, spoolFault: plan.hook,
      splitter: { spoolBase: world.dir, devicesPerTransaction: 20, retryBackoffMs: 200, retryBackoffMaxMs: 1000, sessionTimeoutMs: 10_000 },
      validator: { sessionTimeoutMs: 10_000 },
    }, createLogger({ level: 'info', write: (l) => void lines.push(JSON.parse(l) as Line) }));
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  const get = async (path: string): Promise<{ status: number; text: string }> => {
    const r = await fetch(`${processor!.ops.url}${path}`);
    return { status: r.status, text: await r.text() };
  };
  const spoolErrors = async (errno: string): Promise<number> => {
    const m = new RegExp(`^s1mig_spool_errors_total\\{errno="${errno}"\\} (\\d+)$`, 'm').exec((await get('/metrics')).text);
    return m === null ? NaN : Number(m[1]);
  };
  const committedChunks = async (): Promise<string | undefined> => {
    const [t] = await (await world.res.getAdmin()).fetchOffsets({ groupId: groupIdFor(world.config, 'splitter'), topics: [topicName(world.plan, 'mcf.chunks')] });
    return t?.partitions.find((p) => p.partition === 0)?.offset;
  };
  const read = async <T>(name: string): Promise<T[]> => decodeAll<T>(world, await world.readToEnd(topicName(world.plan, name)));

  /** Every device event and validation outcome of the file, each exactly once. */
  const expectExactlyOnce = async (fileKey: string, installations: number, devices: number): Promise<void> => {
    await until(`the outcomes of ${fileKey}`, async () => (await read<InstallationOutcomeRecord>('mcf.installation-outcomes')).filter((o) => o.fileKey === fileKey).length >= installations);
    const events = (await read<DeviceEvent>('mcf.device-events')).filter((e) => e.fileKey === fileKey);
    const eventKeys = events.map((e) => `${e.installationIndex}/${e.deviceIndex}`);
    expect(repeated(eventKeys, []), 'device events written twice').toEqual({});
    expect(events).toHaveLength(devices);
    const outcomes = (await read<InstallationOutcomeRecord>('mcf.installation-outcomes')).filter((o) => o.fileKey === fileKey);
    expect(repeated(outcomes.map((o) => String(o.installationIndex)), []), 'outcomes written twice').toEqual({});
    expect(outcomes.map((o) => o.installationIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: installations }, (_, i) => i));
  };

  it('starts although its disk refuses the spool folder, and says so', async () => {
    expect(plan.current).toBe(1);
    expect(lines.filter((l) => l.msg === SPOOL_DOWN_MESSAGE)).toEqual([expect.objectContaining({ level: 'error', errno: 'EROFS', error: expect.objectContaining({ code: 'SPOOL_UNAVAILABLE' }) })]);
    expect(lines.find((l) => l.msg === SPOOL_DOWN_MESSAGE)!.error!.message).toBe(`spool folder ${world.dir}: cannot create its folder in it (EROFS): read-only file system: mount its disk read-write`);
    expect((await get('/readyz')).status).toBe(200);
    expect(await spoolErrors('EROFS')).toBe(1);
  });

  it('holds a file whose spool fills mid-upload without committing its chunks, then finishes it exactly once when the disk is back', async () => {
    const g = await world.gen('spool-full', { installations: 160 });
    const fileKey = await world.publish(g.out);

    // The disk is full: attempts fail one after the other, backing off, and nothing moves.
    await until('three refused attempts', () => plan.current === 1 && plan.refusals >= 3, 60_000);
    const offset = await committedChunks();
    expect(offset === undefined || BigInt(offset) <= 0n, `committed offset ${offset}`).toBe(true);
    expect((await read<FileResultRecord>('mcf.files')).filter((r) => r.fileKey === fileKey)).toEqual([]);
    expect((await read<DeviceEvent>('mcf.device-events')).filter((e) => e.fileKey === fileKey)).toEqual([]);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    expect(await spoolErrors('ENOSPC')).toBeGreaterThanOrEqual(3);
    // One line to act on (the retries' own lines carry the same coded error).
    const folder = lines.filter((l) => l.msg === 'spool folder').map((l) => l.path!);
    expect(folder).toHaveLength(1);
    expect(folder[0]!.startsWith(`${world.dir}/${SPOOL_PREFIX}`)).toBe(true);
    const down = lines.filter((l) => l.msg === SPOOL_DOWN_MESSAGE && l.errno === 'ENOSPC');
    expect(down).toHaveLength(1);
    expect(down[0]!.error).toEqual({ code: 'SPOOL_UNAVAILABLE', retriable: true, message: `spool folder ${folder[0]}: cannot write to it (ENOSPC): no space left: free space on its disk` });
    const retries = lines.filter((l) => l.msg === 'batch failed; replaying from the committed offset');
    expect(retries.length).toBeGreaterThanOrEqual(3);
    expect(retries.every((l) => l.error?.code === 'SPOOL_UNAVAILABLE' && l.error.retriable === true)).toBe(true);
    expect(readdirSync(folder[0]!).filter((n) => n.endsWith('.mcf')), 'half-written spools are removed').toEqual([]);

    // Space is freed; then one create is refused (EACCES) and one read half-way through the emission (EIO).
    plan.release();
    await until(`${fileKey} emitted`, async () => (await read<FileResultRecord>('mcf.files')).some((r) => r.fileKey === fileKey && r.emissionComplete));
    await expectExactlyOnce(fileKey, g.installations, g.devices);
    expect(plan.current, 'every fault of the plan was met').toBe(4);
    expect(plan.fired.map((f) => f.errno).filter((e, i, a) => a[i - 1] !== e)).toEqual(['EROFS', 'ENOSPC', 'EACCES', 'EIO']);
    // The EIO came after some of the file's events were committed: the emission resumed after them.
    const progress = (await read<FileResultRecord>('mcf.files')).filter((r) => r.fileKey === fileKey);
    expect(progress.some((r) => !r.emissionComplete && r.emittedInstallations > 0 && r.emittedInstallations < g.installations)).toBe(true);
    expect(lines.filter((l) => l.msg === SPOOL_DOWN_MESSAGE).map((l) => l.errno)).toEqual(['EROFS', 'ENOSPC', 'EACCES', 'EIO']);
    expect(lines.some((l) => l.msg === SPOOL_BACK_MESSAGE)).toBe(true);
    expect(await read('dlq')).toEqual([]);
    expect(await spoolErrors('EACCES')).toBe(1);
    expect(await spoolErrors('EIO')).toBe(1);
  }, 180_000);

  it('makes a new spool folder when its own is removed while it runs, and finishes the next file exactly once', async () => {
    const old = lines.filter((l) => l.msg === 'spool folder').at(-1)!.path!;
    rmSync(old, { recursive: true });
    const g = await world.gen('spool-gone', { installations: 12 });
    const fileKey = await world.publish(g.out);
    await until(`${fileKey} emitted`, async () => (await read<FileResultRecord>('mcf.files')).some((r) => r.fileKey === fileKey && r.emissionComplete));
    await expectExactlyOnce(fileKey, g.installations, g.devices);
    const folders = lines.filter((l) => l.msg === 'spool folder').map((l) => l.path!);
    expect(folders).toHaveLength(2);
    expect(folders[1]).not.toBe(old);
    expect(await spoolErrors('ENOENT')).toBeGreaterThanOrEqual(1);
    expect(lines.filter((l) => l.msg === SPOOL_DOWN_MESSAGE).at(-1)).toMatchObject({ errno: 'ENOENT' });
    expect(await read('dlq')).toEqual([]);
  }, 120_000);
});

/**
 * Issue 12, the runbook's "resetting a stage": `s1mig stage reset` plans, refuses while the
 * stage runs, and applies; a splitter moved back to the start replays its input without
 * writing a single device event twice (the accepted-file state makes the replay a skip).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { groupIdFor, startProcessor, type Processor } from '../../src/pipeline/processor.js';
import { readAll } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

interface Plan { executed: boolean; state: string; moves: Array<{ partition: number; from: string | null; to: string }> }

describe('s1mig stage reset on the real broker', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  const stage = (...args: string[]) => spawnSync(process.execPath, [cli, 'stage', 'reset', ...args], {
    encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix }, timeout: 60_000 });
  const start = async (): Promise<Processor> => startProcessor(world.config, { stages: ['splitter'], refDir: world.refDir, metricsPort: 0, threads: 1,
    splitter: { sessionTimeoutMs: 6000 } }, createLogger({ level: 'warn' }));
  const committed = async (): Promise<string[]> => {
    const admin = await world.res.getAdmin();
    const r = await admin.fetchOffsets({ groupId: groupIdFor(world.config, 'splitter'), topics: [topicName(world.plan, 'mcf.chunks')] });
    return r[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
  };

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 2 });
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it('plans, refuses while the stage runs, applies when stopped, and a replayed splitter writes nothing twice', async () => {
    const g = await world.gen('reset-a', { installations: 20 });
    const events = topicName(world.plan, 'mcf.device-events');
    processor = await start();
    const key = await world.publish(g.out);
    const first = await readAll(world.res, events, { expected: g.devices });
    expect(first.filter((m) => m.key?.toString().startsWith(key)).length).toBe(g.devices);

    // Running: the plan is shown, execution refused with the reason.
    const busy = stage('splitter', '--to-earliest', '--execute');
    expect(busy.status).toBe(2);
    expect(busy.stderr).toMatch(/stop every processor running the splitter stage first/);
    await processor.stop();
    processor = null;

    const before = await committed();
    expect(before.some((o) => BigInt(o) > 0n)).toBe(true);
    const dry = stage('splitter', '--to-earliest', '--json');
    expect(dry.status, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as Plan;
    expect(plan.executed).toBe(false);
    expect(plan.moves.map((m) => [m.from, m.to])).toEqual(before.map((o) => [o === '-1' ? null : o, '0']));
    expect(await committed()).toEqual(before);

    const done = stage('splitter', '--to-earliest', '--execute');
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^reset: group .*splitter \((Empty|Dead), 0 member\(s\)\)/);
    expect(await committed()).toEqual(before.map(() => '0'));

    // Replayed from the start: the upload is recognised as already emitted; no event twice.
    processor = await start();
    // Back where it was (a partition never committed before now stands at 0).
    const again = before.map((o) => (o === '-1' ? '0' : o));
    for (let i = 0; i < 120 && (await committed()).join() !== again.join(); i++) await new Promise((r) => setTimeout(r, 500));
    expect(await committed()).toEqual(again);
    const after = await readAll(world.res, events, { expected: g.devices, settleMs: 3000 });
    expect(after.filter((m) => m.key?.toString().startsWith(key)).length).toBe(g.devices);
  }, 240_000);

  it('refuses an unknown stage, a missing or double target, a bad time or partition', () => {
    expect(stage('indexer', '--to-earliest').stderr).toMatch(/unknown stage "indexer"; the stages are splitter, validator, enrolment/);
    expect(stage('splitter').status).toBe(2);
    expect(stage('splitter', '--to-earliest', '--to-latest').status).toBe(2);
    expect(stage('splitter', '--to-datetime', 'yesterday').stderr).toMatch(/ISO-8601/);
    expect(stage('splitter', '--to-offset', '5', '--partition', '9').stderr).toMatch(/no partition 9/);
  });

  it('moves to a time: a time after the newest record gives each partition\'s end', async () => {
    const r = stage('validator', '--to-datetime', '2999-01-01T00:00:00Z', '--json');
    expect(r.status, r.stderr).toBe(0);
    const admin = await world.res.getAdmin();
    const ends = await admin.fetchTopicOffsets(topicName(world.plan, 'mcf.device-events'));
    expect((JSON.parse(r.stdout) as Plan).moves.map((m) => m.to)).toEqual(ends.sort((a, b) => a.partition - b.partition).map((e) => e.high));
  });
});

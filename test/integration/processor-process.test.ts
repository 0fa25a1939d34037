import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { DeviceEvent, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, repeated, signalGroup, type World } from './processor-runner.js';

describe('the processor as a process', () => {
  let world: World;
  let runner: ProcessorRunner;
  const runners: ProcessorRunner[] = [];
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 4, 'mcf.installation-outcomes': 2 });
  });
  beforeEach(() => {
    runner = new ProcessorRunner(world);
    runners.push(runner);
  });
  afterAll(async () => {
    for (const r of runners) r.killAll();
    await world?.res.close();
  });

  it('SIGKILL mid-file and a restart yield every installation outcome and device event exactly once; SIGTERM exits 0', async () => {
    onTestFailed(() => runner.saveLogs('kill-restart'));
    const g = await world.gen('kill-restart', { installations: 60 });
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const events = await collect(world.res, topicName(world.plan, 'mcf.device-events'));
    // Small transactions so the kill lands between them, mid-file.
    const env = { S1MIG_SPLITTER_DEVICES_PER_TX: '8' };
    const first = runner.start(env);
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const pub = await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 2048 });
    await events.until((ms) => ms.length >= 20, 120_000);
    signalGroup(first.child, 'SIGKILL');
    await first.exited;
    const atKill = events.messages.length;
    expect(atKill).toBeLessThan(g.devices);

    const second = runner.start(env);
    await outcomes.until((ms) => ms.length >= 60, 180_000);
    await new Promise((r) => setTimeout(r, 3000));
    const [outcomeMsgs, outcomeAt] = [[...outcomes.messages], [...outcomes.where]];
    const [eventMsgs, eventAt] = [[...events.messages], [...events.where]];
    const all = (await decodeAll<InstallationOutcomeRecord>(world, outcomeMsgs)).filter((o) => o.fileKey === pub.fileKey);
    const devs = (await decodeAll<DeviceEvent>(world, eventMsgs)).filter((e) => e.fileKey === pub.fileKey);
    // This file's topics carry only this test's file until here, so positions line up.
    expect([all.length, devs.length]).toEqual([outcomeAt.length, eventAt.length]);
    // Counted together so a failure says at once which stage repeated itself (and where).
    const seen = {
      outcomes: all.length,
      distinctOutcomes: new Set(all.map((o) => o.installationId)).size,
      repeatedOutcomes: repeated(all.map((o) => o.installationId), outcomeAt),
      events: devs.length,
      distinctEvents: new Set(devs.map((d) => `${d.installationId}/${d.deviceIndex}`)).size,
      repeatedEvents: repeated(devs.map((d) => `${d.installationId}/${d.deviceIndex}`), eventAt),
    };
    expect(seen).toEqual({ outcomes: 60, distinctOutcomes: 60, repeatedOutcomes: {}, events: g.devices, distinctEvents: g.devices, repeatedEvents: {} });
    expect(all.every((o) => o.status === 'valid')).toBe(true);

    signalGroup(second.child, 'SIGTERM');
    expect(await second.exited).toBe(0);
  }, 300_000);

  it('SIGTERM while the stages are still starting ends in a clean stop (exit 0)', async () => {
    onTestFailed(() => runner.saveLogs('term-at-start'));
    const p = runner.start();
    // "validator started" is logged before the splitter starts and before "processor started".
    const deadline = Date.now() + 60_000;
    while (!p.log().includes('validator started')) {
      if (Date.now() > deadline) throw new Error(`processor never started its validator:\n${p.log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    signalGroup(p.child, 'SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.log()).toContain('signal received, draining');
    expect(p.log()).toContain('processor stopped');
  }, 120_000);

  it('two processors in one group split the partitions without loss or duplication', async () => {
    onTestFailed(() => runner.saveLogs('two-members'));
    const a = runner.start();
    const b = runner.start();
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const gens = await Promise.all([1, 2, 3, 4].map((i) => world.gen(`two-members-${i}`, { installations: 12 })));
    // Wait until both members hold part of the splitter group's partitions.
    const admin = await world.res.getAdmin();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { groups } = await admin.describeGroups([`${world.config.topics.prefix}splitter`]);
      const members = groups[0]?.members.filter((m) => m.memberAssignment.length > 0) ?? [];
      if (groups[0]?.state === 'Stable' && members.length >= 2) break;
      if (Date.now() > deadline) throw new Error(`group never had two members: ${a.log()}\n${b.log()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const keys = [];
    for (const g of gens) keys.push((await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 4096 })).fileKey);
    const wanted = new Set(keys);
    await outcomes.until((ms) => ms.length >= 48, 180_000);
    await new Promise((r) => setTimeout(r, 3000));
    const mine = (await decodeAll<InstallationOutcomeRecord>(world, outcomes.messages)).filter((o) => wanted.has(o.fileKey));
    expect(mine.length).toBe(48);
    expect(new Set(mine.map((o) => `${o.fileKey}|${o.installationId}`)).size).toBe(48);
    signalGroup(a.child, 'SIGTERM');
    signalGroup(b.child, 'SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  }, 300_000);
});

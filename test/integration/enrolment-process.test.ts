import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { commissionedChfs, readJournal } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import type { EnrolmentStateRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, signalGroup, type World } from './processor-runner.js';

const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);

describe('the enrolment stage in a processor process', () => {
  let world: World;
  let runner: ProcessorRunner;
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5 });
    runner = new ProcessorRunner(world);
  });
  afterAll(async () => {
    runner?.killAll();
    await world?.res.close();
  });

  it('SIGKILL mid-enrolment and a restart: the MA used exactly, each installation one final outcome, no CHF commissioned twice', async () => {
    onTestFailed(() => runner.saveLogs('enrolment-kill'));
    const csv = join(world.dir, 'ma.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-K,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},40,30\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
    const g = await world.gen('enrol-kill', { installations: 50, purpose: 'Migration', ma: 'MA-K', suppliers: ['90b3d51f30010000'] });
    // A slow SMSO, two at a time, with its record of requests in a journal that outlives the kill.
    const journal = join(world.dir, 'mds-journal.jsonl');
    const config = join(world.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, simulator: { latency: { kind: 'fixed', ms: 250 }, journal } } } } }));
    const env = { S1MIG_CONFIG: config };
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const state = await collect(world.res, topicName(world.plan, 'enrolment.state'));
    const decoded = async () => (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages])).filter((o) => o.stage === 'enrolment');
    const first = runner.start(env);
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 16 * 1024 });
    // Kill once a few attempts finished and others are in flight.
    const deadline = Date.now() + 120_000;
    while ((await decoded()).filter((o) => o.migration!.status === 'migrated' || o.migration!.status === 'migrated_partial').length < 4) {
      if (Date.now() > deadline) throw new Error('no enrolment progress before the kill');
      await new Promise((r) => setTimeout(r, 100));
    }
    signalGroup(first.child, 'SIGKILL');
    await first.exited;
    const atKill = (await decoded()).filter((o) => FINAL.has(o.migration!.status)).length;
    expect(atKill).toBeLessThan(50);

    const second = runner.start(env);
    const until = Date.now() + 180_000;
    let finals: InstallationOutcomeRecord[] = [];
    while (new Set(finals.map((o) => o.installationId)).size < 50) {
      if (Date.now() > until) throw new Error(`${finals.length} final outcomes after the restart`);
      await new Promise((r) => setTimeout(r, 250));
      finals = (await decoded()).filter((o) => FINAL.has(o.migration!.status));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const all = await decoded();
    finals = all.filter((o) => FINAL.has(o.migration!.status));
    const perInstallation = new Map<string, number>();
    for (const o of finals) perInstallation.set(o.installationId, (perInstallation.get(o.installationId) ?? 0) + 1);
    expect([...perInstallation.values()].every((n) => n === 1), JSON.stringify([...perInstallation].filter(([, n]) => n > 1))).toBe(true);
    expect(finals).toHaveLength(50);
    // An attempt in flight at the kill was resumed by its request ID, not started again.
    const started = new Map<string, number>();
    for (const o of all.filter((x) => x.migration!.status === 'in_progress')) started.set(o.installationId, (started.get(o.installationId) ?? 0) + 1);
    expect([...started.values()].every((n) => n === 1)).toBe(true);

    const enrolled = finals.filter((o) => o.migration!.status.startsWith('migrated'));
    expect(enrolled).toHaveLength(40);
    expect(finals.filter((o) => o.migration!.status === 'not_enrolled').every((o) => o.errors.some((e) => e.code === 'INST_NOT_AUTHORISED'))).toBe(true);
    const times = commissionedChfs(readJournal(journal));
    expect([...times.values()].every((n) => n === 1)).toBe(true);
    expect(times.size).toBe(enrolled.filter((o) => o.migration!.status !== 'migrated_dormant').length);

    const rows = new Map<string, EnrolmentStateRecord>();
    for (const r of await decodeAll<EnrolmentStateRecord>(world, [...state.messages].filter((m) => m.key!.toString() === 'ma|MA-K'))) {
      if ((rows.get('ma')?.version ?? -1) < r.version) rows.set('ma', r);
    }
    expect(rows.get('ma')?.ma).toEqual({ committedUsed: 30, excessUsed: 10 });

    signalGroup(second.child, 'SIGTERM');
    expect(await second.exited).toBe(0);
  }, 300_000);
});

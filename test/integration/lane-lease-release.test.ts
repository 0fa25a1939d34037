/**
 * Regressions (issue 13, found by the broker-restart test), both from a lane pass that fails
 * after it took in completed SMSO results (its commit refused while the broker was away):
 * - the lease leak: those attempts' capacity leases were never released; each lost lease held
 *   a unit of the SMSO's maxInFlight for ever, and with two lost at a maxInFlight of 2 the
 *   lane stalled with every installation waiting;
 * - the lost installation: the runtime dropped the failed lane only after releasing its lock,
 *   so a pass already queued on it committed the failed pass's half-made state: offsets past
 *   an installation whose outcome was never written, which then never got one.
 * Here the failure is made exact: maxInFlight 1, one CHF failed by the SMSO on its first
 * attempt, and the pass that records that failure throws once at the `during-rollback` fault
 * point (right before its commit). The lane must recover and finish every installation
 * (each defect alone fails this test: checked by undoing each fix).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { SmsoSimulator, SIMULATOR_DEFAULTS } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { installationsOf } from '../support/mcf-alerts.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const A = '90b3d51f30010000';

describe('a lane pass that fails after taking in SMSO results', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 2, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 2 });
    writeFileSync(join(world.dir, 'ma.csv'), `reference,supplier,smso,migrationDate,requested,committed\nMA-LL,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},50,50\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', join(world.dir, 'ma.csv'))).ok).toBe(true);
  });

  it('gives the capacity of the attempts it took in back, and the lane finishes every installation', async () => {
    const g = await world.gen('LEASE', { installations: 8, purpose: 'Migration', ma: 'MA-LL', suppliers: [A] });
    const insts = installationsOf(g.out);
    const activeIndex = insts.findIndex((i) => i.type === 'Active');
    const active = insts[activeIndex]!;
    const sim = new SmsoSimulator('MDS', { ...SIMULATOR_DEFAULTS, latency: { kind: 'fixed', ms: 50 }, failingChfs: [`${active.devices[0]!.id}:1`] });
    const mds = world.config.enrolment.smso['MDS']!;
    const config = { ...world.config, enrolment: { ...world.config.enrolment, smso: { ...world.config.enrolment.smso, MDS: { ...mds, maxInFlight: 1 } } } };
    let thrown = 0;
    processor = await startProcessor(config, {
      stages: ['splitter', 'validator', 'enrolment'], refDir: world.refDir, metricsPort: 0, threads: 1, smsoAdapters: new Map([['MDS', sim]]),
      enrolmentFault: (point) => {
        if (point === 'during-rollback' && thrown++ === 0) throw new Error('injected: the pass fails before its commit');
      },
    }, createLogger({ level: 'error', write: () => undefined }));
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const key = await world.publish(g.out);
    const finals = async (): Promise<InstallationOutcomeRecord[]> => (await Promise.all(outcomes.messages.map(async (m) => (await world.registry.decode(m.value!)) as InstallationOutcomeRecord)))
      .filter((o) => o.fileKey === key && o.stage === 'enrolment' && FINAL.has(o.migration!.status));
    for (const deadline = Date.now() + 90_000; (await finals()).length < 8 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 250));
    expect(thrown, 'the fault point was reached').toBeGreaterThanOrEqual(1);
    const got = await finals();
    expect(got.map((o) => o.installationIndex).sort((a, b) => a - b)).toEqual(insts.map((_, k) => k));
    expect(got.find((o) => o.installationIndex === activeIndex)!.migration).toMatchObject({ status: 'failed', code: 'ENR_CHF_UNREACHABLE' });
  }, 180_000);
});

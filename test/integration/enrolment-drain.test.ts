/**
 * Regression (issue 13, scale-out test): a processor asked to stop kept starting SMSO attempts
 * while it waited for those in flight, so every drain lasted the stage's whole drainMs (10 s)
 * and each new attempt was one more the lane's next owner had to resume. A draining lane now
 * records the answers of attempts in flight and starts nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { SmsoSimulator, SIMULATOR_DEFAULTS } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import type { CommissionRequest, RemoveAccessRequest, SmsoAdapter, SmsoResult } from '../../src/core/contracts/smso.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, type World } from './processor-runner.js';

const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const INSTALLATIONS = 16;

/** The simulated SMSO, with the time each commission request ID was first sent. */
class Recording implements SmsoAdapter {
  readonly firstSent = new Map<string, number>();
  constructor(private readonly sim: SmsoSimulator) {}
  commission(req: CommissionRequest): Promise<SmsoResult> {
    if (!this.firstSent.has(req.requestId)) this.firstSent.set(req.requestId, Date.now());
    return this.sim.commission(req);
  }
  removeAccess(req: RemoveAccessRequest): Promise<SmsoResult> {
    return this.sim.removeAccess(req);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('a draining enrolment stage', () => {
  let world: World;
  const running: Processor[] = [];
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 2, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5 });
    const csv = join(world.dir, 'ma.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-DR,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},50,50\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
  });
  afterAll(async () => {
    for (const p of running) await p.stop().catch(() => undefined);
    await world?.res.close();
  });

  it('starts no SMSO attempt once stopping, and the next member finishes every installation once', async () => {
    const sim = new SmsoSimulator('MDS', { ...SIMULATOR_DEFAULTS, latency: { kind: 'fixed', ms: 400 } });
    const smso = new Recording(sim);
    // Two at a time, 400 ms each: the lane has work waiting whenever the stop comes.
    const config = { ...world.config, enrolment: { ...world.config.enrolment, smso: { ...world.config.enrolment.smso, MDS: { ...world.config.enrolment.smso['MDS']!, maxInFlight: 2 } } } };
    const start = async (): Promise<Processor> => {
      const p = await startProcessor(config, { stages: ['splitter', 'validator', 'enrolment'], refDir: world.refDir, metricsPort: 0, threads: 1,
        smsoAdapters: new Map([['MDS', smso]]), enrolment: { sessionTimeoutMs: 6000 } }, createLogger({ level: 'warn' }));
      running.push(p);
      return p;
    };
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const finals = async (): Promise<InstallationOutcomeRecord[]> => (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages]))
      .filter((o) => o.stage === 'enrolment' && FINAL.has(o.migration!.status));
    const g = await world.gen('DRAIN', { installations: INSTALLATIONS, purpose: 'Migration', ma: 'MA-DR', suppliers: ['90b3d51f30010000'] });

    const first = await start();
    await world.publish(g.out);
    for (const deadline = Date.now() + 120_000; (await finals()).length < 3;) {
      if (Date.now() > deadline) throw new Error('no enrolment progress');
      await new Promise((r) => setTimeout(r, 50));
    }
    const stopAt = Date.now();
    await first.stop();
    const stoppedAt = Date.now();
    const startedWhileStopping = [...smso.firstSent].filter(([, at]) => at >= stopAt).map(([id, at]) => `${id} +${at - stopAt} ms (stop took ${stoppedAt - stopAt} ms)`);
    expect(startedWhileStopping, 'SMSO attempts started after the stop began').toEqual([]);
    expect((await finals()).length, 'work was left for the next member').toBeLessThan(INSTALLATIONS);

    const second = await start();
    for (const deadline = Date.now() + 120_000; new Set((await finals()).map((o) => o.installationId)).size < INSTALLATIONS;) {
      if (Date.now() > deadline) throw new Error(`${(await finals()).length} of ${INSTALLATIONS} finals after the restart`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const all = await finals();
    expect(all).toHaveLength(INSTALLATIONS);
    expect([...sim.commissionedChfs().values()].every((n) => n === 1)).toBe(true);
    await second.stop();
  }, 240_000);
});

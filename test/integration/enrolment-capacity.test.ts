import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S1migConfig } from '../../src/adapters/config/config.js';
import { createLogger } from '../../src/adapters/log/logger.js';
import { SmsoSimulator, SIMULATOR_DEFAULTS } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate, londonDay } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const SUPPLIER = '90-B3-D5-1F-30-01-00-00';

/** Most starts in any window of 1,000 ms. */
function peakPerSecond(starts: readonly number[]): number {
  const t = [...starts].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

describe('enrolment capacity on the real broker', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  let outcomes: Awaited<ReturnType<typeof collect>>;
  const sims = new Map([['MDS', new SmsoSimulator('MDS', { ...SIMULATOR_DEFAULTS, latency: { kind: 'fixed', ms: 20 } })],
    ['SECURE', new SmsoSimulator('SECURE', { ...SIMULATOR_DEFAULTS, latency: { kind: 'fixed', ms: 20 } })]]);
  const enrolment = async (fileKey: string) => (await Promise.all(outcomes.messages.map(async (m) => (await world.registry.decode(m.value!)) as InstallationOutcomeRecord)))
    .filter((o) => o.fileKey === fileKey && o.stage === 'enrolment');

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5 });
    const csv = join(world.dir, 'ma.csv');
    const day = londonDate(Date.now());
    // MDS: 3 starts per second; its day takes 12, 8 of them committed to MA-M1, so MA-M2's excess may use only what is left.
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-M1,${SUPPLIER},MDS,${day},8,8\nMA-M2,${SUPPLIER},MDS,${day},10,0\nMA-S,${SUPPLIER},SECURE,${day},100,100\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
    const smso = { ...world.config.enrolment.smso };
    smso['MDS'] = { ...smso['MDS']!, perSecond: 3, perDay: 12 };
    const config: S1migConfig = { ...world.config, enrolment: { ...world.config.enrolment, smso } };
    outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    processor = await startProcessor(config, { stages: ['splitter', 'validator', 'enrolment'], refDir: world.refDir, metricsPort: 0, threads: 1, smsoAdapters: sims },
      createLogger({ level: 'warn' }));
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it('holds one SMSO to perSecond and perDay (committed first) while another SMSO goes at its own pace', async () => {
    const gen = (name: string, smso: string, ma: string, n: number) =>
      world.gen(name, { smso, installations: n, purpose: 'Migration', ma, suppliers: ['90b3d51f30010000'] });
    const [m1, m2, s] = await Promise.all([gen('CAP-M1', 'MDS', 'MA-M1', 8), gen('CAP-M2', 'MDS', 'MA-M2', 10), gen('CAP-S', 'SECURE', 'MA-S', 30)]);
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const keys: string[] = [];
    // MA-M2's excess file first: it must not take what MA-M1's commitment reserves.
    for (const f of [m2, m1, s]) keys.push((await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), f.out)).fileKey);
    const [k2, k1, ks] = keys as [string, string, string];

    const deadline = Date.now() + 120_000;
    const finalOf = (os: InstallationOutcomeRecord[]) => os.filter((o) => o.migration!.status !== 'in_progress');
    while (finalOf(await enrolment(ks)).length < 30 || finalOf(await enrolment(k1)).length < 8) {
      if (Date.now() > deadline) throw new Error('SECURE or MA-M1 never finished');
      await new Promise((r) => setTimeout(r, 200));
    }
    const secure = await enrolment(ks);
    const mds = [...(await enrolment(k1)), ...(await enrolment(k2))];
    const startsOf = (os: InstallationOutcomeRecord[]) => os.filter((o) => o.migration!.status === 'in_progress').map((o) => o.migration!.atMs!);
    // SECURE is not held up behind MDS: its 30 were done before MDS, at 3 per second, had made its 12 starts.
    const secureDone = Math.max(...finalOf(secure).map((o) => o.decidedAtMs));
    const mdsStarts = startsOf(mds);
    expect(Math.max(...mdsStarts) - Math.min(...mdsStarts)).toBeGreaterThanOrEqual(3000);
    expect(secureDone).toBeLessThan(Math.max(...mdsStarts));
    expect(peakPerSecond(mdsStarts)).toBeLessThanOrEqual(3);
    expect(peakPerSecond(startsOf(secure))).toBeGreaterThan(3);

    // The day: 12 starts in all. MA-M1's 8 committed are all enrolled (a dormant one is recorded without a start);
    // MA-M2's excess took only what MA-M1's commitment left of the day.
    const m1Final = finalOf(await enrolment(k1));
    expect(m1Final.every((o) => o.migration!.status.startsWith('migrated'))).toBe(true);
    await new Promise((r) => setTimeout(r, 2000));
    const m2All = await enrolment(k2);
    const m1Starts = startsOf(await enrolment(k1)).length;
    const m2Starts = startsOf(m2All).length;
    expect(m1Starts + m2Starts).toBe(12);
    // The rest of MA-M2 waits (not rejected) for day capacity that will not come today.
    const report = collectReport(m2All);
    expect(report.waiting).toBe(10 - m2Starts - report.dormant);
    expect(report.notEnrolled).toBe(0);
  });
});

function collectReport(os: InstallationOutcomeRecord[]): { waiting: number; dormant: number; notEnrolled: number } {
  const last = new Map<string, InstallationOutcomeRecord>();
  for (const o of os) last.set(o.installationId, o);
  const finals = [...last.values()];
  return {
    waiting: 10 - finals.length,
    dormant: finals.filter((o) => o.migration!.status === 'migrated_dormant').length,
    notEnrolled: finals.filter((o) => o.migration!.status === 'not_enrolled').length,
  };
}

describe('enrolment at the end of a migration day', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  // The lane's clock: real time, then moved past the end of the MA's day.
  let shiftMs = 0;
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 2, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5 });
    const csv = join(world.dir, 'ma.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-D,${SUPPLIER},MDS,${londonDate(Date.now())},10,0\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
    const smso = { ...world.config.enrolment.smso };
    smso['MDS'] = { ...smso['MDS']!, perDay: 2 };
    const config: S1migConfig = { ...world.config, enrolment: { ...world.config.enrolment, smso } };
    processor = await startProcessor(config, { stages: ['splitter', 'validator', 'enrolment'], refDir: world.refDir, metricsPort: 0, threads: 1,
      smsoAdapters: new Map([['MDS', new SmsoSimulator('MDS', SIMULATOR_DEFAULTS)]]), enrolment: { now: () => Date.now() + shiftMs, recheckMs: 200 } },
    createLogger({ level: 'warn' }));
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it('keeps what the day capacity cannot start waiting, then makes it INST_NOT_AUTHORISED (day-ended) when the day ends', async () => {
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const g = await world.gen('DAY-END', { installations: 10, purpose: 'Migration', ma: 'MA-D', suppliers: ['90b3d51f30010000'] });
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const key = (await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out)).fileKey;
    const enrolment = async () => (await Promise.all(outcomes.messages.map(async (m) => (await world.registry.decode(m.value!)) as InstallationOutcomeRecord)))
      .filter((o) => o.fileKey === key && o.stage === 'enrolment' && o.migration!.status !== 'in_progress');
    const metric = async (name: string, labels: string) => {
      const text = await processor!.metrics.registry.getSingleMetricAsString(name);
      return Number(text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels))?.split(' ').pop() ?? 0);
    };
    // Two start (perDay 2, nothing committed), dormant ones are recorded; the rest wait.
    let deadline = Date.now() + 60_000;
    let before: InstallationOutcomeRecord[] = [];
    for (;;) {
      before = await enrolment();
      const waiting = await metric('s1mig_enrolment_waiting', 'smso="MDS"');
      if (before.filter((o) => o.migration!.status === 'migrated').length === 2 && waiting > 0 && waiting + before.length === 10) break;
      if (Date.now() > deadline) throw new Error(`no steady waiting state: ${before.length} final, ${waiting} waiting`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1000));
    expect(await enrolment()).toHaveLength(before.length);
    expect(before.every((o) => o.migration!.status === 'migrated' || o.migration!.status === 'migrated_dormant')).toBe(true);
    const waiting = 10 - before.length;

    shiftMs = londonDay(londonDate(Date.now())).endMs - Date.now() + 1000;
    deadline = Date.now() + 30_000;
    while ((await enrolment()).length < 10) {
      if (Date.now() > deadline) throw new Error('the waiting installations were not decided at the end of their day');
      await new Promise((r) => setTimeout(r, 200));
    }
    const ended = (await enrolment()).filter((o) => o.migration!.status === 'not_enrolled');
    expect(ended).toHaveLength(waiting);
    for (const o of ended) expect([o.status, o.errors.map((e) => e.code)]).toEqual(['invalid', ['INST_NOT_AUTHORISED']]);
    expect(await metric('s1mig_enrolment_not_authorised_total', 'cause="day-ended"')).toBe(waiting);
    expect(await metric('s1mig_enrolment_waiting', 'smso="MDS"')).toBe(0);
  });
});

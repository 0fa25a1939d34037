import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { SmsoSimulator, SIMULATOR_DEFAULTS } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { AlertRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const N = 1000;

// Regression (found by bench:enrolment): hundreds of attempts of one SMSO completing together
// make one lane pass whose alerts, all for one supplier, went to one partition in one record
// batch over the broker's message.max.bytes. The transaction was refused, the lane replayed it,
// was refused again, for ever. Now a pass's outputs go in calls of bounded size.
describe('a lane pass whose outputs exceed the broker\'s largest record batch', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 1 });
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it(`commits ${N} completions in one pass, with every alert, on the real broker`, async () => {
    const deps = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
    const ma = join(world.dir, 'ma.csv');
    writeFileSync(ma, `reference,supplier,smso,migrationDate,requested,committed\nMA-L,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},${N},${N}\n`);
    expect((await publishInputFile(deps, 'ma', ma)).ok).toBe(true);
    const suppliers = join(world.dir, 'suppliers.csv');
    writeFileSync(suppliers, 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
    expect((await publishInputFile(deps, 'suppliers', suppliers)).ok).toBe(true);
    const g = await world.gen('LARGE', { installations: N, purpose: 'Migration', ma: 'MA-L', suppliers: ['90b3d51f30010000'] });
    // Everything starts at once and answers together 4 s later: one pass completes them all.
    const sim = new SmsoSimulator('MDS', { ...SIMULATOR_DEFAULTS, latency: { kind: 'fixed', ms: 4000 }, capacity: 10_000 });
    const config = { ...world.config, enrolment: { ...world.config.enrolment, smso: { ...world.config.enrolment.smso, MDS: { ...world.config.enrolment.smso['MDS']!, maxInFlight: 5000, perSecond: 100_000 } } } };
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const alerts = await collect(world.res, topicName(world.plan, 'alerts'));
    // Validation first, alone: the lane then finds every request waiting and starts them in one go.
    const validation = await startProcessor(config, { stages: ['splitter', 'validator'], refDir: world.refDir, metricsPort: 0, threads: 1 }, createLogger({ level: 'error' }));
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const key = (await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out)).fileKey;
    const decode = async <T>(m: KafkaMessage): Promise<T> => (await world.registry.decode(m.value!)) as T;
    await outcomes.until((ms) => ms.length >= N, 120_000);
    await validation.stop();
    processor = await startProcessor(config, { stages: ['enrolment'], refDir: world.refDir, metricsPort: 0, threads: 1, smsoAdapters: new Map([['MDS', sim]]) },
      createLogger({ level: 'error' }));
    const finals = async () => (await Promise.all(outcomes.messages.map((m) => decode<InstallationOutcomeRecord>(m))))
      .filter((o) => o.fileKey === key && o.stage === 'enrolment' && o.migration !== null && o.migration.status !== 'in_progress' && o.migration.status !== 'waiting');
    for (const deadline = Date.now() + 120_000; (await finals()).length < N;) {
      if (Date.now() > deadline) throw new Error(`${(await finals()).length} of ${N} final outcomes: the pass was not committed`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const got = await finals();
    const sent = got.reduce((n, o) => n + (o.alerts?.sent ?? 0), 0);
    expect(sent).toBeGreaterThan(N);
    await alerts.until((ms) => ms.length >= sent, 60_000);
    const records = await Promise.all(alerts.messages.map((m) => decode<AlertRecord>(m)));
    expect(new Set(records.map((a) => a.alertId)).size).toBe(sent);
    // Well over what one record batch may hold went to the one alerts partition.
    expect(alerts.messages.reduce((n, m) => n + (m.value?.length ?? 0), 0)).toBeGreaterThan(2 * 1024 * 1024);
    const text = await processor.metrics.registry.metrics();
    expect(text).not.toMatch(/s1mig_transactions_total\{stage="enrolment",result="aborted"\} [1-9]/);
  }, 240_000);
});

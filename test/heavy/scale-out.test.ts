/**
 * Issue 13, "scale-out under load": one processor (all three stages) is working through
 * Migration files when a second and then a third join its groups, and then the second
 * leaves (SIGTERM, a drain) and the third is SIGKILLed: every join and leave is a rebalance
 * of the three stages' groups in the middle of transactions. A fresh read_committed reader
 * must then find every device event, validation outcome, enrolment final and alert exactly
 * once. The longest gap in final outcomes around each change is printed (docs/reliability.md).
 *
 * In the heavy tier, not npm test: it passed on its first run (2026-12-07) and stalled on its
 * second. After the second member drained away, the two members left wrote nothing more for
 * ten minutes, and neither logged an error. That defect is open (docs/reliability.md, "Not
 * yet covered") and this test is its reproduction.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import type { AlertRecord, DeviceEvent, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { VALIDATION_STAGE } from '../../src/pipeline/validator/outcome.js';
import { collect } from '../integration/helpers.js';
import { pipelineWorld } from '../integration/pipeline-setup.js';
import { decodeAll, ProcessorRunner, signalGroup, type World } from '../integration/processor-runner.js';

const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const A = '90b3d51f30010000';
const FILES = 3;
const PER_FILE = 30;

describe('processors joining and leaving under load', () => {
  let world: World;
  let runner: ProcessorRunner;


  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 3, 'mcf.device-events': 6, 'mcf.installation-outcomes': 3, 'enrolment.lanes': 5, alerts: 2 });
    runner = new ProcessorRunner(world);
    const inputs = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
    writeFileSync(join(world.dir, 'ma.csv'), `reference,supplier,smso,migrationDate,requested,committed\nMA-SO,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},200,200\n`);
    expect((await publishInputFile(inputs, 'ma', join(world.dir, 'ma.csv'))).ok).toBe(true);
    writeFileSync(join(world.dir, 's.csv'), 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
    expect((await publishInputFile(inputs, 'suppliers', join(world.dir, 's.csv'))).ok).toBe(true);
  });
  afterAll(async () => {
    runner?.killAll();
    await world?.res.close();
  });

  it('a second and third member join, then leave (one drained, one killed): everything exactly once', async () => {
    onTestFailed(() => runner.saveLogs('scale-out'));
    // A slow SMSO, so enrolment is still going through every change.
    const config = join(world.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 4, simulator: { latency: { kind: 'fixed', ms: 150 } } } } } }));
    const env = { S1MIG_CONFIG: config };
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const finalAt: number[] = [];
    let read = 0;
    const finalCount = async (keys: readonly string[]): Promise<number> => {
      for (; read < outcomes.messages.length; read++) {
        const o = (await world.registry.decode(outcomes.messages[read]!.value!)) as InstallationOutcomeRecord;
        if (o.stage === 'enrolment' && FINAL.has(o.migration!.status) && keys.includes(o.fileKey)) finalAt.push(Date.now());
      }
      return finalAt.length;
    };
    const untilFinals = async (keys: readonly string[], n: number, timeoutMs = 180_000): Promise<void> => {
      for (const deadline = Date.now() + timeoutMs; (await finalCount(keys)) < n;) {
        if (Date.now() > deadline) throw new Error(`only ${finalAt.length} of ${n} final outcomes`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    const files = await Promise.all(Array.from({ length: FILES }, (_, k) => world.gen(`SCALE-${k}`, { installations: PER_FILE, purpose: 'Migration', ma: 'MA-SO', suppliers: [A], defects: 'DEV_CERT_EXPIRED:2' })));
    runner.start(env);
    const keys: string[] = [];
    for (const f of files) keys.push(await world.publish(f.out));
    const total = FILES * PER_FILE;
    const changes: Array<{ what: string; at: number }> = [];

    await untilFinals(keys, 10);
    changes.push({ what: 'second joins', at: Date.now() });
    const second = runner.start(env);
    await untilFinals(keys, 30);
    changes.push({ what: 'third joins', at: Date.now() });
    const third = runner.start(env);
    await untilFinals(keys, 50);
    changes.push({ what: 'second leaves (SIGTERM)', at: Date.now() });
    signalGroup(second.child, 'SIGTERM');
    expect(await second.exited, 'a drained member exits 0').toBe(0);
    await untilFinals(keys, 65);
    changes.push({ what: 'third killed (SIGKILL)', at: Date.now() });
    signalGroup(third.child, 'SIGKILL');
    await untilFinals(keys, total, 240_000);

    // The longest wait for a final outcome in the 30 s after each change.
    const pauses = changes.map((c) => {
      const after = [c.at, ...finalAt.filter((t) => t >= c.at && t <= c.at + 30_000)];
      const gap = after.slice(1).reduce((g, t, i) => Math.max(g, t - after[i]!), 0);
      return `${c.what}: longest gap ${(gap / 1000).toFixed(1)} s`;
    });
    process.stderr.write(`scale-out: ${total} installations, ${pauses.join('; ')}\n`);

    const events = (await decodeAll<DeviceEvent>(world, await world.readToEnd(topicName(world.plan, 'mcf.device-events')))).map((e) => `${e.fileKey}#${e.installationIndex}:${e.deviceIndex}`);
    expect(events.length).toBe(files.reduce((n, f) => n + f.devices, 0));
    expect(new Set(events).size).toBe(events.length);
    const all = await decodeAll<InstallationOutcomeRecord>(world, await world.readToEnd(topicName(world.plan, 'mcf.installation-outcomes')));
    const validation = all.filter((o) => o.stage === VALIDATION_STAGE).map((o) => `${o.fileKey}#${o.installationId}`);
    expect(validation.length).toBe(total);
    expect(new Set(validation).size).toBe(total);
    const finals = all.filter((o) => o.stage === 'enrolment' && FINAL.has(o.migration!.status)).map((o) => `${o.fileKey}#${o.installationId}`);
    expect(finals.length).toBe(total);
    expect(new Set(finals).size).toBe(total);
    const alerts = (await decodeAll<AlertRecord>(world, await world.readToEnd(topicName(world.plan, 'alerts')))).map((a) => a.alertId);
    expect(alerts.length).toBeGreaterThan(0);
    expect(new Set(alerts).size).toBe(alerts.length);
  }, 600_000);
});

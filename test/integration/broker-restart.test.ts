/**
 * Issue 13, "SIGKILL and restart of the single local broker mid-run (the default set-up)":
 * a processor with all three stages is working through a Migration file when the broker is
 * killed with SIGKILL and started again on its data. The processor is not restarted: it
 * must recover by itself, and a fresh read_committed reader must then find every device
 * event once, every installation's validation outcome once and its final enrolment outcome
 * once, and every alert once. The time from the broker's return to the processor's next
 * committed output is measured and printed (docs/reliability.md quotes it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { localUp, resolveLocalInstance } from '../../src/adapters/local/index.js';
import { readPidFile } from '../../src/adapters/local/processes.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import type { AlertRecord, DeviceEvent, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { VALIDATION_STAGE } from '../../src/pipeline/validator/outcome.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, type World } from './processor-runner.js';

const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const A = '90b3d51f30010000';
const INSTALLATIONS = 40;

describe('SIGKILL and restart of the local broker mid-run', () => {
  let world: World;
  let runner: ProcessorRunner;
  const local = resolveLocalInstance();


  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 2 });
    runner = new ProcessorRunner(world);
    const inputs = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
    writeFileSync(join(world.dir, 'ma.csv'), `reference,supplier,smso,migrationDate,requested,committed\nMA-BR,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},100,100\n`);
    expect((await publishInputFile(inputs, 'ma', join(world.dir, 'ma.csv'))).ok).toBe(true);
    writeFileSync(join(world.dir, 's.csv'), 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
    expect((await publishInputFile(inputs, 'suppliers', join(world.dir, 's.csv'))).ok).toBe(true);
  });
  afterAll(async () => {
    runner?.killAll();
    // Whatever happened, the broker is up again for the next test file.
    await localUp(local);
    await world?.res.close();
  });

  it('the processor recovers by itself; every event, outcome and alert exactly once', async () => {
    onTestFailed(() => runner.saveLogs('broker-restart'));
    const g = await world.gen('BROKER-KILL', { installations: INSTALLATIONS, purpose: 'Migration', ma: 'MA-BR', suppliers: [A], defects: 'DEV_CERT_EXPIRED:4' });
    // A slow SMSO, so enrolment is still going when the broker dies.
    const config = join(world.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, simulator: { latency: { kind: 'fixed', ms: 300 } } } } } }));
    const processor = runner.start({ S1MIG_CONFIG: config });
    const key = await world.publish(g.out);
    const outcomesTopic = topicName(world.plan, 'mcf.installation-outcomes');
    const finals = async (): Promise<InstallationOutcomeRecord[]> => {
      const all = await decodeAll<InstallationOutcomeRecord>(world, await world.readToEnd(outcomesTopic));
      return all.filter((o) => o.fileKey === key && o.stage === 'enrolment' && FINAL.has(o.migration!.status));
    };
    for (const deadline = Date.now() + 120_000; (await finals()).length < 4;) {
      if (Date.now() > deadline) throw new Error('no enrolment progress before the kill');
      await new Promise((r) => setTimeout(r, 300));
    }
    const before = (await finals()).length;

    const rec = readPidFile(join(local.dataDir, 'pids', 'kafka.json'));
    expect(rec).not.toBeNull();
    process.kill(rec!.pid, 'SIGKILL');
    const killedAt = Date.now();
    // Down long enough for every client to notice (sessions, transactions, metadata).
    await new Promise((r) => setTimeout(r, 5000));
    await localUp(local);
    const backAt = Date.now();

    let firstAfter = 0;
    for (const deadline = Date.now() + Number(process.env["IT_BROKER_WAIT_MS"] ?? 240_000); ;) {
      const n = (await finals()).length;
      if (firstAfter === 0 && n > before) firstAfter = Date.now();
      if (n >= INSTALLATIONS || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(processor.child.exitCode, 'the processor kept running through the outage').toBeNull();
    if ((await finals()).length < INSTALLATIONS) {
      const url = /metrics (http:\/\/\S+\/metrics)/.exec(processor.log())?.[1];
      const text = url ? await (await fetch(url)).text() : '';
      process.stderr.write(`processor metrics after the wait:\n${text.split('\n').filter((l) => /^s1mig_(enrolment|paused|consumer|records|dlq|batch|transactions)/.test(l)).join('\n')}\n`);
    }
    process.stderr.write(`broker restart: down ${Math.round((backAt - killedAt) / 1000)} s (SIGKILL to healthy), processor's next final outcome ${firstAfter === 0 ? 'never' : `${((firstAfter - backAt) / 1000).toFixed(1)} s after the broker was back`}; ${before} of ${INSTALLATIONS} final before the kill\n`);

    // A fresh read_committed reader: everything exactly once.
    const events = await decodeAll<DeviceEvent>(world, await world.readToEnd(topicName(world.plan, 'mcf.device-events')));
    const mineEvents = events.filter((e) => e.fileKey === key).map((e) => `${e.installationIndex}:${e.deviceIndex}`);
    expect(mineEvents.length).toBe(g.devices);
    expect(new Set(mineEvents).size).toBe(g.devices);
    const outcomes = await decodeAll<InstallationOutcomeRecord>(world, await world.readToEnd(outcomesTopic));
    const validation = outcomes.filter((o) => o.fileKey === key && o.stage === VALIDATION_STAGE).map((o) => o.installationId);
    expect(validation.length).toBe(INSTALLATIONS);
    expect(new Set(validation).size).toBe(INSTALLATIONS);
    const final = outcomes.filter((o) => o.fileKey === key && o.stage === 'enrolment' && FINAL.has(o.migration!.status)).map((o) => o.installationId);
    expect(final.length).toBe(INSTALLATIONS);
    expect(new Set(final).size).toBe(INSTALLATIONS);
    const alerts = (await decodeAll<AlertRecord>(world, await world.readToEnd(topicName(world.plan, 'alerts')))).filter((a) => a.fileKey === key);
    expect(alerts.length).toBeGreaterThan(0);
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(alerts.length);
  }, 420_000);
});

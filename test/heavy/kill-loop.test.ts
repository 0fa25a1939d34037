/**
 * Issue 13, "SIGKILL loops": one processor (all three stages) is SIGKILLed 20 times at random
 * moments while Migration files flow through it: during its start-up (before it is ready),
 * while it runs, and during its shutdown (SIGTERM, then SIGKILL mid-drain). Files are
 * published between kills, so uploads, emission, validation and enrolment are all cut. A
 * last processor then finishes the work, and a fresh read_committed reader must find every
 * device event, validation outcome, enrolment final, SMI change and alert exactly once, and
 * the SMSO's journal no CHF commissioned twice.
 *
 * The moments come from a seeded generator: the seed is printed, and KILL_LOOP_SEED=<n>
 * replays a run's schedule (the machine's timing still varies).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { commissionedChfs, readJournal } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import type { AlertRecord, DeviceEvent, InstallationOutcomeRecord, SmiTopicRecord } from '../../src/pipeline/records.js';
import { VALIDATION_STAGE } from '../../src/pipeline/validator/outcome.js';
import { expectedAlerts, installationsOf } from '../support/mcf-alerts.js';
import { prng } from '../support/prng.js';
import { collect } from '../integration/helpers.js';
import { pipelineWorld } from '../integration/pipeline-setup.js';
import { decodeAll, ProcessorRunner, signalGroup, type ProcessorRun, type World } from '../integration/processor-runner.js';
import { publishMaAndSupplier } from '../support/enrolment-inputs.js';

const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const SUPPLIER = '90b3d51f30010000';
const KILLS = 20;
const FILES = 4;
const PER_FILE = 25;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves when the processor has printed its start line (its stages are up), or null if it exited first. */
async function ready(run: ProcessorRun, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (run.log().includes('s1mig run: stages')) return true;
    if (run.child.exitCode !== null || run.child.signalCode !== null) return false;
    await sleep(50);
  }
  return false;
}

describe('a processor SIGKILLed 20 times at random moments', () => {
  let world: World;
  let runner: ProcessorRunner;

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 4, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 2 });
    runner = new ProcessorRunner(world);
    await publishMaAndSupplier(world, 'MA-KL', 200);
  });
  afterAll(async () => {
    runner?.killAll();
    await world?.res.close();
  });

  it('loses and duplicates nothing, and commissions no CHF twice', async () => {
    onTestFailed(() => runner.saveLogs('kill-loop'));
    const seed = Number(process.env['KILL_LOOP_SEED'] ?? Date.now() % 1_000_000);
    const rnd = prng(seed);
    process.stderr.write(`kill-loop: seed ${seed} (KILL_LOOP_SEED=${seed} replays the schedule)\n`);
    const journal = join(world.dir, 'mds-journal.jsonl');
    const config = join(world.dir, 'config.json');
    // Two at a time, 1.5 s each (~1.3 installations a second): enrolment of the 100
    // installations needs more running time than the kills leave it, so it spans them all.
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, simulator: { latency: { kind: 'fixed', ms: 1500 }, journal } } } } }));
    const env = { S1MIG_CONFIG: config };
    const files = await Promise.all(Array.from({ length: FILES }, (_, k) => world.gen(`KILL-${k}`, { installations: PER_FILE, purpose: 'Migration', ma: 'MA-KL', suppliers: [SUPPLIER], defects: 'DEV_CERT_EXPIRED:2' })));
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const finals = async (): Promise<number> => (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages]))
      .filter((o) => o.stage === 'enrolment' && FINAL.has(o.migration!.status)).length;

    const keys: string[] = [];
    const moments: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      // A file goes in every fifth kill, some of them while no processor runs.
      if (k % 5 === 0) keys.push(await world.publish(files[k / 5]!.out));
      const run = runner.start(env);
      const r = rnd();
      const kind = r < 0.25 ? 'start-up' : r < 0.7 ? 'running' : 'shutdown';
      if (kind === 'start-up') {
        const ms = Math.floor(rnd() * 2500);
        await sleep(ms);
        moments.push(`${kind} +${ms} ms${run.log().includes('s1mig run: stages') ? ' (already ready)' : ''}`);
      } else {
        const up = await ready(run, 60_000);
        expect(up, `processor ${k} did not start`).toBe(true);
        const ms = Math.floor(rnd() * (kind === 'running' ? 6000 : 3000));
        await sleep(ms);
        if (kind === 'shutdown') {
          signalGroup(run.child, 'SIGTERM');
          const drain = Math.floor(rnd() * 1500);
          await sleep(drain);
          moments.push(`shutdown: SIGTERM after ${ms} ms, SIGKILL ${drain} ms into the drain${run.child.exitCode !== null ? ' (had exited)' : ''}`);
        } else moments.push(`running +${ms} ms after ready`);
      }
      signalGroup(run.child, 'SIGKILL');
      await run.exited;
    }
    const atLastKill = await finals();
    process.stderr.write(`kill-loop: ${KILLS} kills (${moments.join('; ')}); ${atLastKill} of ${FILES * PER_FILE} finals by the last\n`);
    expect(atLastKill, 'work was still left for the last processor').toBeLessThan(FILES * PER_FILE);

    const last = runner.start(env);
    const total = FILES * PER_FILE;
    for (const deadline = Date.now() + 300_000; (await finals()) < total;) {
      if (Date.now() > deadline) throw new Error(`only ${await finals()} of ${total} final outcomes after the last start`);
      await sleep(250);
    }
    await sleep(2000);

    const events = (await decodeAll<DeviceEvent>(world, await world.readToEnd(topicName(world.plan, 'mcf.device-events')))).map((e) => `${e.fileKey}#${e.installationIndex}:${e.deviceIndex}`);
    expect(events.length).toBe(files.reduce((n, f) => n + f.devices, 0));
    expect(new Set(events).size).toBe(events.length);
    const all = await decodeAll<InstallationOutcomeRecord>(world, await world.readToEnd(topicName(world.plan, 'mcf.installation-outcomes')));
    const validation = all.filter((o) => o.stage === VALIDATION_STAGE).map((o) => `${o.fileKey}#${o.installationId}`);
    expect(validation.length).toBe(total);
    expect(new Set(validation).size).toBe(total);
    const finalRecords = all.filter((o) => o.stage === 'enrolment' && FINAL.has(o.migration!.status));
    expect(new Set(finalRecords.map((o) => `${o.fileKey}#${o.installationId}`)).size).toBe(total);
    expect(finalRecords.length).toBe(total);
    // An attempt in flight at a kill was resumed by its request ID, not started again.
    const starts = all.filter((o) => o.stage === 'enrolment' && o.migration!.status === 'in_progress').map((o) => `${o.fileKey}#${o.installationId}`);
    expect(new Set(starts).size).toBe(starts.length);
    const commissioned = commissionedChfs(readJournal(journal));
    expect([...commissioned.values()].filter((n) => n !== 1), 'CHFs commissioned more than once').toEqual([]);
    expect(commissioned.size).toBe(finalRecords.filter((o) => o.migration!.status === 'migrated' || o.migration!.status === 'migrated_partial').length);

    // Every SMI change once: no device has two records of the same history length.
    const smi = await decodeAll<SmiTopicRecord>(world, await world.readToEnd(topicName(world.plan, 'smi')));
    const versions = smi.map((r) => `${r.deviceId}@${r.history.length}`);
    expect(versions.length - new Set(versions).size, 'SMI changes written more than once').toBe(0);

    // Every alert the finals call for, exactly once, and no other.
    const alerts = await decodeAll<AlertRecord>(world, await world.readToEnd(topicName(world.plan, 'alerts')));
    const perId = new Map<string, number>();
    for (const a of alerts) perId.set(a.alertId, (perId.get(a.alertId) ?? 0) + 1);
    expect([...perId].filter(([, n]) => n !== 1), 'alerts seen more than once').toEqual([]);
    const want = new Set<string>();
    files.forEach((f, i) => {
      const mine = finalRecords.filter((o) => o.fileKey === keys[i]);
      for (const id of expectedAlerts(mine, installationsOf(f.out), (s) => (s === SUPPLIER ? 'sent' : 'supplier-unknown')).want.keys()) want.add(id);
    });
    expect([...perId.keys()].sort()).toEqual([...want].sort());

    signalGroup(last.child, 'SIGTERM');
    const code = await Promise.race([last.exited, sleep(60_000).then(() => 'alive' as const)]);
    expect(code, 'the last processor drains and exits 0').toBe(0);
  }, 900_000);
});

/**
 * Issue 13, "hostile input", the fast variant (the volume run is test/heavy/fuzz-volume.test.ts):
 * a running processor (`s1mig run`, all three stages, a real child process) is fed
 * malformed chunks on the input topic (headers missing a key or a value, of another content
 * type, non-decimal, negative or over-long indexes, count 0, index not below the count, a
 * sha256 in capitals or short, header bytes that are not ASCII; one index twice with other
 * bytes, a count that changes, chunks out of order, another file's bytes under a sha256,
 * garbage and an empty file that arrive complete) and garbage on the device events and the
 * enrolment lanes. Each must come to its verdict: a dead letter of the right stage and
 * reason (read back read_committed), or a coded rejection of its upload. Then a good file,
 * one chunk of it sent twice, is still validated exactly as its generator says, and the
 * processor is still up. (splitter-stage.test.ts already covers a chunk without headers, a
 * key that is not UTF-8, a corrupt chunk, a gap and the transfer timeout on the stage alone.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { describeMcf } from '../../src/jobs/publish/publish-file.js';
import type { DeviceEvent, FileResultRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { collect } from './helpers.js';
import { chunkMessages, deadLetters, internalGarbageCases, malformedChunkCases, metricsUrl, metricSum, missingVerdicts, type HostileCase } from './hostile-input.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, signalGroup, type World } from './processor-runner.js';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist', 'src', 'cli', 'main.js');

describe('hostile input on the pipeline topics: dead letters and coded rejections, and the processor goes on', () => {
  let world: World;
  let runner: ProcessorRunner;
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2 });
    runner = new ProcessorRunner(world);
  });
  afterAll(async () => {
    runner?.killAll();
    await world?.res.close();
  });

  it('every malformed chunk and garbage record gets its verdict; a good file after them is validated; the processor stays up', async () => {
    onTestFailed(() => runner.saveLogs('hostile-input'));
    const base = await world.gen('hostile-base', { installations: 2 });
    const good = await world.gen('after-hostile', { installations: 3 });
    const files = await collect(world.res, topicName(world.plan, 'mcf.files'));
    const dlq = await collect(world.res, topicName(world.plan, 'dlq'));
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const events = await collect(world.res, topicName(world.plan, 'mcf.device-events'));

    const proc = runner.start();
    for (const deadline = Date.now() + 60_000; !proc.log().includes('processor started');) {
      if (Date.now() > deadline || proc.child.exitCode !== null) throw new Error(`the processor did not start:\n${proc.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const cases: HostileCase[] = [...malformedChunkCases('hostile', readFileSync(base.out)), ...internalGarbageCases('hostile')];
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    for (const c of cases) await producer.send({ topic: topicName(world.plan, c.topic), messages: c.messages });

    // The good file, its middle chunk sent twice with the same bytes (ignored).
    const goodKey = (await describeMcf(good.out)).fileKey!;
    const [c0, c1, c2] = chunkMessages(goodKey, readFileSync(good.out), 3) as [never, never, never];
    await producer.send({ topic: topicName(world.plan, 'mcf.chunks'), messages: [c0, c1, c1, c2] });
    const all = [...cases, { name: 'the good file, one chunk twice', topic: 'mcf.chunks', messages: [], verdicts: [{ accepted: { fileKey: goodKey } }] }];

    const results = async (): Promise<FileResultRecord[]> => decodeAll<FileResultRecord>(world, [...files.messages]);
    let missing: string[] = [];
    for (const deadline = Date.now() + 120_000; ;) {
      missing = missingVerdicts(world, all, deadLetters(dlq.messages), await results());
      if (missing.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(missing).toEqual([]);

    // The good file: every installation once, as its generator's known answer has it, its devices once.
    await outcomes.until((ms) => ms.length >= 3, 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    const want = JSON.parse(readFileSync(good.expectedPath, 'utf8')) as { installations: Array<{ installationId: string; status: string }> };
    const got = (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages])).filter((o) => o.fileKey === goodKey);
    expect(got.map((o) => [o.installationId, o.status]).sort()).toEqual(want.installations.map((i) => [i.installationId, i.status]).sort());
    const devs = (await decodeAll<DeviceEvent>(world, events.messages.filter((m) => m.value !== null && m.value.length > 5 && m.value[0] === 0)
      .filter((m) => m.key?.toString().startsWith(goodKey)))).filter((e) => e.fileKey === goodKey);
    expect(devs.length).toBe(good.devices);

    // Exactly the dead letters the cases call for, none else; none from the good file.
    const dlqCases = all.flatMap((c) => c.verdicts.filter((v) => 'dlq' in v));
    expect(deadLetters(dlq.messages).length).toBe(dlqCases.length);
    // The rest of a rejected upload (chunk 1 of 'order', chunk 2 of 'twice') is counted, not lettered.
    const url = metricsUrl(proc.log());
    expect(url).not.toBeNull();
    const metrics = await (await fetch(url!)).text();
    // At least: a batch the runtime replays after a retriable broker error counts again (metrics are not transactional).
    expect(metricSum(metrics, 's1mig_orphan_chunks_total')).toBeGreaterThanOrEqual(2);
    expect(metricSum(metrics, 's1mig_dlq_total')).toBeGreaterThanOrEqual(dlqCases.length);
    expect((await fetch(url!.replace('/metrics', '/healthz'))).status).toBe(200);
    expect(proc.child.exitCode).toBeNull();
    expect(proc.log()).not.toMatch(/CRASH|unhandled/i);
    signalGroup(proc.child, 'SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 240_000);

  // Regression (issue 13, "a foreign record on a compacted topic stalled the pipeline for
  // good"): the tables (files, MAs, MA usage, suppliers, SMI) failed their catch-up on a
  // record that is not ours, so from then on the splitter failed every file it completed,
  // retrying for ever (no dead letter, no crash, no progress), and compaction keeps the record.
  it('garbage on every compacted topic is skipped: a Migration file is still verified, validated and enrolled', async () => {
    onTestFailed(() => runner.saveLogs('hostile-compacted'));
    const inputs = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
    writeFileSync(join(world.dir, 'ma.csv'), `reference,supplier,smso,migrationDate,requested,committed\nMA-HOSTILE,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},10,10\n`);
    expect((await publishInputFile(inputs, 'ma', join(world.dir, 'ma.csv'))).ok).toBe(true);
    writeFileSync(join(world.dir, 's.csv'), 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
    expect((await publishInputFile(inputs, 'suppliers', join(world.dir, 's.csv'))).ok).toBe(true);
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const compacted = ['mcf.files', 'ref.migration-authorisations', 'ref.suppliers', 'enrolment.state', 'smi'];
    for (const t of compacted) {
      // Under a key of its own and under the key a real row has (the MA, the supplier).
      await producer.send({ topic: topicName(world.plan, t), messages: [{ key: `garbage-${t}`, value: Buffer.from(`no record of ours on ${t}`) },
        { key: t === 'ref.suppliers' ? '90b3d51f30010000' : 'MA-HOSTILE', value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from('unknown schema id')]) }] });
    }
    const g = await world.gen('hostile-migration', { installations: 2, purpose: 'Migration', ma: 'MA-HOSTILE', suppliers: ['90b3d51f30010000'] });
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const proc = runner.start();
    const key = await world.publish(g.out);
    const finals = async (): Promise<InstallationOutcomeRecord[]> =>
      (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages])).filter((o) => o.fileKey === key && o.stage === 'enrolment' && o.migration?.status !== 'in_progress');
    for (const deadline = Date.now() + 120_000; (await finals()).length < 2;) {
      if (Date.now() > deadline) throw new Error(`no enrolment of ${key} within 120 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect((await finals()).map((o) => o.migration?.status).sort()).toEqual(['migrated', 'migrated']);
    // The splitter said what it skipped on its table.
    expect(proc.log()).toContain('a record on the files topic is not ours: skipped');
    // And `report` still reads the file back (it failed on the foreign record, exit 3, for every
    // file), also with garbage among the file's own outcome records.
    for (const t of ['mcf.installation-outcomes', 'mcf.installation-devices']) {
      await producer.send({ topic: topicName(world.plan, t), messages: [{ key: `${key}|garbage`, value: Buffer.from('not an outcome') }] });
    }
    const report = spawnSync(process.execPath, [cli, 'report', key, '--json'], { encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix } });
    expect(report.status, report.stderr).toBe(0);
    expect((JSON.parse(report.stdout) as { status: string; installations: unknown[] })).toMatchObject({ status: 'accepted', installations: [{}, {}] });
    expect(proc.child.exitCode).toBeNull();
    signalGroup(proc.child, 'SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 240_000);
});

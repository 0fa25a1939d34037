/**
 * Issue 13, "SIGKILL of the broker leading the outcome partitions, on a three-broker
 * cluster": a processor with all three stages is working through a Migration file on a
 * cluster of its own (`local up --brokers 3`: replication 3, min ISR 2) when the broker that
 * leads the installation-outcomes partition is killed with SIGKILL, and later started again
 * on its data. The processor is not restarted: it must go on with two brokers and take the
 * third back, and a fresh read_committed reader must then find every device event, every
 * validation outcome, every final enrolment outcome and every alert exactly once. The time
 * from the kill to the next final outcome, and from the broker's return to the next one,
 * is printed (docs/reliability.md quotes it).
 *
 * The cluster is this file's own (data folder `<S1MIG_LOCAL_DIR>-broker-kill`, ports from
 * S1MIG_PORT_BASE+100, or IT_CLUSTER_PORT_BASE), started and stopped here, apart from the
 * single-node instance the other integration tests share. IT_SAVE_LOGS=1 keeps the
 * processor's log under .s1mig/test-logs after a pass too.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { localDown, localStatus, localUp, resolveLocalInstance } from '../../src/adapters/local/index.js';
import { readJournal } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import type { AlertRecord, DeviceEvent, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { VALIDATION_STAGE } from '../../src/pipeline/validator/outcome.js';
import { readAll } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, repeated, type World } from './processor-runner.js';

const root = new URL('../..', import.meta.url).pathname;
const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const A = '90b3d51f30010000';
const INSTALLATIONS = 30;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** This file's cluster: beside the global instance, never on its ports or in its folder. */
function clusterEnv(): NodeJS.ProcessEnv {
  const global = resolveLocalInstance();
  const base = Number(process.env['IT_CLUSTER_PORT_BASE'] || (Number(process.env['S1MIG_PORT_BASE'] || 19090) + 100));
  const env: NodeJS.ProcessEnv = { ...process.env, S1MIG_LOCAL_DIR: `${global.dataDir}-broker-kill`, S1MIG_PORT_BASE: String(base) };
  // Single-port overrides are the global instance's, and a cluster refuses them.
  for (const name of ['S1MIG_KAFKA_PORT', 'S1MIG_CONTROLLER_PORT', 'S1MIG_REGISTRY_PORT', 'S1MIG_KAFKA_BROKERS', 'S1MIG_REGISTRY_URL']) delete env[name];
  return env;
}

describe('SIGKILL of the broker leading the outcome partitions, three-broker cluster', () => {
  const env = clusterEnv();
  const cluster = resolveLocalInstance(env, root, { brokers: 3 });
  let world: World | undefined;
  let runner: ProcessorRunner | undefined;
  let failed = false;

  beforeAll(async () => {
    // A fresh cluster each run: a folder left by a failed run is evidence, not state to reuse.
    await localDown(cluster);
    rmSync(cluster.dataDir, { recursive: true, force: true });
    const log = (line: string): void => void process.stderr.write(`[broker-leader-kill cluster] ${line}\n`);
    await localUp(cluster, log);
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 1, 'enrolment.lanes': 5, alerts: 2 }, env);
    runner = new ProcessorRunner(world);
    const inputs = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
    writeFileSync(join(world.dir, 'ma.csv'), `reference,supplier,smso,migrationDate,requested,committed\nMA-LK,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},100,100\n`);
    expect((await publishInputFile(inputs, 'ma', join(world.dir, 'ma.csv'))).ok).toBe(true);
    writeFileSync(join(world.dir, 's.csv'), 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
    expect((await publishInputFile(inputs, 'suppliers', join(world.dir, 's.csv'))).ok).toBe(true);
  });

  afterAll(async () => {
    // The processor's log: on a failure, or always with IT_SAVE_LOGS=1 (for the figures).
    if (failed || process.env['IT_SAVE_LOGS'] === '1') runner?.saveLogs('broker-leader-kill');
    runner?.killAll();
    // The cluster's folder goes whole, topics and all. After a failure it stays (stopped) as
    // evidence: its records (kafka-dump-log) and the brokers' logs, until the next run.
    if (failed) process.env['IT_KEEP_TOPICS'] = '1';
    await world?.res.close();
    await localDown(cluster);
    if (failed) process.stderr.write(`the cluster's data and logs are kept in ${cluster.dataDir}\n`);
    else rmSync(cluster.dataDir, { recursive: true, force: true });
  });

  it('the processor goes on with two brokers and takes the third back; every event, outcome and alert exactly once', async () => {
    const w = world!;
    onTestFailed(() => {
      failed = true;
    });
    expect(w.config.kafka.brokers).toHaveLength(3);
    expect(w.config.topics).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
    const g = await w.gen('LEADER-KILL', { installations: INSTALLATIONS, purpose: 'Migration', ma: 'MA-LK', suppliers: [A], defects: 'DEV_CERT_EXPIRED:3' });
    // A slow SMSO (one installation started per second), so enrolment is still going when
    // the leader dies and when it comes back.
    const config = join(w.dir, 'config.json');
    // The simulator's journal says, if a final comes twice, whether the SMSO was asked twice.
    const journal = join(w.dir, 'mds-journal.jsonl');
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, perSecond: 1, simulator: { latency: { kind: 'fixed', ms: 300 }, journal } } } } }));
    const processor = runner!.start({ S1MIG_CONFIG: config, S1MIG_LOCAL_DIR: env['S1MIG_LOCAL_DIR']!, S1MIG_PORT_BASE: env['S1MIG_PORT_BASE']! });
    const key = await w.publish(g.out);
    const outcomesTopic = topicName(w.plan, 'mcf.installation-outcomes');
    interface Final { readonly outcome: InstallationOutcomeRecord; readonly offset: string; readonly at: number }
    /**
     * The file's final enrolment outcomes a fresh read_committed reader finds, each with when
     * the processor produced it (its record's CreateTime): a transaction begun before the
     * kill and committed after it shows up late, and only the time of production says when
     * new work was done. The test's own reads meet the dead broker too (a reset connection,
     * a leader not yet moved): a failed read counts as "nothing new yet" and is tried again.
     */
    const finalsOf = async (msgs: readonly KafkaMessage[]): Promise<Final[]> => {
      const all = await decodeAll<InstallationOutcomeRecord>(w, msgs);
      return all.flatMap((o, i) => (o.fileKey === key && o.stage === 'enrolment' && FINAL.has(o.migration!.status)
        ? [{ outcome: o, offset: msgs[i]!.offset, at: Number(msgs[i]!.timestamp) }] : []));
    };
    let last: Final[] = [];
    let readFailures = 0;
    const finals = async (): Promise<Final[]> => {
      try {
        last = await finalsOf(await w.readToEnd(outcomesTopic));
      } catch {
        readFailures++;
      }
      return last;
    };
    /** Polls until a final produced at or after `since` is readable (or all are): its production time, or 0. */
    const producedSince = async (since: number, timeoutMs: number): Promise<number> => {
      for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
        const f = await finals();
        const first = Math.min(...f.filter((x) => x.at >= since).map((x) => x.at));
        if (Number.isFinite(first)) return first;
        if (f.length >= INSTALLATIONS) return 0;
      }
      return 0;
    };
    for (const deadline = Date.now() + 120_000; (await finals()).length < 3;) {
      if (Date.now() > deadline) throw new Error('no enrolment progress before the kill');
      await sleep(300);
    }

    const meta = await (await w.res.getAdmin()).fetchTopicMetadata({ topics: [outcomesTopic] });
    const leader = meta.topics[0]!.partitions[0]!.leader;
    const node = (await localStatus(cluster)).services.find((s) => s.name === `kafka-${leader}`);
    expect(node?.pid, `the outcome partition's leader, node ${leader}, is one of ours`).toBeGreaterThan(0);
    const before = (await finals()).length;
    process.kill(node!.pid!, 'SIGKILL');
    const killedAt = Date.now();
    // The processor must go on with two brokers (min ISR 2 still met): a final produced after
    // the kill comes while the node is down. The node stays down until then (or 90 s).
    const whileDown = await producedSince(killedAt, 90_000);
    const beforeReturn = (await finals()).length;
    const restartAt = Date.now();
    await localUp(cluster);
    const backAt = Date.now();
    const afterReturn = await producedSince(backAt, 120_000);
    for (const deadline = Date.now() + Number(process.env['IT_BROKER_WAIT_MS'] ?? 180_000); ;) {
      if ((await finals()).length >= INSTALLATIONS || Date.now() > deadline) break;
      await sleep(1000);
    }
    expect(processor.child.exitCode, 'the processor kept running through the outage').toBeNull();

    // A fresh read_committed reader: everything exactly once.
    const events = await decodeAll<DeviceEvent>(w, await w.readToEnd(topicName(w.plan, 'mcf.device-events')));
    const mineEvents = events.filter((e) => e.fileKey === key).map((e) => `${e.installationIndex}:${e.deviceIndex}`);
    expect(mineEvents.length).toBe(g.devices);
    expect(new Set(mineEvents).size).toBe(g.devices);
    const outcomeMessages = await w.readToEnd(outcomesTopic);
    const outcomes = await decodeAll<InstallationOutcomeRecord>(w, outcomeMessages);
    const all = await finalsOf(outcomeMessages);
    const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    const times = all.map((f) => f.at).sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => ({ gap: t - times[i]!, from: times[i]! }));
    const longest = gaps.reduce((a, b) => (b.gap > a.gap ? b : a), { gap: 0, from: killedAt });
    process.stderr.write(`broker leader kill: node ${leader} (leader of ${outcomesTopic}[0]) SIGKILLed with ${before} of ${INSTALLATIONS} final; `
      + `first final produced after the kill ${whileDown === 0 ? 'never while it was down' : `${secs(whileDown - killedAt)} after it`}; `
      + `restarted ${secs(restartAt - killedAt)} after the kill with ${beforeReturn} final, healthy ${secs(backAt - restartAt)} later; `
      + `first final produced after that ${afterReturn === 0 ? (all.length >= INSTALLATIONS && times[times.length - 1]! < backAt ? 'n/a (all were final)' : 'never') : `${secs(afterReturn - backAt)} after it was back`}; `
      + `longest gap between finals ${secs(longest.gap)} (from ${secs(longest.from - killedAt)} after the kill); ${all.length} of ${INSTALLATIONS} final in the end; `
      + `${readFailures} of the test's reads failed on the way\n`
      + `broker leader kill: finals produced at (s from the kill): ${times.map((t) => ((t - killedAt) / 1000).toFixed(1)).join(' ')}\n`);
    expect(whileDown, 'a final produced while the leader was down').toBeGreaterThan(0);
    const validation = outcomes.filter((o) => o.fileKey === key && o.stage === VALIDATION_STAGE).map((o) => o.installationId);
    expect(repeated(validation, validation)).toEqual({});
    expect(validation.length).toBe(INSTALLATIONS);
    const final = all.map((f) => f.outcome.installationId);
    const twice = repeated(final, all.map((f) => `offset ${f.offset}, produced ${secs(f.at - killedAt)} after the kill: ${f.outcome.migration!.status} attempt ${f.outcome.migration!.attempt} request ${f.outcome.migration!.requestId}`));
    if (Object.keys(twice).length > 0) {
      const requests = readJournal(journal).filter((r) => Object.values(twice).flat().some((w2) => w2.includes(r.requestId)));
      process.stderr.write(`finals twice: ${JSON.stringify(twice, null, 1)}\nthe SMSO's journal for those requests: ${JSON.stringify(requests)}\n`);
    }
    expect(twice).toEqual({});
    if (final.length !== INSTALLATIONS) {
      // Which installations have no final, and every enrolment record of theirs, aborted ones too.
      const missing = validation.filter((id) => !final.includes(id));
      const raw = await readAll(w.res, outcomesTopic, { expected: outcomeMessages.length, readUncommitted: true, settleMs: 2000 });
      const theirs = (await decodeAll<InstallationOutcomeRecord>(w, raw)).flatMap((o, i) => (o.fileKey === key && missing.includes(o.installationId)
        ? [`${o.installationId} offset ${raw[i]!.offset} ${o.stage} ${o.migration?.status ?? '-'} produced ${secs(Number(raw[i]!.timestamp) - killedAt)} after the kill`] : []));
      process.stderr.write(`no final for ${missing.join(', ')}; their records, read_uncommitted:\n  ${theirs.join('\n  ')}\n`);
    }
    expect(final.length).toBe(INSTALLATIONS);
    const alerts = (await decodeAll<AlertRecord>(w, await w.readToEnd(topicName(w.plan, 'alerts')))).filter((a) => a.fileKey === key);
    expect(alerts.length).toBeGreaterThan(0);
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(alerts.length);
  }, 600_000);
});

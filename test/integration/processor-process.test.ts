import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { DeviceEvent, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { publishMcf } from '../../src/publish/publish-file.js';
import { topicName } from '../../src/topics/definitions.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

/** `s1mig run` as a real child process in its own process group (so SIGKILL takes all of it). */
function runProcessor(world: Awaited<ReturnType<typeof pipelineWorld>>, extraEnv: Record<string, string> = {}): { child: ChildProcess; exited: Promise<number | null>; log: () => string } {
  let out = '';
  const child = spawn(process.execPath, [cli, 'run', '--ref', world.refDir, '--metrics-port', '0', '--threads', '1'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A short session timeout so the group notices the killed member quickly.
    env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix, S1MIG_LOG_LEVEL: process.env['IT_CHILD_LOG_LEVEL'] ?? 'info', S1MIG_SESSION_TIMEOUT_MS: '6000', ...extraEnv },
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const run = { child, exited, log: () => out };
  runs.push(run);
  return run;
}

const runs: Array<{ child: ChildProcess; log: () => string }> = [];

/**
 * On a failure the processors' own logs are the only witness of what happened inside them:
 * they go to files under .s1mig/test-logs and their tails to stderr (which CI prints).
 */
function saveLogs(test: string): void {
  const dir = join(root, '.s1mig', 'test-logs');
  mkdirSync(dir, { recursive: true });
  runs.forEach((r, i) => {
    const file = join(dir, `${test}-${Date.now()}-${i}.log`);
    writeFileSync(file, r.log());
    const tail = r.log().split('\n').slice(-120).join('\n');
    process.stderr.write(`\n--- processor ${i} (pid ${r.child.pid}), full log ${file}, last lines:\n${tail}\n`);
  });
}

/** Keys seen more than once, with where (partition:offset) each copy was read. */
function repeated(keys: readonly string[], where: readonly string[]): Record<string, string[]> {
  const at = new Map<string, string[]>();
  keys.forEach((k, i) => at.set(k, [...(at.get(k) ?? []), where[i] ?? '?']));
  return Object.fromEntries([...at].filter(([, w]) => w.length > 1));
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

async function decodeAll<T>(world: Awaited<ReturnType<typeof pipelineWorld>>, msgs: KafkaMessage[]): Promise<T[]> {
  return Promise.all(msgs.map(async (m) => (await world.registry.decode(m.value!)) as T));
}

describe('the processor as a process', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 2, 'mcf.device-events': 4, 'mcf.installation-outcomes': 2 });
  });
  beforeEach(() => {
    runs.length = 0;
  });
  afterAll(async () => {
    for (const c of children) killGroup(c, 'SIGKILL');
    await world?.res.close();
  });

  it('SIGKILL mid-file and a restart yield every installation outcome and device event exactly once; SIGTERM exits 0', async () => {
    onTestFailed(() => saveLogs('kill-restart'));
    const g = await world.gen('kill-restart', { installations: 60 });
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const events = await collect(world.res, topicName(world.plan, 'mcf.device-events'));
    // Small transactions so the kill lands between them, mid-file.
    const env = { S1MIG_SPLITTER_DEVICES_PER_TX: '8' };
    const first = runProcessor(world, env);
    children.push(first.child);
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const pub = await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 2048 });
    await events.until((ms) => ms.length >= 20, 120_000);
    killGroup(first.child, 'SIGKILL');
    await first.exited;
    const atKill = events.messages.length;
    expect(atKill).toBeLessThan(g.devices);

    const second = runProcessor(world, env);
    children.push(second.child);
    await outcomes.until((ms) => ms.length >= 60, 180_000);
    await new Promise((r) => setTimeout(r, 3000));
    const [outcomeMsgs, outcomeAt] = [[...outcomes.messages], [...outcomes.where]];
    const [eventMsgs, eventAt] = [[...events.messages], [...events.where]];
    const all = (await decodeAll<InstallationOutcomeRecord>(world, outcomeMsgs)).filter((o) => o.fileKey === pub.fileKey);
    const devs = (await decodeAll<DeviceEvent>(world, eventMsgs)).filter((e) => e.fileKey === pub.fileKey);
    // This file's topics carry only this test's file until here, so positions line up.
    expect([all.length, devs.length]).toEqual([outcomeAt.length, eventAt.length]);
    // Counted together so a failure says at once which stage repeated itself (and where).
    const seen = {
      outcomes: all.length,
      distinctOutcomes: new Set(all.map((o) => o.installationId)).size,
      repeatedOutcomes: repeated(all.map((o) => o.installationId), outcomeAt),
      events: devs.length,
      distinctEvents: new Set(devs.map((d) => `${d.installationId}/${d.deviceIndex}`)).size,
      repeatedEvents: repeated(devs.map((d) => `${d.installationId}/${d.deviceIndex}`), eventAt),
    };
    expect(seen).toEqual({ outcomes: 60, distinctOutcomes: 60, repeatedOutcomes: {}, events: g.devices, distinctEvents: g.devices, repeatedEvents: {} });
    expect(all.every((o) => o.status === 'valid')).toBe(true);

    killGroup(second.child, 'SIGTERM');
    expect(await second.exited).toBe(0);
  }, 300_000);

  it('two processors in one group split the partitions without loss or duplication', async () => {
    onTestFailed(() => saveLogs('two-members'));
    const a = runProcessor(world);
    const b = runProcessor(world);
    children.push(a.child, b.child);
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const gens = await Promise.all([1, 2, 3, 4].map((i) => world.gen(`two-members-${i}`, { installations: 12 })));
    // Wait until both members hold part of the splitter group's partitions.
    const admin = await world.res.getAdmin();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { groups } = await admin.describeGroups([`${world.config.topics.prefix}splitter`]);
      const members = groups[0]?.members.filter((m) => m.memberAssignment.length > 0) ?? [];
      if (groups[0]?.state === 'Stable' && members.length >= 2) break;
      if (Date.now() > deadline) throw new Error(`group never had two members: ${a.log()}\n${b.log()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const keys = [];
    for (const g of gens) keys.push((await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 4096 })).fileKey);
    const wanted = new Set(keys);
    await outcomes.until((ms) => ms.length >= 48, 180_000);
    await new Promise((r) => setTimeout(r, 3000));
    const mine = (await decodeAll<InstallationOutcomeRecord>(world, outcomes.messages)).filter((o) => wanted.has(o.fileKey));
    expect(mine.length).toBe(48);
    expect(new Set(mine.map((o) => `${o.fileKey}|${o.installationId}`)).size).toBe(48);
    killGroup(a.child, 'SIGTERM');
    killGroup(b.child, 'SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  }, 300_000);
});

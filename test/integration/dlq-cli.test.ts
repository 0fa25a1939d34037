import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { REPLAY_HEADER } from '../../src/jobs/dlq/dead-letters.js';
import { deadLetter } from '../../src/pipeline/dlq.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist', 'src', 'cli', 'main.js');

const letter = (offset: string, value: string): KafkaMessage =>
  ({ key: Buffer.from(`key-${offset}`), value: Buffer.from(value), headers: { 'x-origin-header': Buffer.from('kept') }, offset, timestamp: '1765000000000', attributes: 0, size: 0 }) as unknown as KafkaMessage;

describe('s1mig dlq list | show | replay on the real broker (issue 12)', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'dlq', ...args], { encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix } });

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.device-events': 3, dlq: 1 });
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    // Two letters as the validator writes them: from partition 1 of the device events.
    const events = topicName(world.plan, 'mcf.device-events');
    await producer.send({ topic: topicName(world.plan, 'dlq'), messages: [
      { ...deadLetter('validator', 'undecodable device event: bad magic byte', events, 1, letter('7', 'garbage-7')), partition: 0 },
      { ...deadLetter('validator', 'undecodable device event: truncated', events, 1, letter('9', 'garbage-9')), partition: 0 },
    ] });
  });
  afterAll(async () => {
    await world?.res.close();
  });

  it('lists and shows the letters, replays each to its origin partition once, and says which were already replayed', async () => {
    const dlqTopic = topicName(world.plan, 'dlq');
    const events = topicName(world.plan, 'mcf.device-events');
    const origin = await collect(world.res, events);

    const listed = run('list', '--json');
    expect(listed.status, listed.stderr).toBe(0);
    const letters = JSON.parse(listed.stdout) as Array<{ id: string; stage: string; reason: string; origin: { topic: string; partition: number; offset: string }; replayedAt: string | null }>;
    expect(letters.map((l) => [l.id, l.stage, l.origin, l.replayedAt])).toEqual([
      ['0:0', 'validator', { topic: events, partition: 1, offset: '7' }, null],
      ['0:1', 'validator', { topic: events, partition: 1, offset: '9' }, null],
    ]);
    expect(letters[0]!.reason).toBe('undecodable device event: bad magic byte');

    const shown = run('show', '0:1', '--json');
    expect(shown.status, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: '0:1', valueBytes: 9, value: Buffer.from('garbage-9').toString('base64'), key: Buffer.from('key-9').toString('base64'), headers: { 'x-origin-header': 'kept' } });
    expect(run('show', '0:5').status).toBe(1);

    const first = run('replay', '0:0');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`replayed 0:0 to ${events}:1`);
    const second = run('replay', '0:0', '0:1');
    expect(second.stdout).toContain('already replayed 0:0');
    expect(second.stdout).toContain('1 replayed, 1 already replayed');
    const all = run('replay', '--all');
    expect(all.stdout).toContain('0 replayed, 0 already replayed');

    // Exactly one copy of each on its origin partition, original bytes and headers, marked as a replay.
    await origin.until((ms) => ms.length >= 2, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    // By offset: the collector is an ordinary consumer, which may see a record again after a rebalance of its own.
    const byOffset = new Map(origin.messages.map((m, i) => [origin.where[i]!, m]));
    expect([...byOffset.keys()].map((w) => w.split(':')[0]), [...byOffset].map(([w, m]) => `${w} ${m.key?.toString()} ${m.headers?.[REPLAY_HEADER]?.toString()}`).join('; ')).toEqual(['1', '1']);
    const copies = [...byOffset.values()].map((m) => [m.key!.toString(), m.value!.toString(), m.headers!['x-origin-header']!.toString(), m.headers![REPLAY_HEADER]!.toString()]).sort();
    expect(copies).toEqual([['key-7', 'garbage-7', 'kept', `${dlqTopic}:0:0`], ['key-9', 'garbage-9', 'kept', `${dlqTopic}:0:1`]]);
    for (const m of byOffset.values()) expect(Object.keys(m.headers!).some((k) => k.startsWith('s1mig-dlq') || k.startsWith('s1mig-origin'))).toBe(false);

    const after = JSON.parse(run('list', '--json').stdout) as Array<{ replayedAt: string | null }>;
    expect(after.every((l) => l.replayedAt !== null)).toBe(true);
    expect(run('replay', '7:7').status).toBe(2);
  });
});

import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitForTopics } from '../../../../src/adapters/topics/apply.js';

// Regression: right after createTopics, KRaft answered metadata with UNKNOWN_TOPIC_OR_PARTITION,
// which kafkajs' waitForLeaders does not retry; a CI run failed on it.
describe('waitForTopics (regression: UNKNOWN_TOPIC_OR_PARTITION right after creation)', () => {
  const unknown = Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });

  it('retries until every partition has a leader', async () => {
    const answers: Array<() => unknown> = [
      () => { throw unknown; },
      () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0, leader: -1 }] }] }),
      () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0, leader: 1 }] }] }),
    ];
    let calls = 0;
    const admin = { fetchTopicMetadata: async () => answers[calls++]!() } as unknown as Admin;
    await waitForTopics(admin, ['t'], 5000);
    expect(calls).toBe(3);
  });

  it('gives up with KAFKA_UNAVAILABLE after the timeout, and rethrows other errors at once', async () => {
    const never = { fetchTopicMetadata: async () => { throw unknown; } } as unknown as Admin;
    await expect(waitForTopics(never, ['t'], 300)).rejects.toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    const denied = { fetchTopicMetadata: async () => { throw Object.assign(new Error('denied'), { type: 'TOPIC_AUTHORIZATION_FAILED' }); } } as unknown as Admin;
    await expect(waitForTopics(denied, ['t'], 5000)).rejects.toThrow('denied');
  });
});

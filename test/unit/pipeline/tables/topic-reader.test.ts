/**
 * Regression (issue 13, broker-leader-kill): readTopicsToEnd (report, demo, the tests'
 * readers) started its consumer outside its try, so a start that failed half-way (its
 * broker gone) left a connected consumer of a fresh group behind, retrying in the background.
 */
import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { readTopicsToEnd } from '../../../../src/pipeline/tables/topic-reader.js';

describe('readTopicsToEnd', () => {
  it('disconnects its consumer when the start fails half-way', async () => {
    const calls: string[] = [];
    const consumer = {
      events: { START_BATCH_PROCESS: 'consumer.start_batch_process' },
      on: () => undefined,
      connect: async () => void calls.push('connect'),
      subscribe: async () => {
        calls.push('subscribe');
        throw new Error('Connection error: connect ECONNREFUSED');
      },
      run: async () => undefined,
      disconnect: async () => void calls.push('disconnect'),
    };
    const kafka = { consumer: () => consumer } as unknown as Kafka;
    const admin = { fetchTopicOffsets: async () => [{ partition: 0, offset: '5', high: '5', low: '0' }] } as unknown as Admin;
    await expect(readTopicsToEnd(kafka, admin, ['t'], () => undefined, { groupStem: 'it-reader', timeoutMs: 100 })).rejects.toThrow(/ECONNREFUSED/);
    expect(calls).toEqual(['connect', 'subscribe', 'disconnect']);
  });
});

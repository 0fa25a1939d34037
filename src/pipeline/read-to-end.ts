import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { FETCH_MAX_WAIT_MS } from '../kafka/client.js';

export interface ReadToEndOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Stem of the throw-away group id (nothing is ever committed for it). */
  groupStem?: string;
}

/**
 * Reads topics from the beginning, read_committed, up to their ends as of the call (the
 * last stable offsets), handing each record to `onMessage`, then disconnects. Batches of
 * only transaction markers never reach eachBatch; their offsets still count as read.
 */
export async function readTopicsToEnd(
  kafka: Kafka,
  admin: Admin,
  topics: readonly string[],
  onMessage: (topic: string, partition: number, message: KafkaMessage) => Promise<void> | void,
  options: ReadToEndOptions = {},
): Promise<void> {
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    for (const e of await admin.fetchTopicOffsets(topic)) {
      const high = BigInt(e.high);
      if (high > BigInt(e.low)) ends.set(`${topic}:${e.partition}`, high);
    }
  }
  if (ends.size === 0) return;
  const position = new Map<string, bigint>();
  const advance = (topic: string, partition: number, lastOffset: string): void => {
    const key = `${topic}:${partition}`;
    const next = BigInt(lastOffset) + 1n;
    if (next > (position.get(key) ?? -1n)) position.set(key, next);
  };
  const caughtUp = (): boolean => [...ends].every(([k, end]) => (position.get(k) ?? 0n) >= end);

  const consumer = kafka.consumer({
    groupId: `${options.groupStem ?? 's1mig-reader'}-${randomBytes(6).toString('hex')}`,
    readUncommitted: false,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
  });
  let failure: unknown = null;
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0) advance(payload.topic, payload.partition, payload.lastOffset);
  });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (failure !== null) return;
        try {
          for (const m of batch.messages) await onMessage(batch.topic, batch.partition, m);
        } catch (err) {
          failure = err;
        }
        advance(batch.topic, batch.partition, batch.lastOffset());
      },
    });
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (failure !== null) throw failure;
      if (caughtUp()) return;
      if (Date.now() > deadline) throw new Error(`could not read ${topics.join(', ')} to the end within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await consumer.disconnect();
  }
}

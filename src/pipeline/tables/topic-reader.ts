import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { FETCH_MAX_WAIT_MS } from '../../adapters/kafka/client.js';
import { isRetriable } from '../../core/errors/s1mig-error.js';

/** Waits between tries of a record that failed retriably (the registry away): 250 ms doubling to 8 s. */
const RETRY_MS = 250;
const RETRY_MAX_MS = 8_000;

export type OnRecord = (topic: string, partition: number, message: KafkaMessage) => Promise<void> | void;

export interface TopicReaderOptions {
  /**
   * Stem of the reader's group id: `<stem>-<random>`; give it the topic prefix first
   * (`<prefix>files-table`), so prefix-scoped ACLs cover it. Nothing is ever committed for it.
   */
  readonly groupStem: string;
}

/**
 * Reads topics from the beginning, read_committed, and keeps reading, with a group of its
 * own (every process sees every partition). `catchUp()` resolves once each partition has
 * been read up to its end (last stable offset) as of the call: the one mechanism behind
 * the compacted tables and the read-to-the-end of `report` and `demo`.
 */
export class TopicReader {
  private readonly position = new Map<string, bigint>();
  private consumer: Consumer | null = null;
  private failure: unknown = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly topics: readonly string[],
    private readonly onRecord: OnRecord,
    private readonly options: TopicReaderOptions,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `${this.options.groupStem}-${randomBytes(6).toString('hex')}`,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      readUncommitted: false,
    });
    this.consumer = consumer;
    // Batches of only transaction markers never reach eachBatch; their offsets still count.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) this.advance(payload.topic, payload.partition, payload.lastOffset);
    });
    await consumer.connect();
    for (const topic of this.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning }) => {
        if (this.failure !== null) return;
        for (const m of batch.messages) if (!(await this.apply(batch.topic, batch.partition, m, heartbeat, isRunning))) return;
        this.advance(batch.topic, batch.partition, batch.lastOffset());
      },
    });
  }

  /**
   * Hands one record on; false once the reader has failed for good. A retriable failure (the
   * registry away) is waited out on the same record: keeping it as the reader's failure failed
   * every later catch-up until a restart, and the position moved past the batch's unread
   * records (issue 13). catchUp() meanwhile times out, which its callers retry.
   */
  private async apply(topic: string, partition: number, m: KafkaMessage, heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<boolean> {
    for (let tries = 0; ; tries++) {
      try {
        await this.onRecord(topic, partition, m);
        return true;
      } catch (err) {
        if (!isRetriable(err) || this.consumer === null || !isRunning()) {
          this.failure = err;
          return false;
        }
        await new Promise((r) => setTimeout(r, Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** Math.min(tries, 5))));
        await heartbeat().catch(() => undefined);
      }
    }
  }

  private advance(topic: string, partition: number, lastOffset: string): void {
    const key = `${topic}:${partition}`;
    const next = BigInt(lastOffset) + 1n;
    if (next > (this.position.get(key) ?? 0n)) this.position.set(key, next);
  }

  /** Resolves once every partition has been read up to its end as of this call; a failed record fails it. */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const ends: Array<[string, bigint]> = [];
    for (const topic of this.topics) {
      for (const e of await this.admin.fetchTopicOffsets(topic)) if (BigInt(e.high) > BigInt(e.low)) ends.push([`${topic}:${e.partition}`, BigInt(e.high)]);
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure !== null) throw this.failure;
      if (ends.every(([k, end]) => (this.position.get(k) ?? 0n) >= end)) return;
      if (Date.now() > deadline) throw new Error(`could not read ${this.topics.join(', ')} to the end within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}

/** Reads topics from the beginning up to their ends as of the call, handing each record to `onMessage`, then stops. */
export async function readTopicsToEnd(kafka: Kafka, admin: Admin, topics: readonly string[], onMessage: OnRecord,
  options: TopicReaderOptions & { readonly timeoutMs?: number }): Promise<void> {
  const reader = new TopicReader(kafka, admin, topics, onMessage, options);
  // Nothing to read: no consumer needed (an empty topic has no end to reach).
  let any = false;
  for (const topic of topics) for (const e of await admin.fetchTopicOffsets(topic)) if (BigInt(e.high) > BigInt(e.low)) any = true;
  if (!any) return;
  try {
    // Inside the try: a start that fails half-way (a broker gone) still leaves no consumer behind.
    await reader.start();
    await reader.catchUp(options.timeoutMs ?? 60_000);
  } finally {
    await reader.stop();
  }
}

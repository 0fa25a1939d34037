import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { loadConfig, type S1migConfig } from '../../src/adapters/config/config.js';
import { createKafka } from '../../src/adapters/kafka/client.js';
import { waitForTopics } from '../../src/adapters/topics/apply.js';

/**
 * A config whose topic prefix is random, so every test file has its own topics and subjects.
 * `env` points it at another instance than the global one (a test's own cluster).
 */
export function testConfig(env: NodeJS.ProcessEnv = process.env): Readonly<S1migConfig> {
  const base = loadConfig({ env });
  return { ...base, topics: { ...base.topics, prefix: `it-${randomBytes(4).toString('hex')}.` } };
}

export function randomName(stem: string): string {
  return `it-${stem}-${randomBytes(5).toString('hex')}`;
}

/** Tracks clients and topics of a test file and releases them in one call (afterAll). */
export class Resources {
  readonly kafka: Kafka;
  private readonly topics = new Set<string>();
  private readonly closers: Array<() => Promise<void>> = [];
  private admin: Admin | null = null;

  constructor(config: Readonly<S1migConfig>) {
    this.kafka = createKafka(config, 'it');
  }

  async getAdmin(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  onClose(fn: () => Promise<void>): void {
    this.closers.push(fn);
  }

  async createTopic(stem: string, partitions = 1): Promise<string> {
    const topic = randomName(stem);
    const admin = await this.getAdmin();
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
    await waitForTopics(admin, [topic]);
    this.topics.add(topic);
    return topic;
  }

  registerTopics(names: Iterable<string>): void {
    for (const n of names) this.topics.add(n);
  }

  async close(): Promise<void> {
    for (const fn of this.closers.reverse()) await fn().catch(() => undefined);
    if (this.admin) {
      if (this.topics.size > 0 && process.env['IT_KEEP_TOPICS'] !== '1') await this.admin.deleteTopics({ topics: [...this.topics] }).catch(() => undefined);
      await this.admin.disconnect();
    }
  }
}

/**
 * Reads a topic from the beginning with a fresh group until `expected` messages arrived and
 * nothing more came for `settleMs` (so extra, unexpected messages are caught too), or until
 * `timeoutMs`.
 */
export async function readAll(
  res: Resources,
  topic: string,
  opts: { expected: number; readUncommitted?: boolean; settleMs?: number; timeoutMs?: number },
): Promise<KafkaMessage[]> {
  const consumer: Consumer = res.kafka.consumer({
    groupId: randomName('reader'),
    readUncommitted: opts.readUncommitted ?? false,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
  });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let last = Date.now();
    await consumer.run({ eachMessage: async ({ message }) => { got.push(message); last = Date.now(); } });
    const settle = opts.settleMs ?? 1500;
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    while (Date.now() < deadline) {
      if (got.length >= opts.expected && Date.now() - last >= settle) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/** A background read_committed reader of a topic from the beginning; `until` polls what it has. */
export async function collect(res: Resources, topic: string): Promise<{
  messages: KafkaMessage[];
  /** "partition:offset" of each message, same order (for failure messages). */
  where: string[];
  until(pred: (msgs: KafkaMessage[]) => boolean, timeoutMs?: number): Promise<KafkaMessage[]>;
}> {
  const consumer = res.kafka.consumer({ groupId: randomName('collect'), sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const messages: KafkaMessage[] = [];
  const where: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => { messages.push(message); where.push(`${partition}:${message.offset}`); } });
  res.onClose(() => consumer.disconnect());
  return {
    messages,
    where,
    async until(pred, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(messages)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting on ${topic} (${messages.length} messages so far)`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return messages;
    },
  };
}

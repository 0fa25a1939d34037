/**
 * The Kafka floor of the pipeline: the device events of a run copied to a fresh topic with
 * the stages' exactly-once pattern (consumer group, one transactional producer per input
 * partition, offsets sent in the transaction, read_committed) and nothing else: no Avro
 * decoding, no assembly, no checks. What the pipeline costs above this is its own work.
 */
import { randomBytes } from 'node:crypto';
import type { Message } from 'kafkajs';
import { PartitionProducers } from '../../src/adapters/kafka/partition-producers.js';
import { VALIDATOR_DEFAULTS } from '../../src/pipeline/validator/validator-stage.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import type { BenchTopics, Infra } from './infra.js';
import { waitForTopics } from '../../src/adapters/topics/apply.js';

export interface PassthroughRun {
  readonly records: number;
  readonly transactions: number;
  /** From the first batch to the last commit (group join and connects excluded). */
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly group: string;
}

export async function runPassthrough(infra: Infra, t: BenchTopics, timeoutMs = 600_000): Promise<PassthroughRun> {
  const source = topicName(t.plan, 'mcf.device-events');
  const partitions = t.plan.find((p) => p.topic === source)?.partitions ?? 1;
  const target = `${t.prefix}passthrough-${randomBytes(3).toString('hex')}`;
  await infra.admin.createTopics({
    waitForLeaders: false,
    topics: [{ topic: target, numPartitions: partitions, replicationFactor: t.config.topics.replicationFactor }],
  });
  await waitForTopics(infra.admin, [target]);
  t.extra.push(target);
  const group = `${target}-group`;

  const ends = new Map<string, bigint>();
  for (const e of await infra.admin.fetchTopicOffsets(source)) {
    if (BigInt(e.high) > BigInt(e.low)) ends.set(`${source}:${e.partition}`, BigInt(e.high));
  }
  const position = new Map<string, bigint>();
  const advance = (partition: number, lastOffset: string): void => {
    const key = `${source}:${partition}`;
    const next = BigInt(lastOffset) + 1n;
    if (next > (position.get(key) ?? -1n)) position.set(key, next);
  };
  const caughtUp = (): boolean => [...ends].every(([k, end]) => (position.get(k) ?? 0n) >= end);

  const producers = new PartitionProducers(infra.kafka, group);
  const consumer = infra.kafka.consumer({ groupId: group, readUncommitted: false, sessionTimeout: 30_000, heartbeatInterval: 3000 });
  let records = 0;
  let transactions = 0;
  let firstBatchAt = 0;
  let lastCommitAt = 0;
  let failure: unknown = null;
  // Batches of only transaction markers never reach eachBatch; their offsets still count as read.
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0) advance(payload.partition, payload.lastOffset);
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: source, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: VALIDATOR_DEFAULTS.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset, isRunning, isStale }) => {
        if (batch.messages.length === 0 || !isRunning() || isStale() || failure !== null) return;
        if (firstBatchAt === 0) firstBatchAt = Date.now();
        try {
          const messages: Message[] = batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} }));
          const producer = await producers.get(batch.topic, batch.partition);
          const tx = await producer.transaction();
          try {
            await tx.send({ topic: target, messages });
            await tx.sendOffsets({ consumerGroupId: group, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }] });
            await tx.commit();
          } catch (err) {
            await tx.abort().catch(() => undefined);
            throw err;
          }
          transactions++;
          records += messages.length;
          lastCommitAt = Date.now();
          resolveOffset(batch.lastOffset());
          advance(batch.partition, batch.lastOffset());
        } catch (err) {
          failure = err;
        }
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!caughtUp()) {
      if (failure !== null) throw failure;
      if (Date.now() > deadline) throw new Error(`pass-through did not finish within ${timeoutMs} ms (${records} records copied)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producers.closeAll();
    await infra.admin.deleteGroups([group]).catch(() => undefined);
  }
  const seconds = (lastCommitAt - firstBatchAt) / 1000;
  return { records, transactions, seconds, recordsPerSecond: records / seconds, group };
}

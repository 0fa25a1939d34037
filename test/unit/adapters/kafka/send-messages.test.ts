/**
 * Regression (issue 13, broker-leader-kill): kafkajs' producer kept the answers of a send per
 * broker across its retries, so a partition whose leader died and moved to a broker that had
 * already answered was sent nowhere on the retry, and the send (and the transaction around
 * it) went through without it. The send kafkajs runs is checked here as kafkajs loads it
 * through src/adapters/kafka/kafkajs.ts, against a fake cluster.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../../../src/adapters/kafka/client.js';
import { createSendMessages } from '../../../../src/adapters/kafka/send-messages.js';

const require = createRequire(import.meta.url);
const { KafkaJSConnectionError } = require('kafkajs/src/errors.js') as { KafkaJSConnectionError: new (m: string) => Error };
const createRetry = require('kafkajs/src/retry/index.js') as (o: object) => unknown;

interface Sent { broker: number; topic: string; partition: number; messages: number; firstSequence: number }

/** Two partitions of one topic; partition 0's leader (broker 1) refuses connections until the metadata moves it to broker 2. */
function world(opts: { slowBroker?: number } = {}) {
  const leaders: Record<number, number> = { 0: 1, 1: 2 };
  const sent: Sent[] = [];
  const sequences = new Map<string, number>();
  let refreshed = 0;
  const broker = (nodeId: number) => ({
    nodeId,
    async produce({ topicData }: { topicData: Array<{ topic: string; partitions: Array<{ partition: number; messages: unknown[]; firstSequence: number }> }> }) {
      if (opts.slowBroker === nodeId) await new Promise((r) => setTimeout(r, 50));
      if (nodeId === 1) throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
      for (const t of topicData) for (const p of t.partitions) sent.push({ broker: nodeId, topic: t.topic, partition: p.partition, messages: p.messages.length, firstSequence: p.firstSequence });
      return { topics: topicData.map((t) => ({ topicName: t.topic, partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' })) })) };
    },
  });
  const brokers = new Map([[1, broker(1)], [2, broker(2)]]);
  const deps = {
    logger: { debug: () => undefined, error: () => undefined },
    cluster: {
      refreshMetadataIfNecessary: async () => undefined,
      refreshMetadata: async () => {
        refreshed++;
        leaders[0] = 2; // the controller fenced broker 1: partition 0 moved to broker 2
      },
      findTopicPartitionMetadata: () => [0, 1].map((partitionId) => ({ partitionId, leader: leaders[partitionId] })),
      findLeaderForPartitions: (_t: string, partitions: string[]) => partitions.reduce<Record<string, number[]>>((acc, p) => {
        const l = String(leaders[Number(p)]);
        acc[l] = [...(acc[l] ?? []), Number(p)];
        return acc;
      }, {}),
      findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(Number(nodeId))!,
      addMultipleTargetTopics: async () => undefined,
      isConnected: () => true,
      connect: async () => undefined,
      removeBroker: () => undefined,
    },
    partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    eosManager: {
      acquireBrokerLock: async () => undefined,
      releaseBrokerLock: async () => undefined,
      isTransactional: () => true,
      addPartitionsToTransaction: async () => undefined,
      getSequence: (t: string, p: number) => sequences.get(`${t}:${p}`) ?? 0,
      updateSequence: (t: string, p: number, n: number) => void sequences.set(`${t}:${p}`, (sequences.get(`${t}:${p}`) ?? 0) + n),
      getTransactionalId: () => 'tx',
      getProducerId: () => 1,
      getProducerEpoch: () => 0,
    },
    retrier: createRetry({ initialRetryTime: 1, retries: 3 }),
  };
  const request = { acks: -1, timeout: 1000, compression: 0, topicMessages: [{ topic: 'outcomes', messages: [{ partition: 0 }, { partition: 1 }, { partition: 1 }] }] };
  return { deps, request, sent, sequences, refreshed: () => refreshed };
}

describe('the producer send kafkajs runs (src/adapters/kafka/send-messages.ts in kafkajs\' place)', () => {
  it('is ours: kafkajs.ts put it in place before kafkajs loaded', () => {
    createKafka({ kafka: { brokers: ['127.0.0.1:1'], clientId: 't', ssl: false, tls: { ca: null, cert: null, key: null, servername: null }, sasl: null, connectionTimeoutMs: 100, requestTimeoutMs: 100 } });
    expect(require('kafkajs/src/producer/sendMessages.js')).toBe(createSendMessages);
  });

  it('sends a partition whose leader died to its new leader on the retry, though that broker answered the first attempt', async () => {
    const w = world();
    const send = (require('kafkajs/src/producer/sendMessages.js') as typeof createSendMessages)(w.deps as never);
    const answers = await send(w.request as never);
    expect(w.refreshed()).toBe(1);
    // Partition 1 once (attempt 1), partition 0 once (attempt 2), both on broker 2.
    expect(w.sent).toEqual([
      { broker: 2, topic: 'outcomes', partition: 1, messages: 2, firstSequence: 0 },
      { broker: 2, topic: 'outcomes', partition: 0, messages: 1, firstSequence: 0 },
    ]);
    expect(answers.map((a) => a.partition).sort()).toEqual([0, 1]);
    // The failed attempt gave back its sequence numbers: partition 0 went out from 0, once.
    expect([w.sequences.get('outcomes:0'), w.sequences.get('outcomes:1')]).toEqual([1, 2]);
  });

  it('starts a retry only once every request of the attempt has settled (nothing sent twice under new sequence numbers)', async () => {
    const w = world({ slowBroker: 2 });
    const answers = await createSendMessages(w.deps as never)(w.request as never);
    expect(w.sent.map((s) => `${s.partition}@${s.firstSequence}`)).toEqual(['1@0', '0@0']);
    expect(answers).toHaveLength(2);
  });
});

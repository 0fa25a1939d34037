import { createRequire } from 'node:module';

/**
 * kafkajs' producer/sendMessages.js with its retry corrected; kafkajs.ts puts it in
 * kafkajs' place before kafkajs loads (kafkajs 2.2.4 is unmaintained).
 *
 * kafkajs kept the answers of a send per broker across its retries and, on a retry, sent
 * only to brokers that had not answered yet. When a broker died, the partitions it led
 * moved to brokers that had already answered for their own partitions, so on the retry
 * those partitions were sent nowhere, and the send resolved as if they had been written.
 * In a transaction the rest of it then committed without them: issue 13's
 * broker-leader-kill test lost a final enrolment outcome whose SMI and state rows
 * committed (29 finals for 30 installations), or the lane's progress row, so the
 * installation was decided a second time (two finals). kafkajs PR #1798 (open) describes
 * the same map.
 *
 * Here the answers are kept per partition: a retry sends exactly the partitions not yet
 * answered, each to the broker that leads it now. And a retry starts only once every
 * request of the attempt has settled, so a request still on the wire is never sent a
 * second time under a new sequence number (a duplicate inside the transaction).
 */

const require = createRequire(import.meta.url);
const { KafkaJSMetadataNotLoaded } = require('kafkajs/src/errors.js') as { KafkaJSMetadataNotLoaded: new (message: string) => Error };
const { staleMetadata } = require('kafkajs/src/protocol/error.js') as { staleMetadata: (e: unknown) => boolean };
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition.js') as
  (o: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: unknown }) => Record<string, unknown[]>;
const createTopicData = require('kafkajs/src/producer/createTopicData.js') as (d: TopicDataForBroker[]) => TopicData[];
const responseSerializer = require('kafkajs/src/producer/responseSerializer.js') as (r: unknown) => ProduceAnswer[];

interface TopicDataForBroker { topic: string; partitions: number[]; messagesPerPartition: Record<string, unknown[]> }
interface TopicData { topic: string; partitions: Array<{ partition: number; messages: unknown[]; firstSequence?: number }> }
interface ProduceAnswer { topicName: string; partition: number }
interface Broker { nodeId: number }

/** The parts of kafkajs' internals that sendMessages uses (kafkajs/src/producer/sendMessages.js). */
export interface SendMessagesDeps {
  logger: { debug(m: string, e?: object): void; error(m: string, e?: object): void };
  cluster: {
    refreshMetadataIfNecessary(): Promise<void>;
    refreshMetadata(): Promise<void>;
    findTopicPartitionMetadata(topic: string): unknown[];
    findLeaderForPartitions(topic: string, partitions: string[]): Record<string, number[]>;
    findBroker(o: { nodeId: string }): Promise<Broker & { produce(request: object): Promise<unknown> }>;
    addMultipleTargetTopics(topics: string[]): Promise<void>;
    isConnected(): boolean;
    connect(): Promise<void>;
    removeBroker(o: { host: string; port: number }): void;
  };
  partitioner: unknown;
  eosManager: {
    acquireBrokerLock(b: Broker): Promise<void>;
    releaseBrokerLock(b: Broker): Promise<void>;
    isTransactional(): boolean;
    addPartitionsToTransaction(topicData: TopicData[]): Promise<void>;
    getSequence(topic: string, partition: number): number;
    updateSequence(topic: string, partition: number, increment: number): void;
    getTransactionalId(): string;
    getProducerId(): unknown;
    getProducerEpoch(): unknown;
  };
  retrier: <T>(fn: (bail: (e: Error) => void, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;
}

export interface SendRequest { acks: number; timeout: number; compression: unknown; topicMessages: Array<{ topic: string; messages: unknown[] }> }

type KafkaError = Error & { retriable?: boolean; host?: string; port?: number };

const keyOf = (topic: string, partition: string | number): string => `${topic}\u0000${partition}`;

export function createSendMessages({ logger, cluster, partitioner, eosManager, retrier }: SendMessagesDeps) {
  return async ({ acks, timeout, compression, topicMessages }: SendRequest): Promise<ProduceAnswer[]> => {
    /** The answer of each partition written, by topic and partition: never sent again. */
    const answered = new Map<string, ProduceAnswer[]>();

    /** One request per broker that leads a partition not answered yet. */
    const requests = async (): Promise<Array<Promise<void>>> => {
      await cluster.refreshMetadataIfNecessary();
      const perBroker = new Map<string, TopicDataForBroker[]>();
      for (const { topic, messages } of topicMessages) {
        const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
        if (partitionMetadata.length === 0) {
          logger.debug('Producing to topic without metadata', { topic });
          throw new KafkaJSMetadataNotLoaded('Producing to topic without metadata');
        }
        const messagesPerPartition = groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner });
        const pending = Object.keys(messagesPerPartition).filter((p) => !answered.has(keyOf(topic, p)));
        for (const [nodeId, partitions] of Object.entries(cluster.findLeaderForPartitions(topic, pending))) {
          perBroker.set(nodeId, [...(perBroker.get(nodeId) ?? []), { topic, partitions, messagesPerPartition }]);
        }
      }
      return [...perBroker].map(async ([nodeId, forBroker]) => {
        const broker = await cluster.findBroker({ nodeId });
        const topicData = createTopicData(forBroker);
        await eosManager.acquireBrokerLock(broker);
        try {
          if (eosManager.isTransactional()) await eosManager.addPartitionsToTransaction(topicData);
          for (const { topic, partitions } of topicData) {
            for (const entry of partitions) {
              entry.firstSequence = eosManager.getSequence(topic, entry.partition);
              eosManager.updateSequence(topic, entry.partition, entry.messages.length);
            }
          }
          let response: unknown;
          try {
            response = await broker.produce({
              transactionalId: eosManager.isTransactional() ? eosManager.getTransactionalId() : undefined,
              producerId: eosManager.getProducerId(),
              producerEpoch: eosManager.getProducerEpoch(),
              acks,
              timeout,
              compression,
              topicData,
            });
          } catch (e) {
            // Not written: the same sequence numbers go out again on the retry (a duplicate of a
            // batch the broker did write is recognised by them and answered as written).
            for (const { topic, partitions } of topicData) for (const entry of partitions) eosManager.updateSequence(topic, entry.partition, -entry.messages.length);
            throw e;
          }
          const answers = acks !== 0 ? responseSerializer(response) : [];
          for (const { topic, partitions } of topicData) {
            for (const { partition } of partitions) answered.set(keyOf(topic, partition), answers.filter((a) => a.topicName === topic && a.partition === partition));
          }
        } finally {
          await eosManager.releaseBrokerLock(broker);
        }
      });
    };

    return retrier(async (bail) => {
      await cluster.addMultipleTargetTopics(topicMessages.map(({ topic }) => topic));
      try {
        const results = await Promise.allSettled(await requests());
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
        return [...answered.values()].flat();
      } catch (err) {
        // From here on as kafkajs does it: what is retried, and how the metadata is refreshed.
        const e = err as KafkaError;
        if (e.name === 'KafkaJSConnectionClosedError') cluster.removeBroker({ host: e.host!, port: e.port! });
        if (!cluster.isConnected()) {
          logger.debug(`Cluster has disconnected, reconnecting: ${e.message}`);
          await cluster.connect();
          await cluster.refreshMetadata();
          throw e;
        }
        if (staleMetadata(e) || e.name === 'KafkaJSMetadataNotLoaded' || e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSConnectionClosedError'
          || (e.name === 'KafkaJSProtocolError' && e.retriable)) {
          logger.error(`Failed to send messages: ${e.message}`);
          await cluster.refreshMetadata();
          throw e;
        }
        logger.error(e.message);
        if (e.retriable) throw e;
        bail(e);
        return [];
      }
    });
  };
}

import type { Kafka, Producer } from 'kafkajs';
import { keyPartitioner } from './partitioner.js';

/**
 * One transactional producer per assigned input partition. kafkajs implements
 * TxnOffsetCommit v1 only (no KIP-447 fencing by group metadata), so the transactional id
 * is derived from group + topic + partition: when a partition moves to another member, the
 * new owner's producer fences the old one's (same id, higher epoch), and a zombie can never
 * commit outputs or offsets for it again.
 */
export class PartitionProducers {
  private readonly producers = new Map<string, Promise<Producer>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
  ) {}

  static key(topic: string, partition: number): string {
    return `${topic}:${partition}`;
  }

  transactionalId(topic: string, partition: number): string {
    return `${this.groupId}.${topic}.${partition}`;
  }

  get(topic: string, partition: number): Promise<Producer> {
    const key = PartitionProducers.key(topic, partition);
    let p = this.producers.get(key);
    if (!p) {
      p = (async () => {
        const producer = this.kafka.producer({
          transactionalId: this.transactionalId(topic, partition),
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: 60_000,
          createPartitioner: keyPartitioner,
        });
        await producer.connect();
        return producer;
      })();
      p.catch(() => this.producers.delete(key));
      this.producers.set(key, p);
    }
    return p;
  }

  /** The partitions of `topic` that have a producer. */
  partitions(topic: string): number[] {
    return [...this.producers.keys()].filter((k) => k.startsWith(`${topic}:`)).map((k) => Number(k.slice(topic.length + 1)));
  }

  /**
   * Closes one partition's producer. Never while a transaction of it is under way: kafkajs
   * waits for the requests on the wire and then destroys the queue, and a transaction's next
   * request can then wait for ever. The runtime calls it under the partition's lock.
   */
  async closeOne(topic: string, partition: number): Promise<void> {
    await this.close(PartitionProducers.key(topic, partition));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((k) => this.close(k)));
  }

  private async close(key: string): Promise<void> {
    const p = this.producers.get(key);
    this.producers.delete(key);
    if (p) await p.then((producer) => producer.disconnect()).catch(() => undefined);
  }
}

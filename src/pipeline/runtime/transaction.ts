import type { Producer } from 'kafkajs';
import { sendChunks } from './send-chunks.js';
import type { TopicMessages } from './stage.js';

/** The input offset a transaction commits for its group, with its outputs. */
export interface TransactionOffset {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

/**
 * One Kafka transaction: the outputs (in calls of at most MAX_SEND_BYTES, send-chunks.ts) and
 * the input offset, committed together or aborted. `step` is told where it is, so a
 * transaction that never ends is named where it waits (partition-locks.ts); `beforeCommit`
 * may still refuse it (a partition revoked meanwhile) after everything was sent.
 */
export async function inTransaction(producer: Producer, outputs: readonly TopicMessages[], offset: TransactionOffset | null,
  step: (where: string) => void, beforeCommit: () => void): Promise<void> {
  step('commit: begin');
  const tx = await producer.transaction();
  try {
    step('commit: send');
    for (const chunk of sendChunks(outputs)) await tx.sendBatch({ topicMessages: chunk });
    step('commit: offsets');
    if (offset !== null) {
      await tx.sendOffsets({ consumerGroupId: offset.groupId, topics: [{ topic: offset.topic, partitions: [{ partition: offset.partition, offset: String(offset.offset) }] }] });
    }
    beforeCommit();
    step('commit: end');
    await tx.commit();
  } catch (err) {
    step('commit: abort');
    await tx.abort().catch(() => undefined);
    throw err;
  } finally {
    step('stage logic');
  }
}

import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { partitionOfKey } from '../../adapters/kafka/partitioner.js';
import { FETCH_MAX_WAIT_MS } from '../../adapters/kafka/client.js';
import { parseChunkMeta } from '../../core/transfer/chunk-headers.js';
import type { InFlightUpload } from '../../pipeline/file-state.js';

export interface InFlightQuery {
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** The input (chunks) topic and the splitter's group. */
  readonly topic: string;
  readonly splitterGroup: string;
  readonly groupStem: string;
  readonly timeoutMs: number;
}

/**
 * The newest upload of `fileKey` the splitter has not got past: its chunks lie between the
 * splitter's committed offset on the key's partition and the partition's end (the splitter
 * never commits past the first chunk of an upload in progress). Only that stretch of one
 * partition is read, so the cost is bounded by the splitter's backlog there, not by the
 * topic's retention. An upload found there may still be decided already (another upload on
 * the partition holds the commit back): the caller drops those by their upload id.
 */
export async function uploadInFlight(q: InFlightQuery, fileKey: string): Promise<InFlightUpload | null> {
  const ends = await q.admin.fetchTopicOffsets(q.topic);
  const partition = partitionOfKey(fileKey, ends.length);
  const end = ends.find((e) => e.partition === partition);
  if (end === undefined) return null;
  const committed = (await q.admin.fetchOffsets({ groupId: q.splitterGroup, topics: [q.topic] }))[0]?.partitions.find((p) => p.partition === partition)?.offset;
  const from = committed === undefined || BigInt(committed) < 0n ? BigInt(end.low) : BigInt(committed);
  const high = BigInt(end.high);
  if (from >= high) return null;

  const consumer = q.kafka.consumer({ groupId: `${q.groupStem}-${randomBytes(6).toString('hex')}`, maxWaitTimeInMs: FETCH_MAX_WAIT_MS, readUncommitted: false });
  const key = Buffer.from(fileKey, 'utf8');
  let latest: { upload: string; received: Set<number>; count: number } | null = null;
  let position = from;
  let failure: unknown = null;
  // Batches of only transaction markers (a dead-letter replay writes transactionally) never reach eachBatch.
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.partition === partition && payload.batchSize === 0 && BigInt(payload.lastOffset) + 1n > position) position = BigInt(payload.lastOffset) + 1n;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: q.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== partition) return;
        try {
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= high) break;
            if (m.key === null || !m.key.equals(key)) continue;
            const meta = parseChunkMeta(m.headers);
            if ('error' in meta) continue;
            // Index 0 starts an upload; its offset is the upload's id (`<partition>:<offset>`).
            if (meta.index === 0 || latest === null) latest = { upload: `${partition}:${m.offset}`, received: new Set(), count: meta.count };
            latest.received.add(meta.index);
          }
        } catch (err) {
          failure = err;
        }
        position = BigInt(batch.lastOffset()) + 1n;
      },
    });
    consumer.seek({ topic: q.topic, partition, offset: from.toString() });
    const deadline = Date.now() + q.timeoutMs;
    while (position < high && failure === null) {
      if (Date.now() > deadline) throw new Error(`could not read ${q.topic} partition ${partition} from ${from} to ${high} within ${q.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
    if (failure !== null) throw failure;
  } finally {
    await consumer.disconnect();
  }
  const found = latest as { upload: string; received: Set<number>; count: number } | null;
  return found === null ? null : { upload: found.upload, received: found.received.size, count: found.count };
}

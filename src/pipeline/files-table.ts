import type { Admin, Consumer, Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { FETCH_MAX_WAIT_MS } from '../kafka/client.js';
import type { RecordCodec } from './codecs.js';
import type { FileResultRecord } from './records.js';

/**
 * The files topic (compacted) materialised as a table: file key -> the latest accepted
 * record. It is the accepted-file state behind MCF_DUPLICATE_FILE and the emission progress
 * that lets a restarted splitter resume exactly where it stopped. Each process reads the
 * whole topic with a group of its own (read_committed), and `catchUp()` waits until every
 * partition has been read up to its end as of the call.
 */
export class FilesTable {
  private readonly accepted = new Map<string, FileResultRecord>();
  private readonly rejectedUploads = new Set<string>();
  private readonly position = new Map<number, bigint>();
  private consumer: Consumer | null = null;
  private failure: unknown = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly codec: RecordCodec<FileResultRecord>,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `s1mig-files-table-${randomBytes(6).toString('hex')}`,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      sessionTimeout: 30_000,
      heartbeatInterval: 3000,
      readUncommitted: false,
    });
    this.consumer = consumer;
    // Batches of only transaction markers never reach eachBatch; their offsets still count.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0) this.advance(payload.partition, payload.lastOffset);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.codec.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        try {
          for (const m of batch.messages) {
            if (m.value === null) continue;
            this.apply(await this.codec.decode(m.value));
          }
        } catch (err) {
          this.failure = err;
        }
        this.advance(batch.partition, batch.lastOffset());
      },
    });
  }

  private advance(partition: number, lastOffset: string): void {
    const next = BigInt(lastOffset) + 1n;
    if (next > (this.position.get(partition) ?? 0n)) this.position.set(partition, next);
  }

  /** Applies a record (also our own, right after its transaction committed). */
  apply(r: FileResultRecord): void {
    if (r.status === 'accepted') {
      const prev = this.accepted.get(r.fileKey);
      // Progress only moves forward for the same upload; a replay never rewinds it.
      if (prev && prev.upload === r.upload && prev.emittedInstallations > r.emittedInstallations) return;
      this.accepted.set(r.fileKey, r);
    } else {
      this.rejectedUploads.add(`${r.fileKey}#${r.upload}`);
    }
  }

  acceptedRecord(fileKey: string): FileResultRecord | undefined {
    return this.accepted.get(fileKey);
  }

  wasRejected(fileKey: string, upload: string): boolean {
    return this.rejectedUploads.has(`${fileKey}#${upload}`);
  }

  /** Resolves once every partition has been read up to its end as of this call. */
  async catchUp(timeoutMs = 60_000): Promise<void> {
    const ends = await this.admin.fetchTopicOffsets(this.codec.topic);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      if (ends.every((e) => (this.position.get(e.partition) ?? 0n) >= BigInt(e.high))) return;
      if (Date.now() > deadline) throw new Error(`files table did not catch up with ${this.codec.topic} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}

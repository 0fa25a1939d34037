/** Test helper (not a test): just enough of a kafkajs client for the stage runtime, recording what it does. */
import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';

export interface FakeTransaction {
  readonly messages: Array<{ topic: string; n: number }>;
  offsets: string | null;
  result: 'open' | 'committed' | 'aborted';
}

export class FakeKafka {
  readonly transactions: FakeTransaction[] = [];
  /** Each sendBatch call: the transaction it belongs to and the value bytes it carried. */
  readonly sendCalls: Array<{ tx: number; bytes: number }> = [];
  readonly seeks: Array<{ partition: number; offset: string }> = [];
  readonly paused: number[] = [];
  readonly resumed: number[] = [];
  readonly resolved: string[] = [];
  heartbeats = 0;
  /** Every producer.disconnect(), in order with `events` entries the test adds itself. */
  readonly events: string[] = [];
  /** The group's committed offset per partition, as the committed transactions left it. */
  readonly committed = new Map<number, string>();
  failNextCommit = false;
  /** As kafkajs between a consumer crash and its restart: seek, pause and resume throw. */
  restarting = false;
  private handlers = new Map<string, (e: { payload: unknown }) => void>();
  private eachBatch: ((p: EachBatchPayload) => Promise<void>) | null = null;
  running = true;

  asKafka(): Kafka {
    const consumer = {
      events: { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' },
      on: (e: string, h: (e: { payload: unknown }) => void) => void this.handlers.set(e, h),
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async (o: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => { this.eachBatch = o.eachBatch; },
      pause: (t: Array<{ partitions: number[] }>) => void (this.notRestarting(), this.paused.push(...t.flatMap((x) => x.partitions))),
      resume: (t: Array<{ partitions: number[] }>) => void (this.notRestarting(), this.resumed.push(...t.flatMap((x) => x.partitions))),
      seek: (s: { partition: number; offset: string }) => void (this.notRestarting(), this.seeks.push({ partition: s.partition, offset: s.offset })),
      disconnect: async () => { this.running = false; },
    };
    const admin = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      fetchOffsets: async () => [{ topic: 'in', partitions: [...this.committed].map(([partition, offset]) => ({ partition, offset })) }],
    };
    const producer = () => ({
      connect: async () => undefined,
      disconnect: async () => void this.events.push('producer disconnected'),
      transaction: async () => {
        const tx: FakeTransaction = { messages: [], offsets: null, result: 'open' };
        this.transactions.push(tx);
        let partition = -1;
        return {
          sendBatch: async (b: { topicMessages: Array<{ topic: string; messages: Array<{ value?: unknown }> }> }) => {
            for (const t of b.topicMessages) tx.messages.push({ topic: t.topic, n: t.messages.length });
            const bytes = b.topicMessages.flatMap((t) => t.messages).reduce((n, m) => n + (Buffer.isBuffer(m.value) ? m.value.length : String(m.value ?? '').length), 0);
            this.sendCalls.push({ tx: this.transactions.indexOf(tx), bytes });
          },
          sendOffsets: async (o: { topics: Array<{ partitions: Array<{ partition: number; offset: string }> }> }) => {
            const p = o.topics[0]!.partitions[0]!;
            partition = p.partition;
            tx.offsets = p.offset;
          },
          commit: async () => {
            if (this.failNextCommit) {
              this.failNextCommit = false;
              throw new Error('broker said no');
            }
            tx.result = 'committed';
            if (tx.offsets !== null) this.committed.set(partition, tx.offsets);
          },
          abort: async () => { tx.result = 'aborted'; },
        };
      },
    });
    return { consumer: () => consumer, admin: () => admin, producer } as unknown as Kafka;
  }

  private notRestarting(): void {
    if (this.restarting) throw Object.assign(new Error('Consumer group was not initialized, consumer#run must be called first'), { name: 'KafkaJSNonRetriableError', retriable: false });
  }

  /** kafkajs' CRASH event: `restart` false means it gave up on the consumer. */
  crash(restart: boolean): void {
    this.handlers.get('consumer.crash')?.({ payload: { error: new Error('group authorization failed'), restart, groupId: 'g' } });
  }

  join(partitions: number[]): void {
    this.handlers.get('consumer.group_join')?.({ payload: { memberAssignment: { in: partitions } } });
  }

  /** Delivers one batch of `offsets` on `partition`, as kafkajs' eachBatch would. */
  async deliver(partition: number, offsets: number[], stale = () => false): Promise<void> {
    const messages = offsets.map((o) => ({ offset: String(o), key: null, value: Buffer.from(`m${o}`), timestamp: '0', attributes: 0, headers: {} })) as unknown as KafkaMessage[];
    await this.eachBatch!({
      batch: {
        topic: 'in', partition, messages, offsetLag: () => '0',
        firstOffset: () => String(offsets[0]), lastOffset: () => String(offsets[offsets.length - 1]),
      },
      heartbeat: async () => { this.heartbeats++; },
      resolveOffset: (o: string) => void this.resolved.push(`${partition}:${o}`),
      isRunning: () => this.running,
      isStale: stale,
    } as unknown as EachBatchPayload);
  }
}

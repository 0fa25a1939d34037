import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/adapters/log/logger.js';
import { PipelineMetrics } from '../../../../src/adapters/metrics/pipeline-metrics.js';
import type { PartitionContext, PartitionedStage } from '../../../../src/pipeline/runtime/stage.js';
import { startStageRuntime } from '../../../../src/pipeline/runtime/stage-runtime.js';
import { FakeKafka } from './fake-kafka.js';

interface State {
  readonly partition: number;
  floor: bigint | null;
  seen: string[];
  dropped: boolean;
}

function stageOf(over: Partial<PartitionedStage<State>> & { process?: (m: readonly KafkaMessage[], ctx: PartitionContext<State>) => Promise<bigint> }): PartitionedStage<State> {
  return {
    name: 'test', inputTopic: 'in', groupId: 'g',
    consumer: { sessionTimeoutMs: 1000, heartbeatMs: 20 },
    retry: { backoffMs: 50, backoffMaxMs: 1000 },
    createState: (partition) => ({ partition, floor: null, seen: [], dropped: false }),
    dropState: (s) => { s.dropped = true; },
    commitFloor: (s) => s.floor,
    processBatch: over.process ?? (async (ms, ctx) => {
      ctx.state.seen.push(...ms.map((m) => m.offset));
      return BigInt(ms[ms.length - 1]!.offset) + 1n;
    }),
    ...over,
  };
}

async function start(fake: FakeKafka, stage: PartitionedStage<State>) {
  const metrics = new PipelineMetrics();
  const rt = await startStageRuntime({ kafka: fake.asKafka(), metrics, logger: createLogger({ level: 'error' }), dlqTopic: 'dlq' }, stage);
  return { rt, metrics };
}

describe('the stage runtime', () => {
  // Found reviewing the Kubernetes probes (issue 12): a consumer kafkajs gave up on was only
  // logged, so /healthz kept answering 200 for a process that consumed nothing.
  // Regression (issue 13, broker-restart test): during a broker outage, partition work that
  // failed seeked while kafkajs restarted the consumer; the seek threw and the process died.
  it('survives partition work failing while the consumer restarts (seek, pause and resume throw then)', async () => {
    const fake = new FakeKafka();
    const { rt } = await start(fake, stageOf({}));
    await fake.deliver(0, [0, 1]);
    fake.restarting = true;
    await expect(rt.withPartition(0, async (ctx) => {
      ctx.pause();
      throw new Error('broker gone');
    })).resolves.toBe(true);
    expect(fake.seeks).toEqual([]);
    fake.restarting = false;
    await rt.stop();
  });

  it('reports a consumer that crashed for good as fatal, and one kafkajs restarts as not', async () => {
    const fake = new FakeKafka();
    const fatal: string[] = [];
    const rt = await startStageRuntime({ kafka: fake.asKafka(), metrics: new PipelineMetrics(), logger: createLogger({ level: 'error', write: () => undefined }), dlqTopic: 'dlq',
      onFatal: (reason) => void fatal.push(reason) }, stageOf({}));
    fake.crash(true);
    expect(fatal).toEqual([]);
    fake.crash(false);
    expect(fatal).toEqual(['test: its consumer crashed and will not restart']);
    await rt.stop();
  });

  it('commits the offsets a batch handled, in one transaction, and resolves them', async () => {
    const fake = new FakeKafka();
    const { rt } = await start(fake, stageOf({}));
    await fake.deliver(0, [0, 1, 2]);
    expect(fake.transactions).toEqual([{ messages: [], offsets: '3', result: 'committed' }]);
    expect(fake.resolved).toEqual(['0:2']);
    await rt.stop();
  });

  it('never commits past the commit floor, and catches up once the floor is gone', async () => {
    const fake = new FakeKafka();
    let state: State | null = null;
    const { rt } = await start(fake, stageOf({
      process: async (ms, ctx) => {
        state = ctx.state;
        if (ms[0]!.offset === '0') ctx.state.floor = 1n; // work opened at offset 1 is still open
        else ctx.state.floor = null;
        await ctx.commit([{ topic: 'out', messages: [{ value: 'x' }] }], BigInt(ms[ms.length - 1]!.offset) + 1n);
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    await fake.deliver(0, [0, 1, 2, 3]);
    expect(fake.committed.get(0)).toBe('1');
    expect(state!.floor).toBe(1n);
    await fake.deliver(0, [4, 5]);
    expect(fake.committed.get(0)).toBe('6');
    expect(fake.transactions.map((t) => [t.messages, t.offsets])).toEqual([[[{ topic: 'out', n: 1 }], '1'], [[{ topic: 'out', n: 1 }], '6']]);
    await rt.stop();
  });

  it('writes dead letters to the DLQ in the transaction that skips them, and counts them', async () => {
    const fake = new FakeKafka();
    const { rt, metrics } = await start(fake, stageOf({
      process: async (ms, ctx) => {
        await ctx.commit([], 1n, [{ message: ms[0]!, reason: 'bad bytes', label: 'poison' }]);
        return 1n;
      },
    }));
    await fake.deliver(0, [0]);
    expect(fake.transactions).toEqual([{ messages: [{ topic: 'dlq', n: 1 }], offsets: '1', result: 'committed' }]);
    expect((await metrics.dlq.get()).values).toEqual([{ labels: { stage: 'test', reason: 'poison' }, value: 1 }]);
    await rt.stop();
  });

  // Regression (audit; issue 9): the splitter slept up to 30 s in its failure backoff without
  // heartbeating against a 30 s session timeout, so a long backoff cost the group membership.
  it('heartbeats all through a failure backoff, drops the state and seeks back to the committed offset', async () => {
    const fake = new FakeKafka();
    const states: State[] = [];
    let fail = true;
    const { rt } = await start(fake, stageOf({
      retry: { backoffMs: 400, backoffMaxMs: 400 },
      createState: (partition) => {
        const s = { partition, floor: null, seen: [], dropped: false };
        states.push(s);
        return s;
      },
      process: async (ms, ctx) => {
        if (ms[0]!.offset === '2' && fail) {
          fail = false;
          await ctx.commit([{ topic: 'out', messages: [{ value: 'x' }] }], 3n);
        }
        ctx.state.seen.push(...ms.map((m) => m.offset));
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    await fake.deliver(0, [0, 1]);
    fake.failNextCommit = true;
    const beatsBefore = fake.heartbeats;
    const t0 = Date.now();
    await fake.deliver(0, [2, 3]);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(380);
    // Every 20 ms across a 400 ms backoff: a sleep without beats would give 1 (after the batch).
    expect(fake.heartbeats - beatsBefore).toBeGreaterThanOrEqual(5);
    expect(fake.transactions.at(-1)?.result).toBe('aborted');
    expect(fake.seeks).toEqual([{ partition: 0, offset: '2' }]);
    expect(states[0]!.dropped).toBe(true);
    expect(fake.resolved).toEqual(['0:1']);
    // The replay gets a fresh state and goes through.
    await fake.deliver(0, [2, 3]);
    expect(states).toHaveLength(2);
    expect(states[1]!.seen).toEqual(['2', '3']);
    expect(fake.committed.get(0)).toBe('4');
    await rt.stop();
  });

  it('drops every state on a rebalance, also one whose batch is in flight, and does not resolve that batch', async () => {
    const fake = new FakeKafka();
    const states: State[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let active: boolean | null = null;
    const { rt } = await start(fake, stageOf({
      createState: (partition) => {
        const s = { partition, floor: null, seen: [], dropped: false };
        states.push(s);
        return s;
      },
      process: async (ms, ctx) => {
        if (ms[0]!.offset === '0' && ctx.partition === 1) {
          await gate;
          active = ctx.active;
        }
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    await fake.deliver(0, [0]);
    const inFlight = fake.deliver(1, [0, 1]);
    await new Promise((r) => setTimeout(r, 20));
    fake.join([0, 1]);
    release();
    await inFlight;
    expect(active).toBe(false);
    expect(states.map((s) => s.dropped)).toEqual([true, true]);
    expect(fake.resolved).toEqual(['0:0']);
    await fake.deliver(1, [0, 1]);
    expect(states).toHaveLength(3);
    expect(fake.resolved).toEqual(['0:0', '1:1']);
    await rt.stop();
  });

  // Regression (issue 13, scale-out test: 94 enrolment finals for 90 installations): a rejoin
  // dropped a lane's state while a pass of it was recording SMSO answers. The member kept the
  // partition, so the same producer committed the dropped pass's finals, while the new state,
  // not waiting on the old state's lock, had already read the tables and resumed the same
  // attempts: each finished twice.
  it('commits nothing from a state a rejoin dropped mid-work, and holds its successor until that work is over', async () => {
    const fake = new FakeKafka();
    const order: string[] = [];
    const { rt } = await start(fake, stageOf({
      process: async (ms, ctx) => {
        order.push(`batch ${ms[0]!.offset}-${ms[ms.length - 1]!.offset} of state ${ctx.state.seen.length === 0 ? 'new' : 'old'}`);
        ctx.state.seen.push(...ms.map((m) => m.offset));
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    await fake.deliver(0, [0]);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let failure: unknown = null;
    const work = rt.withPartition(0, async (ctx) => {
      await gate;
      try {
        await ctx.commit([{ topic: 'out', messages: [{ value: 'answer' }] }], 1n);
      } catch (err) {
        failure = err;
        throw err;
      } finally {
        order.push('old work over');
      }
    });
    await new Promise((r) => setTimeout(r, 10));
    fake.join([0]); // the member keeps partition 0, with a new state
    const next = fake.deliver(0, [0, 1]);
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual(['batch 0-0 of state new']);
    release();
    await work;
    await next;
    expect(order).toEqual(['batch 0-0 of state new', 'old work over', 'batch 0-1 of state new']);
    expect((failure as { code?: string } | null)?.code).toBe('PARTITION_REVOKED');
    expect(fake.transactions.filter((t) => t.messages.some((m) => m.topic === 'out'))).toEqual([]);
    expect(fake.seeks).toEqual([]);
    await rt.stop();
  });

  // Found with the scale-out stall (issue 13): a rebalance closed a revoked partition's producer
  // at once, mid-transaction; kafkajs then can leave the transaction's next request waiting for
  // ever, holding the partition's lock, and the member stalled when it was given the partition again.
  it('closes a revoked partition\'s producer only once the work under way on it is over', async () => {
    const fake = new FakeKafka();
    const { rt } = await start(fake, stageOf({}));
    await fake.deliver(0, [0]); // partition 0's producer exists (the batch committed its offset)
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const work = rt.withPartition(0, async (ctx) => {
      await gate;
      fake.events.push('work over');
      await ctx.commit([{ topic: 'out', messages: [{ value: 'late' }] }], 1n);
    });
    await new Promise((r) => setTimeout(r, 10));
    fake.join([1]);
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.events).toEqual([]);
    release();
    await work;
    await new Promise((r) => setTimeout(r, 10));
    expect(fake.events).toEqual(['work over', 'producer disconnected']);
    await rt.stop();
  });

  it('pauses a partition while a gate is closed, heartbeating, and resumes it', async () => {
    const fake = new FakeKafka();
    const { rt, metrics } = await start(fake, stageOf({
      process: async (ms, ctx) => {
        const paused = await ctx.pauseUntil(new Promise<number>((r) => setTimeout(async () => r(Number((await metrics.pausedPartitions.get()).values[0]?.value)), 120)));
        expect(paused).toBe(1);
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    const before = fake.heartbeats;
    await fake.deliver(3, [7]);
    expect(fake.paused).toEqual([3]);
    expect(fake.resumed).toEqual([3]);
    expect(fake.heartbeats - before).toBeGreaterThanOrEqual(3);
    expect((await metrics.pausedPartitions.get()).values[0]?.value).toBe(0);
    await rt.stop();
  });

  it('runs timer work under each partition\'s lock, never beside its batch', async () => {
    const fake = new FakeKafka();
    const order: string[] = [];
    const { rt } = await start(fake, stageOf({
      process: async (ms) => {
        order.push('batch-start');
        await new Promise((r) => setTimeout(r, 50));
        order.push('batch-end');
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    await fake.deliver(0, [0]);
    order.length = 0;
    const batch = fake.deliver(0, [1]);
    await new Promise((r) => setTimeout(r, 10));
    await rt.forEachPartition(async (ctx) => { order.push(`timer-${ctx.partition}`); });
    await batch;
    expect(order).toEqual(['batch-start', 'batch-end', 'timer-0']);
    await rt.stop();
  });
});

describe('keyed capacity on the runtime (the pattern of the enrolment stage)', () => {
  it('lets work for a free key go on past a saturated one on the same partition, and never commits past the waiting work', async () => {
    const { KeyedCapacity } = await import('../../../../src/core/flow/keyed-capacity.js');
    const { OpenOffsets } = await import('../../../../src/core/flow/open-offsets.js');
    const fake = new FakeKafka();
    const cap = new KeyedCapacity({ limits: () => ({ concurrency: 1 }), maxWaiting: 100 });
    const held = cap.tryAcquire('A')!; // SMSO A is at its cap
    const open = new OpenOffsets();
    const done: string[] = [];
    const work: Array<Promise<void>> = [];
    const { rt } = await start(fake, stageOf({
      commitFloor: () => open.lowest(),
      process: async (ms) => {
        for (const m of ms) {
          const offset = BigInt(m.offset);
          const key = m.value!.toString() === 'm0' || m.value!.toString() === 'm1' ? 'A' : 'B';
          open.open(offset);
          const lease = cap.tryEnqueue(key)!; // bounded: null would mean pause the partition
          work.push(lease.then((l) => {
            done.push(`${key}${m.offset}`);
            l.release();
            open.close(offset);
          }));
        }
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    await fake.deliver(0, [0, 1, 2, 3]);
    await new Promise((r) => setImmediate(r));
    expect(done).toEqual(['B2', 'B3']); // B went on while A waits
    expect(fake.committed.get(0)).toBeUndefined(); // offset 0 (A) is still open: nothing committed
    held.release();
    await Promise.all(work);
    expect(done).toEqual(['B2', 'B3', 'A0', 'A1']);
    expect(open.lowest()).toBeNull();
    await fake.deliver(0, [4]);
    expect(fake.committed.get(0)).toBe('5');
    await rt.stop();
  });
});

describe('a transaction larger than one produce call may carry (regression: the bench\'s alerts batch was refused as too large, and the lane replayed for ever)', () => {
  it('is sent in several calls of at most MAX_SEND_BYTES, all in the one transaction, in order', async () => {
    const { MAX_SEND_BYTES, sendChunks } = await import('../../../../src/pipeline/runtime/send-chunks.js');
    const fake = new FakeKafka();
    const value = Buffer.alloc(2300, 1); // an alert record's size
    const { rt } = await start(fake, stageOf({
      process: async (ms, ctx) => {
        await ctx.commit([{ topic: 'outcomes', messages: [{ key: 'k', value: Buffer.alloc(100) }] }, { topic: 'alerts', messages: Array.from({ length: 1200 }, () => ({ key: 'supplier', value })) }], BigInt(ms[ms.length - 1]!.offset) + 1n);
        return BigInt(ms[ms.length - 1]!.offset) + 1n;
      },
    }));
    await fake.deliver(0, [0]);
    expect(fake.transactions).toHaveLength(1);
    expect(fake.transactions[0]!.result).toBe('committed');
    const calls = fake.sendCalls.filter((c) => c.tx === 0);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.every((c) => c.bytes <= MAX_SEND_BYTES)).toBe(true);
    expect(calls.reduce((n, c) => n + c.bytes, 0)).toBe(100 + 1200 * 2300);
    expect(fake.transactions[0]!.messages.reduce((n, m) => n + m.n, 0)).toBe(1201);
    expect(fake.transactions[0]!.messages[0]).toEqual({ topic: 'outcomes', n: 1 });
    await rt.stop();
    // What fits is one call, as before; a record larger than the bound goes alone.
    expect(sendChunks([{ topic: 't', messages: [{ value: 'a' }, { value: 'b' }] }])).toHaveLength(1);
    expect(sendChunks([{ topic: 't', messages: [{ value: 'a' }, { value: Buffer.alloc(MAX_SEND_BYTES + 1) }, { value: 'c' }] }]).map((c) => c[0]!.messages.length)).toEqual([1, 1, 1]);
  });
});

import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { FETCH_MAX_WAIT_MS } from '../../adapters/kafka/client.js';
import { PartitionProducers } from '../../adapters/kafka/partition-producers.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { PipelineMetrics } from '../../adapters/metrics/pipeline-metrics.js';
import { deadLetter } from '../dlq.js';
import { sleepWithHeartbeat, withHeartbeat } from './heartbeat.js';
import type { DeadLetter, PartitionContext, PartitionedStage, TopicMessages } from './stage.js';
import { inTransaction } from './transaction.js';
import { PartitionLocks } from './partition-locks.js';

/** Partition work holding its lock this long is reported as stuck. */
const STUCK_MS = 60_000;

export interface RuntimeDeps {
  readonly kafka: Kafka;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
  readonly dlqTopic: string;
  /**
   * Called when the stage's consumer has stopped for good (kafkajs gave up restarting it):
   * the process must not go on looking healthy with a stage that consumes nothing.
   */
  readonly onFatal?: (reason: string, err: unknown) => void;
}

/** A running stage: its consumer, producers and partition states. */
export interface StageRuntime<S> {
  /**
   * Runs `fn` for every partition this member holds, each under its partition's lock (so
   * never beside a batch of it): work a stage does on a timer (the splitter's transfer timeout).
   */
  forEachPartition(fn: (ctx: PartitionContext<S>) => Promise<void>): Promise<void>;
  /**
   * Runs `fn` for one partition under its lock, if this member still holds it (work a stage
   * does when something it waited for arrives). A failure drops the partition's state and
   * replays it from the committed offset, as a failed batch does. False when not held.
   */
  withPartition(partition: number, fn: (ctx: PartitionContext<S>) => Promise<void>): Promise<boolean>;
  /** The states of the partitions held now, for reading (a gauge at scrape time). */
  states(): S[];
  /** Stops fetching, waits for the batches in flight (and their commits), closes everything. */
  stop(): Promise<void>;
}

interface Slot<S> {
  readonly partition: number;
  readonly state: S;
  committed: bigint;
}

/**
 * The partitioned-stage runtime: owns the consumer (read_committed, no auto-commit), the
 * per-partition states across rebalances, one transactional producer per input partition
 * (the partition's next owner fences the previous one), the one commit path with the
 * commit-floor guard, retry with a heartbeating backoff and a seek to the committed offset,
 * dead letters, pause/resume, and the lag, transaction, DLQ and pause metrics.
 */
export async function startStageRuntime<S>(deps: RuntimeDeps, stage: PartitionedStage<S>): Promise<StageRuntime<S>> {
  const { metrics: m } = deps;
  const log = deps.logger.child({ stage: stage.name });
  const topic = stage.inputTopic;
  const producers = new PartitionProducers(deps.kafka, stage.groupId);
  const slots = new Map<number, Slot<S>>();
  const failures = new Map<number, number>();
  let assigned = new Set<string>();
  let stopping = false;
  /** Partitions paused by a stage's ctx.pause() (not by pauseUntil), resumed on a rebalance. */
  const heldPaused = new Set<number>();
  /** Partitions whose failed work is dropping their state and seeking back (failedWork). */
  const seeking = new Set<number>();
  const locks = new PartitionLocks();
  // A partition held this long is stuck: say which, by what and where, so a stall shows in
  // the logs and not only in the lag.
  const stopWatching = locks.watch(STUCK_MS, (h, heldMs) =>
    log.warn('partition work has held its partition for over a minute', { partition: h.partition, what: h.what, step: h.step ?? 'stage logic', heldMs }));

  const heartbeatInterval = Math.min(3000, stage.consumer.heartbeatMs);
  const admin: Admin = deps.kafka.admin();
  await admin.connect();
  const consumer: Consumer = deps.kafka.consumer({
    groupId: stage.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
    sessionTimeout: stage.consumer.sessionTimeoutMs,
    heartbeatInterval,
    ...(stage.consumer.maxBytesPerPartition !== undefined ? { maxBytesPerPartition: stage.consumer.maxBytesPerPartition } : {}),
  });

  // kafkajs' heartbeat() sends only when its own interval has passed since the last one; a
  // caller that beats exactly at that interval is skipped every other time and leaves gaps
  // of twice the interval (measured: a member evicted at the end of a 12 s backoff against
  // a 6 s session). Beating at a third of it keeps every gap at one interval.
  const beatEvery = Math.max(20, Math.floor(heartbeatInterval / 3));

  // kafkajs throws, synchronously and as non-retriable, from seek, pause and resume while
  // its consumer is between a crash and its restart (a broker outage): a seek after failed
  // partition work then became an unhandled rejection that ended the process (issue 13's
  // broker-restart test). Skipping them loses nothing: the restarted consumer rejoins the
  // group, GROUP_JOIN drops every state, and every partition is fetched again from its
  // committed offset.
  const onConsumer = (what: 'seek' | 'pause' | 'resume', partition: number, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      log.warn(`could not ${what} a partition while the consumer restarts; it starts again from the committed offset`, { partition, error: err });
    }
  };

  const drop = (slot: Slot<S>): void => {
    if (slots.get(slot.partition) === slot) slots.delete(slot.partition);
    // A partition the stage paused is fetched again: its next state starts from the committed offset.
    if (!slots.has(slot.partition) && heldPaused.delete(slot.partition)) {
      m.pausedPartitions.dec({ stage: stage.name });
      if (!stopping) onConsumer('resume', slot.partition, () => consumer.resume([{ topic, partitions: [slot.partition] }]));
    }
    stage.dropState?.(slot.state);
  };

  const slotFor = (partition: number, firstOffset: bigint): Slot<S> => {
    let slot = slots.get(partition);
    if (slot === undefined) {
      // After an assignment (or our own seek) the first batch starts at the committed position.
      slot = { partition, state: stage.createState(partition), committed: firstOffset };
      slots.set(partition, slot);
    }
    return slot;
  };

  const locked = (slot: Slot<S>, what: string, fn: () => Promise<void>): Promise<void> => locks.run(slot.partition, what, fn);
  /** Closes a partition's producer once the work under way on the partition is over (its lock). */
  const closeWhenFree = (partition: number): Promise<void> => locks.run(partition, 'producer close', () => producers.closeOne(topic, partition));

  const context = (slot: Slot<S>, heartbeat: () => Promise<void>, batch: { isRunning(): boolean; isStale(): boolean } | null): PartitionContext<S> => {
    const current = (): boolean => slots.get(slot.partition) === slot;
    const ctx: PartitionContext<S> = {
      topic,
      partition: slot.partition,
      state: slot.state,
      get committed() {
        return slot.committed;
      },
      get active() {
        return !stopping && current() && (batch === null || (batch.isRunning() && !batch.isStale()));
      },
      heartbeat,
      commit: (outputs, upTo, dead = []) => commit(slot, outputs, upTo, dead),
      pauseUntil: async <T>(wait: Promise<T>): Promise<T> => {
        onConsumer('pause', slot.partition, () => consumer.pause([{ topic, partitions: [slot.partition] }]));
        m.pausedPartitions.inc({ stage: stage.name });
        try {
          return await withHeartbeat(wait, heartbeat, beatEvery);
        } finally {
          m.pausedPartitions.dec({ stage: stage.name });
          onConsumer('resume', slot.partition, () => consumer.resume([{ topic, partitions: [slot.partition] }]));
        }
      },
      withHeartbeat: (work) => withHeartbeat(work, heartbeat, beatEvery),
      pause: () => {
        if (heldPaused.has(slot.partition) || !current()) return;
        heldPaused.add(slot.partition);
        m.pausedPartitions.inc({ stage: stage.name });
        onConsumer('pause', slot.partition, () => consumer.pause([{ topic, partitions: [slot.partition] }]));
      },
      resume: () => {
        if (!heldPaused.delete(slot.partition)) return;
        m.pausedPartitions.dec({ stage: stage.name });
        onConsumer('resume', slot.partition, () => consumer.resume([{ topic, partitions: [slot.partition] }]));
      },
      fence: async () => {
        // A dropped state's fence would make a producer for a partition that may be another
        // member's by now, and fence that member's transactions.
        revokedCheck(slot);
        await producers.get(topic, slot.partition);
      },
    };
    return ctx;
  };

  /** The one transaction path: outputs, dead letters and offsets, the offsets capped at the floor. */
  async function commit(slot: Slot<S>, outputs: readonly TopicMessages[], upTo: bigint | null, dead: readonly DeadLetter[]): Promise<void> {
    // A state a rebalance dropped commits nothing: the same producer (kept across the
    // rebalance for a partition this member still holds) would let it, and its successor may
    // already have read the tables and started the same work again.
    revokedCheck(slot);
    const floor = stage.commitFloor(slot.state);
    const point = upTo === null ? null : floor !== null && floor < upTo ? floor : upTo;
    const sendOffsets = point !== null && point > slot.committed;
    // sendChunks builds the calls' own arrays: the stage's outputs are not copied first.
    const topicMessages: TopicMessages[] = outputs.filter((o) => o.messages.length > 0);
    if (dead.length > 0) topicMessages.push({ topic: deps.dlqTopic, messages: dead.map((d) => deadLetter(stage.name, d.reason, topic, slot.partition, d.message)) });
    if (topicMessages.length === 0 && !sendOffsets) return;
    const step = (where: string): void => locks.step(slot.partition, where);
    step('commit: producer');
    const producer = await producers.get(topic, slot.partition);
    try {
      await inTransaction(producer, topicMessages, sendOffsets ? { groupId: stage.groupId, topic, partition: slot.partition, offset: point } : null, step, () => revokedCheck(slot));
    } catch (err) {
      m.transactions.inc({ stage: stage.name, result: 'aborted' });
      throw err;
    }
    m.transactions.inc({ stage: stage.name, result: 'committed' });
    if (sendOffsets && slots.get(slot.partition) === slot) slot.committed = point;
    for (const d of dead) {
      m.dlq.inc({ stage: stage.name, reason: d.label });
      log.warn('sent to the dead-letter topic', { partition: slot.partition, offset: d.message.offset, reason: d.reason });
    }
  }

  function revokedCheck(slot: Slot<S>): void {
    if (slots.get(slot.partition) !== slot) {
      throw new S1migError('PARTITION_REVOKED', `partition ${slot.partition} of ${topic}: its state was dropped (a rebalance or a failure); nothing of it is committed`);
    }
  }

  /** The group's committed offset of a partition, or null when unknown (then the tracked one is used). */
  async function committedOffset(partition: number): Promise<bigint | null> {
    try {
      const [t] = await admin.fetchOffsets({ groupId: stage.groupId, topics: [topic] });
      const o = t?.partitions.find((x) => x.partition === partition)?.offset;
      return o === undefined || BigInt(o) < 0n ? null : BigInt(o);
    } catch (err) {
      log.warn('cannot read the committed offset; using the tracked one', { partition, error: err });
      return null;
    }
  }

  /**
   * Where a failed partition starts again. A fenced or broken producer is replaced; its
   * successor's initTransactions settles a commit left in doubt, after which the group's
   * offset tells whether it went through.
   */
  async function settledOffset(slot: Slot<S>): Promise<bigint> {
    const partition = slot.partition;
    // Under the partition's lock (failed work and failed batches hold it), so no transaction of it is under way.
    await producers.closeOne(topic, partition).catch(() => undefined);
    // Only for a partition still held: a new producer fences whoever holds the partition now.
    if (assigned.has(PartitionProducers.key(topic, partition))) await producers.get(topic, partition).catch(() => undefined);
    return (await committedOffset(partition)) ?? slot.committed;
  }

  /**
   * A failed batch leaves no trace: its transaction was aborted, the partition's state is
   * dropped, and after a backoff (heartbeating all along: a long sleep against the session
   * timeout would cost the membership and start a rebalance loop) the consumer goes back to
   * the committed offset, so the same records are processed again.
   */
  async function recover(p: EachBatchPayload, slot: Slot<S>, err: unknown): Promise<void> {
    const partition = slot.partition;
    const n = (failures.get(partition) ?? 0) + 1;
    failures.set(partition, n);
    const backoff = Math.min(stage.retry.backoffMaxMs, stage.retry.backoffMs * 2 ** Math.min(n - 1, 16));
    const wasCurrent = slots.get(partition) === slot;
    drop(slot);
    if (!wasCurrent || stopping) {
      log.info('work of a partition no longer held was dropped, uncommitted', { partition, error: err });
      return;
    }
    log.error('batch failed; replaying from the committed offset', { partition, offset: slot.committed.toString(), backoffMs: backoff, error: err });
    const from = await settledOffset(slot);
    await sleepWithHeartbeat(backoff, p.heartbeat, beatEvery, () => stopping || !p.isRunning());
    if (!stopping && p.isRunning()) onConsumer('seek', partition, () => consumer.seek({ topic, partition, offset: String(from) }));
  }

  /**
   * Partition work outside a batch (a timer, an SMSO answer) failed: its state may hold
   * changes it never committed, so it is dropped and the partition is read again from its
   * committed offset. All of it happens under the partition's lock, and batches are held off
   * until the seek is made: dropping after the lock was released let a pass already queued
   * on it commit the failed pass's half-made state (offsets past an installation whose
   * outcome was never written: issue 13's lane test), and a batch fetched before the seek
   * would start a new state past the committed offset.
   */
  async function failedWork(slot: Slot<S>, err: unknown): Promise<void> {
    const partition = slot.partition;
    const wasCurrent = slots.get(partition) === slot;
    seeking.add(partition);
    try {
      drop(slot);
      if (!wasCurrent || stopping) {
        log.info('work of a partition no longer held was dropped, uncommitted', { partition, error: err });
        return;
      }
      log.error('partition work failed; replaying from the committed offset', { partition, error: err });
      const from = await settledOffset(slot);
      // A partition a rebalance took away meanwhile is the next owner's to read.
      if (!stopping && assigned.has(PartitionProducers.key(topic, partition))) onConsumer('seek', partition, () => consumer.seek({ topic, partition, offset: String(from) }));
    } finally {
      seeking.delete(partition);
    }
  }

  async function onBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    // A batch fetched while failed work waits for its seek belongs to the old position: skipped,
    // not resolved (the seek makes it stale too).
    if (batch.messages.length === 0 || !p.isRunning() || p.isStale() || stopping || seeking.has(batch.partition)) return;
    const slot = slotFor(batch.partition, BigInt(batch.messages[0]!.offset));
    m.consumerLag.set({ stage: stage.name, topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    await locked(slot, 'batch', async () => {
      if (slots.get(slot.partition) !== slot) return;
      const ctx = context(slot, p.heartbeat, p);
      let processedTo: bigint;
      try {
        processedTo = await stage.processBatch(batch.messages as KafkaMessage[], ctx);
        // Progress over messages that produced no output: as far as they were handled, never past the floor.
        if (slots.get(slot.partition) === slot && processedTo > slot.committed) await commit(slot, [], processedTo, []);
      } catch (err) {
        await recover(p, slot, err);
        return;
      }
      failures.delete(batch.partition);
      // After a rejoin during the batch the new generation fetches from the committed offsets.
      if (slots.get(slot.partition) === slot && processedTo > BigInt(batch.messages[0]!.offset)) p.resolveOffset(String(processedTo - 1n));
    });
    await p.heartbeat().catch(() => undefined);
  }

  // kafkajs re-fetches every partition from its committed offset after a rebalance, so every
  // state is dropped, not only those of revoked partitions.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const now = new Set<string>();
    for (const [t, parts] of Object.entries(payload.memberAssignment)) for (const part of parts) now.add(PartitionProducers.key(t, part));
    assigned = now;
    for (const slot of [...slots.values()]) drop(slot);
    // The new generation fetches every partition from its committed offset (older batches are
    // stale), so a seek that failed work still waits for is moot: batches flow again.
    seeking.clear();

    // A revoked partition's producer is closed once work under way on it is over (its lock):
    // closed mid-transaction, kafkajs could leave that work waiting for ever, and with it
    // every later holder of the lock (a partition this member is given again: a stall).
    for (const partition of producers.partitions(topic)) {
      if (!now.has(PartitionProducers.key(topic, partition))) void closeWhenFree(partition).catch(() => undefined);
    }
    log.info('partitions assigned', { topic, partitions: payload.memberAssignment[topic] ?? [] });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log.error('consumer crashed', { error: payload.error, restart: payload.restart });
    if (!payload.restart && !stopping) deps.onFatal?.(`${stage.name}: its consumer crashed and will not restart`, payload.error);
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: stage.consumer.partitionsConsumedConcurrently ?? 1,
      eachBatch: onBatch,
    });
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw err;
  }
  log.info(`${stage.name} started`, { topic, groupId: stage.groupId });

  return {
    states() {
      return [...slots.values()].map((slot) => slot.state);
    },
    async withPartition(partition, fn) {
      const slot = slots.get(partition);
      if (slot === undefined || stopping) return false;
      let ran = false;
      await locked(slot, 'partition work', async () => {
        if (slots.get(partition) !== slot || stopping) return;
        ran = true;
        try {
          await fn(context(slot, async () => undefined, null));
        } catch (err) {
          await failedWork(slot, err);
        }
      });
      return ran;
    },
    async forEachPartition(fn) {
      for (const slot of [...slots.values()]) {
        await locked(slot, 'timer', async () => {
          if (slots.get(slot.partition) !== slot || stopping) return;
          try {
            await fn(context(slot, async () => undefined, null));
          } catch (err) {
            await failedWork(slot, err);
          }
        });
      }
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      stopWatching();
      // disconnect() stops fetching and waits for the batch in flight (and its commit).
      await consumer.disconnect().catch((err: unknown) => log.warn('consumer disconnect failed', { error: err }));
      for (const slot of [...slots.values()]) drop(slot);
      // Each producer once its partition's work is over (at most a minute; then closed anyway).
      const closed = Promise.all(producers.partitions(topic).map(closeWhenFree));
      await Promise.race([closed, new Promise((r) => setTimeout(r, STUCK_MS).unref())]).catch(() => undefined);
      await producers.closeAll();
      await admin.disconnect().catch(() => undefined);
      log.info(`${stage.name} stopped`);
    },
  };
}

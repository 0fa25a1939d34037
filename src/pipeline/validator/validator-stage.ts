import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Message } from 'kafkajs';
import type { S1migConfig } from '../../config/config.js';
import type { DeviceCryptoChecker } from '../../core/device-crypto.js';
import { FETCH_MAX_WAIT_MS } from '../../kafka/client.js';
import { PartitionProducers } from '../../kafka/partition-producers.js';
import type { Logger } from '../../log/logger.js';
import type { PipelineMetrics } from '../../metrics/pipeline-metrics.js';
import type { Reference } from '../../reference/index.js';
import { topicName, type TopicPlanEntry } from '../../topics/definitions.js';
import { recordCodec, type RecordCodec } from '../codecs.js';
import { deadLetter } from '../dlq.js';
import { installationKey, type DeviceEvent, type InstallationDevicesRecord, type InstallationOutcomeRecord } from '../records.js';
import { assembleBatch } from './assemble-batch.js';
import { InstallationAssembler } from './assembler.js';
import { checkInstallations, withHeartbeat } from './check-installations.js';
import { DeviceBudget } from './device-budget.js';
import { validatorOptions, type ValidatorOptions } from './options.js';

export { VALIDATOR_DEFAULTS, type ValidatorOptions } from './options.js';
import { unitRecords } from './outcome.js';

export interface ValidatorDeps {
  kafka: Kafka;
  config: Readonly<S1migConfig>;
  plan: readonly TopicPlanEntry[];
  registry: SchemaRegistry;
  checker: DeviceCryptoChecker;
  ref: Reference;
  metrics: PipelineMetrics;
  logger: Logger;
}

export interface ValidatorStage {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const STAGE = 'validator';

interface PartitionState {
  readonly assembler: InstallationAssembler<KafkaMessage>;
  /** Offset committed for this partition (what a restart would read from); null until known. */
  committed: bigint | null;
  failures: number;
}

interface Codecs {
  events: RecordCodec<DeviceEvent>;
  outcomes: RecordCodec<InstallationOutcomeRecord>;
  devices: RecordCodec<InstallationDevicesRecord>;
  dlqTopic: string;
}

/**
 * The validator stage: device events in, installation outcomes out, exactly once. Per input
 * partition, one transaction per processed batch carries the outcomes, the dead letters and
 * the input offset, which never passes the first offset of an installation still incomplete.
 * The checker (worker pool) is owned by the caller.
 */
export function createValidatorStage(deps: ValidatorDeps, options: Partial<ValidatorOptions> = {}): ValidatorStage {
  const opts = validatorOptions(options);
  const log = deps.logger.child({ stage: STAGE });
  const m = deps.metrics;
  const budget = new DeviceBudget(opts.maxDevicesInFlight);
  const producers = new PartitionProducers(deps.kafka, opts.groupId);
  const states = new Map<string, PartitionState>();
  let assigned = new Set<string>();
  let consumer: Consumer | null = null;
  let codecs: Codecs | null = null;
  let admin: Admin | null = null;

  const stateOf = (key: string): PartitionState => {
    let st = states.get(key);
    if (!st) {
      st = { assembler: new InstallationAssembler(opts.maxDevicesPerInstallation), committed: null, failures: 0 };
      states.set(key, st);
    }
    return st;
  };

  async function processBatch(c: Consumer, cs: Codecs, p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const { topic, partition } = batch;
    if (batch.messages.length === 0 || !p.isRunning() || p.isStale()) return;
    const key = PartitionProducers.key(topic, partition);
    const st = stateOf(key);
    // After an assignment (or our own seek) the first batch starts at the committed position.
    if (st.committed === null) st.committed = BigInt(batch.messages[0]!.offset);
    m.consumerLag.set({ stage: STAGE, topic, partition: String(partition) }, Number(batch.offsetLag()));

    const held = batch.messages.length;
    if (!budget.tryAcquire(held)) {
      c.pause([{ topic, partitions: [partition] }]);
      m.pausedPartitions.inc({ stage: STAGE });
      try {
        await withHeartbeat(budget.acquire(held), p.heartbeat, opts.heartbeatMs);
      } finally {
        m.pausedPartitions.dec({ stage: STAGE });
        c.resume([{ topic, partitions: [partition] }]);
      }
    }
    try {
      await validateAndCommit(cs, p, key, st);
      st.failures = 0;
      // After a rejoin during the batch the new generation fetches from the committed offsets.
      if (states.get(key) === st) p.resolveOffset(batch.lastOffset());
    } catch (err) {
      await recover(c, p, key, st, err);
    } finally {
      budget.release(held);
    }
  }

  async function validateAndCommit(cs: Codecs, p: EachBatchPayload, key: string, st: PartitionState): Promise<void> {
    const { batch } = p;
    const { topic, partition } = batch;
    m.records.inc({ stage: STAGE }, batch.messages.length);
    const assembled = await assembleBatch(batch.messages, st.assembler, (buf) => cs.events.decode(buf));
    const crypto = await withHeartbeat(
      checkInstallations(deps.checker, assembled.complete, opts.checkChunkDevices, (d) => m.poolQueueDepth.inc(d)),
      p.heartbeat, opts.heartbeatMs);
    const now = opts.now();
    const units = assembled.complete.map((a, i) => unitRecords(a, crypto[i] ?? [], opts.policy, deps.ref.eligibility, now));
    const records: InstallationOutcomeRecord[] = [];
    const segments: InstallationDevicesRecord[] = [];
    const outcomes: Message[] = [];
    const deviceRecords: Message[] = [];
    for (const u of units) {
      if (u.devices !== null) {
        segments.push(u.devices);
        deviceRecords.push({ key: installationKey(u.devices.fileKey, u.devices.installationId), value: await cs.devices.encode(u.devices) });
      }
      if (u.outcome !== null) {
        records.push(u.outcome);
        outcomes.push({ key: installationKey(u.outcome.fileKey, u.outcome.installationId), value: await cs.outcomes.encode(u.outcome) });
      }
    }
    const dead: Message[] = [];
    for (const run of assembled.poison) for (const msg of run.messages) dead.push(deadLetter(STAGE, run.reason, topic, partition, msg));

    const next = BigInt(batch.lastOffset()) + 1n;
    const open = st.assembler.lowestIncompleteOffset();
    const commitTo = open !== null && open < next ? open : next;
    if (outcomes.length === 0 && deviceRecords.length === 0 && dead.length === 0 && commitTo === st.committed) return;

    const producer = await producers.get(topic, partition);
    const tx = await producer.transaction();
    try {
      if (outcomes.length > 0) await tx.send({ topic: cs.outcomes.topic, messages: outcomes });
      if (deviceRecords.length > 0) await tx.send({ topic: cs.devices.topic, messages: deviceRecords });
      if (dead.length > 0) await tx.send({ topic: cs.dlqTopic, messages: dead });
      await tx.sendOffsets({ consumerGroupId: opts.groupId, topics: [{ topic, partitions: [{ partition, offset: commitTo.toString() }] }] });
      await tx.commit();
    } catch (err) {
      await tx.abort().catch(() => undefined);
      m.transactions.inc({ stage: STAGE, result: 'aborted' });
      throw err;
    }
    m.transactions.inc({ stage: STAGE, result: 'committed' });
    log.debug('batch committed', { topic, partition, first: batch.firstOffset(), last: batch.lastOffset(), before: st.committed?.toString(), commitTo: commitTo.toString(),
      current: states.get(key) === st, outcomes: records.length, dead: dead.length });
    if (states.get(key) === st) st.committed = commitTo;
    count(records, segments, assembled.poison.map((r) => ({ reason: r.reason, n: r.messages.length })), assembled.complete.reduce((n, a) => n + a.installation.devices.length, 0));
    assembled.complete.forEach((a, i) => {
      const decided = units[i]?.outcome?.decidedAtMs;
      if (a.file.receivedAtMs > 0 && decided !== undefined) m.installationLatency.observe(Math.max(0, decided - a.file.receivedAtMs) / 1000);
    });
  }

  function count(records: readonly InstallationOutcomeRecord[], segments: readonly InstallationDevicesRecord[], poison: readonly { reason: string; n: number }[],
    devices: number): void {
    m.devices.inc({ stage: STAGE }, devices);
    for (const r of records) {
      m.installations.inc({ status: r.status });
      for (const e of r.errors) m.outcomeCodes.inc({ level: 'installation', code: e.code });
    }
    for (const r of [...records, ...segments]) for (const d of r.devices) for (const e of d.errors) m.outcomeCodes.inc({ level: 'device', code: e.code });
    for (const p of poison) {
      // The reason label stays low-cardinality: its first words, not the ids in it.
      m.dlq.inc({ stage: STAGE, reason: reasonLabel(p.reason) }, p.n);
      log.warn('device events sent to the dead-letter topic', { reason: p.reason, records: p.n });
    }
  }

  /**
   * A failed batch leaves no trace: its transaction was aborted, the partition's partial
   * installation is forgotten and the consumer goes back to the last committed offset, so
   * the same records are processed again after a back-off.
   */
  async function recover(c: Consumer, p: EachBatchPayload, key: string, st: PartitionState, err: unknown): Promise<void> {
    const { topic, partition } = p.batch;
    st.failures++;
    st.assembler.reset();
    const backoff = Math.min(opts.retryBackoffMaxMs, opts.retryBackoffMs * 2 ** Math.min(st.failures - 1, 16));
    log.warn('batch failed; retrying from the committed offset', { topic, partition, offset: st.committed?.toString(), backoffMs: backoff, error: err });
    // A fenced or broken producer is replaced; its successor's initTransactions settles a
    // commit left in doubt, after which the group's offset tells whether it went through.
    await producers.retain(new Set([...assigned].filter((k) => k !== key))).catch(() => undefined);
    const settled = await committedOffset(topic, partition);
    if (states.get(key) !== st) return;
    if (settled !== null) st.committed = settled;
    if (st.committed !== null) c.seek({ topic, partition, offset: st.committed.toString() });
    await withHeartbeat(new Promise((r) => setTimeout(r, backoff)), p.heartbeat, opts.heartbeatMs);
  }

  /** The group's committed offset of a partition, or null when unknown (then the tracked one is used). */
  async function committedOffset(topic: string, partition: number): Promise<bigint | null> {
    if (admin === null) return null;
    try {
      await producers.get(topic, partition);
      const [t] = await admin.fetchOffsets({ groupId: opts.groupId, topics: [topic] });
      const o = t?.partitions.find((x) => x.partition === partition)?.offset;
      return o === undefined || BigInt(o) < 0n ? null : BigInt(o);
    } catch (err) {
      log.warn('cannot read the committed offset; using the tracked one', { topic, partition, error: err });
      return null;
    }
  }

  return {
    async start(): Promise<void> {
      if (consumer) return;
      const cs: Codecs = {
        events: await recordCodec<DeviceEvent>(deps.registry, deps.plan, 'mcf.device-events'),
        outcomes: await recordCodec<InstallationOutcomeRecord>(deps.registry, deps.plan, 'mcf.installation-outcomes'),
        devices: await recordCodec<InstallationDevicesRecord>(deps.registry, deps.plan, 'mcf.installation-devices'),
        dlqTopic: topicName(deps.plan, 'dlq'),
      };
      codecs = cs;
      const c = deps.kafka.consumer({
        groupId: opts.groupId,
        readUncommitted: false,
        maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
        sessionTimeout: opts.sessionTimeoutMs,
        heartbeatInterval: Math.min(3000, opts.heartbeatMs),
      });
      consumer = c;
      const a = deps.kafka.admin();
      await a.connect();
      admin = a;
      // kafkajs re-fetches every partition from its committed offset after a rebalance, so
      // every partial installation is dropped, not only those of revoked partitions.
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        const now = new Set<string>();
        for (const [t, parts] of Object.entries(payload.memberAssignment)) for (const part of parts) now.add(PartitionProducers.key(t, part));
        assigned = now;
        states.clear();
        void producers.retain(now).catch(() => undefined);
        log.info('partitions assigned', { partitions: [...now] });
      });
      c.on(c.events.CRASH, ({ payload }) => log.error('consumer crashed', { error: payload.error, restart: payload.restart }));
      await c.connect();
      await c.subscribe({ topic: cs.events.topic, fromBeginning: true });
      await c.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently,
        eachBatch: (p) => processBatch(c, cs, p),
      });
      log.info('validator started', { topic: cs.events.topic, groupId: opts.groupId });
    },

    async stop(): Promise<void> {
      const c = consumer;
      consumer = null;
      // disconnect() stops fetching and waits for the batch in flight (and its commit).
      if (c) await c.disconnect().catch((err: unknown) => log.warn('consumer disconnect failed', { error: err }));
      await producers.closeAll();
      await admin?.disconnect().catch(() => undefined);
      admin = null;
      states.clear();
      if (codecs) log.info('validator stopped');
      codecs = null;
    },
  };
}

function reasonLabel(reason: string): string {
  if (reason.startsWith('undecodable') || reason.startsWith('not an Avro')) return 'undecodable';
  if (reason.startsWith('key ')) return 'key-mismatch';
  if (reason.startsWith('record is not')) return 'not-a-device-event';
  if (reason.includes('out of order')) return 'out-of-order';
  if (reason.includes('restarted')) return 'restarted';
  if (reason.includes('interrupted')) return 'interrupted';
  if (reason.includes('disagrees')) return 'disagreeing-counts';
  if (reason.includes('without its first')) return 'missing-start';
  return 'other';
}

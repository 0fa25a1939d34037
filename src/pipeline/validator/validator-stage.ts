import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka, KafkaMessage, Message } from 'kafkajs';
import type { S1migConfig } from '../../adapters/config/config.js';
import type { DeviceCryptoChecker } from '../../core/contracts/device-crypto.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { PipelineMetrics } from '../../adapters/metrics/pipeline-metrics.js';
import { KeyedCapacity } from '../../core/flow/keyed-capacity.js';
import type { Reference } from '../../core/reference/index.js';
import { topicName, type TopicPlanEntry } from '../../adapters/topics/definitions.js';
import { recordCodec, type RecordCodec } from '../codecs.js';
import { laneOf } from '../../core/enrolment/lanes.js';
import { installationKey, type DeviceEvent, type EnrolmentRequestRecord, type InstallationDevicesRecord, type InstallationOutcomeRecord } from '../records.js';
import type { DeadLetter, PartitionContext, Stage } from '../runtime/stage.js';
import { startStageRuntime, type StageRuntime } from '../runtime/stage-runtime.js';
import { assembleBatch } from './assemble-batch.js';
import { InstallationAssembler } from './assembler.js';
import { checkInstallations } from './check-installations.js';
import { validatorOptions, type ValidatorOptions } from './options.js';
import { enrolmentRequest } from './enrolment-request.js';
import { unitRecords } from './outcome.js';

export { VALIDATOR_DEFAULTS, type ValidatorOptions } from './options.js';
export interface ValidatorDeps {
  kafka: Kafka;
  config: Readonly<S1migConfig>;
  plan: readonly TopicPlanEntry[];
  registry: SchemaRegistry;
  checker: DeviceCryptoChecker;
  ref: Reference;
  metrics: PipelineMetrics;
  logger: Logger;
  /** The consumer stopped for good (stage-runtime.ts RuntimeDeps.onFatal). */
  onFatal?: (reason: string, err: unknown) => void;
}

export type ValidatorStage = Stage;

const STAGE = 'validator';
const POOL_KEY = 'pool';

interface PartitionState {
  readonly assembler: InstallationAssembler<KafkaMessage>;
}

interface Codecs {
  events: RecordCodec<DeviceEvent>;
  outcomes: RecordCodec<InstallationOutcomeRecord>;
  devices: RecordCodec<InstallationDevicesRecord>;
  lanes: RecordCodec<EnrolmentRequestRecord>;
}

/**
 * The validator stage: device events in, installation outcomes out, exactly once. Per input
 * partition, one transaction per processed batch carries the outcomes, the dead letters and
 * the input offset, which never passes the first offset of an installation still incomplete
 * (the commit floor). The checker (worker pool) is owned by the caller; the Kafka loop is
 * the stage runtime's.
 */
export function createValidatorStage(deps: ValidatorDeps, options: Partial<ValidatorOptions> = {}): ValidatorStage {
  const opts = validatorOptions(options);
  const m = deps.metrics;
  const log = deps.logger.child({ stage: STAGE });
  // Devices buffered or in flight in this process: the pool's gate, one key.
  const budget = new KeyedCapacity({ limits: () => ({ concurrency: opts.maxDevicesInFlight }), maxWaiting: Number.POSITIVE_INFINITY });
  let runtime: StageRuntime<PartitionState> | null = null;
  // Enrolment requests go to their SMSO's lane (docs/architecture.md, "Enrolment").
  const smsos = Object.keys(deps.config.enrolment.smso);
  const lanePartitions = deps.plan.find((p) => p.name === 'enrolment.lanes')?.partitions ?? 1;

  async function processBatch(cs: Codecs, messages: readonly KafkaMessage[], ctx: PartitionContext<PartitionState>): Promise<bigint> {
    const lease = budget.tryAcquire(POOL_KEY, messages.length) ?? (await ctx.pauseUntil(budget.tryEnqueue(POOL_KEY, messages.length)!));
    try {
      return await validateAndCommit(cs, messages, ctx);
    } finally {
      lease.release();
    }
  }

  async function validateAndCommit(cs: Codecs, messages: readonly KafkaMessage[], ctx: PartitionContext<PartitionState>): Promise<bigint> {
    m.records.inc({ stage: STAGE }, messages.length);
    const assembled = await assembleBatch(messages, ctx.state.assembler, (buf) => cs.events.decodeNow(buf));
    const crypto = await ctx.withHeartbeat(checkInstallations(deps.checker, assembled.complete, opts.checkChunkDevices, (d) => m.poolQueueDepth.inc(d)));
    const now = opts.now();
    const units = assembled.complete.map((a, i) => unitRecords(a, crypto[i] ?? [], opts.policy, deps.ref.eligibility, now));
    const records: InstallationOutcomeRecord[] = [];
    const segments: InstallationDevicesRecord[] = [];
    const outcomes: Message[] = [];
    const deviceRecords: Message[] = [];
    const requests: Message[] = [];
    for (const [i, u] of units.entries()) {
      if (u.devices !== null) {
        segments.push(u.devices);
        deviceRecords.push({ key: installationKey(u.devices.fileKey, u.devices.installationId), value: cs.devices.encodeSync(u.devices) });
      }
      if (u.outcome !== null) {
        records.push(u.outcome);
        outcomes.push({ key: installationKey(u.outcome.fileKey, u.outcome.installationId), value: cs.outcomes.encodeSync(u.outcome) });
        const req = enrolmentRequest(assembled.complete[i]!, u.outcome);
        if (req !== null) requests.push({ key: req.smso, partition: laneOf(req.smso, smsos, lanePartitions), value: cs.lanes.encodeSync(req) });
      }
    }
    const dead: DeadLetter[] = [];
    for (const run of assembled.poison) for (const message of run.messages) dead.push({ message, reason: run.reason, label: reasonLabel(run.reason) });
    const next = BigInt(messages[messages.length - 1]!.offset) + 1n;
    await ctx.commit([{ topic: cs.outcomes.topic, messages: outcomes }, { topic: cs.devices.topic, messages: deviceRecords },
      { topic: cs.lanes.topic, messages: requests }], next, dead);
    log.debug('batch committed', { partition: ctx.partition, first: messages[0]!.offset, last: messages[messages.length - 1]!.offset,
      committed: ctx.committed.toString(), outcomes: records.length, dead: dead.length });
    count(records, segments, assembled.complete.reduce((n, a) => n + a.installation.devices.length, 0));
    assembled.complete.forEach((a, i) => {
      const decided = units[i]?.outcome?.decidedAtMs;
      if (a.file.receivedAtMs > 0 && decided !== undefined) m.installationLatency.observe(Math.max(0, decided - a.file.receivedAtMs) / 1000);
    });
    return next;
  }

  function count(records: readonly InstallationOutcomeRecord[], segments: readonly InstallationDevicesRecord[], devices: number): void {
    m.devices.inc({ stage: STAGE }, devices);
    for (const r of records) {
      m.installations.inc({ status: r.status });
      for (const e of r.errors) m.outcomeCodes.inc({ level: 'installation', code: e.code });
    }
    for (const r of [...records, ...segments]) for (const d of r.devices) for (const e of d.errors) m.outcomeCodes.inc({ level: 'device', code: e.code });
  }

  return {
    async start(): Promise<void> {
      if (runtime) return;
      const cs: Codecs = {
        events: await recordCodec<DeviceEvent>(deps.registry, deps.plan, 'mcf.device-events'),
        outcomes: await recordCodec<InstallationOutcomeRecord>(deps.registry, deps.plan, 'mcf.installation-outcomes'),
        devices: await recordCodec<InstallationDevicesRecord>(deps.registry, deps.plan, 'mcf.installation-devices'),
        lanes: await recordCodec<EnrolmentRequestRecord>(deps.registry, deps.plan, 'enrolment.lanes'),
      };
      runtime = await startStageRuntime<PartitionState>({ kafka: deps.kafka, metrics: m, logger: deps.logger, dlqTopic: topicName(deps.plan, 'dlq'), ...(deps.onFatal ? { onFatal: deps.onFatal } : {}) }, {
        name: STAGE,
        inputTopic: cs.events.topic,
        groupId: opts.groupId,
        consumer: { sessionTimeoutMs: opts.sessionTimeoutMs, heartbeatMs: opts.heartbeatMs, partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently },
        retry: { backoffMs: opts.retryBackoffMs, backoffMaxMs: opts.retryBackoffMaxMs },
        createState: () => ({ assembler: new InstallationAssembler(opts.maxDevicesPerInstallation) }),
        commitFloor: (st) => st.assembler.lowestIncompleteOffset(),
        processBatch: (messages, ctx) => processBatch(cs, messages, ctx),
      });
    },

    async stop(): Promise<void> {
      const r = runtime;
      runtime = null;
      await r?.stop();
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

import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import type { S1migConfig } from '../../adapters/config/config.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { PipelineMetrics } from '../../adapters/metrics/pipeline-metrics.js';
import { createSmsoAdapters } from '../../adapters/smso/index.js';
import { topicName, type TopicPlanEntry } from '../../adapters/topics/definitions.js';
import { ENROLMENT_FAILURE_CODES, type SmsoAdapter } from '../../core/contracts/smso.js';
import { KeyedCapacity } from '../../core/flow/keyed-capacity.js';
import type { MigrationAuthorisation, SupplierEntry } from '../../core/inputs/authorisations.js';
import type { AlertSigner } from '../../core/reference/alert-signing.js';
import { canonicalEui } from '../../core/values.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { recordCodec } from '../codecs.js';
import type { AlertRecord, EnrolmentRequestRecord, EnrolmentStateRecord, InstallationOutcomeRecord, SmiTopicRecord } from '../records.js';
import type { Stage } from '../runtime/stage.js';
import { startStageRuntime, type StageRuntime } from '../runtime/stage-runtime.js';
import { Lane } from './lane.js';
import { enrolmentOptions, type EnrolmentOptions } from './options.js';
import { EnrolmentTables } from './tables.js';
import { faultHook, type FaultHook } from './faults.js';

export { ENROLMENT_DEFAULTS, type EnrolmentOptions } from './options.js';

export interface EnrolmentDeps {
  kafka: Kafka;
  config: Readonly<S1migConfig>;
  plan: readonly TopicPlanEntry[];
  registry: SchemaRegistry;
  metrics: PipelineMetrics;
  logger: Logger;
  /** The consumer stopped for good (stage-runtime.ts RuntimeDeps.onFatal). */
  onFatal?: (reason: string, err: unknown) => void;
  /** The SMSO adapters by code; default one per configured SMSO (the simulators locally). */
  adapters?: ReadonlyMap<string, SmsoAdapter>;
  /** The S1SP alert-signing key and certificate (reference directory, s1sp/). */
  alertSigner: AlertSigner;
  /** Test-only fault points (faults.ts); default S1MIG_FAULT_KILL's. */
  fault?: FaultHook;
}

const STAGE = 'enrolment';

/**
 * The enrolment stage: the lanes of enrolment.lanes (one per configured SMSO) in, the final
 * outcomes of Migration files, the SMI and the stage's state out, each decision in one
 * transaction with the lane's input offset and progress (docs/architecture.md, "Enrolment").
 */
export function createEnrolmentStage(deps: EnrolmentDeps, options: Partial<EnrolmentOptions> = {}): Stage {
  const opts = enrolmentOptions(options);
  const cfg = deps.config.enrolment;
  const originator = canonicalEui(cfg.originator) ?? cfg.originator.toLowerCase();
  const smsoConfig = (smso: string) => cfg.smso[smso];
  const lanePartitions = deps.plan.find((p) => p.name === 'enrolment.lanes')?.partitions ?? 0;
  if (Object.keys(cfg.smso).length > lanePartitions) {
    throw new S1migError('CONFIG_INVALID', `enrolment.smso names ${Object.keys(cfg.smso).length} SMSOs; the topic enrolment.lanes has ${lanePartitions} partitions (one lane per SMSO)`);
  }
  const capacity = new KeyedCapacity({
    // An SMSO without configuration gets nothing started (its adapter is missing too).
    limits: (smso) => ({ concurrency: smsoConfig(smso)?.maxInFlight ?? 1, perSecond: smsoConfig(smso)?.perSecond ?? 1 }),
    maxWaiting: Number.POSITIVE_INFINITY,
  });
  for (const [smso, c] of Object.entries(cfg.smso)) {
    deps.metrics.enrolment.configured(smso, c, ENROLMENT_FAILURE_CODES);
  }
  const log = deps.logger.child({ stage: STAGE });
  let adapters: ReadonlyMap<string, SmsoAdapter> | null = null;
  let runtime: StageRuntime<Lane> | null = null;
  let tables: EnrolmentTables | null = null;
  let admin: Admin | null = null;
  let stopping = false;
  let draining = false;

  const schedule = (lane: Lane): void => {
    const r = runtime;
    if (r === null || lane.dropped || stopping) return;
    void r.withPartition(lane.partition, async (ctx) => {
      if (ctx.state === lane) await lane.pass(ctx);
    });
  };

  return {
    async start(): Promise<void> {
      if (runtime) return;
      const codecs = {
        ma: await recordCodec<MigrationAuthorisation>(deps.registry, deps.plan, 'ref.migration-authorisations'),
        state: await recordCodec<EnrolmentStateRecord>(deps.registry, deps.plan, 'enrolment.state'),
        smi: await recordCodec<SmiTopicRecord>(deps.registry, deps.plan, 'smi'),
        suppliers: await recordCodec<SupplierEntry>(deps.registry, deps.plan, 'ref.suppliers'),
      };
      const alertCodec = await recordCodec<AlertRecord>(deps.registry, deps.plan, 'alerts');
      const requests = await recordCodec<EnrolmentRequestRecord>(deps.registry, deps.plan, 'enrolment.lanes');
      const outcomes = await recordCodec<InstallationOutcomeRecord>(deps.registry, deps.plan, 'mcf.installation-outcomes');
      admin = deps.kafka.admin();
      await admin.connect();
      tables = new EnrolmentTables(deps.kafka, admin, codecs, `${deps.config.topics.prefix}enrolment-tables`,
        (where, error) => log.error('a record on a table topic is not ours: skipped', { ...where, error }));
      await tables.start();
      adapters = deps.adapters ?? createSmsoAdapters(cfg.smso);
      const laneDeps = {
        tables, requests, outcomes, capacity, originator, options: opts, metrics: deps.metrics.enrolment, logger: log, schedule, draining: () => draining,
        adapter: (smso: string) => adapters!.get(smso),
        fault: deps.fault ?? faultHook(process.env['S1MIG_FAULT_KILL']),
        perDay: (smso: string) => smsoConfig(smso)?.perDay ?? 0,
        alerts: {
          signer: deps.alertSigner, codec: alertCodec, supplier: (eui: string) => tables!.suppliers.get(eui),
          counted: { sent: (code: string) => deps.metrics.enrolment.alerts.inc({ code }), skipped: (code: string, reason: string) => deps.metrics.enrolment.alertsNotSent.inc({ code, reason }),
            signError: () => deps.metrics.enrolment.alertSignErrors.inc() },
        },
      };
      runtime = await startStageRuntime<Lane>({ kafka: deps.kafka, metrics: deps.metrics, logger: deps.logger, dlqTopic: topicName(deps.plan, 'dlq'), ...(deps.onFatal ? { onFatal: deps.onFatal } : {}) }, {
        name: STAGE,
        inputTopic: requests.topic,
        groupId: opts.groupId,
        consumer: { sessionTimeoutMs: opts.sessionTimeoutMs, heartbeatMs: opts.heartbeatMs, partitionsConsumedConcurrently: Math.max(1, lanePartitions) },
        retry: { backoffMs: opts.retryBackoffMs, backoffMaxMs: opts.retryBackoffMaxMs },
        createState: (partition) => new Lane(partition, laneDeps),
        dropState: (lane) => lane.drop(),
        commitFloor: (lane) => lane.floor(),
        processBatch: async (messages, ctx) => {
          const lane = ctx.state;
          if (!lane.ready) await lane.init(ctx);
          lane.take(messages, ctx);
          await lane.pass(ctx);
          return lane.next;
        },
      });
    },

    beginDrain(): void {
      draining = true;
    },

    async stop(): Promise<void> {
      const r = runtime;
      if (r === null) return;
      // Attempts in flight may finish and be recorded; what does not within drainMs is
      // resumed by the lane's next owner with the same request ID.
      draining = true;
      const until = Date.now() + opts.drainMs;
      while (Date.now() < until && r.states().some((l) => l.inFlightCalls > 0)) await new Promise((res) => setTimeout(res, 20));
      await r.forEachPartition((ctx) => ctx.state.pass(ctx));
      stopping = true;
      runtime = null;
      await r.stop();
      await tables?.stop();
      await admin?.disconnect().catch(() => undefined);
      if (deps.adapters === undefined) for (const a of adapters?.values() ?? []) await a.close().catch(() => undefined);
      log.debug('enrolment stage stopped');
    },
  };
}

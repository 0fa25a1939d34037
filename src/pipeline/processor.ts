import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import type { S1migConfig } from '../adapters/config/config.js';
import type { DeviceCryptoChecker } from '../core/contracts/device-crypto.js';
import { createPoolChecker } from '../adapters/pool/pool-checker.js';
import { S1migError } from '../core/errors/s1mig-error.js';
import { startOpsServer, type OpsServer } from '../adapters/http/ops-server.js';
import { createKafka } from '../adapters/kafka/client.js';
import type { Logger } from '../adapters/log/logger.js';
import { PipelineMetrics } from '../adapters/metrics/pipeline-metrics.js';
import { loadReference, type Reference } from '../core/reference/index.js';
import { loadAlertSigner } from '../core/reference/alert-signing.js';
import { createRegistry } from '../adapters/registry/client.js';
import { loadTopicDefinitions, topicPlan, type TopicPlanEntry } from '../adapters/topics/definitions.js';
import type { ValidationPolicy } from '../core/validation/policy.js';
import type { Stage } from './runtime/stage.js';
import { createSplitterStage } from './splitter/splitter-stage.js';
import type { SplitterOptions } from './splitter/options.js';
import { createValidatorStage, type ValidatorOptions } from './validator/validator-stage.js';
import { createEnrolmentStage, type EnrolmentOptions } from './enrolment/enrolment-stage.js';
import type { FaultHook } from './enrolment/faults.js';
import type { SpoolFault } from '../adapters/fs/spool-disk.js';
import type { SmsoAdapter } from '../core/contracts/smso.js';

/** What every stage of a processor is built from: one client, one registry, one pool, one metrics registry. */
export interface StageContext {
  readonly config: Readonly<S1migConfig>;
  readonly kafka: Kafka;
  readonly plan: readonly TopicPlanEntry[];
  readonly registry: SchemaRegistry;
  readonly ref: Reference;
  readonly metrics: PipelineMetrics;
  readonly logger: Logger;
  readonly options: ProcessorOptions;
  /** The process's worker pool, created on first use (only stages that need it start it). */
  checker(): DeviceCryptoChecker;
  /** A stage's consumer stopped for good: the process reports unhealthy (and `run` exits 3). */
  onFatal(reason: string, err: unknown): void;
}

/**
 * The stage registry: every stage a processor can run, in start order (downstream first, so
 * a stage's input is being drained before it is fed; stopped in the reverse order). A new
 * stage is one entry here.
 */
export const STAGE_REGISTRY = {
  // The alert-signing key is read only where alerts are made: a splitter or validator runs without it.
  enrolment: (c: StageContext): Stage => createEnrolmentStage({ ...c, alertSigner: loadAlertSigner(c.options.refDir), ...(c.options.smsoAdapters ? { adapters: c.options.smsoAdapters } : {}),
    ...(c.options.enrolmentFault ? { fault: c.options.enrolmentFault } : {}) },
    { groupId: groupIdFor(c.config, 'enrolment'), ...c.options.enrolment }),
  validator: (c: StageContext): Stage => createValidatorStage({ ...c, checker: c.checker() },
    { groupId: groupIdFor(c.config, 'validator'), ...c.options.validator, ...(c.options.policy ? { policy: c.options.policy } : {}) }),
  splitter: (c: StageContext): Stage => createSplitterStage({ ...c, ...(c.options.spoolFault ? { spoolFault: c.options.spoolFault } : {}) },
    { groupId: groupIdFor(c.config, 'splitter'), spoolBase: c.config.spool.base, ...c.options.splitter }),
} as const satisfies Record<string, (c: StageContext) => Stage>;

export type StageName = keyof typeof STAGE_REGISTRY;
/** Stage names in pipeline order, for the CLI. */
export const STAGES: readonly StageName[] = ['splitter', 'validator', 'enrolment'];

/** Consumer group of a stage: derived from the topic prefix, so deployments on one cluster never share groups. */
export function groupIdFor(config: { readonly topics: { readonly prefix: string } }, stage: StageName): string {
  return `${config.topics.prefix}${stage}`;
}

export interface ProcessorOptions {
  stages: StageName[];
  refDir: string;
  /** Port of /metrics, /healthz, /readyz; 0 = any free port. */
  metricsPort: number;
  /** Their bind address; default the configuration's processor.ops.host (127.0.0.1). */
  opsHost?: string;
  policy?: ValidationPolicy;
  threads?: number;
  splitter?: Partial<SplitterOptions>;
  validator?: Partial<ValidatorOptions>;
  enrolment?: Partial<EnrolmentOptions>;
  /** SMSO adapters by code instead of the configured ones (tests hold the simulators to count requests). */
  smsoAdapters?: ReadonlyMap<string, SmsoAdapter>;
  /** Test-only fault points of the enrolment lanes (pipeline/enrolment/faults.ts). */
  enrolmentFault?: FaultHook;
  /** Test-only: the splitter's spool disk refusing operations (adapters/fs/spool-disk.ts). */
  spoolFault?: SpoolFault;
  /** Told once when a stage has stopped for good; /healthz answers 503 from then on. */
  onFatal?: (reason: string) => void;
}

export interface Processor {
  readonly metrics: PipelineMetrics;
  readonly ops: OpsServer;
  stop(): Promise<void>;
}

/**
 * One processor process: the chosen stages sharing one worker pool, one metrics registry
 * and one ops endpoint. Several processes with the same group ids share the partitions.
 */
export async function startProcessor(config: Readonly<S1migConfig>, o: ProcessorOptions, logger: Logger): Promise<Processor> {
  if (o.stages.length === 0) throw new S1migError('USAGE', 'no stage selected');
  const ref = loadReference(o.refDir);
  const kafka = createKafka(config, 'processor');
  const registry = createRegistry(config);
  const plan = topicPlan(loadTopicDefinitions(), config.topics);
  const metrics = new PipelineMetrics(new Registry(), { defaultMetrics: true });
  // A holder rather than a `let`: the pool is created inside `checker()`, on first use.
  const pool: { checker: DeviceCryptoChecker | null } = { checker: null };
  const stages: Stage[] = [];
  let ready = false;
  let failure: string | null = null;
  const ops = await startOpsServer(metrics.registry, () => ready, o.metricsPort, o.opsHost ?? config.processor.ops.host, () => failure === null);
  const context: StageContext = {
    config, kafka, plan, registry, ref, metrics, logger, options: o,
    checker() {
      if (pool.checker === null) {
        const created = createPoolChecker(o.refDir, o.threads !== undefined ? { threads: o.threads } : {});
        if (created.stats) metrics.observePool(() => created.stats!());
        pool.checker = created;
      }
      return pool.checker;
    },
    onFatal(reason, err) {
      if (failure !== null) return;
      failure = reason;
      ready = false;
      logger.error('a stage stopped for good; the process is unhealthy', { reason, error: err });
      o.onFatal?.(reason);
    },
  };
  try {
    for (const [name, create] of Object.entries(STAGE_REGISTRY)) if (o.stages.includes(name as StageName)) stages.push(create(context));
    for (const s of stages) await s.start();
    ready = true;
  } catch (err) {
    for (const s of stages) await s.stop().catch(() => undefined);
    await pool.checker?.close().catch(() => undefined);
    await ops.close();
    throw err;
  }
  logger.info('processor started', { stages: o.stages, metrics: `${ops.url}/metrics` });
  return {
    metrics,
    ops,
    async stop() {
      ready = false;
      for (const s of stages) s.beginDrain?.();
      // Upstream first: the splitter stops feeding while the validator drains what it has.
      for (const s of [...stages].reverse()) await s.stop();
      await pool.checker?.close();
      await ops.close();
      logger.info('processor stopped');
    },
  };
}

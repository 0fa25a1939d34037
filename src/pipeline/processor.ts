import { Registry } from 'prom-client';
import type { S1migConfig } from '../adapters/config/config.js';
import type { DeviceCryptoChecker } from '../core/contracts/device-crypto.js';
import { createPoolChecker } from '../adapters/pool/pool-checker.js';
import { S1migError } from '../core/errors/s1mig-error.js';
import { startOpsServer, type OpsServer } from '../adapters/http/ops-server.js';
import { createKafka } from '../adapters/kafka/client.js';
import type { Logger } from '../adapters/log/logger.js';
import { PipelineMetrics } from '../adapters/metrics/pipeline-metrics.js';
import { loadReference } from '../core/reference/index.js';
import { createRegistry } from '../adapters/registry/client.js';
import { loadTopicDefinitions, topicPlan } from '../adapters/topics/definitions.js';
import type { ValidationPolicy } from '../core/validation/policy.js';
import { createSplitterStage, type Stage } from './splitter/splitter-stage.js';
import type { SplitterOptions } from './splitter/options.js';
import { createValidatorStage, type ValidatorOptions } from './validator/validator-stage.js';

export const STAGES = ['splitter', 'validator'] as const;
export type StageName = (typeof STAGES)[number];

/** Consumer group of a stage: derived from the topic prefix, so deployments on one cluster never share groups. */
export function groupIdFor(config: Pick<S1migConfig, 'topics'>, stage: StageName): string {
  return `${config.topics.prefix}${stage}`;
}

export interface ProcessorOptions {
  stages: StageName[];
  refDir: string;
  /** Port of /metrics, /healthz, /readyz on 127.0.0.1; 0 = any free port. */
  metricsPort: number;
  policy?: ValidationPolicy;
  threads?: number;
  splitter?: Partial<SplitterOptions>;
  validator?: Partial<ValidatorOptions>;
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
  let checker: DeviceCryptoChecker | null = null;
  const stages: Stage[] = [];
  let ready = false;
  const ops = await startOpsServer(metrics.registry, () => ready, o.metricsPort);
  try {
    if (o.stages.includes('validator')) {
      const pool = createPoolChecker(o.refDir, o.threads !== undefined ? { threads: o.threads } : {});
      checker = pool;
      if (pool.stats) metrics.observePool(() => pool.stats!());
      stages.push(createValidatorStage({ kafka, config, plan, registry, checker, ref, metrics, logger },
        { groupId: groupIdFor(config, 'validator'), ...o.validator, ...(o.policy ? { policy: o.policy } : {}) }));
    }
    if (o.stages.includes('splitter')) {
      stages.push(createSplitterStage({ kafka, plan, registry, ref, metrics, logger }, { groupId: groupIdFor(config, 'splitter'), spoolBase: config.spool.base, ...o.splitter }));
    }
    for (const s of stages) await s.start();
    ready = true;
  } catch (err) {
    for (const s of stages) await s.stop().catch(() => undefined);
    await checker?.close().catch(() => undefined);
    await ops.close();
    throw err;
  }
  logger.info('processor started', { stages: o.stages, metrics: `${ops.url}/metrics` });
  return {
    metrics,
    ops,
    async stop() {
      ready = false;
      // Upstream first: the splitter stops feeding while the validator drains what it has.
      for (const s of [...stages].reverse()) await s.stop();
      await checker?.close();
      await ops.close();
      logger.info('processor stopped');
    },
  };
}

/**
 * One end-to-end run: a fresh prefix, the processor as a child, the MCF published as
 * chunks, and the outcomes read back from Kafka, where the figures come from (the
 * broker's receipt time of the first chunk and every outcome's decidedAtMs).
 */
import { keyPartitioner } from '../../src/adapters/kafka/partitioner.js';
import { createRegistry } from '../../src/adapters/registry/client.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import { readTopicsToEnd } from '../../src/pipeline/tables/topic-reader.js';
import type { FileResultRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { createBenchTopics, type BenchTopics, type Infra } from './infra.js';
import { metricSum, startProcessorChild, type ProcessorChild } from './processor-child.js';
import { dirname } from 'node:path';
import { publishCoveringMas } from './ma.js';

export interface PipelineRunOptions {
  readonly mainJs: string;
  readonly refDir: string;
  readonly file: string;
  readonly installations: number;
  readonly devices: number;
  readonly prefix: string;
  readonly logFile: string;
  /** Publish the whole file first, then start the processor (a backlog). */
  readonly backlog: boolean;
  readonly cpuProfDir?: string;
}

export interface PipelineRun {
  readonly topics: BenchTopics;
  readonly groups: readonly string[];
  /** From the broker's append time of the first chunk (backlog: processor ready) to the last decidedAtMs. */
  readonly seconds: number;
  readonly devicesPerSecond: number;
  readonly publishSeconds: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly peakRssBytes: number;
  /** The processor's CPU time (all threads) from its start to the last outcome. */
  readonly cpuSeconds: number | null;
  readonly exitCode: number | null;
  readonly outcomes: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Counters of the processor at the end (transactions per stage, records, DLQ). */
  readonly counters: Readonly<Record<string, number>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function waitForOutcomes(child: ProcessorChild, expected: number, timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await child.metrics();
    const rejected = metricSum(m, 's1mig_files_total', 'status="rejected"');
    if (rejected > 0) {
      const codes = [...m].filter(([k, v]) => k.startsWith('s1mig_files_total{') && k.includes('rejected') && v > 0).map(([k]) => k);
      throw new Error(`the splitter rejected the file: ${codes.join(', ')}`);
    }
    if (metricSum(m, 's1mig_installations_total') >= expected) return m;
    if (Date.now() > deadline) throw new Error(`only ${metricSum(m, 's1mig_installations_total')} of ${expected} outcomes within ${timeoutMs} ms`);
    await sleep(250);
  }
}

export async function runPipeline(infra: Infra, o: PipelineRunOptions, log: (s: string) => void): Promise<PipelineRun> {
  const topics = await createBenchTopics(infra, o.prefix);
  const groups = [`${o.prefix}splitter`, `${o.prefix}validator`];
  const chunksTopic = topicName(topics.plan, 'mcf.chunks');
  const producer = infra.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
  await producer.connect();
  // Validation is what this bench measures: the enrolment stage has its own (bench:enrolment).
  const childOptions = { mainJs: o.mainJs, refDir: o.refDir, prefix: o.prefix, logFile: o.logFile, stages: 'splitter,validator', ...(o.cpuProfDir ? { cpuProfDir: o.cpuProfDir } : {}) };
  await publishCoveringMas(infra, topics, dirname(o.logFile), [{ file: o.file, installations: o.installations }]);
  let child: ProcessorChild | null = null;
  try {
    if (!o.backlog) child = await startProcessorChild(childOptions);
    const t0 = Date.now();
    await publishMcf(producer, chunksTopic, o.file);
    const publishSeconds = (Date.now() - t0) / 1000;
    if (o.backlog) {
      log(`  published the backlog in ${publishSeconds.toFixed(1)} s; starting the processor`);
      child = await startProcessorChild(childOptions);
    }
    const c = child!;
    // Generous: a slow machine is a figure, not a failure; a stuck pipeline still ends.
    const end = await waitForOutcomes(c, o.installations, Math.max(600_000, o.devices * 20));
    const cpuSeconds = c.cpuSeconds();
    const counters: Record<string, number> = {};
    for (const [k, v] of end) if (/^s1mig_(transactions|records|devices|dlq|installations)_total/.test(k)) counters[k] = v;
    const exitCode = await c.stop();
    const peakRssBytes = c.peakRssBytes();

    const registry = createRegistry(topics.config);
    const outcomesTopic = topicName(topics.plan, 'mcf.installation-outcomes');
    const filesTopic = topicName(topics.plan, 'mcf.files');
    const decided = new Map<string, number>();
    const statuses: Record<string, number> = {};
    let file: FileResultRecord | null = null;
    await readTopicsToEnd(infra.kafka, infra.admin, [outcomesTopic, filesTopic], async (topic, _p, msg) => {
      if (msg.value === null) return;
      if (topic === filesTopic) {
        const r = (await registry.decode(msg.value)) as FileResultRecord;
        if (r.status === 'accepted') file = r;
        return;
      }
      const r = (await registry.decode(msg.value)) as InstallationOutcomeRecord;
      // Exactly once: a second outcome for one installation would be a pipeline bug, not a figure.
      if (decided.has(r.installationId)) throw new Error(`two outcomes for installation ${r.installationId}`);
      decided.set(r.installationId, r.decidedAtMs);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    }, { timeoutMs: 300_000, groupStem: `${o.prefix}bench-reader` });
    const accepted = file as FileResultRecord | null;
    if (accepted === null) throw new Error('no accepted file result on the files topic');
    if (decided.size !== o.installations) throw new Error(`${decided.size} outcomes on the topic, expected ${o.installations}`);
    // A loop, not Math.max(...values): spreading 280k arguments overflows the stack.
    let lastDecided = 0;
    for (const d of decided.values()) if (d > lastDecided) lastDecided = d;
    const from = o.backlog ? c.readyAtMs : accepted.receivedAtMs;
    const seconds = (lastDecided - from) / 1000;
    const latencies = [...decided.values()].map((d) => d - accepted.receivedAtMs).sort((a, b) => a - b);
    return {
      topics, groups, seconds, devicesPerSecond: o.devices / seconds, publishSeconds,
      latencyP50Ms: percentile(latencies, 50), latencyP99Ms: percentile(latencies, 99),
      peakRssBytes, cpuSeconds, exitCode, outcomes: decided.size, statuses, counters,
    };
  } catch (err) {
    child?.kill();
    throw Object.assign(err as Error, { benchTopics: topics, benchGroups: groups });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

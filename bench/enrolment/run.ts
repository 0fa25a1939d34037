/**
 * npm run bench:enrolment [-- --devices N] [--runs R] [--cap X]
 * The enrolment stage end to end (processor as a child with all stages, the SMSO
 * simulator in it with latency 0 and capacity set high), against the same run's baseline:
 * the validation stage's installations per second, measured on the same file in the same
 * process (validation outcomes and final enrolment outcomes both carry decidedAtMs). With
 * --cap X, a second run per round caps the SMSO at X installations started per second and
 * reports its measured start rate and the busiest one-second window. Writes
 * bench/results/enrolment-<date>.json, enrolment-latest.json and enrolment-latest.svg.
 * Figures, not pass/fail thresholds.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRegistry } from '../../src/adapters/registry/client.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { keyPartitioner } from '../../src/adapters/kafka/partitioner.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import type { FileResultRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { readTopicsToEnd } from '../../src/pipeline/tables/topic-reader.js';
import { prepareDataset } from '../validate/dataset.js';
import { spread, type Spread } from '../validate/stats.js';
import { barChart } from '../validate/svg.js';
import { createBenchTopics, deleteBenchTopics, openInfra, type Infra } from '../pipeline/infra.js';
import { publishCoveringMas } from '../pipeline/ma.js';
import { metricSum, startProcessorChild } from '../pipeline/processor-child.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const CACHE = `${ROOT}bench/.cache`;
const RESULTS = `${ROOT}bench/results`;
const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface Run {
  readonly installations: number;
  readonly validationPerSecond: number;
  readonly enrolledPerSecond: number;
  readonly startsPerSecond: number;
  readonly peakStartsInOneSecond: number;
  readonly peakRssBytes: number;
  readonly statuses: Record<string, number>;
}

/** Most values within any window of 1,000 ms. */
function peakWindow(times: number[]): number {
  times.sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

async function runOnce(infra: Infra, data: { refDir: string; file: string; installations: number }, prefix: string, smso: Record<string, unknown>, logFile: string): Promise<Run> {
  const topics = await createBenchTopics(infra, prefix);
  const groups = ['splitter', 'validator', 'enrolment'].map((g) => `${prefix}${g}`);
  try {
    await publishCoveringMas(infra, topics, CACHE, [{ file: data.file, installations: data.installations }]);
    const config = `${CACHE}/enrolment-config-${prefix}json`;
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: smso } } }), { mode: 0o600 });
    const child = await startProcessorChild({ mainJs: MAIN_JS, refDir: data.refDir, prefix, logFile, env: { S1MIG_CONFIG: config } });
    const producer = infra.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
    await producer.connect();
    try {
      await publishMcf(producer, topicName(topics.plan, 'mcf.chunks'), data.file);
    } finally {
      await producer.disconnect();
    }
    const deadline = Date.now() + Math.max(900_000, data.installations * 50);
    for (;;) {
      const m = await child.metrics();
      if (metricSum(m, 's1mig_files_total', 'status="rejected"') > 0) throw new Error('the splitter rejected the file');
      if (metricSum(m, 's1mig_enrolment_outcomes_total') >= data.installations) break;
      if (Date.now() > deadline) throw new Error(`only ${metricSum(m, 's1mig_enrolment_outcomes_total')} of ${data.installations} enrolment outcomes`);
      await sleep(250);
    }
    const exit = await child.stop();
    if (exit !== 0) throw new Error(`processor exited ${exit}`);
    const registry = createRegistry(topics.config);
    const outcomesTopic = topicName(topics.plan, 'mcf.installation-outcomes');
    const filesTopic = topicName(topics.plan, 'mcf.files');
    let receivedAtMs = 0;
    let lastValidation = 0;
    let lastFinal = 0;
    const starts: number[] = [];
    const statuses: Record<string, number> = {};
    await readTopicsToEnd(infra.kafka, infra.admin, [outcomesTopic, filesTopic], async (topic, _p, msg) => {
      if (msg.value === null) return;
      if (topic === filesTopic) {
        const f = (await registry.decode(msg.value)) as FileResultRecord;
        if (f.status === 'accepted') receivedAtMs = f.receivedAtMs;
        return;
      }
      const o = (await registry.decode(msg.value)) as InstallationOutcomeRecord;
      if (o.stage === 'validation') lastValidation = Math.max(lastValidation, o.decidedAtMs);
      else if (o.migration?.status === 'in_progress') starts.push(o.migration.atMs!);
      else {
        lastFinal = Math.max(lastFinal, o.decidedAtMs);
        statuses[o.migration!.status] = (statuses[o.migration!.status] ?? 0) + 1;
      }
    }, { timeoutMs: 300_000, groupStem: `${prefix}bench-reader` });
    const span = starts.length > 1 ? (Math.max(...starts) - Math.min(...starts)) / 1000 : Number.NaN;
    return {
      installations: data.installations,
      validationPerSecond: data.installations / ((lastValidation - receivedAtMs) / 1000),
      enrolledPerSecond: data.installations / ((lastFinal - receivedAtMs) / 1000),
      startsPerSecond: (starts.length - 1) / span,
      peakStartsInOneSecond: peakWindow(starts),
      peakRssBytes: child.peakRssBytes(),
      statuses,
    };
  } finally {
    await deleteBenchTopics(infra, topics, groups, () => undefined);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ strict: true, options: { devices: { type: 'string' }, runs: { type: 'string' }, cap: { type: 'string' } } });
  const devices = Number(values.devices ?? 20_000);
  const runs = Number(values.runs ?? 3);
  const cap = values.cap === undefined ? null : Number(values.cap);
  if (!Number.isInteger(devices) || devices < 1 || !Number.isInteger(runs) || runs < 1 || (cap !== null && !(Number.isInteger(cap) && cap > 0))) {
    process.stderr.write('bench:enrolment: --devices, --runs and --cap must be positive whole numbers\n');
    process.exit(2);
  }
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const createdAt = `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
  const supplier = '90-B3-D5-1F-30-01-00-00';
  const data = prepareDataset(CACHE, MAIN_JS, devices, log, { createdAt, supplier });
  // About 20 s of starts at the cap: a file of its own for the capped run.
  const capData = cap === null ? null : prepareDataset(CACHE, MAIN_JS, Math.max(100, Math.round(cap * 20 * 3.6)), log, { createdAt, supplier });
  const loadBefore = loadavg();
  const id = randomBytes(4).toString('hex');
  mkdirSync(`${CACHE}/enrolment-logs`, { recursive: true });
  const infra = await openInfra(log);
  const high = { maxInFlight: 4096, perSecond: 1_000_000, perDay: 10_000_000, simulator: { latency: { kind: 'fixed', ms: 0 }, capacity: 100_000 } };
  const uncapped: Run[] = [];
  const capped: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const u = await runOnce(infra, data, `bench-enr-${id}-${i + 1}.`, high, `${CACHE}/enrolment-logs/${id}-${i + 1}.log`);
      uncapped.push(u);
      log(`run ${i + 1}/${runs}: validation ${fmt(u.validationPerSecond)} inst/s, enrolled ${fmt(u.enrolledPerSecond)} inst/s, ratio ${fmt(u.enrolledPerSecond / u.validationPerSecond, 2)}, peak RSS ${fmt(u.peakRssBytes / MB)} MB`);
      if (capData !== null) {
        const c = await runOnce(infra, capData, `bench-enr-${id}-${i + 1}c.`, { ...high, perSecond: cap }, `${CACHE}/enrolment-logs/${id}-${i + 1}c.log`);
        capped.push(c);
        log(`  capped at ${cap}/s: started ${fmt(c.startsPerSecond, 1)}/s, busiest second ${c.peakStartsInOneSecond}`);
      }
    }
  } finally {
    await infra.close();
  }
  const ratio = spread(uncapped.map((r) => r.enrolledPerSecond / r.validationPerSecond));
  const val = spread(uncapped.map((r) => r.validationPerSecond));
  const enr = spread(uncapped.map((r) => r.enrolledPerSecond));
  const rss = spread(uncapped.map((r) => r.peakRssBytes / MB));
  const capRate: Spread | null = capped.length === 0 ? null : spread(capped.map((r) => r.startsPerSecond));
  const row = (label: string, s: Spread, unit: string, d = 0): string => `${label.padEnd(36)} ${fmt(s.median, d).padStart(10)} ${fmt(s.min, d).padStart(10)} ${fmt(s.max, d).padStart(10)}  ${unit}`;
  const lines = [
    `${'enrolment bench'.padEnd(36)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}`,
    row('validation stage (same run)', val, 'installations/s'),
    row('enrolled (final outcome)', enr, 'installations/s'),
    row('ratio enrolled/validation', ratio, '(target >= 0.8)', 2),
    row('processor peak RSS', rss, 'MB'),
    ...(capRate ? [row(`started with perSecond ${cap}`, capRate, `/s (target within 5 % of ${cap})`, 1),
      `busiest one-second window: ${Math.max(...capped.map((c) => c.peakStartsInOneSecond))} (never above ${cap})`] : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const date = new Date().toISOString();
  const result = {
    date,
    machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', memTotalMB: Math.round(totalmem() / MB), node: process.version, loadAverage1mBefore: loadBefore[0], loadAverage1mAfter: loadavg()[0] },
    dataset: { file: data.file.slice(ROOT.length), installations: data.installations, devices: data.devices, createdAt },
    runs,
    clock: 'broker append time of the first chunk -> last decidedAtMs (validation outcomes; final enrolment outcomes)',
    smso: high,
    validationPerSecond: val, enrolledPerSecond: enr, ratioEnrolledToValidation: ratio, peakRssMB: rss,
    statuses: uncapped[0]?.statuses,
    capped: capRate === null ? null : { perSecond: cap, installations: capData!.installations, startsPerSecond: capRate, busiestSecond: capped.map((c) => c.peakStartsInOneSecond) },
  };
  mkdirSync(RESULTS, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(`${RESULTS}/enrolment-${date.slice(0, 10)}.json`, json);
  writeFileSync(`${RESULTS}/enrolment-latest.json`, json);
  writeFileSync(`${RESULTS}/enrolment-latest.svg`, barChart(`Enrolment vs the same run's validation stage (${fmt(data.installations)} installations)`, '/s',
    [{ label: 'validation stage', ...val }, { label: 'enrolled', ...enr }, ...(capRate ? [{ label: `started, cap ${cap}/s`, ...capRate }] : [])],
    [`Medians of ${runs} runs, whiskers min-max (installations/s). enrolled/validation ${fmt(ratio.median, 2)}; peak RSS ${fmt(rss.median)} MB.`,
      `SMSO simulator in the processor, latency 0, capacity high. ${result.machine.cpu}, ${result.machine.nproc} CPUs, Node ${process.version}, ${date.slice(0, 10)}.`]));
  log(`written ${RESULTS}/enrolment-latest.{json,svg}`);
}

await main();

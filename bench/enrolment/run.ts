/**
 * npm run bench:enrolment [-- --devices N] [--runs R] [--cap X]
 * The enrolment stage end to end (processor as a child with all stages, the SMSO
 * simulator in it with latency 0 and capacity set high), against the same run's baseline:
 * the validation stage's installations per second, measured on the same file in the same
 * process (validation outcomes and final enrolment outcomes both carry decidedAtMs). With
 * --cap X, two more runs per round process an MDS file (about 20 s of starts at X) beside a
 * SECURE file, first with both SMSOs uncapped, then with MDS capped at X: they report MDS's
 * measured start rate, its busiest one-second window, and SECURE's enrolled rate with MDS
 * capped against the same with MDS uncapped. Writes
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
import type { AlertRecord, FileResultRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { readTopicsToEnd } from '../../src/pipeline/tables/topic-reader.js';
import { prepareDataset } from '../validate/dataset.js';
import { spread, type Spread } from '../validate/stats.js';
import { barChart } from '../validate/svg.js';
import { createBenchTopics, deleteBenchTopics, openInfra, type Infra } from '../pipeline/infra.js';
import { publishCoveringMas, publishSupplierDirectory } from '../pipeline/ma.js';
import { measureSignFloor, type SignFloor } from './sign-floor.js';
import { metricSum, startProcessorChild } from '../pipeline/processor-child.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const CACHE = `${ROOT}bench/.cache`;
const RESULTS = `${ROOT}bench/results`;
const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0): string => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

interface FileRun {
  readonly installations: number;
  readonly validationPerSecond: number;
  readonly enrolledPerSecond: number;
  readonly startsPerSecond: number;
  readonly peakStartsInOneSecond: number;
  readonly statuses: Record<string, number>;
  /** S1SP alerts published for the file (read_committed). */
  readonly alerts: number;
  /** Alerts over the same interval as enrolledPerSecond. */
  readonly alertsPerSecond: number;
}

interface Run {
  /** Per file, in the order given. */
  readonly files: readonly FileRun[];
  readonly peakRssBytes: number;
}

interface BenchFile {
  readonly refDir: string;
  readonly file: string;
  readonly installations: number;
  readonly smso: string;
}

/** gen --suppliers gives every meter of a bench file this supplier; the directory lists it. */
const SUPPLIER = '90-B3-D5-1F-30-01-00-00';

/**
 * Starts per second over the complete seconds from the first start on (buckets
 * [t0 + k s, t0 + (k+1) s)): a sliding-window limiter starts in bursts at window edges, so
 * (n - 1) / (last - first) overstates its rate by up to one second's worth.
 */
function meanPerSecond(times: readonly number[]): number {
  if (times.length < 2) return Number.NaN;
  const t0 = Math.min(...times);
  const complete = Math.floor((Math.max(...times) - t0) / 1000);
  if (complete === 0) return Number.NaN;
  return times.filter((t) => t < t0 + complete * 1000).length / complete;
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

async function runOnce(infra: Infra, files: readonly BenchFile[], prefix: string, smso: Record<string, Record<string, unknown>>, logFile: string): Promise<Run> {
  const topics = await createBenchTopics(infra, prefix);
  const groups = ['splitter', 'validator', 'enrolment'].map((g) => `${prefix}${g}`);
  const total = files.reduce((n, f) => n + f.installations, 0);
  try {
    await publishCoveringMas(infra, topics, CACHE, files);
    await publishSupplierDirectory(infra, topics, CACHE, [SUPPLIER]);
    const config = `${CACHE}/enrolment-config-${prefix}json`;
    writeFileSync(config, JSON.stringify({ enrolment: { smso } }), { mode: 0o600 });
    const child = await startProcessorChild({ mainJs: MAIN_JS, refDir: files[0]!.refDir, prefix, logFile, env: { S1MIG_CONFIG: config } });
    const producer = infra.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
    await producer.connect();
    const keys: string[] = [];
    try {
      for (const f of files) keys.push((await publishMcf(producer, topicName(topics.plan, 'mcf.chunks'), f.file)).fileKey);
    } finally {
      await producer.disconnect();
    }
    const deadline = Date.now() + Math.max(900_000, total * 50);
    for (;;) {
      const m = await child.metrics();
      if (metricSum(m, 's1mig_files_total', 'status="rejected"') > 0) throw new Error('the splitter rejected a file');
      if (metricSum(m, 's1mig_enrolment_outcomes_total') >= total) break;
      if (Date.now() > deadline) throw new Error(`only ${metricSum(m, 's1mig_enrolment_outcomes_total')} of ${total} enrolment outcomes`);
      await sleep(250);
    }
    const exit = await child.stop();
    if (exit !== 0) throw new Error(`processor exited ${exit}`);
    const registry = createRegistry(topics.config);
    const outcomesTopic = topicName(topics.plan, 'mcf.installation-outcomes');
    const filesTopic = topicName(topics.plan, 'mcf.files');
    const alertsTopic = topicName(topics.plan, 'alerts');
    const per = new Map(keys.map((k) => [k, { receivedAtMs: 0, lastValidation: 0, lastFinal: 0, starts: [] as number[], statuses: {} as Record<string, number>, alerts: 0 }]));
    await readTopicsToEnd(infra.kafka, infra.admin, [outcomesTopic, filesTopic, alertsTopic], async (topic, _p, msg) => {
      if (msg.value === null) return;
      if (topic === alertsTopic) {
        const a = (await registry.decode(msg.value)) as AlertRecord;
        const p = per.get(a.fileKey);
        if (p !== undefined) p.alerts++;
        return;
      }
      if (topic === filesTopic) {
        const f = (await registry.decode(msg.value)) as FileResultRecord;
        if (f.status === 'accepted' && per.has(f.fileKey)) per.get(f.fileKey)!.receivedAtMs = f.receivedAtMs;
        return;
      }
      const o = (await registry.decode(msg.value)) as InstallationOutcomeRecord;
      const p = per.get(o.fileKey);
      if (p === undefined) return;
      if (o.stage === 'validation') p.lastValidation = Math.max(p.lastValidation, o.decidedAtMs);
      else if (o.migration?.status === 'in_progress') p.starts.push(o.migration.atMs!);
      else {
        p.lastFinal = Math.max(p.lastFinal, o.decidedAtMs);
        p.statuses[o.migration!.status] = (p.statuses[o.migration!.status] ?? 0) + 1;
      }
    }, { timeoutMs: 300_000, groupStem: `${prefix}bench-reader` });
    return {
      peakRssBytes: child.peakRssBytes(),
      files: files.map((f, k) => {
        const p = per.get(keys[k]!)!;
        return {
          installations: f.installations,
          validationPerSecond: f.installations / ((p.lastValidation - p.receivedAtMs) / 1000),
          enrolledPerSecond: f.installations / ((p.lastFinal - p.receivedAtMs) / 1000),
          startsPerSecond: meanPerSecond(p.starts),
          peakStartsInOneSecond: peakWindow(p.starts),
          statuses: p.statuses,
          alerts: p.alerts,
          alertsPerSecond: p.alerts / ((p.lastFinal - p.receivedAtMs) / 1000),
        };
      }),
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
  const data = { ...prepareDataset(CACHE, MAIN_JS, devices, log, { createdAt, supplier }), smso: 'MDS' };
  // About 20 s of starts at the cap: an MDS file of its own for the capped rounds, beside a SECURE file as large as the main one.
  const capData = cap === null ? null : { ...prepareDataset(CACHE, MAIN_JS, Math.max(100, Math.round(cap * 20 * 3.6)), log, { createdAt, supplier }), smso: 'MDS' };
  const secureData = cap === null ? null : { ...prepareDataset(CACHE, MAIN_JS, devices, log, { createdAt, supplier, smso: 'SECURE' }), smso: 'SECURE' };
  const loadBefore = loadavg();
  const id = randomBytes(4).toString('hex');
  mkdirSync(`${CACHE}/enrolment-logs`, { recursive: true });
  const infra = await openInfra(log);
  const high = { maxInFlight: 4096, perSecond: 1_000_000, perDay: 10_000_000, simulator: { latency: { kind: 'fixed', ms: 0 }, capacity: 100_000 } };
  const uncapped: Run[] = [];
  const floors: SignFloor[] = [];
  const both: Run[] = [];
  const capped: Run[] = [];
  const logOf = (tag: string): string => `${CACHE}/enrolment-logs/${id}-${tag}.log`;
  try {
    for (let i = 0; i < runs; i++) {
      // The signing floor in the same round, on this process's one thread, while nothing else of the bench runs.
      const floor = measureSignFloor(data.refDir, 3, 1000);
      floors.push(floor);
      const u = await runOnce(infra, [data], `bench-enr-${id}-${i + 1}.`, { MDS: high }, logOf(`${i + 1}`));
      uncapped.push(u);
      const f = u.files[0]!;
      log(`run ${i + 1}/${runs}: validation ${fmt(f.validationPerSecond)} inst/s, enrolled ${fmt(f.enrolledPerSecond)} inst/s, ratio ${fmt(f.enrolledPerSecond / f.validationPerSecond, 2)}, peak RSS ${fmt(u.peakRssBytes / MB)} MB; ` +
        `${fmt(f.alerts)} alerts, ${fmt(f.alertsPerSecond)}/s; one core signs ${fmt(floor.alertPerSecond.median)} alerts/s against a bare ECDSA floor of ${fmt(floor.signPerSecond.median)}/s`);
      if (capData !== null && secureData !== null) {
        // The same two files twice: both SMSOs uncapped, then MDS capped; SECURE's rate is compared between the two.
        const b = await runOnce(infra, [capData, secureData], `bench-enr-${id}-${i + 1}b.`, { MDS: high, SECURE: high }, logOf(`${i + 1}b`));
        both.push(b);
        const c = await runOnce(infra, [capData, secureData], `bench-enr-${id}-${i + 1}c.`, { MDS: { ...high, perSecond: cap }, SECURE: high }, logOf(`${i + 1}c`));
        capped.push(c);
        log(`  MDS capped at ${cap}/s: started ${fmt(c.files[0]!.startsPerSecond, 1)}/s, busiest second ${c.files[0]!.peakStartsInOneSecond}; ` +
          `SECURE enrolled ${fmt(c.files[1]!.enrolledPerSecond)} inst/s against ${fmt(b.files[1]!.enrolledPerSecond)} with MDS uncapped`);
      }
    }
  } finally {
    await infra.close();
  }
  const ratio = spread(uncapped.map((r) => r.files[0]!.enrolledPerSecond / r.files[0]!.validationPerSecond));
  const val = spread(uncapped.map((r) => r.files[0]!.validationPerSecond));
  const enr = spread(uncapped.map((r) => r.files[0]!.enrolledPerSecond));
  const rss = spread(uncapped.map((r) => r.peakRssBytes / MB));
  const alertRate = spread(uncapped.map((r) => r.files[0]!.alertsPerSecond));
  const signRate = spread(floors.map((f) => f.signPerSecond.median));
  const alertSignRate = spread(floors.map((f) => f.alertPerSecond.median));
  const alertToFloor = spread(floors.map((f) => f.ratio.median));
  const pipelineShare = spread(uncapped.map((r, k) => r.files[0]!.alertsPerSecond / floors[k]!.signPerSecond.median));
  const capRate: Spread | null = capped.length === 0 ? null : spread(capped.map((r) => r.files[0]!.startsPerSecond));
  const otherRatio: Spread | null = capped.length === 0 ? null : spread(capped.map((r, k) => r.files[1]!.enrolledPerSecond / both[k]!.files[1]!.enrolledPerSecond));
  const row = (label: string, s: Spread, unit: string, d = 0): string => `${label.padEnd(36)} ${fmt(s.median, d).padStart(10)} ${fmt(s.min, d).padStart(10)} ${fmt(s.max, d).padStart(10)}  ${unit}`;
  const lines = [
    `${'enrolment bench'.padEnd(36)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}`,
    row('validation stage (same run)', val, 'installations/s'),
    row('enrolled (final outcome)', enr, 'installations/s'),
    row('ratio enrolled/validation', ratio, '(target >= 0.8)', 2),
    row('processor peak RSS', rss, 'MB'),
    row('alerts published (pipeline)', alertRate, 'alerts/s'),
    row('ECDSA P-256 sign floor, one core', signRate, 'signs/s'),
    row('signed alerts, one core', alertSignRate, 'alerts/s'),
    row('ratio signed alert/sign floor', alertToFloor, '', 2),
    row('pipeline alerts/s / sign floor', pipelineShare, '(share of one core spent signing)', 2),
    ...(capRate ? [row(`started with perSecond ${cap}`, capRate, `/s (target within 5 % of ${cap})`, 1),
      `busiest one-second window: ${Math.max(...capped.map((c) => c.files[0]!.peakStartsInOneSecond))} (never above ${cap})`,
      row('SECURE, MDS capped / MDS uncapped', otherRatio!, '(target >= 0.9)', 2)] : []),
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
    statuses: uncapped[0]?.files[0]?.statuses,
    alerts: {
      perRun: uncapped.map((r) => r.files[0]!.alerts), alertsPerSecond: alertRate,
      signFloorPerSecond: signRate, signedAlertsPerSecondOneCore: alertSignRate, ratioSignedAlertToSignFloor: alertToFloor, ratioPipelineAlertsToSignFloor: pipelineShare,
    },
    capped: capRate === null ? null : {
      perSecond: cap, mdsInstallations: capData!.installations, secureInstallations: secureData!.installations, startsPerSecond: capRate,
      busiestSecond: capped.map((c) => c.files[0]!.peakStartsInOneSecond),
      secureEnrolledPerSecond: { mdsUncapped: both.map((b) => b.files[1]!.enrolledPerSecond), mdsCapped: capped.map((c) => c.files[1]!.enrolledPerSecond) },
      ratioSecureCappedToUncapped: otherRatio,
    },
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

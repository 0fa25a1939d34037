/**
 * npm run bench:pipeline [-- --devices N] [--runs R] [--backlog] [--cpu-prof] [--pipeline-only]
 * The Kafka pipeline end to end (processor as a child process, file published as chunks,
 * outcomes read back) against two same-run baselines, interleaved: offline `validate` of
 * the same file and a raw exactly-once Kafka pass-through of the same device events.
 * Writes bench/results/pipeline-<date>.json, pipeline-latest.json and pipeline-latest.svg.
 * Figures, not pass/fail thresholds.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { peakRssMethod, runValidateCli, type CliRun } from '../validate/cli-run.js';
import { prepareDataset } from '../validate/dataset.js';
import { spread, type Spread } from '../validate/stats.js';
import { barChart } from '../validate/svg.js';
import { deleteBenchTopics, openInfra, type BenchTopics } from './infra.js';
import { runPassthrough, type PassthroughRun } from './passthrough.js';
import { runPipeline, type PipelineRun } from './pipeline-run.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const CACHE = `${ROOT}bench/.cache`;
const RESULTS = `${ROOT}bench/results`;
const MB = 1024 * 1024;

interface Options {
  devices: number;
  runs: number;
  backlog: boolean;
  cpuProf: boolean;
  /** Skip the validate and pass-through baselines (e.g. a long memory run with --backlog). */
  pipelineOnly: boolean;
}

function options(): Options {
  let values;
  try {
    ({ values } = parseArgs({
      strict: true,
      options: { devices: { type: 'string' }, runs: { type: 'string' }, backlog: { type: 'boolean' }, 'cpu-prof': { type: 'boolean' },
        'pipeline-only': { type: 'boolean' } },
    }));
  } catch (err) {
    process.stderr.write(`bench:pipeline: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(2);
  }
  const devices = Number(values.devices ?? process.env['S1MIG_BENCH_DEVICES'] ?? 100_000);
  const runs = Number(values.runs ?? 3);
  if (!Number.isInteger(devices) || devices < 1 || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write('bench:pipeline: --devices and --runs must be positive whole numbers\n');
    process.exit(2);
  }
  return { devices, runs, backlog: values.backlog ?? false, cpuProf: values['cpu-prof'] ?? false, pipelineOnly: values['pipeline-only'] ?? false };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (label: string, s: Spread, unit: string, digits = 0): string =>
  `${label.padEnd(34)} ${fmt(s.median, digits).padStart(10)} ${fmt(s.min, digits).padStart(10)} ${fmt(s.max, digits).padStart(10)}  ${unit}`;

async function main(): Promise<void> {
  const o = options();
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  // Receipt must be within 30 days of CreatedAt (MCF_STALE): one cached file per day.
  const createdAt = `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
  const data = prepareDataset(CACHE, MAIN_JS, o.devices, log, { createdAt });
  log(`dataset: ${data.file} (${fmt(data.bytes / MB, 1)} MB, ${fmt(data.installations)} installations, ${fmt(data.devices)} devices, CreatedAt ${createdAt})`);
  const benchId = randomBytes(4).toString('hex');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = `${CACHE}/pipeline-logs`;
  mkdirSync(logDir, { recursive: true });
  const profDir = o.cpuProf ? `${CACHE}/pipeline-prof-${stamp}` : undefined;
  const loadBefore = loadavg();

  const infra = await openInfra(log);
  const pipelineRuns: PipelineRun[] = [];
  const validateRuns: CliRun[] = [];
  const passRuns: PassthroughRun[] = [];
  try {
    // Interleaved, so that a noisy neighbour weighs on all three alike.
    for (let i = 0; i < o.runs; i++) {
      const prefix = `bench-${benchId}-${i + 1}.`;
      log(`run ${i + 1}/${o.runs}: pipeline on prefix ${prefix}${o.backlog ? ' (backlog)' : ''}`);
      let topics: BenchTopics | null = null;
      try {
        const p = await runPipeline(infra, {
          mainJs: MAIN_JS, refDir: data.refDir, file: data.file, installations: data.installations, devices: data.devices,
          prefix, logFile: `${logDir}/${stamp}-run${i + 1}.log`, backlog: o.backlog, ...(profDir ? { cpuProfDir: profDir } : {}),
        }, log);
        topics = p.topics;
        pipelineRuns.push(p);
        log(`  pipeline ${fmt(p.seconds, 1)} s, ${fmt(p.devicesPerSecond)} devices/s, latency p50 ${fmt(p.latencyP50Ms / 1000, 1)} s ` +
          `p99 ${fmt(p.latencyP99Ms / 1000, 1)} s, peak RSS ${fmt(p.peakRssBytes / MB)} MB, exit ${p.exitCode}, publish ${fmt(p.publishSeconds, 1)} s, ` +
          `CPU ${p.cpuSeconds === null ? '?' : `${fmt(p.cpuSeconds, 1)} s = ${fmt((1e6 * p.cpuSeconds) / data.devices)} µs per device`}`);
        if (o.pipelineOnly) continue;
        const v = await runValidateCli(MAIN_JS, data.file, data.refDir);
        validateRuns.push(v);
        log(`  validate ${fmt(v.seconds, 1)} s, ${fmt(data.devices / v.seconds)} devices/s, peak RSS ${fmt(v.peakRssBytes / MB)} MB, ` +
          `CPU ${v.cpuSeconds === null ? '?' : `${fmt(v.cpuSeconds, 1)} s = ${fmt((1e6 * v.cpuSeconds) / data.devices)} µs per device`}`);
        const pt = await runPassthrough(infra, p.topics);
        passRuns.push(pt);
        log(`  pass-through ${fmt(pt.seconds, 1)} s, ${fmt(pt.records)} records, ${fmt(pt.recordsPerSecond)} records/s, ${pt.transactions} transactions`);
      } catch (err) {
        topics ??= (err as { benchTopics?: BenchTopics }).benchTopics ?? null;
        throw err;
      } finally {
        if (topics) await deleteBenchTopics(infra, topics, [`${prefix}splitter`, `${prefix}validator`], log);
      }
    }
  } finally {
    await infra.close();
  }

  const pipeRate = spread(pipelineRuns.map((r) => r.devicesPerSecond));
  const pipeSec = spread(pipelineRuns.map((r) => r.seconds));
  const p50 = spread(pipelineRuns.map((r) => r.latencyP50Ms / 1000));
  const p99 = spread(pipelineRuns.map((r) => r.latencyP99Ms / 1000));
  const pipeRss = spread(pipelineRuns.map((r) => r.peakRssBytes / MB));
  const none: Spread = { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: [] };
  const valRate = o.pipelineOnly ? none : spread(validateRuns.map((r) => data.devices / r.seconds));
  const valRss = o.pipelineOnly ? none : spread(validateRuns.map((r) => r.peakRssBytes / MB));
  const passRate = o.pipelineOnly ? none : spread(passRuns.map((r) => r.recordsPerSecond));
  const ratioValidate = pipeRate.median / valRate.median;
  const ratioPass = pipeRate.median / passRate.median;
  const lines = [
    `${'pipeline bench'.padEnd(34)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}`,
    row('pipeline end to end (wall)', pipeSec, 's', 1),
    row('pipeline end to end', pipeRate, 'devices/s'),
    row('installation latency p50', p50, 's', 1),
    row('installation latency p99', p99, 's', 1),
    row('processor peak RSS', pipeRss, 'MB'),
    row('offline validate (CLI)', valRate, 'devices/s'),
    row('offline validate peak RSS', valRss, 'MB'),
    row('Kafka EOS pass-through', passRate, 'records/s'),
    `ratio pipeline/validate (medians): ${fmt(ratioValidate, 2)}  (target >= 0.6)`,
    `ratio pipeline/pass-through (medians): ${fmt(ratioPass, 2)}`,
  ];
  // Without baselines their rows and ratios are NaN: left out.
  process.stdout.write(`${lines.filter((l) => !o.pipelineOnly || !l.includes('NaN')).join('\n')}\n`);

  const date = new Date().toISOString();
  const result = {
    date,
    machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', memTotalMB: Math.round(totalmem() / MB), node: process.version,
      loadAverage1mBefore: loadBefore[0], loadAverage1mAfter: loadavg()[0] },
    dataset: { file: data.file.slice(ROOT.length), bytes: data.bytes, installations: data.installations, devices: data.devices, seed: data.seed, createdAt },
    runs: o.runs,
    mode: o.backlog ? 'backlog (published before the processor starts; throughput from /readyz)' : 'live (processor running before the publish)',
    pipeline: {
      command: 'S1MIG_TOPIC_PREFIX=<fresh> node dist/src/cli/main.js run --ref DIR --metrics-port 0',
      clock: o.backlog ? 'processor ready -> last outcome decidedAtMs' : 'broker append time of the first chunk -> last outcome decidedAtMs',
      seconds: pipeSec, devicesPerSecond: pipeRate, latencyP50Seconds: p50, latencyP99Seconds: p99, peakRssMB: pipeRss,
      peakRssMethod: '/proc/<pid>/status VmHWM, polled every 100 ms and at exit',
      exitCodes: pipelineRuns.map((r) => r.exitCode), publishSeconds: pipelineRuns.map((r) => r.publishSeconds),
      // The processor's CPU (all threads) to the last outcome: steadier than wall time on a shared machine.
      cpuSeconds: pipelineRuns.map((r) => r.cpuSeconds),
      statuses: pipelineRuns[0]?.statuses, counters: pipelineRuns.map((r) => r.counters),
    },
    validate: {
      command: 'node dist/src/cli/main.js validate FILE --ref DIR --json > /dev/null',
      exitCodes: validateRuns.map((r) => r.exitCode), cpuSeconds: validateRuns.map((r) => r.cpuSeconds), devicesPerSecond: valRate, peakRssMB: valRss, peakRssMethod: peakRssMethod(),
    },
    passthrough: {
      what: 'device events of the run copied to a fresh topic: consumer group, per-partition transactional producer, sendOffsets, read_committed; no decoding',
      records: passRuns.map((r) => r.records), transactions: passRuns.map((r) => r.transactions), recordsPerSecond: passRate,
    },
    ratioPipelineToValidate: ratioValidate,
    ratioPipelineToPassthrough: ratioPass,
  };
  mkdirSync(RESULTS, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  // A backlog run answers another question (memory), so it does not replace the live figures.
  const stem = o.backlog ? 'pipeline-backlog' : 'pipeline';
  writeFileSync(`${RESULTS}/${stem}-${date.slice(0, 10)}.json`, json);
  writeFileSync(`${RESULTS}/${stem}-latest.json`, json);
  writeFileSync(`${RESULTS}/${stem}-latest.svg`, barChart(
    `Kafka pipeline vs same-run baselines (${fmt(data.devices)} devices)`,
    '/s',
    [
      { label: 'pipeline end to end', ...pipeRate },
      ...(o.pipelineOnly ? [] : [{ label: 'offline validate', ...valRate }, { label: 'Kafka EOS pass-through', ...passRate }]),
    ],
    [
      `Medians of ${o.runs} runs, whiskers min-max (devices/s; pass-through in records/s, 1 record per device).`,
      `pipeline/validate ${fmt(ratioValidate, 2)}, pipeline/pass-through ${fmt(ratioPass, 2)}; processor peak RSS ${fmt(pipeRss.median)} MB.`,
      `Installation latency p50 ${fmt(p50.median, 1)} s, p99 ${fmt(p99.median, 1)} s (one file: all wait for its verdict).`,
      `${result.machine.cpu}, ${result.machine.nproc} CPUs, broker on the same machine, Node ${process.version}, ${date.slice(0, 10)}.`,
    ],
  ));
  log(`written ${RESULTS}/${stem}-latest.{json,svg}${profDir ? `; CPU profiles in ${profDir}` : ''}`);
}

await main();

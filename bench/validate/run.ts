/**
 * npm run bench:validate [-- --devices N] [--runs R]
 * Offline validation through the real CLI (child process, 5 runs: wall time, peak RSS)
 * against the same-run crypto floor (the file's own primitives on the same number of
 * threads). Writes bench/results/validate-<date>.json, validate-latest.json and
 * validate-latest.svg. Figures, not pass/fail thresholds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runValidateCli, peakRssMethod, type CliRun } from './cli-run.js';
import { prepareDataset } from './dataset.js';
import { createFloorPool, extractFloorInput, BATCH_DEVICES } from './floor.js';
import { spread, type Spread } from './stats.js';
import { barChart } from './svg.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN_JS = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const CACHE = `${ROOT}bench/.cache`;
const RESULTS = `${ROOT}bench/results`;
/** The floor's inputs are held in memory: above this it runs on the file's first devices. */
const FLOOR_MAX_DEVICES = 200_000;
const MB = 1024 * 1024;

function options(): { devices: number; runs: number } {
  let values;
  try {
    ({ values } = parseArgs({
      strict: true,
      options: { devices: { type: 'string' }, runs: { type: 'string' } },
    }));
  } catch (err) {
    process.stderr.write(`bench:validate: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(2);
  }
  const devices = Number(values.devices ?? process.env['S1MIG_BENCH_DEVICES'] ?? 100_000);
  const runs = Number(values.runs ?? 5);
  if (!Number.isInteger(devices) || devices < 1 || !Number.isInteger(runs) || runs < 1) {
    process.stderr.write('bench:validate: --devices and --runs must be positive whole numbers\n');
    process.exit(2);
  }
  return { devices, runs };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (label: string, s: Spread, unit: string, digits = 0): string =>
  `${label.padEnd(30)} ${fmt(s.median, digits).padStart(10)} ${fmt(s.min, digits).padStart(10)} ${fmt(s.max, digits).padStart(10)}  ${unit}`;

async function main(): Promise<void> {
  const { devices: wanted, runs } = options();
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const data = prepareDataset(CACHE, MAIN_JS, wanted, log);
  log(`dataset: ${data.file} (${fmt(data.bytes / MB, 1)} MB, ${fmt(data.installations)} installations, ${fmt(data.devices)} devices)`);

  const floorInput = await extractFloorInput(data.file, data.refDir, 'MDS', FLOOR_MAX_DEVICES);
  const floorPool = await createFloorPool(data.refDir, 'MDS');
  log(`floor: ${fmt(floorInput.devices)} devices, ${fmt(floorInput.certificates)} ECDSA verifies, ${fmt(floorInput.credentials)} ECDH+HKDF+AES-GCM, ${floorPool.threads} threads, batches of ${BATCH_DEVICES} devices`);

  const validateRuns: CliRun[] = [];
  const floorSeconds: number[] = [];
  const floorCpu: number[] = [];
  try {
    // Interleaved, so that a noisy neighbour weighs on both sides alike.
    for (let i = 0; i < runs; i++) {
      const v = await runValidateCli(MAIN_JS, data.file, data.refDir);
      validateRuns.push(v);
      const f = await floorPool.run(floorInput);
      floorSeconds.push(f.seconds);
      floorCpu.push(f.cpuSeconds);
      log(`run ${i + 1}/${runs}: validate ${fmt(v.seconds, 2)} s (exit ${v.exitCode}, peak RSS ${fmt(v.peakRssBytes / MB, 0)} MB, ` +
        `CPU ${v.cpuSeconds === null ? '?' : fmt(v.cpuSeconds, 1)} s), floor ${fmt(f.seconds, 2)} s (CPU ${fmt(f.cpuSeconds, 1)} s)`);
    }
  } finally {
    await floorPool.close();
  }

  const validateRate = spread(validateRuns.map((r) => data.devices / r.seconds));
  const validateSec = spread(validateRuns.map((r) => r.seconds));
  const rss = spread(validateRuns.map((r) => r.peakRssBytes / MB));
  const floorRate = spread(floorSeconds.map((s) => floorInput.devices / s));
  const ratio = validateRate.median / floorRate.median;
  const cpuRuns = validateRuns.flatMap((r) => (r.cpuSeconds === null ? [] : [r.cpuSeconds]));
  // CPU microseconds per device: unlike wall time, barely moved by other load on the machine.
  const validateCpuPerDevice = cpuRuns.length === 0 ? null : spread(cpuRuns.map((c) => (c * 1e6) / data.devices));
  const floorCpuPerDevice = spread(floorCpu.map((c) => (c * 1e6) / floorInput.devices));

  const lines = [
    `${'offline validation'.padEnd(30)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}`,
    row('validate (CLI, wall)', validateSec, 's', 2),
    row('validate throughput', validateRate, 'devices/s'),
    row('crypto floor throughput', floorRate, 'devices/s'),
    row('validate peak RSS', rss, 'MB'),
    ...(validateCpuPerDevice === null ? [] : [row('validate CPU per device', validateCpuPerDevice, 'us')]),
    row('floor CPU per device', floorCpuPerDevice, 'us'),
    `ratio validate/floor (medians): ${fmt(ratio, 2)}  (target >= 0.75; throughput target >= 3,000 devices/s)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const date = new Date().toISOString();
  const result = {
    date,
    machine: {
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      memTotalMB: Math.round(totalmem() / MB),
      node: process.version,
    },
    dataset: { file: data.file.slice(ROOT.length), bytes: data.bytes, installations: data.installations, devices: data.devices, seed: data.seed },
    runs,
    validate: {
      command: 'node dist/src/cli/main.js validate FILE --ref DIR --json > /dev/null',
      exitCodes: validateRuns.map((r) => r.exitCode),
      seconds: validateSec,
      devicesPerSecond: validateRate,
      peakRssMB: rss,
      peakRssMethod: peakRssMethod(),
      cpuMicrosPerDevice: validateCpuPerDevice,
    },
    floor: {
      threads: floorPool.threads,
      batchDevices: BATCH_DEVICES,
      devices: floorInput.devices,
      ecdsaVerifies: floorInput.certificates,
      credentialDecrypts: floorInput.credentials,
      seconds: spread(floorSeconds),
      devicesPerSecond: floorRate,
      cpuMicrosPerDevice: floorCpuPerDevice,
    },
    ratioValidateToFloor: ratio,
  };
  mkdirSync(RESULTS, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(`${RESULTS}/validate-${date.slice(0, 10)}.json`, json);
  writeFileSync(`${RESULTS}/validate-latest.json`, json);
  writeFileSync(
    `${RESULTS}/validate-latest.svg`,
    barChart(
      `Offline validation vs crypto floor (${fmt(data.devices)} devices)`,
      'devices/s',
      [
        { label: 'validate (CLI)', ...validateRate },
        { label: `crypto floor (${floorPool.threads} threads)`, ...floorRate },
      ],
      [
        `Medians of ${runs} runs, whiskers min-max. Ratio ${fmt(ratio, 2)}. Peak RSS ${fmt(rss.median)} MB.`,
        `${result.machine.cpu}, ${result.machine.nproc} CPUs, Node ${process.version}, ${date.slice(0, 10)}.`,
      ],
    ),
  );
  log(`written ${RESULTS}/validate-latest.{json,svg}`);
}

await main();

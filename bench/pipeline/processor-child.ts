/**
 * The stream processor as a child process (`s1mig run`), as an operator runs it: its
 * metrics URL comes from the line it prints on stderr, readiness from /readyz, progress
 * from /metrics, and its peak RSS from VmHWM (a kernel high-water mark, so polling it
 * loses nothing but the last moments before exit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { vmHwmBytes } from '../validate/cli-run.js';

export interface ProcessorChildOptions {
  readonly mainJs: string;
  readonly refDir: string;
  readonly prefix: string;
  /** Where the child's stderr (its JSON logs) goes. */
  readonly logFile: string;
  /** When set, the child runs with --cpu-prof into this directory. */
  readonly cpuProfDir?: string;
  readonly readyTimeoutMs?: number;
  /** `--stages` of the child (default all). */
  readonly stages?: string;
  /** More environment for the child (e.g. S1MIG_CONFIG). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ProcessorChild {
  readonly pid: number;
  readonly metricsUrl: string;
  /** Date.now() when /readyz first answered 200. */
  readonly readyAtMs: number;
  peakRssBytes(): number;
  /** CPU time (user + system, all threads) used so far, from /proc/<pid>/stat; null once gone. */
  cpuSeconds(): number | null;
  metrics(): Promise<Map<string, number>>;
  /** SIGTERM, then the exit code (the processor drains and exits 0). */
  stop(timeoutMs?: number): Promise<number | null>;
  kill(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

/** utime + stime of a live process, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Prometheus text exposition to a map of `name{labels}` → value (no HELP/TYPE lines). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    const v = Number(line.slice(sp + 1));
    if (sp > 0 && Number.isFinite(v)) out.set(line.slice(0, sp), v);
  }
  return out;
}

/** Sum of all series of a metric name (any labels), optionally filtered by a label substring. */
export function metricSum(m: ReadonlyMap<string, number>, name: string, labelPart = ''): number {
  let n = 0;
  for (const [k, v] of m) {
    if ((k === name || k.startsWith(`${name}{`)) && k.includes(labelPart)) n += v;
  }
  return n;
}

export async function startProcessorChild(o: ProcessorChildOptions): Promise<ProcessorChild> {
  const nodeArgs = o.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`];
  const stages = o.stages === undefined ? [] : ['--stages', o.stages];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, o.mainJs, 'run', '--ref', o.refDir, '--metrics-port', '0', ...stages], {
    env: { ...process.env, S1MIG_TOPIC_PREFIX: o.prefix, ...o.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('cannot spawn the processor');
  const logStream = createWriteStream(o.logFile);
  let peak = 0;
  const poll = setInterval(() => void (peak = Math.max(peak, vmHwmBytes(pid))), 100);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    peak = Math.max(peak, vmHwmBytes(pid));
    clearInterval(poll);
    exitCode = code;
    resolve(code);
  }));
  let pending = '';
  const urlFound = new Promise<string>((resolve) => {
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      logStream.write(s);
      pending = (pending + s).slice(-8192);
      const m = /metrics (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(pending);
      if (m) resolve(m[1]!);
    });
  });
  child.on('exit', () => logStream.end());

  const deadline = Date.now() + (o.readyTimeoutMs ?? 120_000);
  const url = await Promise.race([urlFound, exited.then((c) => {
    throw new Error(`processor exited ${c} before starting; see ${o.logFile}`);
  })]);
  let readyAtMs = 0;
  while (readyAtMs === 0) {
    if (exitCode !== undefined) throw new Error(`processor exited ${exitCode} before ready; see ${o.logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`processor not ready within the timeout; see ${o.logFile}`);
    }
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) readyAtMs = Date.now();
    else await sleep(100);
  }
  return {
    pid,
    metricsUrl: `${url}/metrics`,
    readyAtMs,
    peakRssBytes: () => Math.max(peak, exitCode === undefined ? vmHwmBytes(pid) : 0),
    cpuSeconds: () => (exitCode === undefined ? processCpuSeconds(pid) : null),
    metrics: async () => parseMetrics(await (await fetch(`${url}/metrics`)).text()),
    async stop(timeoutMs = 60_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill() {
      if (exitCode === undefined) child.kill('SIGKILL');
    },
  };
}

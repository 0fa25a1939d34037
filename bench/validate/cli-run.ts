/**
 * One offline validation through the real CLI, as a child process: wall time and the
 * child's peak RSS. With /usr/bin/time the peak comes from the kernel's rusage (exact);
 * without it, VmHWM is polled from /proc/<pid>/status (may miss the last few ms).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliRun {
  readonly seconds: number;
  readonly peakRssBytes: number;
  /** User + system CPU seconds of the child (all its threads); null without /usr/bin/time. */
  readonly cpuSeconds: number | null;
  readonly exitCode: number;
  /** The last 4 KiB of the report (stdout), when asked for. */
  readonly stdoutTail: string;
}

const TIME_BIN = '/usr/bin/time';
const POLL_MS = 20;

export function vmHwmBytes(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0; // already gone
  }
}

export function peakRssMethod(): string {
  return existsSync(TIME_BIN) ? `${TIME_BIN} -f %M (rusage ru_maxrss)` : '/proc/<pid>/status VmHWM, polled';
}

/** Runs `node mainJs validate FILE --ref DIR --json`, report discarded (but its tail, if `keepTail`); exit 0 or 1 expected. */
export function runValidateCli(mainJs: string, file: string, refDir: string, keepTail = false): Promise<CliRun> {
  const useTime = existsSync(TIME_BIN);
  const rssFile = join(tmpdir(), `s1mig-bench-rss-${process.pid}-${Date.now()}`);
  const nodeArgs = [mainJs, 'validate', file, '--ref', refDir, '--json'];
  const [cmd, args] = useTime
    ? [TIME_BIN, ['-f', '%M %U %S', '-o', rssFile, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', keepTail ? 'pipe' : 'ignore', 'pipe'] });
    let tail = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      tail = (tail + s).slice(-4096);
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 4096) stderr += s;
    });
    let polled = 0;
    const timer = useTime
      ? undefined
      : setInterval(() => {
          if (child.pid !== undefined) polled = Math.max(polled, vmHwmBytes(child.pid));
        }, POLL_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (timer !== undefined) clearInterval(timer);
      let peak = polled;
      let cpuSeconds: number | null = null;
      if (useTime) {
        // GNU time prints "Command exited with non-zero status 1" before the figures.
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        const [kb, user, sys] = (lines[lines.length - 1] ?? '').split(' ').map(Number);
        peak = (kb ?? 0) * 1024;
        cpuSeconds = (user ?? 0) + (sys ?? 0);
        rmSync(rssFile, { force: true });
      }
      if (code !== 0 && code !== 1) {
        reject(new Error(`validate exited ${code}: ${stderr.trim().split('\n')[0] ?? ''}`));
        return;
      }
      resolve({ seconds, peakRssBytes: peak, cpuSeconds, exitCode: code, stdoutTail: tail });
    });
  });
}

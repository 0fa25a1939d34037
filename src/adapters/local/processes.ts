import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';

/** A PID file records the pid and a marker that must appear in its command line (guards against pid reuse). */
export interface PidRecord {
  pid: number;
  marker: string;
  startedAt: string;
}

export function readPidFile(path: string): PidRecord | null {
  if (!existsSync(path)) return null;
  try {
    const rec = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
    return Number.isInteger(rec.pid) && typeof rec.marker === 'string' ? rec : null;
  } catch {
    return null;
  }
}

export function writePidFile(path: string, rec: PidRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(rec) + '\n');
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return null;
  }
}

/** True when the recorded process is alive and still the one we started. */
export function isOurs(rec: PidRecord | null): rec is PidRecord {
  if (!rec) return false;
  const cmd = commandLine(rec.pid);
  return cmd !== null && cmd.includes(rec.marker);
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Who listens on a TCP port, for the refusal message ("held by pid 123: java ..."). */
export function portHolder(port: number): string {
  const r = spawnSync('ss', ['-Hltnp', `sport = :${port}`], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) {
    const m = /pid=(\d+)/.exec(r.stdout);
    if (m) {
      const cmd = commandLine(Number(m[1]))?.slice(0, 160) ?? '?';
      return `pid ${m[1]} (${cmd.trim()})`;
    }
    return r.stdout.trim().split('\n')[0] ?? 'another process';
  }
  return 'another process (unknown: ss not available or not permitted)';
}

/** Starts a detached process whose output goes to a log file; it outlives the CLI. */
export function spawnDetached(command: string, args: string[], logFile: string, env: NodeJS.ProcessEnv): number {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone. */
export async function stopProcess(rec: PidRecord, graceMs = 20_000): Promise<void> {
  if (!isOurs(rec)) return;
  try {
    process.kill(rec.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(rec)) return;
    await sleep(200);
  }
  try {
    process.kill(rec.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  while (isOurs(rec)) await sleep(100);
}

export function tail(path: string, lines = 8): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

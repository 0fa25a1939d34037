import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import type { pipelineWorld } from './pipeline-setup.js';

export type World = Awaited<ReturnType<typeof pipelineWorld>>;

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');

export interface ProcessorRun {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  log(): string;
}

/**
 * Starts `s1mig run` processes as real children and keeps what they print, so a failing
 * test can show it. Each child gets its own process group, so SIGKILL takes all of it.
 */
export class ProcessorRunner {
  readonly runs: ProcessorRun[] = [];

  constructor(private readonly world: World) {}

  start(extraEnv: Record<string, string> = {}, refDir = this.world.refDir, extraArgs: readonly string[] = []): ProcessorRun {
    let out = '';
    const child = spawn(process.execPath, [cli, 'run', '--ref', refDir, '--metrics-port', '0', '--threads', '1', ...extraArgs], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A short session timeout so the group notices a killed member quickly.
      // IT_CHILD_LOG_LEVEL=debug makes the children log every committed batch.
      env: { ...process.env, S1MIG_TOPIC_PREFIX: this.world.config.topics.prefix, S1MIG_LOG_LEVEL: process.env['IT_CHILD_LOG_LEVEL'] ?? 'info', S1MIG_SESSION_TIMEOUT_MS: '6000', ...extraEnv },
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const run = { child, exited, log: () => out };
    this.runs.push(run);
    return run;
  }

  /**
   * On a failure the processors' own logs are the only witness of what happened inside
   * them: they go to files under .s1mig/test-logs and their tails to stderr (which CI prints).
   */
  saveLogs(test: string): void {
    const dir = join(root, '.s1mig', 'test-logs');
    mkdirSync(dir, { recursive: true });
    this.runs.forEach((r, i) => {
      const file = join(dir, `${test}-${Date.now()}-${i}.log`);
      writeFileSync(file, r.log());
      const tail = r.log().split('\n').slice(-120).join('\n');
      process.stderr.write(`\n--- processor ${i} (pid ${r.child.pid}), full log ${file}, last lines:\n${tail}\n`);
    });
  }

  killAll(): void {
    for (const r of this.runs) signalGroup(r.child, 'SIGKILL');
  }
}

export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

/** Keys seen more than once, with where (partition:offset) each copy was read. */
export function repeated(keys: readonly string[], where: readonly string[]): Record<string, string[]> {
  const at = new Map<string, string[]>();
  keys.forEach((k, i) => at.set(k, [...(at.get(k) ?? []), where[i] ?? '?']));
  return Object.fromEntries([...at].filter(([, w]) => w.length > 1));
}

export async function decodeAll<T>(world: World, msgs: readonly KafkaMessage[]): Promise<T[]> {
  return Promise.all(msgs.map(async (m) => (await world.registry.decode(m.value!)) as T));
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from '../support/ports.js';

/** Debian's prometheus package (2.42 on bookworm), which .ci/prerequisites.sh installs for promtool. */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

export interface QueryResult {
  readonly status: 'success' | 'error';
  readonly error?: string;
  /** Series in a vector or matrix result (0 for a scalar: an expression that selects nothing). */
  readonly series: number;
  readonly result: ReadonlyArray<{ readonly metric: Record<string, string>; readonly value?: [number, string] }>;
}

export interface PrometheusServer {
  readonly url: string;
  /** An instant query now, through /api/v1/query. */
  query(expr: string): Promise<QueryResult>;
  /** The `data` of a GET on the HTTP API (/api/v1/rules, /api/v1/targets). */
  api<T>(path: string): Promise<T>;
  log(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  readonly job: string;
  readonly targets: readonly string[];
  readonly ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval. */
  readonly interval: string;
}

/**
 * A real Prometheus on 127.0.0.1 with a private data folder (mkdtemp, 0700) that stop()
 * removes, and a generated configuration (JSON, which YAML reads as is). A port another
 * process took between our check and Prometheus' bind is retried on a new port.
 */
export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing: apt-get install prometheus (.ci/prerequisites.sh does)`);
  const dir = mkdtempSync(join(tmpdir(), 's1mig-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, JSON.stringify({
    // The timeout must not exceed the interval, or Prometheus refuses the configuration.
    global: { scrape_interval: o.interval, scrape_timeout: o.interval, evaluation_interval: o.interval },
    rule_files: o.ruleFiles,
    scrape_configs: [{ job_name: o.job, metrics_path: '/metrics', static_configs: [{ targets: o.targets }] }],
  }, null, 2));
  let lastLog = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await closedPort();
    const child = spawn(PROMETHEUS_BIN, [
      `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h', '--log.level=warn',
    ], { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    if (await ready(url, exited)) return server(url, child, exited, () => out, dir);
    lastLog = out;
    kill(child, 'SIGKILL');
    await exited;
    if (!/address already in use/.test(out)) break;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`Prometheus did not become ready:\n${lastLog}`);
}

/** /-/ready answers 200 once the TSDB is open and the rules are loaded; false if the process ended first. */
async function ready(url: string, exited: Promise<number | null>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60_000;
  while (!gone && Date.now() < deadline) {
    const ok = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* already gone */
  }
}

function server(url: string, child: ChildProcess, exited: Promise<number | null>, log: () => string, dir: string): PrometheusServer {
  const api = async <T>(path: string): Promise<T> => {
    const body = (await (await fetch(`${url}${path}`)).json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error}`);
    return body.data;
  };
  return {
    url,
    api,
    log,
    async query(expr) {
      // A refused query answers 400 with a JSON body that says why: read it, do not throw.
      const body = (await (await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`)).json()) as {
        status: 'success' | 'error'; error?: string; data?: { resultType: string; result: QueryResult['result'] };
      };
      const vector = body.data?.resultType === 'vector' || body.data?.resultType === 'matrix';
      const result = vector ? body.data!.result : [];
      return { status: body.status, ...(body.error !== undefined ? { error: body.error } : {}), series: result.length, result };
    },
    async stop() {
      kill(child, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
      if (!stopped) {
        kill(child, 'SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { ensurePrivateDataDir } from './data-dir.js';
import { INSTANCE_FILE, instanceRecord, type LocalInstanceOptions } from '../config/local-instance.js';
import { isOurs, portHolder, portOpen, readPidFile, removePidFile, stopProcess, tail, writePidFile } from './processes.js';
import { kafkaService, registryService, type LocalService } from './services.js';

export { resolveLocalInstance, kafkaBootstrap, kafkaBootstraps, registryUrl, LOCAL_ENV_VARS } from '../config/local-instance.js';
export type { LocalInstanceOptions, LocalRequest } from '../config/local-instance.js';

export interface ServiceStatus {
  name: string;
  state: 'healthy' | 'starting' | 'stopped' | 'unhealthy';
  pid: number | null;
  endpoint: string;
  ports: number[];
  log: string;
}

export interface InstanceStatus {
  dataDir: string;
  /** Kafka nodes of the instance (1, or 3 for a cluster). */
  brokers: number;
  services: ServiceStatus[];
  healthy: boolean;
}

function services(o: LocalInstanceOptions): LocalService[] {
  return [...o.nodes.map((n) => kafkaService(o, n)), registryService(o)];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function serviceStatus(s: LocalService): Promise<ServiceStatus> {
  const rec = readPidFile(s.pidFile);
  const ours = isOurs(rec);
  const healthy = ours ? await s.healthy() : false;
  return {
    name: s.name,
    state: !ours ? 'stopped' : healthy ? 'healthy' : 'unhealthy',
    pid: ours ? rec.pid : null,
    endpoint: s.endpoint(),
    ports: [...s.ports],
    log: s.logFile,
  };
}

export async function localStatus(o: LocalInstanceOptions): Promise<InstanceStatus> {
  const list = await Promise.all(services(o).map(serviceStatus));
  return { dataDir: o.dataDir, brokers: o.brokers, services: list, healthy: list.every((s) => s.state === 'healthy') };
}

/**
 * Idempotent: reuses the processes recorded in this instance's PID files, starts what is
 * missing, refuses ports held by someone else, and waits until both services answer.
 */
export async function localUp(o: LocalInstanceOptions, log: (line: string) => void = () => undefined): Promise<InstanceStatus> {
  ensurePrivateDataDir(o.dataDir);
  // Recorded before anything starts: from now on every command's local default (bootstrap
  // list, topic replication) follows this instance's broker count.
  writeFileSync(join(o.dataDir, INSTANCE_FILE), instanceRecord(o));
  const all = services(o);
  const toStart: LocalService[] = [];
  for (const s of all) {
    const rec = readPidFile(s.pidFile);
    if (isOurs(rec)) {
      log(`${s.name}: already running (pid ${rec.pid})`);
      continue;
    }
    removePidFile(s.pidFile);
    for (const port of s.ports) {
      if (await portOpen(port)) {
        throw new S1migError('LOCAL_PORT_TAKEN',
          `${s.name} port ${port} on 127.0.0.1 is held by ${portHolder(port)}; stop it or choose other ports (S1MIG_PORT_BASE)`);
      }
    }
    toStart.push(s);
  }
  for (const s of toStart) s.prepare(log);
  for (const s of toStart) {
    const pid = s.start();
    writePidFile(s.pidFile, { pid, marker: s.marker, startedAt: new Date().toISOString() });
    log(`${s.name}: started (pid ${pid}), log ${s.logFile}`);
  }
  const deadline = Date.now() + o.startTimeoutSec * 1000;
  await Promise.all(all.map(async (s) => {
    for (;;) {
      if (await s.healthy()) return;
      if (!isOurs(readPidFile(s.pidFile))) {
        removePidFile(s.pidFile);
        throw new S1migError('LOCAL_START_FAILED', `${s.name} exited during start-up; last log lines:\n${tail(s.logFile)}`);
      }
      if (Date.now() > deadline) {
        throw new S1migError('LOCAL_START_FAILED',
          `${s.name} did not become healthy within ${o.startTimeoutSec}s (S1MIG_LOCAL_START_TIMEOUT); see ${s.logFile}`);
      }
      await sleep(500);
    }
  }));
  return localStatus(o);
}

async function stopService(s: LocalService, log: (line: string) => void): Promise<void> {
  const rec = readPidFile(s.pidFile);
  if (isOurs(rec)) {
    log(`${s.name}: stopping pid ${rec.pid}`);
    await stopProcess(rec);
  }
  removePidFile(s.pidFile);
}

/** Stops only the processes this instance started (per its PID files). */
export async function localDown(o: LocalInstanceOptions, log: (line: string) => void = () => undefined): Promise<void> {
  // The registry first: it holds no Kafka state, and Kafka's controlled shutdown takes longer.
  await stopService(registryService(o), log);
  // A cluster's nodes all at once: stopped one by one, the last node has lost the quorum
  // that approves its controlled shutdown and can wait out the 20 s grace period (together,
  // measured: ~6 s for the three).
  await Promise.all(o.nodes.map((n) => stopService(kafkaService(o, n), log)));
}

export function formatStatus(st: InstanceStatus): string {
  const rows = st.services.map((s) => `  ${s.name.padEnd(9)} ${s.state.padEnd(10)} ${String(s.pid ?? '-').padEnd(8)} ${s.endpoint}`);
  const title = st.brokers === 1 ? `instance ${st.dataDir}` : `instance ${st.dataDir} (${st.brokers} brokers)`;
  return [title, `  ${'service'.padEnd(9)} ${'state'.padEnd(10)} ${'pid'.padEnd(8)} endpoint`, ...rows].join('\n');
}

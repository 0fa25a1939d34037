import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';

/**
 * One local instance: its data folder and ports. Every instance (a developer's, a
 * clean-clone check, CI, a test run) picks its own through environment variables, so
 * instances never share /tmp defaults or ports.
 */
export interface LocalInstanceOptions {
  /** Data folder of this instance: PID files, Kafka log dirs, registry database, logs. */
  dataDir: string;
  /** Where Maven-fetched jars are cached; shared by instances (immutable, versioned). */
  cacheDir: string;
  host: '127.0.0.1';
  kafkaPort: number;
  controllerPort: number;
  registryPort: number;
  kafkaHeap: string;
  registryHeap: string;
  kafkaVersion: string;
  registryVersion: string;
  /** Seconds `up` waits for both services to answer. */
  startTimeoutSec: number;
  /** JAVA_HOME of a Java 17 runtime; empty = detect. */
  javaHome: string;
}

export const LOCAL_DEFAULTS = Object.freeze({
  portBase: 19090,
  kafkaHeap: '768m',
  registryHeap: '384m',
  kafkaVersion: '3.9.1',
  registryVersion: '2.6.13.Final',
  startTimeoutSec: 180,
});

const ENV_DOC = {
  S1MIG_LOCAL_DIR: 'data folder of this instance (default <project>/.s1mig/local)',
  S1MIG_CACHE_DIR: 'jar cache (default ~/.cache/s1mig)',
  S1MIG_PORT_BASE: `base port: registry = base+1, Kafka = base+2, controller = base+3 (default ${LOCAL_DEFAULTS.portBase})`,
  S1MIG_KAFKA_PORT: 'Kafka client port (overrides the base)',
  S1MIG_CONTROLLER_PORT: 'KRaft controller port (overrides the base)',
  S1MIG_REGISTRY_PORT: 'Schema Registry port (overrides the base)',
  S1MIG_KAFKA_HEAP: `Kafka JVM heap (default ${LOCAL_DEFAULTS.kafkaHeap})`,
  S1MIG_REGISTRY_HEAP: `registry JVM heap (default ${LOCAL_DEFAULTS.registryHeap})`,
  S1MIG_JAVA_HOME: 'a Java 17 home (default: detected)',
  S1MIG_LOCAL_START_TIMEOUT: `seconds to wait for health (default ${LOCAL_DEFAULTS.startTimeoutSec})`,
} as const;
export const LOCAL_ENV_VARS: Readonly<Record<string, string>> = ENV_DOC;

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1024 || n > 65535) {
    throw new S1migError('CONFIG_INVALID', `${name} must be an integer port between 1024 and 65535, got '${raw}'`);
  }
  return n;
}

function heap(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+[mMgG]$/.test(raw)) throw new S1migError('CONFIG_INVALID', `${name} must look like 512m or 1g, got '${raw}'`);
  return raw;
}

/** Reads, validates and freezes the instance settings from the environment. */
export function resolveLocalInstance(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Readonly<LocalInstanceOptions> {
  const base = port(env, 'S1MIG_PORT_BASE', LOCAL_DEFAULTS.portBase);
  if (base > 65530) throw new S1migError('CONFIG_INVALID', `S1MIG_PORT_BASE must leave room for 3 ports, got ${base}`);
  const timeoutRaw = env['S1MIG_LOCAL_START_TIMEOUT'];
  const startTimeoutSec = timeoutRaw ? Number(timeoutRaw) : LOCAL_DEFAULTS.startTimeoutSec;
  if (!Number.isInteger(startTimeoutSec) || startTimeoutSec <= 0) {
    throw new S1migError('CONFIG_INVALID', `S1MIG_LOCAL_START_TIMEOUT must be a positive integer, got '${timeoutRaw}'`);
  }
  const options: LocalInstanceOptions = {
    dataDir: resolve(cwd, env['S1MIG_LOCAL_DIR'] || '.s1mig/local'),
    cacheDir: resolve(env['S1MIG_CACHE_DIR'] || resolve(homedir(), '.cache', 's1mig')),
    host: '127.0.0.1',
    registryPort: port(env, 'S1MIG_REGISTRY_PORT', base + 1),
    kafkaPort: port(env, 'S1MIG_KAFKA_PORT', base + 2),
    controllerPort: port(env, 'S1MIG_CONTROLLER_PORT', base + 3),
    kafkaHeap: heap(env, 'S1MIG_KAFKA_HEAP', LOCAL_DEFAULTS.kafkaHeap),
    registryHeap: heap(env, 'S1MIG_REGISTRY_HEAP', LOCAL_DEFAULTS.registryHeap),
    kafkaVersion: LOCAL_DEFAULTS.kafkaVersion,
    registryVersion: LOCAL_DEFAULTS.registryVersion,
    startTimeoutSec,
    javaHome: env['S1MIG_JAVA_HOME'] ?? '',
  };
  const ports = [options.kafkaPort, options.controllerPort, options.registryPort];
  if (new Set(ports).size !== ports.length) throw new S1migError('CONFIG_INVALID', `local ports must differ, got ${ports.join(', ')}`);
  return Object.freeze(options);
}

export function kafkaBootstrap(o: LocalInstanceOptions): string {
  return `${o.host}:${o.kafkaPort}`;
}

export function registryUrl(o: LocalInstanceOptions): string {
  return `http://${o.host}:${o.registryPort}/apis/ccompat/v7`;
}

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
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
  /** Kafka nodes, each a combined broker and KRaft controller: 1, or 3 (a cluster). */
  brokers: BrokerCount;
  /** Node 1's ports (the single node's). */
  kafkaPort: number;
  controllerPort: number;
  /** Every node, node 1 first. */
  nodes: readonly KafkaNode[];
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

/**
 * 1 or 3, nothing between: three is the smallest cluster in which a topic replicated 3 ways
 * with min.insync.replicas 2 (the production settings) keeps taking writes while one broker
 * is down, and in which the KRaft quorum survives the loss of a voter.
 */
export type BrokerCount = 1 | 3;
export const BROKER_COUNTS: readonly BrokerCount[] = [1, 3];

export interface KafkaNode {
  /** node.id, 1-based. */
  id: number;
  kafkaPort: number;
  controllerPort: number;
}

/**
 * The file in the data folder that records how many brokers the instance was made with, so
 * that `status`, `down`, a later `up` and every command's local default (its bootstrap list
 * and topic replication) follow the instance without being told again.
 */
export const INSTANCE_FILE = 'instance.json';

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
  S1MIG_PORT_BASE: `base port: registry = base+1, Kafka = base+2, controller = base+3; with --brokers 3, node N's Kafka = base+2N and controller = base+2N+1 (default ${LOCAL_DEFAULTS.portBase})`,
  S1MIG_KAFKA_PORT: 'Kafka client port (overrides the base; single node only)',
  S1MIG_CONTROLLER_PORT: 'KRaft controller port (overrides the base; single node only)',
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

/**
 * The broker count recorded in a data folder, or null for a folder no instance has used.
 * A folder made before the record existed holds a single node's `kafka/` folder: 1.
 */
export function recordedBrokers(dataDir: string): BrokerCount | null {
  const file = join(dataDir, INSTANCE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw new S1migError('CONFIG_INVALID', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
    return existsSync(join(dataDir, 'kafka', 'server.properties')) ? 1 : null;
  }
  let brokers: unknown;
  try {
    brokers = (JSON.parse(text) as { brokers?: unknown }).brokers;
  } catch (cause) {
    throw new S1migError('CONFIG_INVALID', `${file} is not valid JSON; it records the instance's broker count ({"brokers": 1} or 3)`, { cause });
  }
  if (!BROKER_COUNTS.includes(brokers as BrokerCount)) throw new S1migError('CONFIG_INVALID', `${file}: brokers must be 1 or 3, got ${JSON.stringify(brokers)}`);
  return brokers as BrokerCount;
}

/** The text of the record `up` writes. */
export function instanceRecord(o: Pick<LocalInstanceOptions, 'brokers'>): string {
  return JSON.stringify({ brokers: o.brokers }) + '\n';
}

/** What the caller asks of the instance beside the environment (the CLI's `local up --brokers`). */
export interface LocalRequest {
  brokers?: number | undefined;
}

function brokerCount(dataDir: string, requested: number | undefined): BrokerCount {
  if (requested !== undefined && !BROKER_COUNTS.includes(requested as BrokerCount)) {
    throw new S1migError('USAGE', `brokers (--brokers) must be 1 or 3, got ${JSON.stringify(requested)}`);
  }
  const recorded = recordedBrokers(dataDir);
  // A data folder holds one cluster's metadata (its node ids and quorum voters): it cannot
  // be reused with another number of nodes.
  if (requested !== undefined && recorded !== null && requested !== recorded) {
    throw new S1migError('USAGE',
      `the instance in ${dataDir} has ${recorded} broker${recorded === 1 ? '' : 's'}, not ${requested}: stop it (local down) and remove that folder, or choose another S1MIG_LOCAL_DIR and S1MIG_PORT_BASE`);
  }
  return (requested as BrokerCount | undefined) ?? recorded ?? 1;
}

/**
 * Node N's ports: Kafka = base+2N, controller = base+2N+1. Node 1 is the single node's
 * layout (base+2, base+3) and the registry keeps base+1, so a three-broker instance uses
 * base+1..base+7 and the single-node layout is unchanged.
 */
export function nodePorts(base: number, id: number): KafkaNode {
  return { id, kafkaPort: base + 2 * id, controllerPort: base + 2 * id + 1 };
}

/** Reads, validates and freezes the instance settings from the environment (and the data folder's record). */
export function resolveLocalInstance(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), request: LocalRequest = {}): Readonly<LocalInstanceOptions> {
  const dataDir = resolve(cwd, env['S1MIG_LOCAL_DIR'] || '.s1mig/local');
  const brokers = brokerCount(dataDir, request.brokers);
  const base = port(env, 'S1MIG_PORT_BASE', LOCAL_DEFAULTS.portBase);
  // The single node's bound as it always was (3 ports); each further node takes 2 more.
  const span = 1 + 2 * brokers;
  if (base > 65530 - 2 * (brokers - 1)) throw new S1migError('CONFIG_INVALID', `S1MIG_PORT_BASE must leave room for ${span} ports, got ${base}`);
  if (brokers > 1) {
    // One override cannot say which node it moves; the base lays out every node.
    for (const name of ['S1MIG_KAFKA_PORT', 'S1MIG_CONTROLLER_PORT']) {
      if (env[name]) throw new S1migError('CONFIG_INVALID', `${name} sets a single node's port; a ${brokers}-broker instance takes its ports from S1MIG_PORT_BASE`);
    }
  }
  const timeoutRaw = env['S1MIG_LOCAL_START_TIMEOUT'];
  const startTimeoutSec = timeoutRaw ? Number(timeoutRaw) : LOCAL_DEFAULTS.startTimeoutSec;
  if (!Number.isInteger(startTimeoutSec) || startTimeoutSec <= 0) {
    throw new S1migError('CONFIG_INVALID', `S1MIG_LOCAL_START_TIMEOUT must be a positive integer, got '${timeoutRaw}'`);
  }
  const first = { id: 1, kafkaPort: port(env, 'S1MIG_KAFKA_PORT', base + 2), controllerPort: port(env, 'S1MIG_CONTROLLER_PORT', base + 3) };
  const nodes: KafkaNode[] = [first, ...Array.from({ length: brokers - 1 }, (_, i) => nodePorts(base, i + 2))];
  const options: LocalInstanceOptions = {
    dataDir,
    cacheDir: resolve(env['S1MIG_CACHE_DIR'] || resolve(homedir(), '.cache', 's1mig')),
    host: '127.0.0.1',
    brokers,
    registryPort: port(env, 'S1MIG_REGISTRY_PORT', base + 1),
    kafkaPort: first.kafkaPort,
    controllerPort: first.controllerPort,
    nodes: Object.freeze(nodes.map((n) => Object.freeze(n))),
    kafkaHeap: heap(env, 'S1MIG_KAFKA_HEAP', LOCAL_DEFAULTS.kafkaHeap),
    registryHeap: heap(env, 'S1MIG_REGISTRY_HEAP', LOCAL_DEFAULTS.registryHeap),
    kafkaVersion: LOCAL_DEFAULTS.kafkaVersion,
    registryVersion: LOCAL_DEFAULTS.registryVersion,
    startTimeoutSec,
    javaHome: env['S1MIG_JAVA_HOME'] ?? '',
  };
  const ports = [...nodes.flatMap((n) => [n.kafkaPort, n.controllerPort]), options.registryPort];
  if (new Set(ports).size !== ports.length) throw new S1migError('CONFIG_INVALID', `local ports must differ, got ${ports.join(', ')}`);
  return Object.freeze(options);
}

/** Node 1's client endpoint (the single node's). */
export function kafkaBootstrap(o: LocalInstanceOptions): string {
  return `${o.host}:${o.kafkaPort}`;
}

/** Every node's client endpoint: the bootstrap list of the local default. */
export function kafkaBootstraps(o: LocalInstanceOptions): string[] {
  return o.nodes.map((n) => `${o.host}:${n.kafkaPort}`);
}

export function registryUrl(o: LocalInstanceOptions): string {
  return `http://${o.host}:${o.registryPort}/apis/ccompat/v7`;
}

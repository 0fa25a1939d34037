import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute } from 'node:path';
import { ENROLMENT_FAILURE_CODES } from '../../core/contracts/smso.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { MA_SMSOS } from '../../core/inputs/authorisations.js';
import { canonicalEui } from '../../core/values.js';
import { SIMULATOR_DEFAULTS, type SimulatorSettings } from '../smso/simulator.js';
import { kafkaBootstraps, registryUrl, resolveLocalInstance } from './local-instance.js';
import { NO_TLS, validateSecurity, type KafkaTls, type SaslOptions } from './security.js';
import { checkEnvNames, checkKeys, shapeOf, type Shape } from './strict-keys.js';

export type { KafkaTls, SaslOptions } from './security.js';

/**
 * The one typed configuration. Precedence: defaults < JSON file (S1MIG_CONFIG or --config)
 * < environment variables. Validated once at start-up with messages that name the field,
 * then frozen. The local profile points at this instance's local infrastructure; the
 * production profile has no broker default and replicates 3 ways.
 */

export interface S1migConfig {
  profile: 'local' | 'production';
  kafka: {
    brokers: string[];
    clientId: string;
    ssl: boolean;
    tls: KafkaTls;
    sasl: SaslOptions | null;
    connectionTimeoutMs: number;
    requestTimeoutMs: number;
  };
  registry: { url: string; username: string | null; password: string | null; tls: { ca: string | null } };
  topics: { prefix: string; replicationFactor: number; minInsyncReplicas: number };
  /** Local files: the folder under which the splitter creates its private spool folder. */
  spool: { base: string };
  enrolment: EnrolmentConfig;
  processor: ProcessorConfig;
}

/** The processor's own knobs (`s1mig run`); flags override them. */
export interface ProcessorConfig {
  /** Where /metrics, /healthz and /readyz listen: 127.0.0.1 locally; a container needs 0.0.0.0 for probes and scraping. */
  ops: { host: string; port: number };
  /** The consumer session timeout of the splitter and the validator, ms; null: their default (30 s). */
  sessionTimeoutMs: number | null;
  splitter: {
    /** Devices emitted per splitter transaction. */
    devicesPerTransaction: number;
    /** MCF_TRANSFER_INCOMPLETE when an upload is not complete this long after its first chunk, ms. */
    transferTimeoutMs: number;
  };
}

/** One SMSO's capacity and adapter (enrolment.md, "SMSO capacities"). */
export interface SmsoConfig {
  /** Commissioning operations at once. */
  maxInFlight: number;
  /** Installations started per second. */
  perSecond: number;
  /** Installations started per migration day. */
  perDay: number;
  adapter: 'simulator';
  simulator: SimulatorSettings;
}

export interface EnrolmentConfig {
  /** EUI-64 of this S1SP, the originator of its request IDs (canonical or hyphenated). */
  originator: string;
  /** Per SMSO code: capacity and adapter. */
  smso: Record<string, SmsoConfig>;
}

/** Capacity defaults of the local profile (enrolment.md). */
export const SMSO_DEFAULTS: Readonly<Omit<SmsoConfig, 'simulator'>> = Object.freeze({ maxInFlight: 64, perSecond: 200, perDay: 100_000, adapter: 'simulator' });

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export const PROFILE_DEFAULTS = {
  local: { replicationFactor: 1, minInsyncReplicas: 1 },
  production: { replicationFactor: 3, minInsyncReplicas: 2 },
} as const;

/** Environment variables and the config field each sets (documented in docs/operations.md). */
export const CONFIG_ENV = {
  S1MIG_PROFILE: 'profile',
  S1MIG_KAFKA_BROKERS: 'kafka.brokers',
  S1MIG_KAFKA_CLIENT_ID: 'kafka.clientId',
  S1MIG_KAFKA_SSL: 'kafka.ssl',
  S1MIG_KAFKA_SASL_MECHANISM: 'kafka.sasl.mechanism',
  S1MIG_KAFKA_SASL_USERNAME: 'kafka.sasl.username',
  S1MIG_KAFKA_SASL_PASSWORD: 'kafka.sasl.password',
  S1MIG_KAFKA_SASL_TOKEN_FILE: 'kafka.sasl.tokenFile',
  S1MIG_KAFKA_TLS_CA: 'kafka.tls.ca',
  S1MIG_KAFKA_TLS_CERT: 'kafka.tls.cert',
  S1MIG_KAFKA_TLS_KEY: 'kafka.tls.key',
  S1MIG_KAFKA_TLS_SERVERNAME: 'kafka.tls.servername',
  S1MIG_REGISTRY_TLS_CA: 'registry.tls.ca',
  S1MIG_REGISTRY_URL: 'registry.url',
  S1MIG_REGISTRY_USERNAME: 'registry.username',
  S1MIG_REGISTRY_PASSWORD: 'registry.password',
  S1MIG_TOPIC_PREFIX: 'topics.prefix',
  S1MIG_REPLICATION_FACTOR: 'topics.replicationFactor',
  S1MIG_MIN_INSYNC_REPLICAS: 'topics.minInsyncReplicas',
  S1MIG_SPOOL_BASE: 'spool.base',
  S1MIG_OPS_HOST: 'processor.ops.host',
  S1MIG_METRICS_PORT: 'processor.ops.port',
  S1MIG_SESSION_TIMEOUT_MS: 'processor.sessionTimeoutMs',
  S1MIG_SPLITTER_DEVICES_PER_TX: 'processor.splitter.devicesPerTransaction',
  S1MIG_TRANSFER_TIMEOUT_MS: 'processor.splitter.transferTimeoutMs',
} as const;

/** Fields set from a variable that hold numbers (the rest are strings, but for the ones converted by name). */
const NUMERIC_FIELDS: ReadonlySet<string> = new Set(['topics.replicationFactor', 'topics.minInsyncReplicas', 'processor.ops.port', 'processor.sessionTimeoutMs',
  'processor.splitter.devicesPerTransaction', 'processor.splitter.transferTimeoutMs']);

/**
 * The other `S1MIG_*` variables s1mig reads (docs/operations.md): anything else with the
 * prefix is refused at start-up, so that a misspelt one does not pass unnoticed.
 */
export const OTHER_ENV = {
  S1MIG_CONFIG: 'the config file',
  S1MIG_LOG_LEVEL: 'log level (debug, info, warn, error)',
  S1MIG_REF_DIR: 'run and alerts verify: the reference directory, in place of --ref',
  S1MIG_FAULT_KILL: 'crash tests only: a SIGKILL point',
  S1MIG_LOCAL_DIR: 'local: data folder', S1MIG_CACHE_DIR: 'local: jar cache', S1MIG_PORT_BASE: 'local: port base',
  S1MIG_KAFKA_PORT: 'local: Kafka port', S1MIG_CONTROLLER_PORT: 'local: controller port', S1MIG_REGISTRY_PORT: 'local: registry port',
  S1MIG_KAFKA_HEAP: 'local: Kafka heap', S1MIG_REGISTRY_HEAP: 'local: registry heap', S1MIG_JAVA_HOME: 'local: Java 17 home',
  S1MIG_LOCAL_START_TIMEOUT: 'local: seconds up waits', S1MIG_KEEP_LOCAL: 'tests: leave the instance running',
  S1MIG_HEAVY_DEVICES: 'heavy tests: devices', S1MIG_OVERSIZED_DEVICES: 'tests: devices in the oversized installation', S1MIG_BENCH_DEVICES: 'bench: devices',
} as const;

export const KNOWN_ENV: ReadonlySet<string> = new Set([...Object.keys(CONFIG_ENV), ...Object.keys(OTHER_ENV)]);

/**
 * What a config file may hold: the defaults' own shape, plus what a default cannot show
 * (SASL is null by default; SMSOs are a map by code; latency is one of three shapes).
 */
function fileShape(defaults: S1migConfig): Shape {
  const base = shapeOf(defaults) as Record<string, Shape>;
  const leaves = (...keys: string[]): Shape => Object.fromEntries(keys.map((k) => [k, 'leaf' as const]));
  const smso = shapeOf({ ...SMSO_DEFAULTS, simulator: SIMULATOR_DEFAULTS }) as Record<string, Shape>;
  const simulator = { ...(smso['simulator'] as Record<string, Shape>), latency: leaves('kind', 'ms', 'minMs', 'maxMs', 'medianMs', 'sigma') };
  return {
    ...base,
    kafka: { ...(base['kafka'] as Record<string, Shape>), sasl: leaves('mechanism', 'username', 'password', 'tokenFile') },
    enrolment: { ...(base['enrolment'] as Record<string, Shape>), smso: { '*': { ...smso, simulator } } },
  };
}

function fail(field: string, message: string): never {
  throw new S1migError('CONFIG_INVALID', `config ${field}: ${message}`);
}

function readFile(path: string): DeepPartial<S1migConfig> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new S1migError('CONFIG_INVALID', `cannot read config file ${path}`, { cause });
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) fail('(file)', `${path} must hold a JSON object`);
    return parsed as DeepPartial<S1migConfig>;
  } catch (cause) {
    if ((cause as { code?: string }).code === 'CONFIG_INVALID') throw cause;
    throw new S1migError('CONFIG_INVALID', `config file ${path} is not valid JSON`, { cause });
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(CONFIG_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (field === 'kafka.brokers') value = raw.split(',').map((b) => b.trim()).filter(Boolean);
    else if (field === 'kafka.ssl') value = raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    else if (NUMERIC_FIELDS.has(field)) value = Number(raw);
    setPath(out, field, value);
  }
  return out;
}

function merge<T>(base: T, over: unknown): T {
  if (typeof over !== 'object' || over === null || Array.isArray(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = typeof b === 'object' && b !== null && !Array.isArray(b) ? merge(b, v) : v;
  }
  return out as T;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function positiveInt(field: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) < 1) fail(field, `must be a positive integer, got ${JSON.stringify(v)}`);
}

function validate(c: S1migConfig): void {
  if (c.profile !== 'local' && c.profile !== 'production') fail('profile', `must be 'local' or 'production', got ${JSON.stringify(c.profile)}`);
  if (!Array.isArray(c.kafka.brokers) || c.kafka.brokers.length === 0) fail('kafka.brokers', 'must list at least one host:port (S1MIG_KAFKA_BROKERS)');
  for (const b of c.kafka.brokers) if (typeof b !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(b)) fail('kafka.brokers', `'${String(b)}' is not host:port`);
  if (typeof c.kafka.clientId !== 'string' || c.kafka.clientId === '') fail('kafka.clientId', 'must be a non-empty string');
  if (typeof c.kafka.ssl !== 'boolean') fail('kafka.ssl', 'must be true or false');
  validateSecurity(c, fail);
  positiveInt('kafka.connectionTimeoutMs', c.kafka.connectionTimeoutMs);
  positiveInt('kafka.requestTimeoutMs', c.kafka.requestTimeoutMs);
  try {
    const u = new URL(c.registry.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') fail('registry.url', 'must be http(s)');
  } catch (e) {
    if ((e as { code?: string }).code === 'CONFIG_INVALID') throw e;
    fail('registry.url', `'${c.registry.url}' is not a URL`);
  }
  if (typeof c.topics.prefix !== 'string' || !/^[A-Za-z0-9._-]{0,100}$/.test(c.topics.prefix)) fail('topics.prefix', 'may hold only [A-Za-z0-9._-]');
  positiveInt('topics.replicationFactor', c.topics.replicationFactor);
  positiveInt('topics.minInsyncReplicas', c.topics.minInsyncReplicas);
  if (c.topics.minInsyncReplicas > c.topics.replicationFactor) fail('topics.minInsyncReplicas', 'cannot exceed topics.replicationFactor');
  if (typeof c.spool.base !== 'string' || !isAbsolute(c.spool.base)) fail('spool.base', `must be an absolute path (S1MIG_SPOOL_BASE), got ${JSON.stringify(c.spool.base)}`);
  validateEnrolment(c.enrolment);
  const p = c.processor;
  if (typeof p.ops.host !== 'string' || !/^[A-Za-z0-9.:_-]{1,253}$/.test(p.ops.host)) fail('processor.ops.host', `must be an address or host name (S1MIG_OPS_HOST), got ${JSON.stringify(p.ops.host)}`);
  if (!Number.isInteger(p.ops.port) || p.ops.port < 0 || p.ops.port > 65535) fail('processor.ops.port', `must be 0..65535 (0: any free port; S1MIG_METRICS_PORT), got ${JSON.stringify(p.ops.port)}`);
  if (p.sessionTimeoutMs !== null) positiveInt('processor.sessionTimeoutMs', p.sessionTimeoutMs);
  positiveInt('processor.splitter.devicesPerTransaction', p.splitter.devicesPerTransaction);
  positiveInt('processor.splitter.transferTimeoutMs', p.splitter.transferTimeoutMs);
}

function validateEnrolment(e: EnrolmentConfig): void {
  if (typeof e.originator !== 'string' || canonicalEui(e.originator) === null) fail('enrolment.originator', `must be an EUI-64, got ${JSON.stringify(e.originator)}`);
  for (const [code, s] of Object.entries(e.smso)) {
    const f = `enrolment.smso.${code}`;
    if (!/^[A-Z0-9]{2,16}$/.test(code)) fail(f, 'an SMSO code is 2-16 of [A-Z0-9]');
    for (const k of ['maxInFlight', 'perSecond', 'perDay'] as const) positiveInt(`${f}.${k}`, s[k]);
    if (s.adapter !== 'simulator') fail(`${f}.adapter`, `must be 'simulator' (the only adapter of this release), got ${JSON.stringify(s.adapter)}`);
    const sim = s.simulator;
    const l = sim.latency;
    const ms = (name: string, v: unknown): void => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${f}.simulator.latency.${name}`, `must be a number of milliseconds >= 0, got ${JSON.stringify(v)}`);
    };
    if (l.kind === 'fixed') ms('ms', l.ms);
    else if (l.kind === 'uniform') {
      ms('minMs', l.minMs);
      ms('maxMs', l.maxMs);
      if (l.maxMs < l.minMs) fail(`${f}.simulator.latency.maxMs`, 'must be at least minMs');
    } else if (l.kind === 'lognormal') {
      ms('medianMs', l.medianMs);
      if (typeof l.sigma !== 'number' || !(l.sigma >= 0)) fail(`${f}.simulator.latency.sigma`, 'must be a number >= 0');
    } else fail(`${f}.simulator.latency.kind`, `must be fixed, uniform or lognormal, got ${JSON.stringify((l as { kind: unknown }).kind)}`);
    if (typeof sim.failureProbability !== 'number' || sim.failureProbability < 0 || sim.failureProbability > 1) fail(`${f}.simulator.failureProbability`, 'must be between 0 and 1');
    if (typeof sim.seed !== 'string') fail(`${f}.simulator.seed`, 'must be a string');
    positiveInt(`${f}.simulator.capacity`, sim.capacity);
    if (!Array.isArray(sim.failingChfs) || sim.failingChfs.some((x) => typeof x !== 'string' || !/^(?:[0-9A-Fa-f]{2}-?){7}[0-9A-Fa-f]{2}:(?:\*|[0-9]+)$/.test(x))) {
      fail(`${f}.simulator.failingChfs`, 'must list <CHF EUI>:<n> or <CHF EUI>:*');
    }
    if (!(ENROLMENT_FAILURE_CODES as readonly string[]).includes(sim.failureCode)) fail(`${f}.simulator.failureCode`, `must be one of ${ENROLMENT_FAILURE_CODES.join(', ')}`);
    if (sim.journal !== null && (typeof sim.journal !== 'string' || !isAbsolute(sim.journal))) fail(`${f}.simulator.journal`, `must be null or an absolute path, got ${JSON.stringify(sim.journal)}`);
  }
}

export interface LoadConfigOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): Readonly<S1migConfig> {
  const env = opts.env ?? process.env;
  checkEnvNames(env, KNOWN_ENV);
  const filePath = opts.file ?? env['S1MIG_CONFIG'];
  const file = filePath ? readFile(filePath) : {};
  const envPart = fromEnv(env);
  const profile = (envPart['profile'] ?? file.profile ?? 'local') as S1migConfig['profile'];
  const local = profile === 'local' ? resolveLocalInstance(env, opts.cwd) : null;
  // A three-broker local instance is production's shape in miniature: its topics get
  // production's replication, so what is tested on it is what production runs.
  const pd = local !== null && local.brokers >= 3 ? PROFILE_DEFAULTS.production : PROFILE_DEFAULTS[profile] ?? PROFILE_DEFAULTS.local;
  const defaults: S1migConfig = {
    profile,
    kafka: {
      brokers: local ? kafkaBootstraps(local) : [],
      clientId: 's1mig',
      ssl: false,
      tls: { ...NO_TLS },
      sasl: null,
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 30000,
    },
    registry: { url: local ? registryUrl(local) : '', username: null, password: null, tls: { ca: null } },
    topics: { prefix: 's1mig.', replicationFactor: pd.replicationFactor, minInsyncReplicas: pd.minInsyncReplicas },
    spool: { base: tmpdir() },
    processor: { ops: { host: '127.0.0.1', port: 9464 }, sessionTimeoutMs: null, splitter: { devicesPerTransaction: 2000, transferTimeoutMs: 10 * 60_000 } },
    enrolment: {
      originator: '90-B3-D5-1F-30-00-00-01',
      smso: Object.fromEntries(MA_SMSOS.map((code) => [code, { ...SMSO_DEFAULTS, simulator: { ...SIMULATOR_DEFAULTS, seed: `s1mig-smso-${code}` } }])),
    },
  };
  checkKeys(file, fileShape(defaults));
  const merged = merge(merge(defaults, file), envPart);
  if (merged.kafka.sasl && typeof merged.kafka.sasl === 'object' && !('mechanism' in merged.kafka.sasl)) merged.kafka.sasl = null;
  // An SMSO named only in the file gets the defaults for what it does not say.
  for (const [code, entry] of Object.entries(merged.enrolment.smso)) {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<SmsoConfig>;
    merged.enrolment.smso[code] = { ...SMSO_DEFAULTS, ...e, simulator: { ...SIMULATOR_DEFAULTS, seed: `s1mig-smso-${code}`, ...(e.simulator ?? {}) } };
  }
  validate(merged);
  return deepFreeze(merged);
}

/** The config without secrets, for logs and `status` output. */
export function redactConfig(c: S1migConfig): unknown {
  return {
    ...c,
    kafka: { ...c.kafka, sasl: c.kafka.sasl ? { ...c.kafka.sasl, password: '***' } : null },
    registry: { ...c.registry, password: c.registry.password === null ? null : '***' },
  };
}

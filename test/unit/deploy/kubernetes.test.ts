/**
 * deploy/kubernetes/ and deploy/container/Dockerfile (issue 12) cannot be run on the machine
 * this suite runs on (no Docker, no cluster). So every name, port and option they use is
 * checked against the product itself: its list of variables, its config loader, its CLI
 * parser, its ops server, its reference loader, its topics. A manifest that names something
 * the product does not have fails here.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { KNOWN_ENV, loadConfig, type S1migConfig } from '../../../src/adapters/config/config.js';
import { startOpsServer } from '../../../src/adapters/http/ops-server.js';
import { loadTopicDefinitions } from '../../../src/adapters/topics/definitions.js';
import { COMMANDS } from '../../../src/cli/command-table.js';
import { loadAlertSigner } from '../../../src/core/reference/alert-signing.js';
import { loadReference } from '../../../src/core/reference/index.js';
import { initReferenceDirectory } from '../../../src/jobs/devtools/ref-init.js';
import { STAGE_INPUTS } from '../../../src/jobs/status/read-status.js';
import { ENROLMENT_DEFAULTS } from '../../../src/pipeline/enrolment/options.js';
import { groupIdFor, STAGES } from '../../../src/pipeline/processor.js';
import { envPairs, execForm, parseDockerfile, type Stage } from '../../support/dockerfile.js';
import { parseYamlDocuments, type YamlValue } from '../../support/yaml.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(ROOT, 'deploy', 'kubernetes');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin?: string | Record<string, string>; engines?: { node?: string }; files?: string[]; scripts: Record<string, string> };
/** The command the package installs (npm: a string `bin` is named after the package). */
const BIN = typeof PKG.bin === 'object' ? Object.keys(PKG.bin)[0] : PKG.name;

// ---- typed access to parsed YAML: a missing field is a failure that names its path ----
type YMap = { [key: string]: YamlValue };
const isMap = (v: YamlValue | undefined): v is YMap => typeof v === 'object' && v !== null && !Array.isArray(v);
function at(v: YamlValue | undefined, ...path: (string | number)[]): YamlValue {
  let cur = v;
  for (const [i, p] of path.entries()) {
    cur = typeof p === 'number' ? (Array.isArray(cur) ? cur[p] : undefined) : isMap(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new Error(`missing ${path.slice(0, i + 1).join('.')}`);
  }
  return cur as YamlValue;
}
const opt = (v: YamlValue | undefined, ...path: string[]): YamlValue | undefined => { try { return at(v, ...path); } catch { return undefined; } };
const list = (v: YamlValue | undefined): YamlValue[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : fail(`not a list: ${JSON.stringify(v)}`));
const text = (v: YamlValue | undefined): string => (typeof v === 'string' ? v : fail(`not a string: ${JSON.stringify(v)}`));
const strings = (v: YamlValue | undefined): string[] => list(v).map(text);
function fail(message: string): never {
  throw new Error(message);
}

// ---- the manifests ----
const files = [...readdirSync(K8S).map((f) => join(K8S, f)), ...readdirSync(join(K8S, 'keda')).map((f) => join(K8S, 'keda', f))].filter((f) => f.endsWith('.yaml'));
const docs = files.flatMap((file) => parseYamlDocuments(readFileSync(file, 'utf8')).map((doc) => ({ file, doc: isMap(doc) ? doc : fail(`${file}: not a map`) })));
const one = (kind: string, name?: string): YMap => {
  const found = docs.filter(({ doc }) => doc['kind'] === kind && (name === undefined || opt(doc, 'metadata', 'name') === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!.doc;
};
const deployment = one('Deployment');
const pod = at(deployment, 'spec', 'template', 'spec') as YMap;
const container = list(at(pod, 'containers'))[0] as YMap;
const initContainers = list(opt(pod, 'initContainers')) as YMap[];
const volumes = list(at(pod, 'volumes')) as YMap[];
const volume = (name: string): YMap => volumes.find((v) => v['name'] === name) ?? fail(`no volume ${name}`);
const mountAt = (c: YMap, path: string): YMap => (list(at(c, 'volumeMounts')) as YMap[]).find((m) => m['mountPath'] === path) ?? fail(`nothing mounted at ${path}`);
const portOf = (ref: YamlValue): number => (typeof ref === 'number' ? ref : Number(at((list(at(container, 'ports')) as YMap[]).find((p) => p['name'] === ref), 'containerPort')));

// ---- the Dockerfile ----
const stages = parseDockerfile(readFileSync(join(ROOT, 'deploy', 'container', 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1]!;
const last = (s: Stage, op: string): string | undefined => s.instructions.filter((i) => i.op === op).at(-1)?.args;
const imageEnv = Object.fromEntries(runtime.instructions.filter((i) => i.op === 'ENV').flatMap((i) => envPairs(i.args)));
const entrypoint = execForm(last(runtime, 'ENTRYPOINT') ?? fail('no ENTRYPOINT')) ?? fail('ENTRYPOINT must be the exec (JSON) form: signals reach s1mig, not a shell');
const cmd = execForm(last(runtime, 'CMD') ?? '[]') ?? fail('CMD must be the exec (JSON) form');

/** What the container runs, by Kubernetes' rules: `command` replaces ENTRYPOINT and drops CMD; `args` replaces CMD. */
const commandLine = (c: YMap): string[] => {
  const command = opt(c, 'command');
  return command !== undefined ? [...strings(command), ...strings(opt(c, 'args'))] : [...entrypoint, ...(opt(c, 'args') !== undefined ? strings(opt(c, 'args')) : cmd)];
};
const argv = commandLine(container);
const flag = (args: string[], name: string): string | undefined => { const i = args.lastIndexOf(name); return i === -1 ? undefined : args[i + 1]; };

/** The container's environment: the image's ENV under the Deployment's env; Secret refs resolved to the Secret's values. */
function containerEnv(c: YMap): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv };
  for (const e of list(opt(c, 'env')) as YMap[]) {
    const ref = opt(e, 'valueFrom', 'secretKeyRef');
    env[text(e['name'])] = ref === undefined ? text(at(e, 'value')) : text(at(one('Secret', text(at(ref, 'name'))), 'stringData', text(at(ref, 'key'))));
  }
  return env;
}
let podEnv: Record<string, string> | undefined;
const env = (): Record<string, string> => (podEnv ??= containerEnv(container));

const scratch = mkdtempSync(join(tmpdir(), 's1mig-k8s-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The product's own loader on the ConfigMap's file, with the environment the pod would have. */
function resolvedConfig(): Readonly<S1migConfig> {
  const configPath = text(env()['S1MIG_CONFIG']);
  const mount = mountAt(container, posix.dirname(configPath));
  const map = one('ConfigMap', text(at(volume(text(mount['name'])), 'configMap', 'name')));
  const file = join(scratch, 's1mig.json');
  writeFileSync(file, text(at(map, 'data', posix.basename(configPath))));
  return loadConfig({ file, env: { ...env(), S1MIG_CONFIG: file } });
}
// Lazily, so that a manifest the loader refuses fails the tests that need it, each with its message.
let loaded: Readonly<S1migConfig> | undefined;
const config = (): Readonly<S1migConfig> => (loaded ??= resolvedConfig());
const opsPort = (): number => (flag(argv, '--metrics-port') !== undefined ? Number(flag(argv, '--metrics-port')) : config().processor.ops.port);
const stagesRun = (flag(argv, '--stages') ?? STAGES.join(',')).split(',') as (keyof typeof STAGE_INPUTS)[];

/**
 * Runs the real command's own argument parsing: it must get past every option check to the
 * config file, which is made unreadable so that nothing connects anywhere. (The runner's own
 * S1MIG_* variables must be known ones, as they are in CI.)
 */
async function parsesAsRealCommand(args: string[]): Promise<void> {
  expect(args[0], 'the program is the package bin').toBe(BIN);
  const entry = COMMANDS[args[1] ?? ''] ?? fail(`'${args[1]}' is not an s1mig command (${Object.keys(COMMANDS).join(', ')})`);
  const command = await entry.load();
  await expect(command.run([...args.slice(2), '--config', join(scratch, 'absent.json')])).rejects.toThrow(/cannot read config file/);
}

describe('deploy/kubernetes and deploy/container (issue 12): checked against the product', () => {
  it('every manifest parses into namespace-less objects of the expected kinds', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const { file, doc } of docs) {
      expect(typeof doc['apiVersion'], file).toBe('string');
      expect(opt(doc, 'metadata', 'namespace'), `${file}: applied with kubectl -n`).toBeUndefined();
      expect(opt(doc, 'metadata', 'labels', 'app.kubernetes.io/name'), file).toBe('s1mig');
    }
    expect(docs.map(({ doc }) => doc['kind']).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'ScaledObject', 'Secret', 'Secret', 'Service', 'TriggerAuthentication']);
  });

  it('every S1MIG_* variable of the Deployment and the Dockerfile is one the product reads', () => {
    const named = [...Object.keys(imageEnv), ...[container, ...initContainers].flatMap((c) => (list(opt(c, 'env')) as YMap[]).map((e) => text(e['name'])))];
    expect(named.filter((n) => /^s1mig_/i.test(n) && !KNOWN_ENV.has(n))).toEqual([]);
    expect(named, 'crash tests only').not.toContain('S1MIG_FAULT_KILL');
  });

  it("the ConfigMap's file passes the product's config loader with the Secret's placeholders and the image's environment", () => {
    expect(config().profile).toBe('production');
    expect(config().kafka.sasl?.password).toBe(env()['S1MIG_KAFKA_SASL_PASSWORD']);
    expect(config().registry.password).toBe(env()['S1MIG_REGISTRY_PASSWORD']);
    // A container must listen beyond its loopback for the kubelet and Prometheus.
    expect(['0.0.0.0', '::']).toContain(flag(argv, '--ops-host') ?? config().processor.ops.host);
  });

  it("the processor's and the image's command lines are a real s1mig command with real options", async () => {
    await parsesAsRealCommand(argv);
    await parsesAsRealCommand([...entrypoint, ...cmd]);
    expect(argv[1]).toBe('run');
    expect(stagesRun.filter((s) => !(STAGES as readonly string[]).includes(s))).toEqual([]);
    // The image's default --ref is where the Deployment mounts the reference directory.
    expect(flag(cmd, '--ref')).toBe(flag(argv, '--ref'));
  });

  it('probes, container port, Service and EXPOSE agree with the ops port, on paths the ops server serves', async () => {
    const probes = ['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => at(container, p, 'httpGet') as YMap);
    expect(probes.map((p) => portOf(at(p, 'port')))).toEqual([opsPort(), opsPort(), opsPort()]);
    expect(text(probes[1]!['path'])).toBe('/healthz');
    expect(text(probes[2]!['path'])).toBe('/readyz');
    const service = one('Service');
    const sp = list(at(service, 'spec', 'ports'))[0] as YMap;
    expect([portOf(at(sp, 'targetPort')), at(sp, 'port')]).toEqual([opsPort(), opsPort()]);
    expect(at(service, 'metadata', 'annotations', 'prometheus.io/port')).toBe(String(opsPort()));
    expect(at(service, 'spec', 'selector')).toEqual(at(deployment, 'spec', 'template', 'metadata', 'labels'));
    expect(runtime.instructions.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/))).toContain(String(opsPort()));
    // The real ops server answers each path the manifests use (a 404 would be a wrong path).
    const ops = await startOpsServer(new Registry(), () => true, 0);
    try {
      for (const path of [...probes.map((p) => text(p['path'])), text(at(service, 'metadata', 'annotations', 'prometheus.io/path'))]) {
        expect((await fetch(`${ops.url}${path}`)).status, path).toBe(200);
      }
    } finally {
      await ops.close();
    }
  });

  it('runs non-root, read-only, no capabilities; writes only to the spool folder its init container makes 0700', () => {
    const podSc = at(pod, 'securityContext') as YMap;
    expect(podSc['runAsNonRoot']).toBe(true);
    const user = text(last(runtime, 'USER') ?? fail('the image must set a USER'));
    expect(user, 'numeric, so runAsNonRoot can be enforced').toMatch(/^[1-9][0-9]*(:[0-9]+)?$/);
    expect(podSc['runAsUser']).toBe(Number(user.split(':')[0]));
    for (const c of [container, ...initContainers]) {
      expect(at(c, 'securityContext', 'allowPrivilegeEscalation'), text(c['name'])).toBe(false);
      expect(at(c, 'securityContext', 'readOnlyRootFilesystem'), text(c['name'])).toBe(true);
      expect(strings(at(c, 'securityContext', 'capabilities', 'drop'))).toContain('ALL');
    }
    // Every writable mount is the spool emptyDir; S1MIG_SPOOL_BASE is a folder inside it.
    const writable = (list(at(container, 'volumeMounts')) as YMap[]).filter((m) => m['readOnly'] !== true);
    expect(writable.map((m) => at(volume(text(m['name'])), 'emptyDir'))).toHaveLength(1);
    const spoolMount = text(writable[0]!['mountPath']);
    const base = text(env()['S1MIG_SPOOL_BASE']);
    expect(base.startsWith(`${spoolMount}/`), base).toBe(true);
    expect(config().spool.base).toBe(base);
    const init = initContainers.find((c) => commandLine(c).at(-1) === base) ?? fail(`no init container makes ${base}`);
    expect(commandLine(init).slice(0, -1)).toEqual(['mkdir', '-p', '-m', '0700']);
    expect(mountAt(init, spoolMount)['name']).toBe(writable[0]!['name']);
  });

  it('the projected reference directory is one the product loads, private keys from a Secret only', () => {
    const refDir = flag(argv, '--ref') ?? fail('run needs --ref');
    const mount = mountAt(container, refDir);
    expect(mount['readOnly']).toBe(true);
    const sources = list(at(volume(text(mount['name'])), 'projected', 'sources')) as YMap[];
    // Build the tree the kubelet would, from a development reference directory, item by item.
    const dev = join(scratch, 'dev-ref');
    const projected = join(scratch, 'projected-ref');
    initReferenceDirectory(dev);
    for (const source of sources) {
      const secret = source['secret'];
      const kind = isMap(secret) ? 'Secret' : 'ConfigMap';
      const ref = isMap(secret) ? secret : (at(source, 'configMap') as YMap);
      const object = one(kind, text(ref['name']));
      const keys = Object.keys(at(object, kind === 'Secret' ? 'stringData' : 'data') as YMap);
      const items = list(at(ref, 'items')) as YMap[];
      expect(items.map((i) => text(i['key'])).sort(), `every key of ${kind} ${text(ref['name'])} is projected, and only those`).toEqual([...keys].sort());
      for (const item of items) {
        const path = text(item['path']);
        if (path.endsWith('.key.pem')) expect(kind, `${path} is a private key`).toBe('Secret');
        mkdirSync(dirname(join(projected, path)), { recursive: true });
        cpSync(join(dev, path), join(projected, path));
      }
    }
    expect(() => loadReference(projected)).not.toThrow();
    expect(() => loadAlertSigner(projected)).not.toThrow();
    const smsos = readdirSync(join(projected, 'smso'));
    expect(smsos.filter((s) => !(s in config().enrolment.smso)), 'an SMSO of the reference the processor cannot enrol with').toEqual([]);
  });

  it('the Secrets hold placeholders only', () => {
    for (const { file, doc } of docs.filter(({ doc }) => doc['kind'] === 'Secret')) {
      expect(doc['data'], `${file}: stringData only, so a review sees every value`).toBeUndefined();
      for (const [key, value] of Object.entries(at(doc, 'stringData') as YMap)) {
        expect(text(value), `${file} ${key}`).not.toMatch(/BEGIN|PRIVATE/);
        if (/password|username|\.pem$/.test(key)) expect(text(value), `${file} ${key}`).toMatch(/^REPLACE/);
      }
    }
  });

  it('resources and the grace period follow the measurements and how the processor stops', () => {
    const q = (v: YamlValue): number => {
      const m = /^([0-9.]+)(m|Ki|Mi|Gi)?$/.exec(String(v)) ?? fail(`quantity ${String(v)}`);
      return Number(m[1]) * ({ m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[m[2] ?? ''] ?? 1);
    };
    const r = at(container, 'resources') as YMap;
    expect(q(at(r, 'limits', 'cpu'))).toBe(Number(flag(argv, '--threads')));
    expect(q(at(r, 'requests', 'memory'))).toBe(q(at(r, 'limits', 'memory')));
    // The product's budget (docs/performance.md): processor RSS at most 500 MB.
    expect(q(at(r, 'limits', 'memory'))).toBeGreaterThanOrEqual(500e6);
    // A drain: enrolment's drainMs, then a transaction that may run up to its timeout.
    const producers = readFileSync(join(ROOT, 'src', 'adapters', 'kafka', 'partition-producers.ts'), 'utf8');
    const txTimeoutMs = Number((/transactionTimeout:\s*([0-9_]+)/.exec(producers) ?? fail('transactionTimeout not found'))[1]!.replace(/_/g, ''));
    expect(at(pod, 'terminationGracePeriodSeconds')).toBeGreaterThanOrEqual((ENROLMENT_DEFAULTS.drainMs + txTimeoutMs) / 1000);
  });

  it("KEDA scales on the stages' own groups and input topics, never past their partitions", () => {
    const scaled = one('ScaledObject');
    expect(at(scaled, 'spec', 'scaleTargetRef', 'name')).toBe(at(deployment, 'metadata', 'name'));
    const defs = loadTopicDefinitions();
    const partitions = (name: string): number => defs.find((d) => d.name === name)?.partitions ?? fail(`no topic ${name}`);
    const auth = one('TriggerAuthentication');
    for (const t of list(at(scaled, 'spec', 'triggers')) as YMap[]) {
      expect(t['type']).toBe('kafka');
      const m = at(t, 'metadata') as YMap;
      const stage = stagesRun.find((s) => groupIdFor(config(), s) === m['consumerGroup']) ?? fail(`${String(m['consumerGroup'])} is not the group of a stage this Deployment runs`);
      expect(m['topic']).toBe(`${config().topics.prefix}${STAGE_INPUTS[stage]}`);
      expect(m['bootstrapServers']).toBe(config().kafka.brokers.join(','));
      expect(m['offsetResetPolicy'], 'the stages read a new group from the beginning').toBe('earliest');
      expect(text(m['lagThreshold'])).toMatch(/^[1-9][0-9]*$/);
      expect(at(t, 'authenticationRef', 'name')).toBe(at(auth, 'metadata', 'name'));
    }
    const most = Math.max(...stagesRun.map((s) => partitions(STAGE_INPUTS[s])));
    expect(at(scaled, 'spec', 'maxReplicaCount')).toBe(most);
    const min = at(scaled, 'spec', 'minReplicaCount') as number;
    expect(min).toBeGreaterThanOrEqual(1);
    // The PDB lets one go at a time and never the last one.
    const pdb = one('PodDisruptionBudget');
    expect(at(pdb, 'spec', 'maxUnavailable')).toBeLessThan(min);
    expect(at(pdb, 'spec', 'selector', 'matchLabels')).toEqual(at(deployment, 'spec', 'template', 'metadata', 'labels'));
    // KEDA authenticates as the processors do.
    const params = Object.fromEntries((list(at(auth, 'spec', 'secretTargetRef')) as YMap[]).map((r) => [text(r['parameter']), text(at(one('Secret', text(r['name'])), 'stringData', text(r['key'])))]));
    const keda = { plain: 'plaintext', 'scram-sha-256': 'scram_sha256', 'scram-sha-512': 'scram_sha512' } as Record<string, string>;
    const { sasl, ssl } = config().kafka;
    expect(params['sasl']).toBe(sasl ? keda[sasl.mechanism] : undefined);
    expect(params['tls']).toBe(ssl ? 'enable' : 'disable');
    expect([params['username'], params['password']]).toEqual([sasl?.username, sasl?.password]);
  });

  it('the Dockerfile: two stages on a Node major that engines allows, the package packed then installed, non-root', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const majors = stages.map((s) => Number((/^node:([0-9]+)[-.]/.exec(s.image) ?? fail(`${s.image}: not an official node image with a major tag`))[1]));
    expect(new Set(majors).size, 'one Node for building and running').toBe(1);
    expect(allowsMajor(PKG.engines?.node ?? fail('package.json engines.node must say what is tested'), majors[0]!), `${PKG.engines?.node} allows Node ${majors[0]}`).toBe(true);
    const build = stages[0]!;
    const runs = (s: Stage): string => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
    expect(runs(build)).toMatch(/\bnpm ci\b/);
    expect(runs(build)).toMatch(/\bnpm pack\b/);
    expect(runtime.instructions.some((i) => i.op === 'COPY' && i.args.startsWith(`--from=${build.name} `))).toBe(true);
    expect(runs(runtime)).toMatch(new RegExp(`npm install -g --omit=dev .*${PKG.name}-\\*\\.tgz`));
    expect(entrypoint).toEqual([BIN]);
  });

  it('the build stage copies what npm ci and npm pack read, and .dockerignore keeps none of it out', () => {
    const copied = stages[0]!.instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).flatMap((i) => i.args.split(/\s+/).slice(0, -1)).map((p) => p.replace(/\/$/, ''));
    const buildScripts = ['build', 'prepare'].map((s) => PKG.scripts[s] ?? '').join(' ');
    const needed = new Set(['package.json', 'package-lock.json', 'README.md',
      ...[...buildScripts.matchAll(/-p\s+(\S+)/g)].map((m) => m[1]!),
      ...[...buildScripts.matchAll(/node\s+(\S+)/g)].map((m) => m[1]!.split('/')[0]!),
      ...(PKG.files ?? []).filter((f) => !f.startsWith('!')).map((f) => f.split('/')[0]!).filter((d) => d !== 'dist'),
      'src']);
    expect([...needed].filter((n) => !copied.includes(n))).toEqual([]);
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    expect(copied.filter((c) => ignored.includes(c))).toEqual([]);
    for (const local of ['node_modules', 'dist', '.s1mig']) expect(ignored).toContain(local);
  });
});

/**
 * Whether an npm `engines` range admits some release of a Node major: enough of semver for
 * engines fields (`>=20`, `^20.19 || >=22`, `20.x || 22.x`, `>=20 <25`); a form it does not
 * know fails the test rather than passing it.
 */
function allowsMajor(range: string, major: number): boolean {
  type V = [number, number, number];
  const cmp = (a: V, b: V): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  const satisfies = (v: V, comparator: string): boolean => {
    const m = /^(>=|<=|>|<|=|\^|~)?v?([0-9]+)(?:\.([0-9]+|x|\*))?(?:\.([0-9]+|x|\*))?$/.exec(comparator) ?? fail(`engines: unsupported '${comparator}'`);
    const op = m[1] ?? '';
    const parts = [m[2], m[3], m[4]].map((p) => (p === undefined || p === 'x' || p === '*' ? null : Number(p)));
    const lo: V = [parts[0]!, parts[1] ?? 0, parts[2] ?? 0];
    // The first part left open, or the one ^/~ may not move past, bounds the range above.
    const openAt = parts.indexOf(null);
    const bump = (i: number): V => [i === 0 ? lo[0] + 1 : lo[0], i === 1 ? lo[1] + 1 : i === 0 ? 0 : lo[1], i === 2 ? lo[2] + 1 : 0];
    const hi: V = op === '^' ? bump(lo[0] !== 0 ? 0 : 1) : op === '~' ? bump(openAt === 1 ? 0 : 1) : bump(openAt === -1 ? 2 : openAt - 1);
    switch (op) {
      case '>=': return cmp(v, lo) >= 0;
      case '>': return openAt === -1 ? cmp(v, lo) > 0 : cmp(v, hi) >= 0;
      case '<': return cmp(v, lo) < 0;
      case '<=': return openAt === -1 ? cmp(v, lo) <= 0 : cmp(v, hi) < 0;
      default: return cmp(v, lo) >= 0 && cmp(v, hi) < 0;
    }
  };
  return range.split('||').some((alternative) => {
    const comparators = alternative.trim().split(/\s+/).filter(Boolean);
    if (comparators.length === 0 || comparators.includes('*')) return true;
    // The major's first and a far release, and any version a comparator names in it (=24.1.0).
    const named = comparators.map((c) => (/([0-9]+)\.([0-9]+)\.([0-9]+)$/.exec(c) ?? []).slice(1).map(Number)).filter((v) => v[0] === major) as V[];
    return ([[major, 0, 0], [major, 999, 999], ...named] as V[]).some((v) => comparators.every((c) => satisfies(v, c)));
  });
}

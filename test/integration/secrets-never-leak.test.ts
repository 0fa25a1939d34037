/**
 * Issue 13, "Security": a whole pipeline (splitter, validator, enrolment in `s1mig run`
 * processes, one SIGKILLed mid-run) at debug level, then the operator's commands; every log
 * line, every record of every topic (read_uncommitted, so aborted ones too), every command's
 * output and every file they wrote is searched for the reference directory's private keys,
 * for the file's decrypted credential values and for the keys derived on the way to them
 * (mcf-format.md, "Credential blob": "Key material is never logged, never written to a topic
 * in clear, and never put in a report"). None may appear, in any encoding.
 */
import { spawn } from 'node:child_process';
import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { createKeyAgreement, decryptCredential } from '../../src/core/credential/decrypt.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import type { InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { installationsOf } from '../support/mcf-alerts.js';
import { binaryNeedles, decryptCredentialIndependently, privateKeyNeedles, SecretSearch, textNeedles, type Finding, type Haystack, type Needle } from '../support/secret-search.js';
import { collect, randomName } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, signalGroup, type World } from './processor-runner.js';

const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const A = '90b3d51f30010000';
const B = '90b3d51f30010001';
const INSTALLATIONS = 40;
const hyphenated = (eui: string) => eui.toUpperCase().match(/../g)!.join('-');
const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const kind = (n: { secret: string }) => n.secret.slice(0, n.secret.indexOf(':'));

interface Ran { readonly name: string; readonly status: number | null; readonly stdout: Buffer; readonly stderr: Buffer }

/** The CLI as an operator runs it, asynchronously (a blocked event loop would stall the processors' log pipes). */
function s1mig(world: World, args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix, S1MIG_LOG_LEVEL: 'debug', ...env } });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolve) => child.on('close', (status) => {
    clearTimeout(timer);
    resolve({ name: `s1mig ${args.join(' ')}`, status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
  }));
}

/** Every record of every topic from the beginning, read_uncommitted by default (aborted transactions' records too), up to the ends as of the call. */
async function readEveryRecord(world: World, readUncommitted = true): Promise<{ hays: Haystack[]; perTopic: Map<string, number> }> {
  const admin = await world.res.getAdmin();
  const ends = new Map<string, bigint>();
  for (const { topic } of world.plan) for (const e of await admin.fetchTopicOffsets(topic)) if (BigInt(e.high) > BigInt(e.low)) ends.set(`${topic}:${e.partition}`, BigInt(e.high));
  const position = new Map<string, bigint>();
  const advance = (topic: string, partition: number, last: string) => {
    const k = `${topic}:${partition}`;
    if (BigInt(last) + 1n > (position.get(k) ?? 0n)) position.set(k, BigInt(last) + 1n);
  };
  const hays: Haystack[] = [];
  const perTopic = new Map<string, number>(world.plan.map((p) => [p.name, 0]));
  const consumer = world.res.kafka.consumer({ groupId: randomName('secrets-raw'), readUncommitted, maxWaitTimeInMs: 500 });
  // Batches of only transaction markers never reach eachBatch; their offsets still count.
  consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0) advance(payload.topic, payload.partition, payload.lastOffset);
  });
  await consumer.connect();
  try {
    for (const { topic } of world.plan) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => {
      const name = world.plan.find((p) => p.topic === batch.topic)!.name;
      for (const m of batch.messages) {
        perTopic.set(name, perTopic.get(name)! + 1);
        const at = `topic ${name} ${batch.partition}:${m.offset}`;
        if (m.key) hays.push({ where: `${at} key`, bytes: m.key });
        if (m.value) hays.push({ where: `${at} value`, bytes: m.value });
        for (const [h, v] of Object.entries(m.headers ?? {})) {
          for (const x of [v].flat()) hays.push({ where: `${at} header ${h}`, bytes: Buffer.concat([Buffer.from(h), Buffer.from('='), Buffer.from(x ?? '')]) });
        }
      }
      advance(batch.topic, batch.partition, batch.lastOffset());
    } });
    for (const deadline = Date.now() + 180_000; ![...ends].every(([k, end]) => (position.get(k) ?? 0n) >= end);) {
      if (Date.now() > deadline) throw new Error('could not read every topic to its end');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  return { hays, perTopic };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

/** A finding, fit to print: where, which line of a log, the secret's name and encoding (never its value). */
function show(f: Finding, hays: readonly Haystack[]): string {
  const hay = hays.find((h) => h.where === f.where)!;
  const line = hay.bytes.subarray(0, f.at).toString('latin1').split('\n').length;
  return `${f.secret} as ${f.encoding} in ${f.where}, line ${line}`;
}

describe('no private key, credential value or derived key leaves the process (issue 13)', () => {
  let world: World;
  let runner: ProcessorRunner;
  let file = '';
  const needles: Needle[] = [];
  /** Public ciphertext that must be found where the devices travel: the search reads what it claims to. */
  const controls: Needle[] = [];
  const derived = { devices: 0, decrypted: 0, failedTag: 0, values: 0, crossChecked: 0 };
  const samples: { pem: string; scalar: Buffer; value: string; z: Buffer; k: Buffer } = { pem: '', scalar: Buffer.alloc(0), value: '', z: Buffer.alloc(0), k: Buffer.alloc(0) };

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 3, alerts: 2, smi: 2, dlq: 1 });
    runner = new ProcessorRunner(world);
    const day = londonDate(Date.now());
    const pub = (kindOf: 'ma' | 'suppliers', name: string, text: string) => {
      writeFileSync(join(world.dir, name), text);
      return publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, kindOf, join(world.dir, name));
    };
    expect((await pub('ma', 'ma.csv', `reference,supplier,smso,migrationDate,requested,committed\nMA-SEC,${hyphenated(A)},MDS,${day},${INSTALLATIONS},${INSTALLATIONS}\n`)).ok).toBe(true);
    expect((await pub('suppliers', 'suppliers.csv', `supplier,duisVersion,name\n${hyphenated(A)},5.4,Supplier A\n`)).ok).toBe(true);
    // Credentials of every kind: good ones, undecryptable ones, ones missing their key, and certificate defects beside them.
    file = (await world.gen('SECRETS', { installations: INSTALLATIONS, purpose: 'Migration', ma: 'MA-SEC', suppliers: [A, B],
      defects: 'DEV_CREDENTIAL_INVALID:3,DEV_CREDENTIAL_INCOMPLETE:3,INST_EXCLUDED_MISSING_KEYS:2,DEV_CERT_EXPIRED:2' })).out;

    // (a) every private key of the reference directory: the S1SP's (key agreement, alert signing) and the development SMSO keys beside them.
    for (const f of filesUnder(world.refDir).filter((p) => p.endsWith('.key.pem'))) {
      const pem = readFileSync(f, 'utf8');
      const k = privateKeyNeedles(relative(world.refDir, f), pem);
      needles.push(...k.needles);
      if (f.endsWith('key-agreement.key.pem')) Object.assign(samples, { pem, scalar: k.scalar });
    }
    expect(needles.filter((n) => n.secret.startsWith('private-key:s1sp/')).length).toBeGreaterThan(0);

    // (b) and (c): each credential of the file decrypted in the test, with node:crypto as the specification says; the product's decrypt agrees.
    const keyAgreement = createPrivateKey(readFileSync(join(world.refDir, 's1sp', 'key-agreement.key.pem')));
    const product = createKeyAgreement(keyAgreement);
    for (const block of readFileSync(file, 'utf8').split('<Device>').slice(1)) {
      const cred = /<Credential>([^<]+)<\/Credential>/.exec(block)?.[1];
      const id = /<DeviceID>([^<]+)<\/DeviceID>/.exec(block)![1]!.replaceAll('-', '').toLowerCase();
      if (cred === undefined || !/^[0-9a-f]{16}$/.test(id)) continue;
      derived.devices++;
      if (controls.length < 5) controls.push({ secret: `control:${id}`, encoding: 'credential-base64', bytes: Buffer.from(cred) });
      const s = decryptCredentialIndependently(keyAgreement, id, cred);
      needles.push(...binaryNeedles(`ecdh-z:${id}`, s.z), ...binaryNeedles(`hkdf-k:${id}`, s.k));
      const theirs = decryptCredential(product, Buffer.from(cred, 'base64'), id);
      expect(theirs === null ? null : Buffer.from(theirs).toString('hex'), id).toBe(s.plaintext?.toString('hex') ?? null);
      derived.crossChecked++;
      if (s.plaintext === null) { derived.failedTag++; continue; }
      derived.decrypted++;
      needles.push(...textNeedles(`credential-plaintext:${id}`, s.plaintext.toString('utf8')));
      for (const [member, value] of Object.entries(JSON.parse(s.plaintext.toString('utf8')) as Record<string, unknown>)) {
        if (typeof value !== 'string' || !/^[0-9a-fA-F]{32}$/.test(value)) continue; // the 4-byte PINs of optional devices are too short to search without chance matches
        derived.values++;
        needles.push(...binaryNeedles(`credential-value:${id}/${member}`, Buffer.from(value, 'hex')), ...textNeedles(`credential-value:${id}/${member}`, value));
        if (samples.value === '') Object.assign(samples, { value, z: s.z, k: s.k });
      }
    }
    expect(derived.failedTag).toBe(3);
    expect(derived.values).toBeGreaterThan(INSTALLATIONS);
  });
  afterAll(async () => {
    runner?.killAll();
    await world?.res.close();
  });

  /** The needles, each secret's bytes once (a credential value's text is its hex encoding). */
  const uniqueNeedles = (): Needle[] => {
    const byBytes = new Map<string, Needle>();
    for (const n of needles) if (!byBytes.has(`${n.secret}|${n.bytes.toString('hex')}`)) byBytes.set(`${n.secret}|${n.bytes.toString('hex')}`, n);
    return [...byBytes.values()];
  };

  it('the search is sharp: each kind of secret in each encoding is found where it is planted, also when logged through the product logger', () => {
    const search = new SecretSearch(uniqueNeedles());
    // One needle of each kind and encoding, each inside random bytes.
    const firsts = new Map<string, Needle>();
    for (const n of search.needles) if (!firsts.has(`${kind(n)} ${n.encoding}`)) firsts.set(`${kind(n)} ${n.encoding}`, n);
    expect(new Set([...firsts.values()].map(kind))).toEqual(new Set(['private-key', 'private-scalar', 'ecdh-z', 'hkdf-k', 'credential-plaintext', 'credential-value']));
    expect(firsts.size).toBeGreaterThanOrEqual(50);
    for (const [what, n] of firsts) {
      const hay = { where: 'planted', bytes: Buffer.concat([randomBytes(1000 + n.bytes.length), n.bytes, randomBytes(777)]) };
      expect(search.find(hay).some((f) => f.secret === n.secret && f.encoding === n.encoding && f.at === 1000 + n.bytes.length), what).toBe(true);
    }
    // Inside a longer base64 text at each alignment.
    const kName = search.needles.find((n) => n.bytes.equals(samples.k))!.secret;
    for (const k of [0, 1, 2]) {
      const text = Buffer.concat([randomBytes(30 + k), samples.k, randomBytes(20)]).toString('base64');
      expect(search.find({ where: 'planted', bytes: Buffer.from(text) }).map((f) => `${f.secret} ${f.encoding}`), `alignment ${k}`).toContain(`${kName} base64@${k}`);
    }
    // Written by the product's own logger: a careless field is caught; its redaction and Buffer rule hold for the rest.
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l) });
    log.debug('careless', { value: samples.value });
    log.info(`shared secret ${samples.z.toString('base64')}`);
    log.warn('careless pem', { pem: samples.pem });
    log.error('careless scalar', { d: samples.scalar.toString('hex').toUpperCase() });
    log.info('careful', { privateKey: samples.pem, credential: samples.value, material: samples.k, token: samples.z.toString('hex') });
    const found = lines.map((l, i) => search.find({ where: `line ${i}`, bytes: Buffer.from(l) }));
    expect(found[0]!.map((f) => `${kind(f)} ${f.encoding}`)).toContain('credential-value hex');
    expect(found[1]!.map((f) => `${kind(f)} ${f.encoding}`)).toContain('ecdh-z base64@0');
    expect(found[2]!.map((f) => `${kind(f)} ${f.encoding}`)).toEqual(expect.arrayContaining(['private-key json-escaped', 'private-key pem-line-1', 'private-key pem-line-2']));
    expect(found[3]!.map((f) => `${kind(f)} ${f.encoding}`)).toContain('private-scalar HEX');
    expect(found[4], lines[4]).toEqual([]);
  });

  it('a pipeline at debug level, a SIGKILL and the operator commands: no secret in any log line, topic record, report or written file', async () => {
    onTestFailed(() => runner.saveLogs('secrets-never-leak'));
    const t0 = Date.now();
    const journal = join(world.dir, 'mds-journal.jsonl');
    const spool = join(world.dir, 'spool');
    const tmp = join(world.dir, 'tmp');
    mkdirSync(spool, { mode: 0o700 });
    mkdirSync(tmp, { mode: 0o700 });
    writeFileSync(join(world.dir, 'config.json'), JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, simulator: { latency: { kind: 'fixed', ms: 150 }, journal } } } } }));
    const env = { S1MIG_CONFIG: join(world.dir, 'config.json'), S1MIG_LOG_LEVEL: 'debug', S1MIG_SPOOL_BASE: spool };
    const logs: Array<{ where: string; chunks: Buffer[] }> = [];
    const start = (name: string, extra: Record<string, string> = {}) => {
      const r = runner.start({ ...env, ...extra });
      for (const [stream, s] of [['stdout', r.child.stdout!], ['stderr', r.child.stderr!]] as const) {
        const chunks: Buffer[] = [];
        s.on('data', (d: Buffer) => chunks.push(d));
        logs.push({ where: `log ${name} ${stream}`, chunks });
      }
      return r;
    };
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const finals = async () => (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages])).filter((o) => o.stage === 'enrolment' && FINAL.has(o.migration!.status));

    // The first processor SIGKILLs itself with its 5th SMSO request in flight (the crash tests' hook, operations.md); a second one resumes and finishes.
    const first = start('processor-1', { S1MIG_FAULT_KILL: 'after-send:5' });
    const fileKey = await world.publish(file);
    await world.publish(file); // again: MCF_DUPLICATE_FILE
    // Poison on an internal topic: a dead letter, later replayed by the operator.
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic: topicName(world.plan, 'mcf.device-events'), messages: [{ key: `${fileKey}|POISON`, value: Buffer.from('not an Avro record') }] });
    await producer.disconnect();
    expect(await Promise.race([first.exited, new Promise((r) => setTimeout(() => r('alive'), 150_000))]), 'the first processor should have killed itself').toBeNull();
    // What a killed processor leaves on disk (its spool, until the next start removes it).
    const leftBehind = filesUnder(spool).map((f) => ({ where: `file ${relative(world.dir, f)} (after the SIGKILL)`, bytes: readFileSync(f) }));
    const second = start('processor-2');
    const secondLog = () => Buffer.concat(logs.find((l) => l.where === 'log processor-2 stderr')!.chunks).toString();
    for (const deadline = Date.now() + 120_000; !/metrics http:\/\/\S+\/metrics/.test(secondLog());) {
      if (Date.now() > deadline) throw new Error('the second processor did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const waited = await s1mig(world, ['report', fileKey, '--json', '--wait', '--until', 'complete', '--timeout', '240']);
    expect(waited.status, waited.stderr.toString().slice(-2000)).toBe(0);
    expect(new Set((await finals()).map((o) => o.installationId)).size).toBe(INSTALLATIONS);

    // The operator's commands, while the processor runs; and its endpoints.
    const insts = installationsOf(file);
    const migrated = (await finals()).find((o) => o.migration!.status === 'migrated')!;
    const letters = await s1mig(world, ['dlq', 'list', '--json']);
    const url = /metrics (http:\/\/\S+)\/metrics/.exec(secondLog())![1]!;
    const endpoints = await Promise.all(['/metrics', '/healthz', '/readyz'].map(async (p) => ({ where: `endpoint ${p}`, bytes: Buffer.from(await (await fetch(url + p)).text()) })));
    const ran: Ran[] = [waited, letters];
    for (const args of [['validate', file, '--ref', world.refDir, '--json'], ['validate', file, '--ref', world.refDir], ['report', fileKey, '--json'], ['report', fileKey],
      ['status', '--json'], ['status'], ['smi', 'show', hyphenated(insts[migrated.installationIndex]!.devices[0]!.id), '--json'],
      ['smi', 'show', hyphenated(insts[migrated.installationIndex]!.devices[1]!.id)], ['alerts', 'export', '--out', join(world.dir, 'export')],
      ['alerts', 'verify', '--ref', world.refDir, '--json'], ['dlq', 'show', (JSON.parse(letters.stdout.toString()) as Array<{ id: string }>)[0]!.id, '--json'],
      ['dlq', 'replay', '--all'], ['ma', 'show', '--json'], ['suppliers', 'show', '--json']]) {
      ran.push(await s1mig(world, args, { TMPDIR: tmp }));
    }
    // status says 1 when it finds the pipeline unhealthy (the dead letters planted above); every other command succeeds.
    for (const r of ran) expect(r.name.startsWith('s1mig status') ? [0, 1] : [0], `${r.name}: ${r.stderr.toString().slice(-1000)}`).toContain(r.status);
    await new Promise((r) => setTimeout(r, 3000)); // the replayed poison goes back to the DLQ
    signalGroup(second.child, 'SIGTERM');
    expect(await second.exited).toBe(0);

    // Everything there is to search.
    const logHays = logs.map((l) => ({ where: l.where, bytes: Buffer.concat(l.chunks) }));
    const commandHays = ran.flatMap((r) => [{ where: `${r.name} stdout`, bytes: r.stdout }, { where: `${r.name} stderr`, bytes: r.stderr }]);
    const written = [join(world.dir, 'export'), spool, tmp].flatMap(filesUnder).concat(journal);
    const fileHays = [...leftBehind, ...written.map((f) => ({ where: `file ${relative(world.dir, f)}`, bytes: readFileSync(f) }))];
    // The reader's own control: a record of an aborted transaction, which read_uncommitted must see and read_committed must not.
    const marker: Needle = { secret: 'control:aborted', encoding: 'text', bytes: Buffer.from(`aborted-control-${randomBytes(12).toString('hex')}`) };
    const tx = world.res.kafka.producer({ transactionalId: randomName('secrets-aborted'), idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const aborted = await tx.transaction();
    await aborted.send({ topic: topicName(world.plan, 'mcf.installation-devices'), messages: [{ key: 'control', value: marker.bytes }] });
    await aborted.abort();
    await tx.disconnect();
    const { hays: topicHays, perTopic } = await readEveryRecord(world);
    const committedRead = await readEveryRecord(world, false);
    const committed = [...committedRead.perTopic.values()].reduce((a, b) => a + b, 0);
    expect(new SecretSearch([marker]).findAll(topicHays).map((f) => f.where)).toEqual([expect.stringMatching(/^topic mcf.installation-devices \d+:0 value$/)]);
    expect(new SecretSearch([marker]).findAll(committedRead.hays)).toEqual([]);
    const all = [...logHays, ...commandHays, ...endpoints, ...fileHays, ...topicHays];

    // What was searched is the real thing: many log lines, debug ones among them, records on every topic the run writes.
    const commandLines = commandHays.reduce((n, h) => n + h.bytes.toString('latin1').split('\n').filter(Boolean).length, 0);
    const logLines = logHays.reduce((n, h) => n + h.bytes.toString('latin1').split('\n').filter(Boolean).length, 0);
    const debugLines = logHays.reduce((n, h) => n + h.bytes.toString('latin1').split('\n').filter((l) => l.includes('"level":"debug"')).length, 0);
    expect(logLines).toBeGreaterThan(1000);
    expect(debugLines).toBeGreaterThan(500);
    expect(logHays.some((h) => h.bytes.includes('"msg":"batch committed"'))).toBe(true);
    for (const [name, n] of perTopic) if (name !== 'mcf.installation-devices') expect(n, `records on ${name}`).toBeGreaterThan(0);
    const records = [...perTopic.values()].reduce((a, b) => a + b, 0);
    expect(perTopic.get('mcf.device-events')).toBeGreaterThanOrEqual(derived.devices);
    expect(fileHays.filter((h) => h.where.startsWith('file export/')).length).toBeGreaterThan(10);
    expect(leftBehind.length, 'the killed processor\'s spool').toBeGreaterThan(0);
    // The search reads what it claims to: the devices' (public) ciphertext is found where they travel.
    const seen = new SecretSearch(controls).findAll(all);
    for (const topic of ['mcf.chunks', 'mcf.device-events']) expect(new Set(seen.filter((f) => f.where.startsWith(`topic ${topic} `)).map((f) => f.secret)).size, topic).toBe(controls.length);

    const search = new SecretSearch(uniqueNeedles());
    const findings = search.findAll(all);
    const bytes = all.reduce((n, h) => n + h.bytes.length, 0);
    const kinds = new Map<string, number>();
    for (const n of search.needles) kinds.set(kind(n), (kinds.get(kind(n)) ?? 0) + 1);
    process.stderr.write(`[secrets-never-leak] searched ${(bytes / 1e6).toFixed(1)} MB: ${logLines} log lines (${debugLines} debug) from ${logs.length / 2} processors, ` +
      `${records} topic records (${records - committed - 1} of the processors' in aborted transactions; ${[...perTopic].map(([t, n]) => `${t} ${n}`).join(', ')}), ` +
      `${ran.length} commands (${commandLines} lines), ${fileHays.length} files (${leftBehind.length} left by the SIGKILL), ${endpoints.length} endpoints; ` +
      `${new Set(search.needles.map((n) => n.secret)).size} secrets in ${search.needles.length} encodings (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}); ` +
      `credentials: ${derived.devices} blobs, ${derived.decrypted} decrypted, ${derived.failedTag} failed their tag (the product's decrypt agreed on all ${derived.crossChecked}), ` +
      `${derived.values} key values; ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    expect(findings.map((f) => show(f, all))).toEqual([]);
  }, 420_000);
});

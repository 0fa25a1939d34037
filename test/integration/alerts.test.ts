import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { SmsoSimulator, SIMULATOR_DEFAULTS } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { readAlertSigningCertificate } from '../../src/core/reference/alert-signing.js';
import { verifyEnveloped } from '../../src/core/xml-dsig/signature.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { AlertRecord, InstallationOutcomeRecord } from '../../src/pipeline/records.js';
import { expectedAlerts, installationsOf } from '../support/mcf-alerts.js';
import { checkWithTools } from '../support/xml-tools.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist', 'src', 'cli', 'main.js');
const A = '90b3d51f30010000';
const B = '90b3d51f30010001';
const OLD = '90b3d51f30010002';
const UNKNOWN = '90b3d51f30010003';
const hyphenated = (eui: string) => eui.toUpperCase().match(/../g)!.join('-');
const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);

describe('S1SP alerts on the real broker', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  let sim: SmsoSimulator;
  let outcomes: Awaited<ReturnType<typeof collect>>;
  let alertsTopic: Awaited<ReturnType<typeof collect>>;
  let file = '';
  let failingIndex = -1;
  const today = londonDate(Date.now());
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix },
  });

  const decode = async <T>(m: KafkaMessage): Promise<T> => (await world.registry.decode(m.value!)) as T;
  const publishFile = (file: string): Promise<string> => world.publish(file);
  const finals = async (fileKey: string, n: number): Promise<InstallationOutcomeRecord[]> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const all = await Promise.all(outcomes.messages.map((m) => decode<InstallationOutcomeRecord>(m)));
      const f = all.filter((o) => o.fileKey === fileKey && o.stage === 'enrolment' && FINAL.has(o.migration!.status));
      if (f.length >= n || Date.now() > deadline) return f;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 3 });
    const pub = (kind: 'ma' | 'suppliers', name: string, text: string) => {
      const csv = join(world.dir, name);
      writeFileSync(csv, text);
      return publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, kind, csv);
    };
    expect((await pub('ma', 'ma.csv', `reference,supplier,smso,migrationDate,requested,committed\nMA-AL,${hyphenated(A)},MDS,${today},200,200\n`)).ok).toBe(true);
    expect((await pub('suppliers', 'suppliers.csv', `supplier,duisVersion,name\n${hyphenated(A)},5.4,Supplier A\n${hyphenated(B)},3.0,Supplier B\n${hyphenated(OLD)},2.9,Old Supplier\n`)).ok).toBe(true);
    // Meters get A, B, OLD or UNKNOWN; split sites give the GSME another; expired certificates make partial sites.
    file = (await world.gen('ALERTS', { installations: 60, purpose: 'Migration', ma: 'MA-AL', suppliers: [A, B, OLD, UNKNOWN], defects: 'INST_SPLIT_SUPPLY:20,DEV_CERT_EXPIRED:10' })).out;
    const insts = installationsOf(file);
    // One active installation of supplier A that the SMSO fails once: S1MIG_MIGRATION_FAILED.
    const expected = JSON.parse(readFileSync(`${file}.expected.json`, 'utf8')) as { installations: Array<{ status: string }> };
    failingIndex = insts.findIndex((i, k) => i.type === 'Active' && expected.installations[k]!.status === 'valid' && i.devices.some((d) => d.type === 'ESME' && d.supplier === A));
    expect(failingIndex).toBeGreaterThanOrEqual(0);
    sim = new SmsoSimulator('MDS', { ...SIMULATOR_DEFAULTS, failingChfs: [`${insts[failingIndex]!.devices[0]!.id}:1`] });
    outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    alertsTopic = await collect(world.res, topicName(world.plan, 'alerts'));
    processor = await startProcessor(world.config, { stages: ['splitter', 'validator', 'enrolment'], refDir: world.refDir, metricsPort: 0, threads: 1,
      smsoAdapters: new Map([['MDS', sim]]) }, createLogger({ level: 'warn' }));
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it('one N55 per commissioned meter to its own supplier (both of a split site), the product codes, none for the rest; every alert valid DUIS signed XML', async () => {
    // An operator following supplier B's alerts from now on.
    const tail = spawn(process.execPath, [cli, 'alerts', 'tail', '--supplier', hyphenated(B)], { env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix }, stdio: ['ignore', 'pipe', 'pipe'] });
    let tailed = '';
    let tailErr = '';
    tail.stdout.on('data', (d: Buffer) => (tailed += d.toString()));
    tail.stderr.on('data', (d: Buffer) => (tailErr += d.toString()));
    const tailExit = new Promise<number | null>((r) => tail.on('exit', (c) => r(c)));
    for (const deadline = Date.now() + 60_000; !tailErr.includes('following'); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > deadline) throw new Error(`alerts tail did not start: ${tailErr}`);
    }
    const key = await publishFile(file);
    const early = await publishFile((await world.gen('ALERTS-EV', { installations: 5, purpose: 'EarlyValidation', suppliers: [A] })).out);
    const got = await finals(key, 60);
    expect(got).toHaveLength(60);
    const insts = installationsOf(file);

    // What the spec says each outcome must yield, meter by meter.
    const { want, notSent } = expectedAlerts(got, insts, (s) => (s === A || s === B ? 'sent' : s === OLD ? 'duis-below-3' : 'supplier-unknown'));
    // Split-supply sites that migrated whole with both suppliers in the directory: N55s to two suppliers.
    const split = got.filter((o) => o.migration!.status === 'migrated').map((o) => insts[o.installationIndex]!.devices.filter((d) => d.type === 'ESME' || d.type === 'GSME'))
      .filter((meters) => new Set(meters.map((d) => d.supplier)).size > 1 && meters.every((d) => d.supplier === A || d.supplier === B)).length;
    expect(got.find((o) => o.installationIndex === failingIndex)!.migration).toMatchObject({ status: 'failed', code: 'ENR_CHF_UNREACHABLE' });
    expect(split, 'split-supply sites with both suppliers in the directory').toBeGreaterThan(0);
    expect([...want.values()].filter((w) => w.code === 'N55').length).toBeGreaterThan(10);
    expect([...want.values()].filter((w) => w.code === 'S1MIG_DORMANT_MIGRATED').length, 'dormant meters in the file').toBeGreaterThan(0);
    // A partial installation's alerts (none for its GSME) are asserted where one is made for sure: enrolment-stage.test.ts.
    expect(notSent.get('duis-below-3') ?? 0).toBeGreaterThan(0);
    expect(notSent.get('supplier-unknown') ?? 0).toBeGreaterThan(0);

    await alertsTopic.until(() => alertsTopic.messages.length >= want.size, 30_000);
    // Nothing more is coming: the outcomes are all final and were written with their alerts.
    const alerts = await Promise.all(alertsTopic.messages.map((m) => decode<AlertRecord>(m)));
    const byId = new Map<string, AlertRecord[]>();
    for (const a of alerts) byId.set(a.alertId, [...(byId.get(a.alertId) ?? []), a]);
    expect([...byId.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [id, list] of byId) {
      expect(list, id).toHaveLength(1);
      const a = list[0]!;
      expect({ recipient: a.recipient, code: a.code, requestId: a.requestId, info: a.additionalInformation }).toEqual(want.get(id));
      expect(a.fileKey).not.toBe(early);
      expect(a.xml).toContain(`<sr:DeviceID>${hyphenated(a.deviceId)}</sr:DeviceID>`);
    }
    for (const m of alertsTopic.messages) expect(m.key!.toString()).toBe((await decode<AlertRecord>(m)).recipient);

    // Independent checks: the DUIS schema and xmlsec1 with the alert-signing certificate; our verifier agrees.
    const certPem = readFileSync(join(world.refDir, 's1sp', 'alert-signing.cert.pem'), 'utf8');
    const cert = readAlertSigningCertificate('alert-signing.cert.pem', certPem);
    const r = checkWithTools(alerts.map((a) => a.xml), certPem);
    r.schema.forEach((s, i) => expect(s.ok, `${alerts[i]!.alertId}: ${s.output}`).toBe(true));
    r.signature.forEach((s, i) => expect(s.ok, `${alerts[i]!.alertId}: ${s.output}`).toBe(true));
    for (const a of alerts) expect(verifyEnveloped(a.xml, cert.publicKey).ok).toBe(true);

    // Counted by reason, in the metrics.
    const text = await processor!.metrics.registry.metrics();
    const count = (reason: string) => text.split('\n').filter((l) => l.startsWith('s1mig_alerts_not_sent_total{') && l.includes(`reason="${reason}"`))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    expect(count('duis-below-3')).toBe(notSent.get('duis-below-3'));
    expect(count('supplier-unknown')).toBe(notSent.get('supplier-unknown'));

    // The tail printed each of supplier B's alerts once, as they arrived, and ends on Ctrl-C.
    const forB = alerts.filter((a) => a.recipient === B);
    for (const deadline = Date.now() + 30_000; tailed.split('\n').filter(Boolean).length < forB.length && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
    tail.kill('SIGINT');
    expect(await tailExit).toBe(0);
    const lines = tailed.split('\n').filter(Boolean);
    expect(lines.map((l) => l.split(/\s+/)[3]).sort()).toEqual(forB.map((a) => hyphenated(a.deviceId)).sort());
    for (const l of lines) expect(l.split(/\s+/)[1]).toBe(hyphenated(B));

    // The file's report sums what its outcomes sent and left unsent.
    const report = run('report', key, '--json');
    expect(report.status, report.stderr).toBe(0);
    expect((JSON.parse(report.stdout) as { summary: { alerts: unknown } }).summary.alerts).toEqual({
      sent: want.size, notSent: { 'supplier-unknown': notSent.get('supplier-unknown'), 'duis-below-3': notSent.get('duis-below-3') } });

    // The operator's commands: verify the topic, export per supplier, verify the files; a changed file fails.
    const verified = run('alerts', 'verify', '--ref', world.refDir, '--json');
    expect(verified.status, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ alerts: alerts.length, valid: alerts.length, invalid: 0 });
    const out = join(world.dir, 'export');
    const exported = run('alerts', 'export', '--out', out, '--supplier', hyphenated(B));
    expect(exported.status, exported.stderr).toBe(0);
    const files = readdirSync(join(out, B)).map((f) => join(out, B, f));
    expect(files).toHaveLength(alerts.filter((a) => a.recipient === B).length);
    expect(statSync(files[0]!).mode & 0o777).toBe(0o600);
    // One byte of a signed part: the DateTime's first digit (2026 becomes 1026).
    writeFileSync(files[0]!, readFileSync(files[0]!, 'utf8').replace('<sr:DateTime>2', '<sr:DateTime>1'));
    const again = run('alerts', 'verify', '--cert', join(world.refDir, 's1sp', 'alert-signing.cert.pem'), ...files);
    expect(again.status).toBe(1);
    expect(again.stdout).toContain(`${files.length} alerts, ${files.length - 1} valid, 1 invalid`);
    expect(again.stdout).toContain('digest does not match');
  });
});

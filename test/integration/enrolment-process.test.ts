import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { commissionedChfs, readJournal } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { publishMcf } from '../../src/jobs/publish/publish-file.js';
import type { AlertRecord, EnrolmentStateRecord, InstallationOutcomeRecord, SmiTopicRecord } from '../../src/pipeline/records.js';
import { expectedAlerts, installationsOf } from '../support/mcf-alerts.js';
import { checkWithTools } from '../support/xml-tools.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';
import { decodeAll, ProcessorRunner, signalGroup, type World } from './processor-runner.js';

const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);
const SUPPLIER = '90b3d51f30010000';

describe('the enrolment stage in a processor process', () => {
  let world: World;
  let runner: ProcessorRunner;
  let alerts: Awaited<ReturnType<typeof collect>>;
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 2 });
    runner = new ProcessorRunner(world);
    const csv = join(world.dir, 'suppliers.csv');
    writeFileSync(csv, 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'suppliers', csv)).ok).toBe(true);
    alerts = await collect(world.res, topicName(world.plan, 'alerts'));
  });

  /**
   * Every alert the final outcomes of a file must have caused is on the topic exactly once, as a
   * read_committed consumer sees it, and there is no other alert for that file.
   */
  async function expectAlertsExactlyOnce(fileKey: string, file: string, finals: readonly InstallationOutcomeRecord[]): Promise<number> {
    const { want } = expectedAlerts(finals, installationsOf(file), (s) => (s === SUPPLIER ? 'sent' : 'supplier-unknown'));
    const mine = async () => (await decodeAll<AlertRecord>(world, [...alerts.messages])).filter((a) => a.fileKey === fileKey);
    for (const deadline = Date.now() + 30_000; (await mine()).length < want.size && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 1000));
    const got = await mine();
    const perId = new Map<string, number>();
    for (const a of got) perId.set(a.alertId, (perId.get(a.alertId) ?? 0) + 1);
    expect([...perId].filter(([, n]) => n !== 1), 'alerts seen more than once').toEqual([]);
    expect([...perId.keys()].sort()).toEqual([...want.keys()].sort());
    for (const a of got) expect({ recipient: a.recipient, code: a.code, requestId: a.requestId, info: a.additionalInformation }).toEqual(want.get(a.alertId));
    // Written by processes that were killed and restarted, they still pass the independent tools.
    const tools = checkWithTools(got.map((a) => a.xml), readFileSync(join(world.refDir, 's1sp', 'alert-signing.cert.pem'), 'utf8'));
    for (const r of [...tools.schema, ...tools.signature]) expect(r.ok, r.output).toBe(true);
    return got.length;
  }
  afterAll(async () => {
    runner?.killAll();
    await world?.res.close();
  });

  it('SIGKILL mid-enrolment and a restart: the MA used exactly, each installation one final outcome, no CHF commissioned twice', async () => {
    onTestFailed(() => runner.saveLogs('enrolment-kill'));
    const csv = join(world.dir, 'ma.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-K,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},40,30\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
    const g = await world.gen('enrol-kill', { installations: 50, purpose: 'Migration', ma: 'MA-K', suppliers: ['90b3d51f30010000'] });
    // A slow SMSO, two at a time, with its record of requests in a journal that outlives the kill.
    const journal = join(world.dir, 'mds-journal.jsonl');
    const config = join(world.dir, 'config.json');
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, simulator: { latency: { kind: 'fixed', ms: 250 }, journal } } } } }));
    const env = { S1MIG_CONFIG: config };
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const state = await collect(world.res, topicName(world.plan, 'enrolment.state'));
    const decoded = async () => (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages])).filter((o) => o.stage === 'enrolment');
    const first = runner.start(env);
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const fileKey = (await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out, { chunkSize: 16 * 1024 })).fileKey;
    // Kill once a few attempts finished and others are in flight.
    const deadline = Date.now() + 120_000;
    while ((await decoded()).filter((o) => o.migration!.status === 'migrated' || o.migration!.status === 'migrated_partial').length < 4) {
      if (Date.now() > deadline) throw new Error('no enrolment progress before the kill');
      await new Promise((r) => setTimeout(r, 100));
    }
    signalGroup(first.child, 'SIGKILL');
    await first.exited;
    const atKill = (await decoded()).filter((o) => FINAL.has(o.migration!.status)).length;
    expect(atKill).toBeLessThan(50);

    const second = runner.start(env);
    const until = Date.now() + 180_000;
    let finals: InstallationOutcomeRecord[] = [];
    while (new Set(finals.map((o) => o.installationId)).size < 50) {
      if (Date.now() > until) throw new Error(`${finals.length} final outcomes after the restart`);
      await new Promise((r) => setTimeout(r, 250));
      finals = (await decoded()).filter((o) => FINAL.has(o.migration!.status));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const all = await decoded();
    finals = all.filter((o) => FINAL.has(o.migration!.status));
    const perInstallation = new Map<string, number>();
    for (const o of finals) perInstallation.set(o.installationId, (perInstallation.get(o.installationId) ?? 0) + 1);
    expect([...perInstallation.values()].every((n) => n === 1), JSON.stringify([...perInstallation].filter(([, n]) => n > 1))).toBe(true);
    expect(finals).toHaveLength(50);
    // An attempt in flight at the kill was resumed by its request ID, not started again.
    const started = new Map<string, number>();
    for (const o of all.filter((x) => x.migration!.status === 'in_progress')) started.set(o.installationId, (started.get(o.installationId) ?? 0) + 1);
    expect([...started.values()].every((n) => n === 1)).toBe(true);

    const enrolled = finals.filter((o) => o.migration!.status.startsWith('migrated'));
    expect(enrolled).toHaveLength(40);
    expect(finals.filter((o) => o.migration!.status === 'not_enrolled').every((o) => o.errors.some((e) => e.code === 'INST_NOT_AUTHORISED'))).toBe(true);
    const times = commissionedChfs(readJournal(journal));
    expect([...times.values()].every((n) => n === 1)).toBe(true);
    expect(times.size).toBe(enrolled.filter((o) => o.migration!.status !== 'migrated_dormant').length);

    const rows = new Map<string, EnrolmentStateRecord>();
    for (const r of await decodeAll<EnrolmentStateRecord>(world, [...state.messages].filter((m) => m.key!.toString() === 'ma|MA-K'))) {
      if ((rows.get('ma')?.version ?? -1) < r.version) rows.set('ma', r);
    }
    expect(rows.get('ma')?.ma).toEqual({ committedUsed: 30, excessUsed: 10 });
    // One N55 per commissioned meter (and one dormant alert per dormant meter), none twice across the kill.
    expect(await expectAlertsExactlyOnce(fileKey, g.out, finals)).toBeGreaterThan(40);

    signalGroup(second.child, 'SIGTERM');
    expect(await second.exited).toBe(0);
  }, 300_000);

  it('two processors in one group share the lanes: every installation of two SMSOs enrolled once', async () => {
    onTestFailed(() => runner.saveLogs('enrolment-two-members'));
    const csv = join(world.dir, 'ma2.csv');
    const day = londonDate(Date.now());
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-2M,90-B3-D5-1F-30-01-00-00,MDS,${day},100,100\nMA-2S,90-B3-D5-1F-30-01-00-00,SECURE,${day},100,100\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
    const journals = { MDS: join(world.dir, 'two-mds.jsonl'), SECURE: join(world.dir, 'two-secure.jsonl') };
    const config = join(world.dir, 'config-two.json');
    writeFileSync(config, JSON.stringify({ enrolment: { smso: {
      MDS: { simulator: { latency: { kind: 'fixed', ms: 30 }, journal: journals.MDS } },
      SECURE: { simulator: { latency: { kind: 'fixed', ms: 30 }, journal: journals.SECURE } },
    } } }));
    const env = { S1MIG_CONFIG: config };
    const a = runner.start(env);
    const b = runner.start(env);
    const admin = await world.res.getAdmin();
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { groups } = await admin.describeGroups([`${world.config.topics.prefix}enrolment`]);
      const members = groups[0]?.members.filter((m) => m.memberAssignment.length > 0) ?? [];
      if (groups[0]?.state === 'Stable' && members.length >= 2) break;
      if (Date.now() > deadline) throw new Error('the enrolment group never had two members');
      await new Promise((r) => setTimeout(r, 500));
    }
    const files = await Promise.all([['TWO-M', 'MDS', 'MA-2M'], ['TWO-S', 'SECURE', 'MA-2S']].map(([name, smso, ma]) =>
      world.gen(name!, { smso: smso!, installations: 20, purpose: 'Migration', ma: ma!, suppliers: ['90b3d51f30010000'] })));
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const keys = new Set<string>();
    const fileOf = new Map<string, string>();
    for (const f of files) {
      const k = (await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), f.out)).fileKey;
      keys.add(k);
      fileOf.set(k, f.out);
    }
    const finalsOf = async () => (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages]))
      .filter((o) => keys.has(o.fileKey) && o.stage === 'enrolment' && FINAL.has(o.migration!.status));
    const until = Date.now() + 120_000;
    while ((await finalsOf()).length < 40) {
      if (Date.now() > until) throw new Error(`${(await finalsOf()).length} of 40 final outcomes`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const finals = await finalsOf();
    expect(finals).toHaveLength(40);
    expect(new Set(finals.map((o) => `${o.fileKey}|${o.installationId}`)).size).toBe(40);
    expect(finals.every((o) => o.migration!.status.startsWith('migrated'))).toBe(true);
    for (const j of Object.values(journals)) {
      const times = commissionedChfs(readJournal(j));
      expect([...times.values()].every((n) => n === 1)).toBe(true);
    }
    const commissioned = commissionedChfs([...readJournal(journals.MDS), ...readJournal(journals.SECURE)]).size;
    expect(commissioned).toBe(finals.filter((o) => o.migration!.status !== 'migrated_dormant').length);
    // Alerts written by two members sharing the lanes: each once, none missing.
    for (const [k, f] of fileOf) expect(await expectAlertsExactlyOnce(k, f, finals.filter((o) => o.fileKey === k))).toBeGreaterThan(0);
    signalGroup(a.child, 'SIGTERM');
    signalGroup(b.child, 'SIGTERM');
    expect([await a.exited, await b.exited]).toEqual([0, 0]);
  }, 300_000);

  it('SIGKILL at exact steps (after a request was sent, before its result was recorded, during a rollback): nothing lost, nothing twice', async () => {
    onTestFailed(() => runner.saveLogs('enrolment-fault-points'));
    const csv = join(world.dir, 'ma3.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-F,90-B3-D5-1F-30-01-00-00,MDS,${londonDate(Date.now())},100,100\n`);
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv)).ok).toBe(true);
    const g = await world.gen('enrol-faults', { installations: 24, purpose: 'Migration', ma: 'MA-F', suppliers: ['90b3d51f30010000'] });
    const chfs = [...readFileSync(g.out, 'utf8').matchAll(/<DeviceID>([0-9A-F-]{23})<\/DeviceID>\s*<DeviceType>CHF<\/DeviceType>/g)].map((m) => m[1]!.replaceAll('-', '').toLowerCase());
    const journal = join(world.dir, 'faults-journal.jsonl');
    const config = join(world.dir, 'config-faults.json');
    // Every CHF fails its first attempt (so rollbacks happen), one at a time, slowly enough to be caught in flight.
    writeFileSync(config, JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, simulator: { latency: { kind: 'fixed', ms: 100 }, journal, failingChfs: chfs.map((c) => `${c}:1`) } } } } }));
    const outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    const smi = await collect(world.res, topicName(world.plan, 'smi'));
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    const key = (await publishMcf(producer, topicName(world.plan, 'mcf.chunks'), g.out)).fileKey;
    const mine = async () => (await decodeAll<InstallationOutcomeRecord>(world, [...outcomes.messages])).filter((o) => o.fileKey === key && o.stage === 'enrolment');
    // Each process dies at its point; the next one resumes what it left.
    for (const fault of ['after-send:3', 'before-record:3', 'during-rollback:2']) {
      const p = runner.start({ S1MIG_CONFIG: config, S1MIG_FAULT_KILL: fault });
      const code = await Promise.race([p.exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 90_000))]);
      expect(code, `${fault}: the process should have killed itself`).toBeNull();
    }
    const last = runner.start({ S1MIG_CONFIG: config });
    // The first file's failures are final (attempt 1); it is not re-submitted here.
    const until = Date.now() + 180_000;
    while (new Set((await mine()).filter((o) => FINAL.has(o.migration!.status)).map((o) => o.installationId)).size < 24) {
      if (Date.now() > until) throw new Error(`${(await mine()).filter((o) => FINAL.has(o.migration!.status)).length} of 24 final`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const all = await mine();
    const finals = all.filter((o) => FINAL.has(o.migration!.status));
    expect(finals).toHaveLength(24);
    expect(new Set(finals.map((o) => o.installationId)).size).toBe(24);
    const starts = all.filter((o) => o.migration!.status === 'in_progress');
    expect(new Set(starts.map((o) => o.installationId)).size).toBe(starts.length);
    // Every active installation failed its one attempt (the simulator fails each CHF once); none was commissioned.
    for (const o of finals) expect(o.migration!.status === 'failed' || o.migration!.status === 'migrated_dormant', o.installationId).toBe(true);
    const requests = readJournal(journal);
    const perId = new Map<string, number>();
    for (const r of requests) perId.set(r.requestId, (perId.get(r.requestId) ?? 0) + 1);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    expect(commissionedChfs(requests).size).toBe(0);
    expect(requests.filter((r) => r.operation === 'commission')).toHaveLength(finals.filter((o) => o.migration!.status === 'failed').length);
    // The SMI holds every attempted CHF rolled back (status null), each change exactly once.
    const latest = new Map<string, SmiTopicRecord>();
    for (const r of await decodeAll<SmiTopicRecord>(world, [...smi.messages])) if ((latest.get(r.deviceId)?.history.length ?? -1) < r.history.length) latest.set(r.deviceId, r);
    const failedChfs = new Set(requests.filter((r) => r.operation === 'commission').map((r) => r.target));
    for (const chf of failedChfs) {
      const rec = latest.get(chf);
      expect(rec?.status, chf).toBeNull();
      expect(rec!.history.map((h) => h.status)).toEqual(['InstalledNotCommissioned', 'RolledBack']);
    }
    // The failure alerts were written in the transactions the kills interrupted (during-rollback is
    // exactly that one): each meter's S1MIG_MIGRATION_FAILED is there once, none is lost.
    expect(await expectAlertsExactlyOnce(key, g.out, finals)).toBeGreaterThanOrEqual(finals.filter((o) => o.migration!.status === 'failed').length);
    signalGroup(last.child, 'SIGTERM');
    expect(await last.exited).toBe(0);
  }, 400_000);
});

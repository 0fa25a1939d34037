import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/logger.js';
import { SmsoSimulator, SIMULATOR_DEFAULTS } from '../../src/adapters/smso/simulator.js';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { startProcessor, type Processor } from '../../src/pipeline/processor.js';
import type { AlertRecord, EnrolmentStateRecord, InstallationOutcomeRecord, SmiTopicRecord } from '../../src/pipeline/records.js';
import { checkWithTools } from '../support/xml-tools.js';
import { collect } from './helpers.js';
import { pipelineWorld } from './pipeline-setup.js';

const cli = join(new URL('../..', import.meta.url).pathname, 'dist', 'src', 'cli', 'main.js');
const SUPPLIER = '90b3d51f30010000';
const FINAL = new Set(['migrated', 'migrated_partial', 'migrated_dormant', 'failed', 'not_enrolled']);

/** CHF IDs of a generated file, canonical, in file order. */
function chfsOf(file: string): string[] {
  const xml = readFileSync(file, 'utf8');
  return [...xml.matchAll(/<DeviceID>([0-9A-F-]{23})<\/DeviceID>\s*<DeviceType>CHF<\/DeviceType>/g)].map((m) => m[1]!.replaceAll('-', '').toLowerCase());
}

/** Indexes of the Active (not Dormant) installations of a generated file. */
function activeOf(file: string): number[] {
  const types = [...readFileSync(file, 'utf8').matchAll(/<MigrationType>(\w+)<\/MigrationType>/g)].map((m) => m[1]);
  return types.flatMap((t, k) => (t === 'Active' ? [k] : []));
}

/** The installations of a generated file: each device's canonical ID, type and parent, in file order. */
function installationsOf(file: string): Array<{ devices: Array<{ id: string; type: string; parent: string | null }> }> {
  const canon = (s: string) => s.replaceAll('-', '').toLowerCase();
  return readFileSync(file, 'utf8').split(/<Installation[ >]/).slice(1).map((block) => ({
    devices: block.split('<Device>').slice(1).map((d) => ({
      id: canon(/<DeviceID>([^<]+)<\/DeviceID>/.exec(d)![1]!),
      type: /<DeviceType>([^<]+)<\/DeviceType>/.exec(d)![1]!,
      parent: ((p) => (p === null ? null : canon(p[1]!)))(/<Parent>([^<]+)<\/Parent>/.exec(d)),
    })),
  }));
}

describe('the enrolment stage on the real broker', () => {
  let world: Awaited<ReturnType<typeof pipelineWorld>>;
  let processor: Processor | null = null;
  let sim: SmsoSimulator;
  let outcomes: Awaited<ReturnType<typeof collect>>;
  let smi: Awaited<ReturnType<typeof collect>>;
  let state: Awaited<ReturnType<typeof collect>>;
  let alerts: Awaited<ReturnType<typeof collect>>;
  const today = londonDate(Date.now());
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8', env: { ...process.env, S1MIG_TOPIC_PREFIX: world.config.topics.prefix },
  });
  const decode = async <T>(m: { value: Buffer | null }): Promise<T> => (await world.registry.decode(m.value!)) as T;
  const finals = async (fileKey: string): Promise<InstallationOutcomeRecord[]> => {
    const all = await Promise.all(outcomes.messages.map((m) => decode<InstallationOutcomeRecord>(m)));
    return all.filter((o) => o.fileKey === fileKey && o.stage === 'enrolment' && FINAL.has(o.migration!.status));
  };
  const waitFinals = async (fileKey: string, n: number): Promise<InstallationOutcomeRecord[]> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const f = await finals(fileKey);
      if (f.length >= n) return f;
      if (Date.now() > deadline) throw new Error(`${f.length} of ${n} final enrolment outcomes of ${fileKey}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /**
   * The latest enrolment.state row of each key once `ready` holds: the collector reads the
   * state topic on its own, so the rows of a decision can arrive after its outcome.
   */
  const stateRows = async (ready: (rows: Map<string, EnrolmentStateRecord>) => boolean): Promise<Map<string, EnrolmentStateRecord>> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = new Map<string, EnrolmentStateRecord>();
      for (const m of state.messages) {
        const r = await decode<EnrolmentStateRecord>(m);
        if ((rows.get(m.key!.toString())?.version ?? -1) < r.version) rows.set(m.key!.toString(), r);
      }
      if (ready(rows) || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const publishFile = (file: string): Promise<string> => world.publish(file);

  let fileA: string;
  let keyA: string;
  let fileB: string;
  let failing: number;
  let fileX: string;
  let seedX: string;
  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5 });
    const csv = join(world.dir, 'ma.csv');
    writeFileSync(csv, `reference,supplier,smso,migrationDate,requested,committed\nMA-A,90-B3-D5-1F-30-01-00-00,MDS,${today},10,6\nMA-B,90-B3-D5-1F-30-01-00-00,MDS,${today},100,100\nMA-X,90-B3-D5-1F-30-01-00-00,MDS,${today},10,10\nMA-D,90-B3-D5-1F-30-01-00-00,MDS,${today},20,20\nMA-P,90-B3-D5-1F-30-01-00-00,MDS,${today},40,40\n`);
    const pub = await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'ma', csv);
    expect(pub.ok).toBe(true);
    const suppliersCsv = join(world.dir, 'suppliers.csv');
    writeFileSync(suppliersCsv, 'supplier,duisVersion,name\n90-B3-D5-1F-30-01-00-00,5.4,Supplier A\n');
    expect((await publishInputFile({ kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix }, 'suppliers', suppliersCsv)).ok).toBe(true);
    fileA = (await world.gen('ENR-A', { installations: 12, purpose: 'Migration', ma: 'MA-A', suppliers: [SUPPLIER] })).out;
    fileB = (await world.gen('ENR-B', { installations: 5, purpose: 'Migration', ma: 'MA-B', suppliers: [SUPPLIER] })).out;
    // The first active installation of file B fails its first attempt, deterministically.
    failing = activeOf(fileB)[0]!;
    // One active installation whose CHF the SMSO always fails: submitted six times.
    for (let seed = 0; ; seed++) {
      fileX = (await world.gen(`ENR-X${seed}`, { installations: 1, purpose: 'Migration', ma: 'MA-X', suppliers: [SUPPLIER], fileId: 'ENR-X-1' })).out;
      if (activeOf(fileX).length === 1) {
        seedX = `ENR-X${seed}`;
        break;
      }
    }
    sim = new SmsoSimulator('MDS', { ...SIMULATOR_DEFAULTS, failingChfs: [`${chfsOf(fileB)[failing]!}:1`, `${chfsOf(fileX)[0]!}:*`] });
    outcomes = await collect(world.res, topicName(world.plan, 'mcf.installation-outcomes'));
    smi = await collect(world.res, topicName(world.plan, 'smi'));
    state = await collect(world.res, topicName(world.plan, 'enrolment.state'));
    alerts = await collect(world.res, topicName(world.plan, 'alerts'));
    processor = await startProcessor(world.config, { stages: ['splitter', 'validator', 'enrolment'], refDir: world.refDir, metricsPort: 0, threads: 1,
      smsoAdapters: new Map([['MDS', sim]]) }, createLogger({ level: 'warn' }));
  });
  afterAll(async () => {
    await processor?.stop();
    await world?.res.close();
  });

  it('honours the MA quantity exactly, commissions each CHF once, and records the SMI', async () => {
    const key = await publishFile(fileA);
    keyA = key;
    const got = await waitFinals(key, 12);
    expect(got).toHaveLength(12);
    const byStatus = (s: string) => got.filter((o) => o.migration!.status === s);
    const enrolled = got.filter((o) => o.migration!.status.startsWith('migrated'));
    // 6 committed + 4 excess; the last two are beyond the MA quantity.
    expect(enrolled).toHaveLength(10);
    // The two beyond it are the last two the lane reached (its order, not the file's: the validator's partitions interleave).
    const beyond = byStatus('not_enrolled');
    expect(beyond).toHaveLength(2);
    for (const o of beyond) {
      expect(o.status).toBe('invalid');
      expect(o.errors.map((e) => e.code)).toContain('INST_NOT_AUTHORISED');
    }
    const rows = await stateRows((r) => r.get('ma|MA-A')?.ma?.committedUsed === 6 && r.get('ma|MA-A')?.ma?.excessUsed === 4);
    expect(rows.get('ma|MA-A')?.ma).toEqual({ committedUsed: 6, excessUsed: 4 });
    const commissioned = sim.commissionedChfs();
    const chfs = chfsOf(fileA);
    for (const o of enrolled.filter((x) => x.migration!.status !== 'migrated_dormant')) {
      const chf = chfs[o.installationIndex]!;
      expect(commissioned.get(chf), chf).toBe(1);
      expect(o.migration!.requestId).toMatch(/^[0-9A-F-]{23}:[0-9A-F-]{23}:[0-9]+$/);
    }
    for (const o of beyond) expect(commissioned.has(chfs[o.installationIndex]!)).toBe(false);
    // Every CHF of an enrolled installation is in the SMI under itself, Commissioned (dormant: InstalledNotCommissioned).
    const latest = new Map<string, SmiTopicRecord>();
    const expectedSmi = (o: InstallationOutcomeRecord) => (o.migration!.status === 'migrated_dormant' ? 'InstalledNotCommissioned' : 'Commissioned');
    const deadline = Date.now() + 30_000;
    // The collector reads the SMI topic on its own: wait until it has seen every final record.
    while (!enrolled.every((o) => latest.get(chfs[o.installationIndex]!)?.status === expectedSmi(o)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      for (const m of smi.messages) {
        const r = await decode<SmiTopicRecord>(m);
        if ((latest.get(r.deviceId)?.history.length ?? -1) < r.history.length) latest.set(r.deviceId, r);
      }
    }
    for (const o of enrolled) {
      const rec = latest.get(chfs[o.installationIndex]!)!;
      expect(rec.installation).toBe(chfs[o.installationIndex]);
      expect(rec.status).toBe(expectedSmi(o));
      expect(rec.history.at(-1)!.requestId).toBe(o.migration!.requestId);
    }

    const ma = JSON.parse(run('ma', 'show', 'MA-A', '--json').stdout) as Array<{ used: unknown }>;
    expect(ma[0]!.used).toEqual({ committedUsed: 6, excessUsed: 4 });
    const report = run('report', key, '--json');
    expect(report.status, report.stderr).toBe(0);
    const r = JSON.parse(report.stdout) as { installations: Array<{ status: string; migration: { status: string } }>; summary: Record<string, unknown> };
    expect(r.installations.map((i) => i.migration.status).filter((s) => s.startsWith('migrated'))).toHaveLength(10);
    expect(beyond.map((o) => [r.installations[o.installationIndex]!.status, r.installations[o.installationIndex]!.migration.status])).toEqual([['invalid', 'not-enrolled'], ['invalid', 'not-enrolled']]);
    expect((r.summary['migrated'] as number) + (r.summary['migratedPartial'] as number) + (r.summary['migratedDormant'] as number)).toBe(10);
    expect(r.summary['waiting']).toBe(0);

    const shown = run('smi', 'show', chfs[0]!.toUpperCase().match(/../g)!.join('-'), '--json');
    expect(shown.status, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ deviceId: chfs[0], installation: chfs[0], smso: 'MDS' });
  });

  it('refuses an installation with a device already in the SMI under another CHF: INST_DUPLICATE_DEVICE, nothing commissioned', async () => {
    // File A's plan again with every device ID one higher: each CHF of this file is an ESME of
    // file A, and every other device of it is a device of the same installation of file A.
    const instA = installationsOf(fileA);
    const first = (BigInt(`0x${instA[0]!.devices[0]!.id}`) + 1n).toString(16).padStart(16, '0');
    const fileD = (await world.gen('ENR-A', { installations: 12, purpose: 'Migration', ma: 'MA-D', suppliers: [SUPPLIER], fileId: 'ENR-D', firstDevice: first })).out;
    const instD = installationsOf(fileD);
    expect(instD[0]!.devices[0]!.id).toBe(instA[0]!.devices[1]!.id);
    const enrolledA = new Set((await finals(keyA)).filter((o) => o.migration!.status.startsWith('migrated')).map((o) => o.installationIndex));
    expect(enrolledA.size).toBe(10);
    const got = await waitFinals(await publishFile(fileD), 12);
    let checked = 0;
    for (const o of got.filter((x) => enrolledA.has(x.installationIndex))) {
      // Its devices after the CHF are in the SMI under file A's CHF of the same index.
      expect(o.status, `installation ${o.installationIndex}`).toBe('invalid');
      expect(o.errors.map((e) => e.code)).toContain('INST_DUPLICATE_DEVICE');
      expect(o.migration).toMatchObject({ status: 'not_enrolled', attempt: null });
      expect(sim.commissionedChfs().has(instD[o.installationIndex]!.devices[0]!.id)).toBe(false);
      checked++;
    }
    expect(checked).toBe(10);
    // Refused installations use no MA quantity.
    const used = (await stateRows((r) => r.get('ma|MA-D') !== undefined || got.every((o) => o.migration!.status === 'not_enrolled'))).get('ma|MA-D')?.ma;
    expect((used?.committedUsed ?? 0) + (used?.excessUsed ?? 0)).toBe(got.filter((o) => o.migration!.status.startsWith('migrated')).length);
  });

  it('migrates a partial installation without its GSME and the GSME\'s children', async () => {
    let file = '';
    let partial: number[] = [];
    // Expired certificates land on a random CHF, ESME or GSME: find a seed where some land on a GSME.
    let active = new Set<number>();
    for (let seed = 0; !partial.some((k) => active.has(k)); seed++) {
      const g = await world.gen(`ENR-P${seed}`, { installations: 30, purpose: 'Migration', ma: 'MA-P', suppliers: [SUPPLIER], defects: 'DEV_CERT_EXPIRED:12' });
      const expected = JSON.parse(readFileSync(`${g.out}.expected.json`, 'utf8')) as { installations: Array<{ status: string }> };
      partial = expected.installations.flatMap((i, k) => (i.status === 'partial' ? [k] : []));
      active = new Set(activeOf(g.out));
      file = g.out;
    }
    const inst = installationsOf(file);
    const got = await waitFinals(await publishFile(file), 30);
    const latest = new Map<string, SmiTopicRecord>();
    for (const k of partial) {
      const o = got.find((x) => x.installationIndex === k)!;
      expect(o.status).toBe('partial');
      const { devices } = inst[k]!;
      const gsme = devices.find((d) => d.type === 'GSME')!;
      const kept = devices.filter((d) => d.type !== 'GSME' && d.parent !== gsme.id);
      expect(kept.length).toBeLessThan(devices.length);
      if (!active.has(k)) {
        expect(o.migration!.status).toBe('migrated_dormant');
        continue;
      }
      expect(o.migration!.status).toBe('migrated_partial');
      // The SMSO was asked for exactly the devices kept.
      const req = [...sim.requests.values()].filter((r) => r.operation === 'commission' && r.target === devices[0]!.id);
      expect(req.map((r) => [r.devices, r.result.kind])).toEqual([[kept.length, 'done']]);
      // Kept devices are Commissioned in the SMI; the GSME and its children have no record.
      const deadline = Date.now() + 30_000;
      while (!kept.every((d) => latest.get(d.id)?.status === 'Commissioned') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        for (const m of smi.messages) {
          const r = await decode<SmiTopicRecord>(m);
          if ((latest.get(r.deviceId)?.history.length ?? -1) < r.history.length) latest.set(r.deviceId, r);
        }
      }
      for (const d of kept) expect(latest.get(d.id)?.status, d.id).toBe('Commissioned');
      for (const d of devices.filter((x) => !kept.includes(x))) expect(latest.has(d.id), d.id).toBe(false);
      // An N55 for each meter kept (its ESME), none for the GSME left behind.
      const keptMeters = kept.filter((d) => d.type === 'ESME' || d.type === 'GSME').map((d) => d.id);
      const forInst = async () => (await Promise.all(alerts.messages.map((m) => decode<AlertRecord>(m)))).filter((a) => a.fileKey === o.fileKey && a.installationId === o.installationId);
      for (const until = Date.now() + 30_000; (await forInst()).length < keptMeters.length && Date.now() < until;) await new Promise((r) => setTimeout(r, 200));
      const mine = await forInst();
      expect(keptMeters.length).toBeGreaterThan(0);
      expect(mine.map((a) => [a.code, a.deviceId]).sort()).toEqual(keptMeters.map((id) => ['N55', id]).sort());
      expect(mine.some((a) => a.deviceId === gsme.id)).toBe(false);
    }
    expect(got.filter((o) => o.migration!.status === 'migrated_partial').length).toBe(partial.filter((k) => active.has(k)).length);
  });

  it('rolls a failed attempt back, counts it, and migrates the installation when it is submitted again', async () => {
    const key = await publishFile(fileB);
    const got = await waitFinals(key, 5);
    const chfs = chfsOf(fileB);
    const failed = got.find((o) => o.installationIndex === failing)!;
    expect(failed.migration).toMatchObject({ status: 'failed', attempt: 1, code: 'ENR_CHF_UNREACHABLE' });
    expect(failed.status).not.toBe('invalid');
    // Its devices are out of the SMI again, their history kept.
    const chf = chfs[failing]!;
    await smi.until((ms) => ms.filter((m) => m.key!.toString() === chf).length >= 2);
    let rec: SmiTopicRecord | undefined;
    for (const m of smi.messages) if (m.key!.toString() === chf) rec = await decode<SmiTopicRecord>(m);
    expect(rec!.status).toBeNull();
    expect(rec!.history.map((h) => h.status)).toEqual(['InstalledNotCommissioned', 'RolledBack']);

    // The same installations again, in a new file: the failed one is attempt 2 and migrates; the others are already migrated.
    const again = (await world.gen('ENR-B', { installations: 5, purpose: 'Migration', ma: 'MA-B', suppliers: [SUPPLIER], fileId: 'ENR-B-2' })).out;
    const key2 = await publishFile(again);
    const second = await waitFinals(key2, 5);
    const retried = second.find((o) => o.installationIndex === failing)!;
    expect(retried.migration).toMatchObject({ status: expect.stringMatching(/^migrated(_partial)?$/), attempt: 2 });
    for (const o of second.filter((x) => x.installationIndex !== failing)) {
      expect(o.migration!.status).toBe('not_enrolled');
      expect(o.errors.map((e) => e.code)).toContain('INST_ALREADY_MIGRATED');
    }
    expect(sim.commissionedChfs().get(chf)).toBe(1);
    // Regression (flaky): the rows were read once, straight after the final outcome, and could lag it.
    const rows = await stateRows((r) => r.get(`chf|${chf}`)?.chf?.migrated === true && r.get('ma|MA-B')?.ma?.committedUsed === 5);
    expect(rows.get(`chf|${chf}`)?.chf).toMatchObject({ failedAttempts: 1, migrated: true, inFlight: null });
    // MA-B: 5 of file B started, one failed and gave its unit back, then it was used again.
    expect(rows.get('ma|MA-B')?.ma).toEqual({ committedUsed: 5, excessUsed: 0 });
  });

  it('counts each failed attempt, and the submission after the fifth failure is INST_ATTEMPTS_EXHAUSTED', async () => {
    const chf = chfsOf(fileX)[0]!;
    for (let k = 1; k <= 6; k++) {
      const file = k === 1 ? fileX : (await world.gen(seedX, { installations: 1, purpose: 'Migration', ma: 'MA-X', suppliers: [SUPPLIER], fileId: `ENR-X-${k}` })).out;
      const [o] = await waitFinals(await publishFile(file), 1);
      if (k <= 5) {
        expect(o!.migration, `submission ${k}`).toMatchObject({ status: 'failed', attempt: k, code: 'ENR_CHF_UNREACHABLE' });
        expect(o!.status).toBe('valid');
      } else {
        expect(o!.migration).toMatchObject({ status: 'not_enrolled', attempt: null });
        expect([o!.status, o!.errors.map((e) => e.code)]).toEqual(['excluded', ['INST_ATTEMPTS_EXHAUSTED']]);
      }
    }
    expect(sim.commissionedChfs().has(chf)).toBe(false);
    // Every failure gave its MA unit back.
    const rows = await stateRows((r) => r.get(`chf|${chf}`)?.chf?.failedAttempts === 5 && r.get(`chf|${chf}`)?.chf?.inFlight === null);
    expect(rows.get('ma|MA-X')?.ma).toEqual({ committedUsed: 0, excessUsed: 0 });
    expect(rows.get(`chf|${chf}`)?.chf).toMatchObject({ failedAttempts: 5, migrated: false, inFlight: null });
    // Alerts: each failure to every meter's supplier with its ENR_ code, then one exclusion per meter.
    const meters = [...readFileSync(fileX, 'utf8').matchAll(/<DeviceID>([0-9A-F-]{23})<\/DeviceID>\s*<DeviceType>(ESME|GSME)<\/DeviceType>/g)].map((m) => m[1]!.replaceAll('-', '').toLowerCase());
    expect(meters.length).toBeGreaterThan(0);
    const mine = async () => (await Promise.all(alerts.messages.map((m) => decode<AlertRecord>(m)))).filter((a) => meters.includes(a.deviceId));
    await alerts.until(() => alerts.messages.length > 0, 10_000);
    for (const deadline = Date.now() + 30_000; (await mine()).length < meters.length * 6 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
    const got = await mine();
    for (const d of meters) {
      const codes = got.filter((a) => a.deviceId === d).map((a) => [a.code, a.additionalInformation, a.recipient]);
      expect(codes).toEqual([...Array(5).fill(['S1MIG_MIGRATION_FAILED', 'ENR_CHF_UNREACHABLE', SUPPLIER]), ['S1MIG_MIGRATION_EXCLUDED', null, SUPPLIER]]);
    }
    const tools = checkWithTools(got.map((a) => a.xml), readFileSync(join(world.refDir, 's1sp', 'alert-signing.cert.pem'), 'utf8'));
    for (const r of [...tools.schema, ...tools.signature]) expect(r.ok, r.output).toBe(true);
  });

  it('s1mig status shows the three groups caught up, no dead letters, no file still emitting, and the day\'s starts per SMSO (issue 12)', async () => {
    const rows = await stateRows((r) => (r.get(`day|MDS|${today}`)?.day?.started ?? 0) > 0);
    const started = rows.get(`day|MDS|${today}`)!.day!.started;
    type Status = { stages: Array<{ stage: string; state: string; members: number; lag: number; partitions: Array<{ lag: number }> }>; deadLetters: number;
      files: { accepted: number; emitting: unknown[] }; enrolmentDays: Array<{ smso: string; day: string; started: number }> };
    let status: Status | null = null;
    // The groups settle, and the last transactions' offsets are committed, within moments of the last outcome.
    for (const until = Date.now() + 30_000; ;) {
      const r = run('status', '--json');
      expect(r.status, r.stderr).toBe(0);
      status = JSON.parse(r.stdout) as Status;
      const settled = status.stages.every((x) => x.state === 'Stable' && x.members === 1 && x.partitions.every((p) => p.lag <= 1));
      if (settled || Date.now() > until) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    expect(status!.stages.map((x) => [x.stage, x.state, x.members])).toEqual([['splitter', 'Stable', 1], ['validator', 'Stable', 1], ['enrolment', 'Stable', 1]]);
    // Caught up: at most the commit marker of the last transaction per partition.
    for (const x of status!.stages) for (const p of x.partitions) expect(p.lag, x.stage).toBeLessThanOrEqual(1);
    expect(status!.deadLetters).toBe(0);
    expect(status!.files.accepted).toBeGreaterThanOrEqual(4);
    expect(status!.files.emitting).toEqual([]);
    expect(status!.enrolmentDays).toContainEqual({ smso: 'MDS', day: today, started });
    const textForm = run('status');
    expect(textForm.stdout).toMatch(/^stage\s+group state\s+members\s+lag/);
    expect(textForm.stdout).toMatch(new RegExp(`^${today}\\s+MDS\\s+${started}$`, 'm'));
  });
});

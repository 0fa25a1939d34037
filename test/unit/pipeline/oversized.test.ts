/**
 * Installations of more than 32 devices through the pipeline's pure parts (issue 8, defect 4):
 * the splitter's emitter cuts them into segments as it reads, the validator's assembler takes
 * each segment on its own, and the records it makes give the report `validate` gives.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceCryptoChecker } from '../../../src/core/contracts/device-crypto.js';
import { parseHeader, type ParsedHeader } from '../../../src/core/mcf/header.js';
import { McfReader } from '../../../src/core/mcf/reader.js';
import { FileReportCollector } from '../../../src/pipeline/file-report.js';
import { deviceEventKey, SEGMENT_DEVICES, type DeviceEvent, type FileResultRecord } from '../../../src/pipeline/records.js';
import { emissionRuns, installationEvents, type EmissionRun } from '../../../src/pipeline/splitter/emitter.js';
import { InstallationAssembler, type AssembledInstallation } from '../../../src/pipeline/validator/assembler.js';
import { unitRecords } from '../../../src/pipeline/validator/outcome.js';
import { loadReference } from '../../../src/core/reference/index.js';
import { JsonReportSink } from '../../../src/cli/render/json-report.js';
import { stringOutput } from '../../../src/cli/render/output.js';
import { DEFAULT_POLICY, scanFile, validateFile } from '../../../src/jobs/validate/validate-file.js';
import { REF, device, header, installation, mcf } from '../jobs/validate/mcf-fixture.js';

const ref = loadReference(REF);
const dir = mkdtempSync(join(tmpdir(), 's1mig-oversized-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const id = (k: number): string => `00-DB-00-02-00-${[16, 8, 0].map((sh) => ((k >> sh) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join('-')}`;
const canon = (k: number): string => id(k).replaceAll('-', '').toLowerCase();
const big = (base: number, n: number): string[] => [
  device(id(base), 'CHF'), device(id(base + 1), 'ESME', { Parent: id(base) }),
  ...Array.from({ length: n - 2 }, (_, k) => device(id(base + 2 + k), 'IHD', { Parent: id(base + 1), Certificate: null, Credential: null })),
];
// A normal installation, one of 150 devices (segments of 64, 64, 22) whose device 140 is
// repeated in the last installation, one of exactly 33, and the last one.
const BODY = installation('A') + installation('BIG', big(1000, 150)) + installation('B33', big(3000, 33)) +
  installation('LAST', [device(id(5000), 'CHF'), device(id(5001), 'ESME', { Parent: id(5000) }), device(id(1140), 'IHD', { Parent: id(5001), Certificate: null, Credential: null })]);
const BYTES = mcf({ header: header({ InstallationCount: '4', DeviceCount: String(2 + 150 + 33 + 3) }), body: BODY });
const FILE = join(dir, 'oversized.xml');
writeFileSync(FILE, BYTES);

/** The checker says DEV_CERT_UNTRUSTED for device 1077 and nothing else. */
const checker: DeviceCryptoChecker = {
  async check(batch) { return batch.items.map((i) => (i.deviceId === canon(1077) ? ['DEV_CERT_UNTRUSTED'] : [])); },
  async close() {},
};

async function* chunks(size: number): AsyncGenerator<Uint8Array> {
  for (let off = 0; off < BYTES.length; off += size) yield BYTES.subarray(off, off + size);
}

async function pass1(): Promise<{ header: ParsedHeader; oversized: Map<number, number>; duplicates: Awaited<ReturnType<typeof scanFile>>['duplicates'] }> {
  const { scan, duplicates } = await scanFile(FILE);
  const oversized = new Map<number, number>();
  const r = new McfReader({ maxKeptDevices: 0, onInstallation: (inst) => { if (inst.deviceCount > 32) oversized.set(inst.index, inst.deviceCount); } });
  r.write(BYTES);
  r.end();
  const h = parseHeader(scan.header!);
  if (typeof h === 'string') throw new Error(h);
  return { header: h, oversized, duplicates };
}

async function emit(from = { installations: 0, devices: 0 }, perRun = 50, chunk = 777): Promise<{ runs: EmissionRun[]; events: DeviceEvent[] }> {
  const p = await pass1();
  const runs: EmissionRun[] = [];
  const events: DeviceEvent[] = [];
  for await (const run of emissionRuns(chunks(chunk), from, perRun, p.oversized, p.duplicates)) {
    runs.push(run);
    for (const u of run.units) events.push(...installationEvents('k/F', p.header, 4, u.inst, p.duplicates, 1, u.segment));
  }
  return { runs, events };
}

describe('oversized installations in the pipeline', () => {
  it('are cut into segments of SEGMENT_DEVICES, each with its own key, positions in the whole installation, and the duplicate flag on the last', async () => {
    const { events } = await emit();
    const bigEvents = events.filter((e) => e.installationId === 'BIG');
    expect(bigEvents.map((e) => e.deviceIndex)).toEqual(Array.from({ length: 150 }, (_, k) => k));
    expect(bigEvents.every((e) => e.deviceCount === 150 && e.segments === 3)).toBe(true);
    expect(bigEvents.map((e) => e.segment)).toEqual(Array.from({ length: 150 }, (_, k) => Math.floor(k / SEGMENT_DEVICES)));
    expect(bigEvents.map((e) => e.segmentDevices)).toEqual(Array.from({ length: 150 }, (_, k) => (k < 128 ? 64 : 22)));
    expect(new Set(bigEvents.map(deviceEventKey))).toEqual(new Set(['k/F|BIG#0', 'k/F|BIG#1', 'k/F|BIG#2']));
    expect(bigEvents.filter((e) => e.installationHasDuplicate).map((e) => e.segment)).toEqual(Array(22).fill(2));
    const b33 = events.filter((e) => e.installationId === 'B33');
    expect(b33.map((e) => [e.segment, e.segments, e.segmentDevices])).toEqual([...Array(32).fill([0, 1, 33])].concat([[0, 1, 33]]));
    expect(b33.some((e) => e.installationHasDuplicate)).toBe(false);
    for (const name of ['A', 'LAST']) expect(events.filter((e) => e.installationId === name).every((e) => e.segments === 0)).toBe(true);
    expect(events).toHaveLength(188);
  });

  it('record how far they got, so an emission resumed between segments gives the same events, once', async () => {
    const whole = (await emit()).events;
    const { runs } = await emit({ installations: 0, devices: 0 }, 60);
    const cut = runs.find((r) => r.devicesDone > 0)!;
    expect(cut).toMatchObject({ installationsDone: 1, devicesDone: 64 });
    for (const chunk of [1, 100, 100_000]) {
      const first = (await emit({ installations: 0, devices: 0 }, 60, chunk));
      const upTo = first.runs.indexOf(first.runs.find((r) => r.devicesDone > 0)!);
      const before = first.runs.slice(0, upTo + 1).reduce((n, r) => n + r.devices, 0);
      const resumed = (await emit({ installations: cut.installationsDone, devices: cut.devicesDone }, 60, chunk)).events;
      expect([...whole.slice(0, before), ...resumed]).toEqual(whole);
    }
  });

  it('are assembled segment by segment, in any order of the segments, into the report validate gives', async () => {
    const { events } = await emit();
    // Segments land on different partitions: take the units in a scrambled order, each contiguous.
    const units = new Map<string, DeviceEvent[]>();
    for (const e of events) units.set(deviceEventKey(e), [...(units.get(deviceEventKey(e)) ?? []), e]);
    const order = [...units.keys()].reverse();
    const asm = new InstallationAssembler<number>();
    const assembled: AssembledInstallation<number>[] = [];
    let offset = 0n;
    for (const key of order) {
      for (const e of units.get(key)!) {
        const step = asm.push(offset++, e, 0);
        expect(step.poison).toEqual([]);
        assembled.push(...step.complete);
      }
    }
    expect(assembled).toHaveLength(2 + 3 + 1);
    const collector = new FileReportCollector();
    const file: FileResultRecord = {
      fileKey: 'k/F', fileId: 'T-1', smso: 'MDS', requestingParty: '90b3d51f30010008', purpose: 'EarlyValidation', status: 'accepted', errors: [],
      installations: 4, devices: 188, sha256: null, upload: 'u', emittedInstallations: 4, emittedDevices: 0, emissionComplete: true, receivedAtMs: 1, decidedAtMs: 2,
    };
    collector.addFileResult(file);
    for (const a of assembled) {
      const crypto = await checker.check({ smso: 'MDS', createdAtSec: 0, items: a.installation.devices.map((d) => ({ deviceId: d.fields.DeviceID === null ? null : d.fields.DeviceID.replaceAll('-', '').toLowerCase(), deviceType: null, certificate: null, credential: null })) });
      const r = unitRecords(a, crypto, DEFAULT_POLICY, ref.eligibility, 3);
      if (r.devices) collector.addDeviceSegment(r.devices);
      if (r.outcome) collector.addOutcome(r.outcome);
    }
    const report = collector.report('k/F')!;
    expect(report.pending).toBe(0);
    const out = stringOutput();
    await validateFile(FILE, ref, checker, DEFAULT_POLICY, new JsonReportSink(out));
    const offline = JSON.parse(out.text()) as { installations: unknown[]; summary: unknown };
    expect(report.installations).toEqual(offline.installations);
    expect(report.summary).toEqual(offline.summary);
    const bigReport = report.installations[1]!;
    expect(bigReport.errors.map((e) => e.code)).toEqual(['INST_STRUCTURE', 'INST_DUPLICATE_DEVICE']);
    expect(bigReport.devices.find((d) => d.deviceId === canon(1077))?.errors.map((e) => e.code)).toEqual(['DEV_CERT_UNTRUSTED']);
  });

  it('leave an oversized installation out of a report until every segment is in', async () => {
    const { events } = await emit();
    const asm = new InstallationAssembler<number>();
    const collector = new FileReportCollector();
    collector.addFileResult({
      fileKey: 'k/F', fileId: 'T-1', smso: 'MDS', requestingParty: null, purpose: 'EarlyValidation', status: 'accepted', errors: [],
      installations: 4, devices: 188, sha256: null, upload: 'u', emittedInstallations: 4, emittedDevices: 0, emissionComplete: true, receivedAtMs: 1, decidedAtMs: 2,
    });
    let offset = 0n;
    for (const e of events.filter((x) => x.installationId === 'BIG' && x.segment !== 1)) {
      for (const a of asm.push(offset++, e, 0).complete) {
        const r = unitRecords(a, a.installation.devices.map(() => []), DEFAULT_POLICY, ref.eligibility, 3);
        if (r.devices) collector.addDeviceSegment(r.devices);
        if (r.outcome) collector.addOutcome(r.outcome);
      }
    }
    const report = collector.report('k/F')!;
    expect(report.installations).toEqual([]);
    expect(report.pending).toBe(4);
  });

  it('refuse a segment that does not start at its segment\'s first device, or is too long, as poison', () => {
    const asm = new InstallationAssembler<number>();
    const e = (over: Partial<DeviceEvent>): DeviceEvent => ({
      fileKey: 'k/F', fileId: 'F', smso: 'MDS', purpose: 'Migration', createdAtSec: 1, receivedAtMs: 1, installationId: 'I', installationIndex: 0,
      installationCount: 1, migrationType: 'Active', groupId: null, installationStructureInvalid: true, duplicateDeviceIds: [], deviceIndex: 64,
      deviceCount: 200, deviceId: null, deviceType: null, manufacturer: null, model: null, firmwareVersion: null, mpxn: null, responsibleSupplier: null,
      parent: null, certificate: null, credential: null, deviceStructureInvalid: false, segment: 1, segments: 4, segmentDevices: 64,
      installationHasDuplicate: false, migrationAuthorisation: null, ...over,
    });
    expect(asm.push(0n, e({ deviceIndex: 65 }), 0).poison).toHaveLength(1);
    expect(asm.push(1n, e({ segmentDevices: 65 }), 0).poison).toHaveLength(1);
    expect(asm.push(2n, e({ segment: 4 }), 0).poison).toHaveLength(1);
    expect(asm.push(3n, e({}), 0).poison).toHaveLength(0);
    expect(asm.lowestIncompleteOffset()).toBe(3n);
  });
});

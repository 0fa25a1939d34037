import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createInThreadChecker } from '../../../../src/core/device-crypto/index.js';
import type { DeviceEvent } from '../../../../src/pipeline/records.js';
import { loadReference } from '../../../../src/core/reference/index.js';
import { DEFAULT_POLICY } from '../../../../src/core/validation/policy.js';
import { deviceCryptoInput } from '../../../../src/core/validation/device-rules.js';
import { InstallationAssembler, type AssembledInstallation } from '../../../../src/pipeline/validator/assembler.js';
import { outcomeRecord } from '../../../../src/pipeline/validator/outcome.js';
import { vectorEvents, withoutMessages } from './vector-events.js';

// test/unit/pipeline/validator/ -> /work/main -> /work/shared
const VECTORS = fileURLToPath(new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url));
const REF = `${VECTORS}ref`;

function feed(asm: InstallationAssembler<string>, events: DeviceEvent[], from = 0n) {
  const complete: AssembledInstallation<string>[] = [];
  const poison: { reason: string; messages: readonly string[] }[] = [];
  let offset = from;
  for (const e of events) {
    const step = asm.push(offset, e, `m${offset}`);
    complete.push(...step.complete);
    poison.push(...step.poison);
    offset++;
  }
  return { complete, poison };
}

describe('InstallationAssembler', async () => {
  const vec = await vectorEvents(`${VECTORS}mixed-outcomes.xml`);
  const all = vec.installations.flat();
  const [first, second] = vec.installations as [DeviceEvent[], DeviceEvent[]];

  it('puts every installation of a vector back together, in order, with its offsets', () => {
    const asm = new InstallationAssembler<string>();
    const { complete, poison } = feed(asm, all, 100n);
    expect(poison).toEqual([]);
    expect(complete.map((a) => a.installation.id)).toEqual(vec.installations.map((evs) => evs[0]!.installationId));
    expect(complete[0]!.firstOffset).toBe(100n);
    expect(complete[0]!.lastOffset).toBe(100n + BigInt(first.length) - 1n);
    expect(complete[1]!.firstOffset).toBe(100n + BigInt(first.length));
    expect(complete[0]!.file).toMatchObject({ fileKey: vec.fileKey, fileId: 'VEC-MIX-1', smso: 'MDS', purpose: 'EarlyValidation' });
    expect(complete[0]!.installation.devices.map((d) => d.fields.DeviceID)).toEqual(first.map((e) => e.deviceId));
    expect(asm.lowestIncompleteOffset()).toBeNull();
  });

  it('reports the first offset of an incomplete installation until it completes', () => {
    const asm = new InstallationAssembler<string>();
    const r1 = feed(asm, [...first, ...second.slice(0, 2)], 10n);
    expect(r1.complete).toHaveLength(1);
    expect(asm.lowestIncompleteOffset()).toBe(10n + BigInt(first.length));
    expect(asm.bufferedDevices()).toBe(2);
    const r2 = feed(asm, second.slice(2), 10n + BigInt(first.length) + 2n);
    expect(r2.complete.map((a) => a.installation.id)).toEqual([second[0]!.installationId]);
    expect(asm.lowestIncompleteOffset()).toBeNull();
  });

  it('sends a partial installation restarted at device 0 to the poison list and assembles the restart', () => {
    const asm = new InstallationAssembler<string>();
    const { complete, poison } = feed(asm, [...first.slice(0, 2), ...first]);
    expect(poison).toHaveLength(1);
    expect(poison[0]!.messages).toEqual(['m0', 'm1']);
    expect(poison[0]!.reason).toMatch(/restarted at device 0/);
    expect(complete).toHaveLength(1);
    expect(complete[0]!.firstOffset).toBe(2n);
  });

  it('poisons an index out of order together with the partial, and goes on with the next installation', () => {
    const asm = new InstallationAssembler<string>();
    const { complete, poison } = feed(asm, [first[0]!, first[2]!, ...second]);
    expect(poison).toEqual([{ reason: expect.stringMatching(/device 2 out of order/), messages: ['m0', 'm1'] }]);
    expect(complete.map((a) => a.installation.id)).toEqual([second[0]!.installationId]);
  });

  it('poisons disagreeing counts, an interrupting installation and a device without its start', () => {
    const asm = new InstallationAssembler<string>();
    const wrongCount = { ...first[1]!, deviceCount: first[1]!.deviceCount + 1 };
    const a = feed(asm, [first[0]!, wrongCount]);
    expect(a.poison[0]!.reason).toMatch(/deviceCount .* disagrees/);
    expect(a.poison[0]!.messages).toEqual(['m0', 'm1']);

    const b = feed(asm, [first[0]!, ...second]);
    expect(b.poison).toEqual([{ reason: expect.stringMatching(/interrupted by installation/), messages: ['m0'] }]);
    expect(b.complete).toHaveLength(1);

    const c = feed(asm, [second[1]!]);
    expect(c.poison).toEqual([{ reason: expect.stringMatching(/without its first device/), messages: ['m0'] }]);
    expect(asm.lowestIncompleteOffset()).toBeNull();
  });

  it('refuses a device count out of bounds', () => {
    const asm = new InstallationAssembler<string>(32);
    const { poison } = feed(asm, [{ ...first[0]!, deviceCount: 33 }, { ...first[0]!, deviceCount: -1 }]);
    expect(poison.map((p) => p.reason)).toEqual([expect.stringMatching(/outside 0..32/), expect.stringMatching(/outside 0..32/)]);
  });

  it('takes one event with deviceCount 0 as an installation without devices', () => {
    const asm = new InstallationAssembler<string>();
    const { complete, poison } = feed(asm, [{ ...first[0]!, deviceCount: 0 }]);
    expect(poison).toEqual([]);
    expect(complete[0]!.installation.devices).toEqual([]);
    expect(complete[0]!.installation.deviceCount).toBe(0);
  });

  it('forgets an incomplete installation on reset', () => {
    const asm = new InstallationAssembler<string>();
    feed(asm, first.slice(0, 1));
    asm.reset();
    expect(asm.lowestIncompleteOffset()).toBeNull();
    expect(feed(asm, first).complete).toHaveLength(1);
  });
});

describe('outcomeRecord on a known-answer vector', async () => {
  const ref = loadReference(REF);
  const checker = createInThreadChecker(REF);
  afterAll(() => checker.close());
  const vec = await vectorEvents(`${VECTORS}mixed-outcomes.xml`);

  it('gives the installations of the expected validate --json report', async () => {
    const asm = new InstallationAssembler<string>();
    const { complete } = feed(asm, vec.installations.flat());
    const items = complete.flatMap((a) => a.installation.devices.map(deviceCryptoInput));
    const results = await checker.check({ smso: vec.header.smso, createdAtSec: vec.header.createdAtSec, items });
    let k = 0;
    const records = complete.map((a) => {
      const crypto = results.slice(k, k + a.installation.devices.length);
      k += a.installation.devices.length;
      return outcomeRecord(a, crypto, DEFAULT_POLICY, ref.eligibility, 1234);
    });
    const expected = JSON.parse(readFileSync(`${VECTORS}mixed-outcomes.expected.json`, 'utf8')) as { installations: unknown[] };
    const asReport = records.map((r) => ({ installationId: r.installationId, status: r.status, errors: r.errors, devices: r.devices }));
    expect(withoutMessages(asReport)).toEqual(withoutMessages(expected.installations));
    expect(records.map((r) => r.installationIndex)).toEqual(complete.map((_, i) => i));
    const empty = feed(new InstallationAssembler<string>(), [{ ...vec.installations[0]![0]!, deviceCount: 0 }]).complete[0]!;
    expect(outcomeRecord(empty, [], DEFAULT_POLICY, ref.eligibility, 1)).toMatchObject({ status: 'invalid', errors: [{ code: 'INST_STRUCTURE' }], devices: [] });
    expect(records[0]).toMatchObject({ fileKey: vec.fileKey, fileId: 'VEC-MIX-1', purpose: 'EarlyValidation', stage: 'validation', attempt: 0, decidedAtMs: 1234 });
  });
});

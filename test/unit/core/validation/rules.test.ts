import { describe, expect, it } from 'vitest';
import type { DeviceCryptoResult } from '../../../../src/core/contracts/device-crypto.js';
import type { DeviceField, RawDevice, RawInstallation } from '../../../../src/core/mcf/types.js';
import type { EligibilityCombination } from '../../../../src/core/reference/index.js';
import { deviceCryptoInput, evaluateDevice, MAX_BASE64_FIELD, withoutTexts, type DeviceOutcome } from '../../../../src/core/validation/device-rules.js';
import { evaluateInstallation, type InstallationContext } from '../../../../src/core/validation/installation-rules.js';
import { DEFAULT_POLICY } from '../../../../src/core/validation/policy.js';

const IDS = { chf: '00-DB-00-00-00-00-00-01', esme: '00-DB-00-00-00-00-00-02', gsme: '00-DB-00-00-00-00-00-03', ihd: '00-DB-00-00-00-00-00-04' };

function dev(type: string | null, id: string | null, o: Partial<Record<DeviceField, string | null>> = {}, structureInvalid = false): RawDevice {
  const meter = type === 'ESME' || type === 'GSME';
  const models: Record<string, string> = { CHF: 'HUB-7', ESME: 'E-71', GSME: 'G-72' };
  return {
    structureInvalid,
    fields: {
      DeviceID: id,
      DeviceType: type,
      Manufacturer: 'Holdco',
      Model: models[type ?? ''] ?? 'X',
      FirmwareVersion: '01',
      MPxN: meter ? '123' : null,
      ResponsibleSupplier: meter ? '90-B3-D5-1F-30-01-00-00' : null,
      Parent: type === 'CHF' ? null : meter ? IDS.chf : IDS.esme,
      Certificate: 'QUJD',
      Credential: 'QUJD',
      ...o,
    },
  };
}

const codes = (d: RawDevice, crypto: DeviceCryptoResult = []): string[] => [...evaluateDevice(d, crypto).errors];

describe('device rules', () => {
  it('passes a complete device of every type', () => {
    for (const t of ['CHF', 'ESME', 'GSME', 'GPF', 'PPMID', 'IHD']) {
      const parent = t === 'GPF' ? IDS.chf : undefined;
      expect(codes(dev(t, IDS.ihd, parent ? { Parent: parent } : {})), t).toEqual([]);
    }
  });

  it('DEV_ID_INVALID and DEV_TYPE_INVALID, shown as raw text or null', () => {
    const o = evaluateDevice(dev('METER', '00-DB-00'), []);
    expect(o.errors).toEqual(['DEV_ID_INVALID', 'DEV_TYPE_INVALID']);
    expect([o.deviceId, o.deviceType]).toEqual(['00-DB-00', 'METER']);
    const n = evaluateDevice(dev(null, null), []);
    expect([n.deviceId, n.deviceType]).toEqual([null, null]);
    expect(evaluateDevice(dev('CHF', '00-Db-00-00-00-00-00-0A'), []).deviceId).toBe('00db00000000000a');
  });

  it('DEV_FIELD_INVALID per type: required, forbidden, malformed, structure', () => {
    expect(codes(dev('ESME', IDS.esme, { MPxN: null }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('ESME', IDS.esme, { MPxN: '12345678901234' }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('GSME', IDS.gsme, { ResponsibleSupplier: null }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('GSME', IDS.gsme, { ResponsibleSupplier: 'x' }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('IHD', IDS.ihd, { MPxN: '1' }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('CHF', IDS.chf, { Parent: IDS.esme }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('IHD', IDS.ihd, { Parent: 'nope' }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('CHF', IDS.chf, { Model: 'x'.repeat(31) }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('CHF', IDS.chf, { Model: '€'.repeat(30) }))).toEqual([]);
    expect(codes(dev('CHF', IDS.chf, { Manufacturer: null }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('CHF', IDS.chf, { FirmwareVersion: '123456789' }))).toEqual(['DEV_FIELD_INVALID']);
    expect(codes(dev('CHF', IDS.chf, {}, true))).toEqual(['DEV_FIELD_INVALID']);
  });

  it('unknown type: nothing required or forbidden by type, present values still checked', () => {
    expect(codes(dev('XX', IDS.ihd, { Certificate: null, Credential: null, MPxN: '1', Parent: null }))).toEqual(['DEV_TYPE_INVALID']);
    expect(codes(dev('XX', IDS.ihd, { MPxN: 'abc' }))).toEqual(['DEV_TYPE_INVALID', 'DEV_FIELD_INVALID']);
  });

  it('missing certificate or credential gives only *_MISSING, where the type requires one', () => {
    expect(codes(dev('CHF', IDS.chf, { Certificate: null, Credential: null }))).toEqual(['DEV_CERT_MISSING', 'DEV_CREDENTIAL_MISSING']);
    expect(codes(dev('IHD', IDS.ihd, { Certificate: null, Credential: null }))).toEqual([]);
  });

  it('merges crypto codes in catalogue order, once each, and applies the length limits', () => {
    expect(codes(dev('ESME', null), ['DEV_CERT_ID_MISMATCH', 'DEV_CREDENTIAL_INVALID'])).toEqual(['DEV_ID_INVALID', 'DEV_CERT_ID_MISMATCH', 'DEV_CREDENTIAL_INVALID']);
    const long = dev('CHF', IDS.chf, { Certificate: 'A'.repeat(4100), Credential: 'A'.repeat(4100) });
    expect(deviceCryptoInput(long)).toEqual({ deviceId: '00db000000000001', deviceType: 'CHF', certificate: null, credential: null });
    expect(codes(long)).toEqual(['DEV_CERT_MALFORMED', 'DEV_CREDENTIAL_INVALID']);
    expect(deviceCryptoInput(dev('CHF', IDS.chf, { Certificate: 'A'.repeat(4096) })).certificate).toHaveLength(4096);
  });
});

const ELIGIBLE: EligibilityCombination[] = [
  { CHF: { manufacturer: 'Holdco', model: 'HUB-7' }, ESME: { manufacturer: 'Holdco', model: 'E-71' }, GSME: { manufacturer: 'Holdco', model: 'G-72' } },
  { CHF: { manufacturer: 'Holdco', model: 'HUB-7' }, ESME: { manufacturer: 'Holdco', model: 'E-71' } },
];

function inst(devices: RawDevice[], o: Partial<RawInstallation> = {}): RawInstallation {
  return { index: 0, id: 'I', migrationType: 'Active', groupId: null, devices, deviceCount: devices.length, structureInvalid: false, ...o };
}

function outcome(i: RawInstallation, crypto: Record<string, DeviceCryptoResult> = {}, ctx: Partial<InstallationContext> = {}): [string, string[], DeviceOutcome[]] {
  const devices = i.devices.map((d) => evaluateDevice(d, crypto[d.fields.DeviceID ?? ''] ?? []));
  const o = evaluateInstallation(i, devices, { policy: DEFAULT_POLICY, eligibility: ELIGIBLE, isDuplicate: () => false, ...ctx });
  return [o.status, [...o.errors], devices];
}

const full = (): RawDevice[] => [dev('CHF', IDS.chf), dev('ESME', IDS.esme), dev('GSME', IDS.gsme), dev('IHD', IDS.ihd)];

describe('installation rules', () => {
  it('valid installation', () => {
    expect(outcome(inst(full())).slice(0, 2)).toEqual(['valid', []]);
    expect(outcome(inst([dev('CHF', IDS.chf), dev('GSME', IDS.gsme)]), {}, { eligibility: [{ CHF: ELIGIBLE[0]!.CHF, GSME: ELIGIBLE[0]!.GSME }] })[0]).toBe('valid');
  });

  it('INST_STRUCTURE: device counts, types, parents, MigrationType, GroupID, elements', () => {
    const s = (i: RawInstallation): string[] => outcome(i)[1];
    expect(s(inst([dev('ESME', IDS.esme)]))).toEqual(['INST_STRUCTURE']); // no CHF
    expect(s(inst([dev('CHF', IDS.chf), dev('CHF', IDS.ihd), dev('ESME', IDS.esme)]))).toEqual(['INST_STRUCTURE']);
    expect(s(inst([dev('CHF', IDS.chf), dev('IHD', IDS.ihd, { Parent: IDS.chf })]))).toEqual(['INST_STRUCTURE']); // no meter
    expect(s(inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme), dev('ESME', IDS.gsme)]))).toEqual(['INST_STRUCTURE']);
    expect(s(inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme, { Parent: null })]))).toEqual(['INST_STRUCTURE']);
    expect(s(inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme, { Parent: IDS.gsme })]))).toEqual(['INST_STRUCTURE']);
    expect(s(inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme), dev('IHD', IDS.ihd, { Parent: IDS.chf })]))).toEqual(['INST_STRUCTURE']);
    expect(s(inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme), dev('GPF', IDS.ihd, { Parent: IDS.esme })]))).toEqual(['INST_STRUCTURE']);
    expect(s(inst(full(), { migrationType: 'Sleeping' }))).toEqual(['INST_STRUCTURE']);
    expect(s(inst(full(), { migrationType: null }))).toEqual(['INST_STRUCTURE']);
    expect(s(inst(full(), { groupId: 'g'.repeat(33) }))).toEqual(['INST_STRUCTURE']);
    expect(s(inst(full(), { groupId: 'g'.repeat(32), migrationType: 'Dormant' }))).toEqual([]);
    expect(s(inst(full(), { structureInvalid: true }))).toEqual(['INST_STRUCTURE']);
    expect(s(inst([]))).toEqual(['INST_STRUCTURE']);
    expect(s(inst(full(), { deviceCount: 33 }))).toEqual(['INST_STRUCTURE']);
    // a device of unknown type: its parent is not checked, and it is not counted
    expect(outcome(inst([...full(), dev('XX', '00-DB-00-00-00-00-00-09', { Parent: 'zz' })]))[1]).toEqual([]);
  });

  it('INST_STRUCTURE suppresses eligibility and split supply, not duplicates', () => {
    const devices = [dev('CHF', IDS.chf, { Model: 'OTHER' }), dev('ESME', IDS.esme, { Parent: null })];
    const r = outcome(inst(devices), {}, { isDuplicate: (id) => id === '00db000000000001', policy: { splitSupply: 'reject', partial: 'allow' } });
    expect(r.slice(0, 2)).toEqual(['invalid', ['INST_STRUCTURE', 'INST_DUPLICATE_DEVICE']]);
  });

  it('INST_DMC_NOT_ELIGIBLE: exact, case-sensitive, absent types must be absent', () => {
    expect(outcome(inst([dev('CHF', IDS.chf, { Model: 'hub-7' }), dev('ESME', IDS.esme)]))[1]).toEqual(['INST_DMC_NOT_ELIGIBLE']);
    expect(outcome(inst([dev('CHF', IDS.chf), dev('GSME', IDS.gsme)]))[1]).toEqual(['INST_DMC_NOT_ELIGIBLE']);
    expect(outcome(inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme)]))[1]).toEqual([]);
    const noModel = outcome(inst([dev('CHF', IDS.chf, { Model: null }), dev('ESME', IDS.esme)]));
    expect(noModel.slice(0, 2)).toEqual(['invalid', ['INST_DMC_NOT_ELIGIBLE']]);
  });

  it('INST_SPLIT_SUPPLY only under reject and only with two valid, different suppliers', () => {
    const split = inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme), dev('GSME', IDS.gsme, { ResponsibleSupplier: '90-b3-d5-1f-30-01-00-01' })]);
    expect(outcome(split)[0]).toBe('valid');
    const reject = { policy: { splitSupply: 'reject' as const, partial: 'allow' as const } };
    expect(outcome(split, {}, reject)[1]).toEqual(['INST_SPLIT_SUPPLY']);
    const same = inst([dev('CHF', IDS.chf), dev('ESME', IDS.esme), dev('GSME', IDS.gsme, { ResponsibleSupplier: '90-b3-d5-1f-30-01-00-00' })]);
    expect(outcome(same, {}, reject)[0]).toBe('valid');
  });

  it('step 3: partial when the GSME and its children fail, CHF and ESME valid; deny makes it invalid', () => {
    const devices = [...full(), dev('PPMID', '00-DB-00-00-00-00-00-05', { Parent: IDS.gsme })];
    const crypto = { [IDS.gsme]: ['DEV_CERT_UNTRUSTED'] as DeviceCryptoResult };
    const i = inst(devices);
    // the PPMID invalid too, through a field problem
    i.devices[4]!.fields.FirmwareVersion = null;
    expect(outcome(i, crypto).slice(0, 2)).toEqual(['partial', []]);
    expect(outcome(i, crypto, { policy: { splitSupply: 'allow', partial: 'deny' } }).slice(0, 2)).toEqual(['invalid', []]);
    // the IHD hangs off the ESME: not a partial
    expect(outcome(i, { ...crypto, [IDS.ihd]: ['DEV_CERT_EXPIRED'] })[0]).toBe('invalid');
    // ESME invalid: not a partial
    expect(outcome(inst(full()), { ...crypto, [IDS.esme]: ['DEV_CERT_EXPIRED'] })[0]).toBe('invalid');
  });

  it('step 4: excluded with INST_EXCLUDED_MISSING_KEYS when only credential keys are missing', () => {
    const crypto = { [IDS.esme]: ['DEV_CREDENTIAL_INCOMPLETE'] as DeviceCryptoResult };
    expect(outcome(inst(full()), crypto).slice(0, 2)).toEqual(['excluded', ['INST_EXCLUDED_MISSING_KEYS']]);
    const missing = inst([dev('CHF', IDS.chf, { Credential: null }), dev('ESME', IDS.esme)]);
    expect(outcome(missing).slice(0, 2)).toEqual(['excluded', ['INST_EXCLUDED_MISSING_KEYS']]);
    // partial wins over excluded (step 3 before 4)
    expect(outcome(inst(full()), { [IDS.gsme]: ['DEV_CREDENTIAL_INCOMPLETE'] })[0]).toBe('partial');
    expect(outcome(inst(full()), { [IDS.gsme]: ['DEV_CREDENTIAL_INCOMPLETE'] }, { policy: { splitSupply: 'allow', partial: 'deny' } })[0]).toBe('excluded');
  });

  it('step 5: invalid with errors [] when only devices fail', () => {
    expect(outcome(inst(full()), { [IDS.chf]: ['DEV_CERT_PROFILE'] }).slice(0, 2)).toEqual(['invalid', []]);
    expect(outcome(inst(full()), { [IDS.esme]: ['DEV_CREDENTIAL_INCOMPLETE', 'DEV_CERT_EXPIRED'] }).slice(0, 2)).toEqual(['invalid', []]);
  });
});

describe('withoutTexts', () => {
  it('drops certificate and credential texts without changing any device outcome', () => {
    const long = 'Q'.repeat(MAX_BASE64_FIELD + 4);
    const exact = 'Q'.repeat(MAX_BASE64_FIELD);
    const variants: Partial<Record<DeviceField, string | null>>[] = [
      {}, { Certificate: null }, { Credential: null }, { Certificate: long }, { Credential: long },
      { Certificate: exact, Credential: exact }, { Certificate: long, Credential: null },
    ];
    for (const t of ['CHF', 'ESME', 'IHD', 'TOASTER']) {
      for (const v of variants) {
        for (const crypto of [[], ['DEV_CERT_UNTRUSTED', 'DEV_CREDENTIAL_INCOMPLETE']] as DeviceCryptoResult[]) {
          const d = dev(t, IDS.esme, v);
          const stripped = withoutTexts(d);
          // Only shared stand-ins remain: one character, or the one over-long string.
          for (const f of ['Certificate', 'Credential'] as const) {
            expect([null, 1, MAX_BASE64_FIELD + 1]).toContain(stripped.fields[f]?.length ?? null);
          }
          expect(evaluateDevice(stripped, crypto), `${t} ${JSON.stringify(Object.keys(v))}`).toEqual(evaluateDevice(d, crypto));
        }
      }
    }
  });
});

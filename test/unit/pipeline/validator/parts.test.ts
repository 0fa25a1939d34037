import { describe, expect, it } from 'vitest';
import type { DeviceCryptoBatch, DeviceCryptoChecker, DeviceCryptoResult } from '../../../../src/core/contracts/device-crypto.js';
import type { AssembledInstallation } from '../../../../src/pipeline/validator/assembler.js';
import { checkInstallations } from '../../../../src/pipeline/validator/check-installations.js';
import { KeyedCapacity, type Lease } from '../../../../src/core/flow/keyed-capacity.js';
import { validatorOptions, VALIDATOR_DEFAULTS } from '../../../../src/pipeline/validator/options.js';
import type { RawDevice } from '../../../../src/core/mcf/types.js';

function device(id: string): RawDevice {
  return { fields: { DeviceID: id, DeviceType: 'ESME', Manufacturer: null, Model: null, FirmwareVersion: null, MPxN: null,
    ResponsibleSupplier: null, Parent: null, Certificate: null, Credential: null }, structureInvalid: false };
}

function inst(smso: string, createdAtSec: number, ids: string[]): AssembledInstallation<unknown> {
  return {
    key: `k|${ids[0]}`, file: { fileKey: 'k', fileId: 'F', smso, purpose: 'Migration', createdAtSec, receivedAtMs: 0, installationCount: 9, migrationAuthorisation: 'MA' },
    installation: { index: 0, id: ids[0]!, migrationType: 'Active', groupId: null, devices: ids.map(device), deviceCount: ids.length, structureInvalid: false },
    segment: null, duplicateDeviceIds: [], firstOffset: 0n, lastOffset: 0n, messages: [],
  };
}

describe('checkInstallations', () => {
  it('groups by SMSO and CreatedAt, chunks without splitting an installation, and maps results back', async () => {
    const calls: DeviceCryptoBatch[] = [];
    const checker: DeviceCryptoChecker = {
      async check(b) {
        calls.push(b);
        // A code for an invalid id, so the mapping back to installations can be seen.
        return b.items.map((it): DeviceCryptoResult => (it.deviceId === null ? ['DEV_CERT_EXPIRED'] : []));
      },
      async close() {},
    };
    const insts = [inst('A', 1, ['00-DB-00-00-00-00-00-01', 'bad']), inst('B', 1, ['00-DB-00-00-00-00-00-02']), inst('A', 1, ['00-DB-00-00-00-00-00-03', '00-DB-00-00-00-00-00-04']), inst('A', 2, ['bad'])];
    let depth = 0;
    let maxDepth = 0;
    const results = await checkInstallations(checker, insts, 3, (d) => { depth += d; maxDepth = Math.max(maxDepth, depth); });
    expect(results).toEqual([[[], ['DEV_CERT_EXPIRED']], [[]], [[], []], [['DEV_CERT_EXPIRED']]]);
    expect(calls.map((c) => [c.smso, c.createdAtSec, c.items.length])).toEqual([['A', 1, 4], ['B', 1, 1], ['A', 2, 1]]);
    expect(depth).toBe(0);
    expect(maxDepth).toBe(3);
  });

  it('does not call the checker for installations without devices', async () => {
    const checker: DeviceCryptoChecker = { check: async () => { throw new Error('called'); }, close: async () => {} };
    const none = { ...inst('A', 1, ['x']), installation: { ...inst('A', 1, ['x']).installation, devices: [], deviceCount: 0 } };
    expect(await checkInstallations(checker, [none], 10)).toEqual([[]]);
  });

  it('fails when the checker answers the wrong number of results', async () => {
    const checker: DeviceCryptoChecker = { check: async () => [], close: async () => {} };
    await expect(checkInstallations(checker, [inst('A', 1, ['00-DB-00-00-00-00-00-01'])], 10)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});

describe('the validator\'s device budget (a KeyedCapacity of one key)', () => {
  it('lets requests in while they fit, queues the rest in order, and lets an oversized one in alone', async () => {
    const b = new KeyedCapacity({ limits: () => ({ concurrency: 10 }), maxWaiting: Number.POSITIVE_INFINITY });
    const six = b.tryAcquire('pool', 6)!;
    expect(six).not.toBeNull();
    expect(b.tryAcquire('pool', 5)).toBeNull();
    const order: string[] = [];
    let five: Lease | null = null;
    let fifty: Lease | null = null;
    const p1 = b.tryEnqueue('pool', 5)!.then((l) => { five = l; order.push('5'); });
    const p2 = b.tryEnqueue('pool', 50)!.then((l) => { fifty = l; order.push('50'); });
    six.release();
    await p1;
    expect(b.inFlight('pool')).toBe(5);
    expect(order).toEqual(['5']);
    five!.release();
    await p2;
    expect(order).toEqual(['5', '50']);
    expect(b.inFlight('pool')).toBe(50);
    fifty!.release();
    expect(b.inFlight('pool')).toBe(0);
  });
});

describe('validator options', () => {
  it('has defaults and refuses bad values by name', () => {
    expect(validatorOptions()).toMatchObject({ groupId: 's1mig-validator', checkChunkDevices: 256, maxDevicesInFlight: 20_000 });
    expect(VALIDATOR_DEFAULTS.policy).toEqual({ splitSupply: 'allow', partial: 'allow' });
    expect(() => validatorOptions({ checkChunkDevices: 0 })).toThrow(/checkChunkDevices/);
    expect(() => validatorOptions({ groupId: '' })).toThrow(/groupId/);
    expect(() => validatorOptions({ heartbeatMs: 40_000 })).toThrow(/heartbeatMs/);
  });
});

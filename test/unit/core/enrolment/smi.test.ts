import { describe, expect, it } from 'vitest';
import { attemptStarted, commissioned, laterSmi, migratedDevices, recordedElsewhere, rolledBack, type SmiDevice } from '../../../../src/core/enrolment/smi.js';

const dev = (deviceId: string, deviceType: string, parent: string | null): SmiDevice => ({
  deviceId, deviceType, parent, manufacturer: 'Acme', model: 'M', firmwareVersion: '01', mpxn: deviceType.endsWith('SME') ? '123' : null,
  responsibleSupplier: deviceType.endsWith('SME') ? '90b3d51f30010000' : null,
});
const chf = dev('c', 'CHF', null);
const esme = dev('e', 'ESME', 'c');
const gsme = dev('g', 'GSME', 'c');
const gpf = dev('p', 'GPF', 'c');
const ihdOnGas = dev('i', 'IHD', 'g');
const ihdOnElec = dev('j', 'IHD', 'e');

describe('which devices an installation migrates', () => {
  it('all of a valid one; of a partial one all but the GSME and the devices under it', () => {
    const all = [chf, esme, gsme, gpf, ihdOnGas, ihdOnElec];
    expect(migratedDevices('valid', all)).toEqual(all);
    expect(migratedDevices('partial', all).map((d) => d.deviceId)).toEqual(['c', 'e', 'p', 'j']);
  });
});

describe('SMI transitions', () => {
  const a = { chf: 'c', smso: 'MDS', requestId: 'R:1', atMs: 100 };
  it('go InstalledNotCommissioned when the request is sent and Commissioned when the SMSO confirms, with history oldest first', () => {
    const started = attemptStarted(undefined, esme, a);
    expect(started).toMatchObject({ deviceId: 'e', installation: 'c', smso: 'MDS', status: 'InstalledNotCommissioned', effectiveAtMs: 100, mpxn: '123', parent: 'c' });
    const done = commissioned(started, 'R:1', 200);
    expect(done.status).toBe('Commissioned');
    expect(done.history.map((h) => [h.status, h.atMs, h.requestId])).toEqual([['InstalledNotCommissioned', 100, 'R:1'], ['Commissioned', 200, 'R:1']]);
  });

  it('roll back to the previous record with the history kept, or to no record at all', () => {
    const first = commissioned(attemptStarted(undefined, esme, a), 'R:1', 200);
    const retry = attemptStarted(first, esme, { ...a, requestId: 'R:2', atMs: 300 });
    const back = rolledBack(first, retry, 'R:2', 400, 'ENR_CHF_UNREACHABLE')!;
    expect(back.status).toBe('Commissioned');
    expect(back.effectiveAtMs).toBe(200);
    expect(back.history.map((h) => h.status)).toEqual(['InstalledNotCommissioned', 'Commissioned', 'InstalledNotCommissioned', 'RolledBack']);
    expect(back.history.at(-1)).toEqual({ status: 'RolledBack', atMs: 400, requestId: 'R:2', reason: 'ENR_CHF_UNREACHABLE' });
    const gone = rolledBack(undefined, attemptStarted(undefined, esme, a), 'R:1', 150, 'x');
    expect(gone.status).toBeNull();
    expect(gone.history.map((h) => h.status)).toEqual(['InstalledNotCommissioned', 'RolledBack']);
    expect(recordedElsewhere(gone, 'other')).toBe(false);
    expect(laterSmi(back, retry)).toBe(back);
    expect(laterSmi(retry, back)).toBe(back);
  });

  it('tell a device recorded under another installation', () => {
    const rec = attemptStarted(undefined, esme, a);
    expect(recordedElsewhere(rec, 'c')).toBe(false);
    expect(recordedElsewhere(rec, 'other')).toBe(true);
    expect(recordedElsewhere(undefined, 'c')).toBe(false);
  });
});

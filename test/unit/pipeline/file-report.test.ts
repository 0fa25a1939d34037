import { describe, expect, it } from 'vitest';
import { FileReportCollector, selectFile } from '../../../src/pipeline/file-report.js';
import type { FileResultRecord, InstallationOutcomeRecord } from '../../../src/pipeline/records.js';

const KEY = '90b3d51f30010008/F-1';

function file(over: Partial<FileResultRecord> = {}): FileResultRecord {
  return {
    fileKey: KEY, fileId: 'F-1', smso: 'MDS', requestingParty: '90b3d51f30010008', purpose: 'Migration', status: 'accepted',
    errors: [], installations: 3, devices: 6, sha256: null, upload: 'u1', emittedInstallations: 0, emittedDevices: 0, emissionComplete: false,
    receivedAtMs: 1, decidedAtMs: 2, ...over,
  };
}

function outcome(id: string, index: number, status: InstallationOutcomeRecord['status'], deviceOk = true): InstallationOutcomeRecord {
  return {
    fileKey: KEY, fileId: 'F-1', installationId: id, installationIndex: index, purpose: 'Migration', stage: 'validation', attempt: 0,
    status, errors: status === 'excluded' ? [{ code: 'INST_EXCLUDED_MISSING_KEYS', message: 'm' }] : [],
    devices: [
      { deviceId: 'a', deviceType: 'CHF', status: 'valid', errors: [] },
      { deviceId: 'b', deviceType: 'ESME', status: deviceOk ? 'valid' : 'invalid', errors: deviceOk ? [] : [{ code: 'DEV_CERT_EXPIRED', message: 'x' }] },
    ],
    deviceSegments: 0,
    decidedAtMs: 3,
    migration: null, alerts: null,
  };
}

describe('selectFile', () => {
  const keys = [KEY, '00db000000000001/F-2', '00db000000000002/F-2'];
  it('takes a full file key or a FileID that one file key has', () => {
    expect(selectFile(KEY, keys)).toEqual({ kind: 'found', fileKey: KEY });
    expect(selectFile('F-1', keys)).toEqual({ kind: 'found', fileKey: KEY });
  });
  it('lists the file keys of an ambiguous FileID and knows unknown ones', () => {
    expect(selectFile('F-2', keys)).toEqual({ kind: 'ambiguous', fileKeys: ['00db000000000001/F-2', '00db000000000002/F-2'] });
    expect(selectFile('F-9', keys)).toEqual({ kind: 'unknown' });
    expect(selectFile('00db000000000003/F-1', keys)).toEqual({ kind: 'unknown' });
  });
});

describe('FileReportCollector', () => {
  it('sorts the latest outcome per installation by index and sums them up; counts what is missing', () => {
    const c = new FileReportCollector();
    c.addFileResult(file({ emittedInstallations: 1 }));
    c.addFileResult(file({ emittedInstallations: 3, emissionComplete: true }));
    c.addOutcome(outcome('I2', 2, 'excluded', false));
    c.addOutcome(outcome('I0', 0, 'invalid'));
    c.addOutcome(outcome('I0', 0, 'valid'));
    const r = c.report(KEY)!;
    expect(r.header).toEqual({ fileId: 'F-1', smso: 'MDS', requestingParty: '90b3d51f30010008', purpose: 'Migration', status: 'accepted', errors: [] });
    expect(r.installations.map((i) => [i.installationId, i.status])).toEqual([['I0', 'valid'], ['I2', 'excluded']]);
    expect(r.summary).toEqual({ installations: 2, valid: 1, partial: 0, excluded: 1, invalid: 0, devices: 4, devicesValid: 3, devicesInvalid: 1,
      migration: { migrated: 0, migratedPartial: 0, migratedDormant: 0, failed: 0, waiting: 1, notAuthorised: 0, alerts: { sent: 0, notSent: { 'supplier-unknown': 0, 'duis-below-3': 0 } } } });
    expect(r.installations.map((i) => i.migration?.status)).toEqual(['waiting', 'not-enrolled']);
    expect(r.pending).toBe(1);
  });

  it('takes the final status, codes and migration block of a Migration file from the enrolment stage, devices from validation', () => {
    const c = new FileReportCollector();
    c.addFileResult(file({ emittedInstallations: 3, emissionComplete: true }));
    for (const [id, k] of [['I0', 0], ['I1', 1], ['I2', 2]] as const) c.addOutcome(outcome(id, k, 'valid'));
    const enrolled = (id: string, k: number, status: InstallationOutcomeRecord['status'], migration: InstallationOutcomeRecord['migration'], errors: InstallationOutcomeRecord['errors'] = []): InstallationOutcomeRecord =>
      ({ ...outcome(id, k, status), stage: 'enrolment', attempt: migration?.attempt ?? 0, devices: [], errors, migration });
    c.addOutcome(enrolled('I0', 0, 'valid', { status: 'in_progress', attempt: 1, code: null, requestId: 'R1', atMs: 1000 }));
    c.addOutcome({ ...enrolled('I0', 0, 'valid', { status: 'migrated', attempt: 1, code: null, requestId: 'R1', atMs: Date.UTC(2026, 11, 1, 10, 15, 2, 311) }),
      alerts: { sent: 2, supplierUnknown: 1, duisBelow3: 0 } });
    // An earlier failed attempt's alerts are replaced by the final outcome's: the file's report counts what its final outcomes caused.
    c.addOutcome({ ...enrolled('I1', 1, 'valid', { status: 'failed', attempt: 1, code: 'ENR_SMSO_TIMEOUT', requestId: 'R0', atMs: 4 }), alerts: { sent: 9, supplierUnknown: 9, duisBelow3: 9 } });
    c.addOutcome({ ...enrolled('I1', 1, 'valid', { status: 'failed', attempt: 2, code: 'ENR_SMSO_TIMEOUT', requestId: 'R2', atMs: 5 }), alerts: { sent: 1, supplierUnknown: 0, duisBelow3: 3 } });
    c.addOutcome(enrolled('I2', 2, 'invalid', { status: 'not_enrolled', attempt: null, code: null, requestId: null, atMs: null }, [{ code: 'INST_NOT_AUTHORISED', message: 'm' }]));
    const r = c.report(KEY)!;
    expect(r.installations.map((i) => [i.installationId, i.status, i.errors.map((e) => e.code), i.devices.length])).toEqual([
      ['I0', 'valid', [], 2], ['I1', 'valid', [], 2], ['I2', 'invalid', ['INST_NOT_AUTHORISED'], 2]]);
    expect(r.installations[0]!.migration).toEqual({ status: 'migrated', attempt: 1, code: null, requestId: 'R1', at: '2026-12-01T10:15:02.311Z' });
    expect(r.installations[1]!.migration).toMatchObject({ status: 'failed', attempt: 2, code: 'ENR_SMSO_TIMEOUT' });
    expect(r.installations[2]!.migration).toEqual({ status: 'not-enrolled', attempt: null, code: null, requestId: null, at: null });
    expect(r.summary).toMatchObject({ valid: 2, invalid: 1, migration: { migrated: 1, migratedPartial: 0, migratedDormant: 0, failed: 1, waiting: 0, notAuthorised: 1,
      alerts: { sent: 3, notSent: { 'supplier-unknown': 1, 'duis-below-3': 3 } } } });
  });

  it('prefers an accepted record to any rejection, else shows the latest rejection', () => {
    const c = new FileReportCollector();
    const rej = (upload: string, at: number, code: string) =>
      file({ status: 'rejected', upload, decidedAtMs: at, errors: [{ code, message: 'm' }], installations: 0 });
    c.addFileResult(rej('u2', 20, 'MCF_STALE'));
    c.addFileResult(rej('u1', 10, 'MCF_SIGNATURE_INVALID'));
    expect(c.report(KEY)!.header).toMatchObject({ status: 'rejected', errors: [{ code: 'MCF_STALE', message: 'm' }] });
    expect(c.report(KEY)!.pending).toBe(0);
    c.addFileResult(file());
    expect(c.report(KEY)!.header.status).toBe('accepted');
    expect(c.report('nope/X')).toBeNull();
    expect(c.fileKeys()).toEqual([KEY]);
  });
});

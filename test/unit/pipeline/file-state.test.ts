import { describe, expect, it } from 'vitest';
import type { FileReport, UploadEntry } from '../../../src/pipeline/file-report.js';
import { fileProgress } from '../../../src/pipeline/file-state.js';
import type { FileResultRecord } from '../../../src/pipeline/records.js';
import type { InstallationReport, MigrationStatus } from '../../../src/core/outcome/report.js';
import { emptySummary } from '../../../src/core/outcome/report.js';

const accepted = (over: Partial<FileResultRecord> = {}): FileResultRecord => ({
  fileKey: 'k/F', fileId: 'F', smso: 'MDS', requestingParty: 'k', purpose: 'Migration', status: 'accepted', errors: [], installations: 3, devices: 9,
  sha256: 'ab', upload: '0:10', emittedInstallations: 3, emittedDevices: 0, emissionComplete: true, receivedAtMs: 1, decidedAtMs: 2, ...over,
});
const inst = (migration?: MigrationStatus): InstallationReport => ({ installationId: 'i', status: 'valid', errors: [], devices: [],
  ...(migration ? { migration: { status: migration, attempt: null, code: null, requestId: null, at: null } } : {}) });
const report = (installations: InstallationReport[], pending: number, status: 'accepted' | 'rejected' = 'accepted'): FileReport => ({
  fileKey: 'k/F', header: { fileId: 'F', smso: 'MDS', requestingParty: 'k', purpose: 'Migration', status, errors: status === 'rejected' ? [{ code: 'MCF_STALE', message: '' }] : [] },
  installations, summary: emptySummary(), pending });
const upload = (id: string, status: 'accepted' | 'rejected'): UploadEntry => ({ upload: id, status, codes: [], sha256: null, receivedAt: '', decidedAt: '' });

describe('fileProgress', () => {
  it('knows nothing of a key with no decided upload and none in flight', () => {
    expect(fileProgress(null, undefined, [], null)).toBeNull();
  });

  it('says uploading for chunks in flight, waiting for chunks while some are missing', () => {
    expect(fileProgress(null, undefined, [], { upload: '1:5', received: 2, count: 5 })).toMatchObject({ state: 'uploading', done: 2, total: 5, detail: expect.stringMatching(/waiting for chunks/) });
    expect(fileProgress(null, undefined, [], { upload: '1:5', received: 5, count: 5 })).toMatchObject({ state: 'uploading', detail: expect.stringMatching(/verifying/) });
  });

  it('ignores an "in flight" upload that was already decided (another upload holds the splitter\'s commit back)', () => {
    const r = report([], 0, 'rejected');
    expect(fileProgress(r, undefined, [upload('1:5', 'rejected')], { upload: '1:5', received: 5, count: 5 })?.state).toBe('rejected');
  });

  it('answers with the accepted file\'s state while a re-submission of it is in flight', () => {
    const done = report([inst('migrated'), inst('failed'), inst('not-enrolled')], 0);
    expect(fileProgress(done, accepted(), [upload('0:10', 'accepted')], { upload: '0:99', received: 1, count: 2 })?.state).toBe('complete');
  });

  it('walks an accepted file through emitting, validating, enrolling and complete', () => {
    expect(fileProgress(report([], 3), accepted({ emissionComplete: false, emittedInstallations: 1 }), [], null)).toMatchObject({ state: 'emitting', done: 1, total: 3 });
    expect(fileProgress(report([inst('waiting')], 2), accepted(), [], null)).toMatchObject({ state: 'validating', done: 1, total: 3 });
    expect(fileProgress(report([inst('waiting'), inst('in-progress'), inst('migrated')], 0), accepted(), [], null)).toMatchObject({ state: 'enrolling', done: 1, total: 3 });
    expect(fileProgress(report([inst(), inst(), inst()], 0), accepted({ purpose: 'EarlyValidation' }), [], null)).toMatchObject({ state: 'complete', done: 3, total: 3 });
  });

  it('says rejected with the codes', () => {
    expect(fileProgress(report([], 0, 'rejected'), undefined, [], null)).toMatchObject({ state: 'rejected', detail: 'rejected: MCF_STALE' });
  });
});

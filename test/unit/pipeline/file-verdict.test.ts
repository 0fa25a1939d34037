import { readFileSync } from 'node:fs';
import { header, mcf } from '../jobs/validate/mcf-fixture.js';
import { describe, expect, it } from 'vitest';
import { McfReader } from '../../../src/core/mcf/reader.js';
import type { FileResultRecord } from '../../../src/pipeline/records.js';
import { fileVerdict, FUTURE_SKEW_SEC, transferRejection } from '../../../src/pipeline/splitter/file-verdict.js';
import { loadReference } from '../../../src/core/reference/index.js';

const vectors = new URL('../../../../shared/fixtures/mcf-vectors/', import.meta.url);
const ref = loadReference(new URL('ref', vectors).pathname);

function scanOf(name: string) {
  const r = new McfReader({ digest: true, maxKeptDevices: 0 });
  r.write(readFileSync(new URL(name, vectors)));
  return r.end();
}

// basic-valid.xml: CreatedAt 2026-11-28T09:00:00Z
const createdAtMs = Date.parse('2026-11-28T09:00:00Z');
const base = { fileKey: '90b3d51f30010008/VEC-BASIC-1', upload: '0:10', sha256: 'ab', nowMs: 1, maxFileAgeSec: 30 * 86400, accepted: undefined,
  authorise: (): string | null => { throw new Error('an EarlyValidation file is never checked against an MA'); } };

describe('fileVerdict (pipeline file-level checks after transfer)', () => {
  it('accepts a verified, fresh, new file', () => {
    const v = fileVerdict({ ...base, scan: scanOf('basic-valid.xml'), receivedAtMs: createdAtMs + 3600_000 }, ref);
    expect(v.kind).toBe('accepted');
    expect(v.record).toMatchObject({ status: 'accepted', installations: 2, devices: 6, upload: '0:10', emittedInstallations: 0 });
  });

  it('MCF_STALE: older than maxFileAge or more than 5 minutes in the future, judged at receipt', () => {
    const scan = scanOf('basic-valid.xml');
    const old = fileVerdict({ ...base, scan, receivedAtMs: createdAtMs + 31 * 86400_000 }, ref);
    expect(old.record.errors.map((e) => e.code)).toEqual(['MCF_STALE']);
    const edge = fileVerdict({ ...base, scan, receivedAtMs: createdAtMs + 30 * 86400_000 }, ref);
    expect(edge.kind).toBe('accepted');
    const future = fileVerdict({ ...base, scan, receivedAtMs: createdAtMs - (FUTURE_SKEW_SEC + 1) * 1000 }, ref);
    expect(future.record.errors.map((e) => e.code)).toEqual(['MCF_STALE']);
    expect(fileVerdict({ ...base, scan, receivedAtMs: createdAtMs - FUTURE_SKEW_SEC * 1000 }, ref).kind).toBe('accepted');
  });

  it('reports MCF_STALE together with the signature code, and MCF_DUPLICATE_FILE only for an otherwise clean file', () => {
    const late = createdAtMs + 40 * 86400_000;
    const bad = fileVerdict({ ...base, fileKey: '90b3d51f30010008/VEC-BADSIG-1', scan: scanOf('bad-signature.xml'), receivedAtMs: late }, ref);
    expect(bad.record.errors.map((e) => e.code)).toEqual(['MCF_SIGNATURE_INVALID', 'MCF_STALE']);
    const accepted = { ...base, status: 'accepted', upload: '1:5', sha256: 'other' } as unknown as FileResultRecord;
    const dup = fileVerdict({ ...base, scan: scanOf('basic-valid.xml'), receivedAtMs: createdAtMs, accepted }, ref);
    expect(dup.record.errors.map((e) => e.code)).toEqual(['MCF_DUPLICATE_FILE']);
    const staleDup = fileVerdict({ ...base, scan: scanOf('basic-valid.xml'), receivedAtMs: late, accepted }, ref);
    expect(staleDup.record.errors.map((e) => e.code)).toEqual(['MCF_STALE']);
  });

  // Regression (audit, defect 1): a signed file was accepted under any key, so the same bytes
  // re-sent under another key were accepted a second time.
  it('MCF_KEY_MISMATCH: a signed file published under a key that is not its own Header\'s is rejected', () => {
    const scan = scanOf('basic-valid.xml');
    for (const fileKey of ['90b3d51f30010008/VEC-BASIC-2', '90b3d51f30010009/VEC-BASIC-1', '90-B3-D5-1F-30-01-00-08/VEC-BASIC-1', 'replayed']) {
      const v = fileVerdict({ ...base, fileKey, scan, receivedAtMs: createdAtMs }, ref);
      expect(v.kind, fileKey).toBe('rejected');
      expect(v.record.errors.map((e) => e.code)).toEqual(['MCF_KEY_MISMATCH']);
      expect(v.record.fileKey).toBe(fileKey);
    }
    // Under its own key the same bytes are accepted, and once accepted a re-send is a duplicate.
    expect(fileVerdict({ ...base, scan, receivedAtMs: createdAtMs }, ref).kind).toBe('accepted');
  });

  it('reports MCF_KEY_MISMATCH beside the signature and MCF_STALE codes (steps 6 to 8 all evaluated), never for a malformed file', () => {
    const late = createdAtMs + 40 * 86400_000;
    const bad = fileVerdict({ ...base, fileKey: 'other/key', scan: scanOf('bad-signature.xml'), receivedAtMs: late }, ref);
    expect(bad.record.errors.map((e) => e.code)).toEqual(['MCF_SIGNATURE_INVALID', 'MCF_KEY_MISMATCH', 'MCF_STALE']);
    const r = new McfReader({ digest: true, maxKeptDevices: 0 });
    r.write(Buffer.from('<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="1.0"><Header/>'));
    const malformed = fileVerdict({ ...base, fileKey: 'other/key', scan: r.end(), receivedAtMs: createdAtMs }, ref);
    expect(malformed.record.errors.map((e) => e.code)).toEqual(['MCF_MALFORMED']);
  });

  it('a key mismatch is not a duplicate: only a clean file under its own key meets the accepted record', () => {
    const accepted = { ...base, status: 'accepted', upload: '1:5', sha256: 'other' } as unknown as FileResultRecord;
    const v = fileVerdict({ ...base, fileKey: 'x/VEC-BASIC-1', scan: scanOf('basic-valid.xml'), receivedAtMs: createdAtMs, accepted }, ref);
    expect(v.record.errors.map((e) => e.code)).toEqual(['MCF_KEY_MISMATCH']);
  });

  it('recognises a replay of the same accepted upload (resume, not duplicate)', () => {
    const accepted = { ...base, status: 'accepted', emittedInstallations: 1 } as unknown as FileResultRecord;
    const v = fileVerdict({ ...base, scan: scanOf('basic-valid.xml'), receivedAtMs: createdAtMs, accepted }, ref);
    expect(v.kind).toBe('replay');
    expect(v.record.emittedInstallations).toBe(1);
  });

  it('MCF_NOT_AUTHORISED: a Migration file whose MA does not cover it, beside the other step-8 codes; not on a replay of its accepted upload', () => {
    const r = new McfReader({ digest: true, maxKeptDevices: 0 });
    r.write(mcf({ header: header({ Purpose: 'Migration', MigrationAuthorisation: 'MA-7' }) }));
    const scan = r.end();
    const asked: string[][] = [];
    const covered = { ...base, fileKey: '90b3d51f30010008/T-1', scan, receivedAtMs: createdAtMs, authorise: (ma: string, smso: string) => (asked.push([ma, smso]), null) };
    expect(fileVerdict(covered, ref).kind).toBe('accepted');
    expect(asked).toEqual([['MA-7', 'MDS']]);
    const refused = fileVerdict({ ...covered, authorise: () => 'MA MA-7 is used up (10 of 10)' }, ref);
    expect(refused.record.errors).toEqual([{ code: 'MCF_NOT_AUTHORISED', message: expect.stringContaining('MA MA-7 is used up (10 of 10)') }]);
    const staleToo = fileVerdict({ ...covered, receivedAtMs: createdAtMs + 40 * 86400_000, authorise: () => 'unknown' }, ref);
    expect(staleToo.record.errors.map((e) => e.code)).toEqual(['MCF_STALE', 'MCF_NOT_AUTHORISED']);
    const accepted = { ...base, fileKey: '90b3d51f30010008/T-1', status: 'accepted', upload: base.upload, sha256: base.sha256 } as unknown as FileResultRecord;
    expect(fileVerdict({ ...covered, accepted, authorise: () => 'used up since' }, ref).kind).toBe('replay');
  });

  it('builds transfer rejections with no header fields', () => {
    expect(transferRejection('k', '0:1', 'MCF_TRANSFER_INCOMPLETE', 'gap', 5, 6)).toMatchObject({
      status: 'rejected', fileId: null, errors: [{ code: 'MCF_TRANSFER_INCOMPLETE' }], emissionComplete: true,
    });
  });
});

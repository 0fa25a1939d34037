import { describe, expect, it } from 'vitest';
import { parseHeader, parseTimestamp } from '../../../../src/core/mcf/header.js';
import type { HeaderTexts } from '../../../../src/core/mcf/types.js';

const base: HeaderTexts = {
  FileID: 'MDS-20261201-000042',
  RequestingParty: '90-B3-D5-1F-30-01-00-08',
  SMSO: 'MDS',
  Cohort: 'MOC-MDS',
  Purpose: 'Migration',
  MigrationAuthorisation: 'MA_S1SP_90-B3-D5-1F-30-01-00-00_20261201_090000',
  CreatedAt: '2026-11-30T09:00:00Z',
  InstallationCount: '1',
  DeviceCount: '3',
};

describe('parseTimestamp', () => {
  it('gives whole seconds, truncating the fraction', () => {
    expect(parseTimestamp('2026-11-30T09:00:00Z')).toBe(Date.UTC(2026, 10, 30, 9) / 1000);
    expect(parseTimestamp('2026-11-30T09:00:00.999999999Z')).toBe(Date.UTC(2026, 10, 30, 9) / 1000);
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(-62135596800);
    expect(parseTimestamp('2024-02-29T23:59:59Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59) / 1000);
  });

  it('rejects impossible dates, leap seconds, offsets and bad syntax', () => {
    for (const t of ['2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z', '2026-01-01T00:00:60Z', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00', '2026-01-01T00:00:00.Z', '2026-01-01T00:00:00.1234567890Z']) {
      expect(parseTimestamp(t), t).toBeNull();
    }
    expect(parseTimestamp('2000-02-29T00:00:00Z')).not.toBeNull();
  });
});

describe('parseHeader', () => {
  it('parses a valid Header', () => {
    const h = parseHeader(base);
    expect(h).toMatchObject({ fileId: 'MDS-20261201-000042', requestingParty: '90b3d51f30010008', smso: 'MDS', purpose: 'Migration', installationCount: 1, deviceCount: 3 });
  });

  it('MigrationAuthorisation: required for Migration only, printable ASCII, at most 128', () => {
    expect(typeof parseHeader({ ...base, MigrationAuthorisation: null })).toBe('string');
    expect(typeof parseHeader({ ...base, Purpose: 'EarlyValidation', MigrationAuthorisation: null })).toBe('object');
    expect(typeof parseHeader({ ...base, MigrationAuthorisation: 'x'.repeat(129) })).toBe('string');
    expect(typeof parseHeader({ ...base, MigrationAuthorisation: 'é' })).toBe('string');
  });

  it('rejects each malformed field', () => {
    for (const bad of [
      { FileID: 'x'.repeat(65) }, { FileID: null }, { RequestingParty: '90-B3-D5-1F-30-01-00' }, { SMSO: 'mds' }, { SMSO: 'M' },
      { Cohort: 'moc-mds' }, { Purpose: 'Test' }, { CreatedAt: null }, { InstallationCount: '-1' }, { DeviceCount: '' },
    ] as Partial<HeaderTexts>[]) {
      expect(typeof parseHeader({ ...base, ...bad }), JSON.stringify(bad)).toBe('string');
    }
  });
});

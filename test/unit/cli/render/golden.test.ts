import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JsonReportSink } from '../../../../src/cli/render/json-report.js';
import { stringOutput } from '../../../../src/cli/render/output.js';
import { TextReportSink } from '../../../../src/cli/render/text-report.js';
import type { InstallationReport, ReportSummary } from '../../../../src/core/outcome/report.js';

const VECTORS = fileURLToPath(new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url));

describe('JSON report shape', () => {
  it('streams exactly the bytes of the expected basic-valid report', async () => {
    const expectedText = readFileSync(`${VECTORS}basic-valid.expected.json`, 'utf8');
    const expected = JSON.parse(expectedText) as {
      installations: InstallationReport[];
      summary: ReportSummary;
    } & Record<string, string | null>;
    const out = stringOutput();
    const sink = new JsonReportSink(out);
    await sink.begin({
      fileId: expected.fileId ?? null,
      smso: expected.smso ?? null,
      requestingParty: expected.requestingParty ?? null,
      purpose: expected.purpose ?? null,
      status: 'accepted',
      errors: [],
    });
    for (const inst of expected.installations) await sink.installation(inst);
    await sink.end(expected.summary);
    expect(out.text().trimEnd()).toBe(expectedText.trimEnd());
  });

  it('pins a rejected report: installations [] and zero counts, field order as the spec', async () => {
    const out = stringOutput();
    const sink = new JsonReportSink(out);
    await sink.begin({ fileId: null, smso: null, requestingParty: null, purpose: null, status: 'rejected', errors: [{ code: 'MCF_MALFORMED', message: 'm' }] });
    await sink.end({ installations: 0, valid: 0, partial: 0, excluded: 0, invalid: 0, devices: 0, devicesValid: 0, devicesInvalid: 0 });
    expect(out.text()).toBe(
      [
        '{',
        '  "fileId": null,',
        '  "smso": null,',
        '  "requestingParty": null,',
        '  "purpose": null,',
        '  "status": "rejected",',
        '  "errors": [',
        '    {',
        '      "code": "MCF_MALFORMED",',
        '      "message": "m"',
        '    }',
        '  ],',
        '  "installations": [],',
        '  "summary": {',
        '    "installations": 0,',
        '    "valid": 0,',
        '    "partial": 0,',
        '    "excluded": 0,',
        '    "invalid": 0,',
        '    "devices": 0,',
        '    "devicesValid": 0,',
        '    "devicesInvalid": 0',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });
});

describe('text report', () => {
  it('lists failing items and a summary table, not valid installations', async () => {
    const out = stringOutput();
    const sink = new TextReportSink(out);
    await sink.begin({ fileId: 'F1', smso: 'MDS', requestingParty: '90b3d51f30010008', purpose: 'Migration', status: 'accepted', errors: [] });
    await sink.installation({ installationId: 'OK1', status: 'valid', errors: [], devices: [{ deviceId: 'a', deviceType: 'CHF', status: 'valid', errors: [] }] });
    await sink.installation({
      installationId: 'BAD1',
      status: 'partial',
      errors: [],
      devices: [{ deviceId: '00db000000000001', deviceType: 'GSME', status: 'invalid', errors: [{ code: 'DEV_CERT_UNTRUSTED', message: 'x' }] }],
    });
    await sink.end({ installations: 2, valid: 1, partial: 1, excluded: 0, invalid: 0, devices: 2, devicesValid: 1, devicesInvalid: 1 });
    const text = out.text();
    expect(text).toContain('Status      ACCEPTED');
    expect(text).toContain('Installation BAD1: partial');
    expect(text).toContain('device 00db000000000001 (GSME): invalid');
    expect(text).toContain('DEV_CERT_UNTRUSTED');
    expect(text).not.toContain('OK1');
    expect(text).toMatch(/installations\s+2\n\s+valid\s+1\n\s+partial\s+1/);
  });

  it('shows a Migration file\'s migration status per installation and its counts in the summary', async () => {
    const out = stringOutput();
    const sink = new TextReportSink(out);
    await sink.begin({ fileId: 'F1', smso: 'MDS', requestingParty: '90b3d51f30010008', purpose: 'Migration', status: 'accepted', errors: [] });
    const migrated = { status: 'migrated' as const, attempt: 1, code: null, requestId: 'R1', at: '2026-12-01T10:00:00.000Z' };
    await sink.installation({ installationId: 'OK1', status: 'valid', errors: [], devices: [], migration: migrated });
    await sink.installation({ installationId: 'F2', status: 'valid', errors: [], devices: [], migration: { ...migrated, status: 'failed', attempt: 3, code: 'ENR_SMSO_TIMEOUT' } });
    await sink.end({ installations: 2, valid: 2, partial: 0, excluded: 0, invalid: 0, devices: 0, devicesValid: 0, devicesInvalid: 0,
      migration: { migrated: 1, migratedPartial: 0, migratedDormant: 0, failed: 1, waiting: 0, notAuthorised: 0, alerts: { sent: 5, notSent: { 'supplier-unknown': 2, 'duis-below-3': 1 } } } });
    const text = out.text();
    expect(text).not.toContain('OK1');
    expect(text).toContain('Installation F2: valid, failed (attempt 3, ENR_SMSO_TIMEOUT)');
    expect(text).toMatch(/migrated\s+1\n\s+partial\s+0\n\s+dormant\s+0\nfailed\s+1\nwaiting\s+0\nnot authorised\s+0\nalerts sent\s+5\n\s+not sent: supplier not in directory\s+2\n\s+not sent: DUIS below 3.0\s+1/);
  });
});

import { describe, expect, it } from 'vitest';
import { renderInstallation } from '../../../../src/cli/render/json-report.js';
import type { InstallationReport } from '../../../../src/core/outcome/report.js';

/** What the hand-written renderer replaced: the generic pretty-printer, re-indented. */
function reference(inst: InstallationReport): string {
  return JSON.stringify(inst, null, 2).replaceAll('\n', '\n    ');
}

const coded = (code: string, message: string) => ({ code, message });

describe('renderInstallation', () => {
  const cases: InstallationReport[] = [
    { installationId: 'INST-1', status: 'valid', errors: [], devices: [] },
    {
      installationId: 'INST-"2"\\\u2028',
      status: 'invalid',
      errors: [coded('INST_STRUCTURE', 'not exactly one CHF'), coded('INST_DUPLICATE_DEVICE', 'a "quoted"\nmessage')],
      devices: [
        { deviceId: '00db123456789001', deviceType: 'ESME', status: 'valid', errors: [] },
        { deviceId: null, deviceType: null, status: 'invalid', errors: [coded('DEV_ID_INVALID', 'x')] },
        {
          deviceId: ' 00-DB <&> \u0000\u001f é 😀',
          deviceType: 'Gas\tMeter',
          status: 'invalid',
          errors: [coded('DEV_TYPE_INVALID', 'y'), coded('DEV_FIELD_INVALID', 'z')],
        },
      ],
    },
    { installationId: '', status: 'partial', errors: [], devices: [{ deviceId: '', deviceType: '', status: 'valid', errors: [] }] },
    // The pipeline's migration block (enrolment.md), after the devices.
    { installationId: 'M1', status: 'valid', errors: [], devices: [{ deviceId: 'a', deviceType: 'CHF', status: 'valid', errors: [] }],
      migration: { status: 'migrated', attempt: 1, code: null, requestId: '90-B3-D5-1F-30-00-00-01:00-DB-12-34-56-78-90-00:17', at: '2026-12-01T10:15:02.311Z' } },
    { installationId: 'M2', status: 'invalid', errors: [coded('INST_NOT_AUTHORISED', 'm')], devices: [],
      migration: { status: 'not-enrolled', attempt: null, code: null, requestId: null, at: null } },
  ];
  it('prints exactly what JSON.stringify(report, null, 2) indented by four spaces prints', () => {
    for (const inst of cases) expect(renderInstallation(inst)).toBe(reference(inst));
  });
});

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
  ];
  it('prints exactly what JSON.stringify(report, null, 2) indented by four spaces prints', () => {
    for (const inst of cases) expect(renderInstallation(inst)).toBe(reference(inst));
  });
});

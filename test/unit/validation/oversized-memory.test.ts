import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runValidateCli } from '../../../bench/validate/cli-run.js';
import { REF } from './mcf-fixture.js';
import { writeOneHugeInstallation } from './oversized-file.js';

const MAIN_JS = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 's1mig-oversized-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The 1M-device budget of offline validation (issue 3): the devices of one installation count like any others. */
const CEILING_BYTES = 300 * 2 ** 20;

// Regression (audit, defect 4): the devices of one installation were held until it ended
// (~2 KB each, no valid signature needed): 1,000,000 devices in one installation took 2.0 GB.
describe('offline validation of one installation of 1,000,000 devices', () => {
  it(`stays under a ${CEILING_BYTES >> 20} MB peak RSS and reports every device`, async () => {
    expect(existsSync(MAIN_JS), 'npm test builds dist/ first').toBe(true);
    const file = join(dir, 'huge.xml');
    await writeOneHugeInstallation(file, 1_000_000);
    const run = await runValidateCli(MAIN_JS, file, REF, true);
    process.stderr.write(`one installation of 1,000,000 devices: ${run.seconds.toFixed(1)} s, peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MiB\n`);
    expect(run.exitCode).toBe(0);
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes).toBeLessThanOrEqual(CEILING_BYTES);
    const summary = JSON.parse(run.stdoutTail.slice(run.stdoutTail.lastIndexOf('"summary": ') + 11, run.stdoutTail.lastIndexOf('}'))) as Record<string, number>;
    expect(summary).toEqual({ installations: 1, valid: 0, partial: 0, excluded: 0, invalid: 1, devices: 1_000_000, devicesValid: 999_998, devicesInvalid: 2 });
    expect(run.stdoutTail).toContain('"deviceId": "00db0000000f423f"'); // the last device, listed
  }, 180_000);
});

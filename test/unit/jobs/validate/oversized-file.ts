/** Test helper (not a test): a signed MCF holding one installation of `devices` devices, written as a stream, and the test that validates it. */
import { createSign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runValidateCli } from '../../../../bench/validate/cli-run.js';
import { REF, SHARED } from './mcf-fixture.js';

const MAIN_JS = fileURLToPath(new URL('../../../../dist/src/cli/main.js', import.meta.url));

const SIGNER_KEY = readFileSync(`${SHARED}fixtures/smki/dccboxed-org/90b3d51f30010008-loadcontroller-ds.key.pem`, 'utf8');

function eui(k: number): string {
  const hex = k.toString(16).padStart(10, '0').toUpperCase();
  return `00-DB-00-${hex.slice(0, 2)}-${hex.slice(2, 4)}-${hex.slice(4, 6)}-${hex.slice(6, 8)}-${hex.slice(8, 10)}`;
}

/**
 * A CHF, an ESME and IHDs up to `devices`, each device ~230 bytes: 1,000,000 devices make a
 * ~230 MB file. Valid signature (the vectors' MDS signer), counts that match.
 */
export async function writeOneHugeInstallation(path: string, devices: number, createdAt = '2026-11-28T09:00:00Z'): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  const signer = createSign('SHA256');
  let buffered: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    const buf = Buffer.from(buffered.join(''), 'utf8');
    buffered = [];
    size = 0;
    signer.update(buf);
    await fh.write(buf);
  };
  const write = async (text: string): Promise<void> => {
    buffered.push(text);
    size += text.length;
    if (size >= 1 << 20) await flush();
  };
  try {
    await write([
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="1.0">',
      '  <Header>',
      '    <FileID>HUGE-1</FileID>',
      '    <RequestingParty>90-B3-D5-1F-30-01-00-08</RequestingParty>',
      '    <SMSO>MDS</SMSO>',
      '    <Cohort>MOC-MDS</Cohort>',
      '    <Purpose>EarlyValidation</Purpose>',
      `    <CreatedAt>${createdAt}</CreatedAt>`,
      '    <InstallationCount>1</InstallationCount>',
      `    <DeviceCount>${devices}</DeviceCount>`,
      '  </Header>',
      '  <Installation id="HUGE">',
      '    <MigrationType>Active</MigrationType>',
      '',
    ].join('\n'));
    for (let k = 0; k < devices; k++) {
      const type = k === 0 ? 'CHF' : k === 1 ? 'ESME' : 'IHD';
      const parent = k === 0 ? '' : `<Parent>${eui(k === 1 ? 0 : 1)}</Parent>`;
      const meter = type === 'ESME' ? '<MPxN>1900000000316</MPxN><ResponsibleSupplier>90-B3-D5-1F-30-01-00-00</ResponsibleSupplier>' : '';
      await write(`    <Device><DeviceID>${eui(k)}</DeviceID><DeviceType>${type}</DeviceType><Manufacturer>Holdco</Manufacturer>` +
        `<Model>M-${type}</Model><FirmwareVersion>0A01</FirmwareVersion>${meter}${parent}</Device>\n`);
    }
    await write('  </Installation>\n  ');
    await flush();
    const signature = signer.sign(SIGNER_KEY).toString('base64');
    await fh.write(`<Signature>${signature}</Signature>\n</MigrationCommonFile>\n`);
  } finally {
    await fh.close();
  }
}

/**
 * The 1M-device budget of offline validation (issue 3): the devices of one installation count
 * like any others. On Node 22 and later V8 sizes the main thread's young generation larger by
 * default: measured 308-331 MiB on Node 24.21 against 195-200 MiB on Node 20 for the same
 * run, 246 MiB with NODE_OPTIONS=--max-semi-space-size=16 (docs/performance.md, "Node 24").
 * That is a fixed cost, not one growing with devices; the defect this guards cost 485 MB at
 * 200,000 devices and 2 GB at a million.
 */
const CEILING_BYTES = (Number(process.versions.node.split('.')[0]) >= 22 ? 360 : 300) * 2 ** 20;

/**
 * Regression (audit, defect 4): the devices of one installation were held until it ended
 * (~2 KB each, no valid signature needed): 200,000 devices in one installation took 485 MB,
 * 1,000,000 took 2.0 GB. `npm test` runs 200,000 (S1MIG_OVERSIZED_DEVICES), `npm run
 * test:heavy` the million (test/heavy/oversized.test.ts).
 */
export function oversizedValidateTest(devices: number): void {
  const dir = mkdtempSync(join(tmpdir(), 's1mig-oversized-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  describe(`offline validation of one installation of ${devices} devices`, () => {
    it(`stays under a ${CEILING_BYTES >> 20} MB peak RSS and reports every device`, async () => {
      expect(existsSync(MAIN_JS), 'npm test builds dist/ first').toBe(true);
      const file = join(dir, `huge-${devices}.xml`);
      await writeOneHugeInstallation(file, devices);
      const run = await runValidateCli(MAIN_JS, file, REF, true);
      rmSync(file);
      process.stderr.write(`one installation of ${devices} devices: ${run.seconds.toFixed(1)} s, peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MiB\n`);
      expect(run.exitCode).toBe(0);
      expect(run.peakRssBytes).toBeGreaterThan(0);
      expect(run.peakRssBytes).toBeLessThanOrEqual(CEILING_BYTES);
      const summary = JSON.parse(run.stdoutTail.slice(run.stdoutTail.lastIndexOf('"summary": ') + 11, run.stdoutTail.lastIndexOf('}'))) as Record<string, number>;
      expect(summary).toEqual({ installations: 1, valid: 0, partial: 0, excluded: 0, invalid: 1, devices, devicesValid: devices - 2, devicesInvalid: 2 });
      // The last device, listed.
      expect(run.stdoutTail).toContain(`"deviceId": "00db00${(devices - 1).toString(16).padStart(10, '0')}"`);
    }, 600_000);
  });
}

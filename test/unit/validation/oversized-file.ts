/** Test helper (not a test): a signed MCF holding one installation of `devices` devices, written as a stream. */
import { createSign } from 'node:crypto';
import { open } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { SHARED } from './mcf-fixture.js';

const SIGNER_KEY = readFileSync(`${SHARED}fixtures/smki/dccboxed-org/90b3d51f30010008-loadcontroller-ds.key.pem`, 'utf8');

function eui(k: number): string {
  const hex = k.toString(16).padStart(10, '0').toUpperCase();
  return `00-DB-00-${hex.slice(0, 2)}-${hex.slice(2, 4)}-${hex.slice(4, 6)}-${hex.slice(6, 8)}-${hex.slice(8, 10)}`;
}

/**
 * A CHF, an ESME and IHDs up to `devices`, each device ~230 bytes: 1,000,000 devices make a
 * ~230 MB file. Valid signature (the vectors' MDS signer), counts that match.
 */
export async function writeOneHugeInstallation(path: string, devices: number): Promise<void> {
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
    await write('<?xml version="1.0" encoding="UTF-8"?>\n<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="1.0">\n' +
      '  <Header>\n    <FileID>HUGE-1</FileID>\n    <RequestingParty>90-B3-D5-1F-30-01-00-08</RequestingParty>\n    <SMSO>MDS</SMSO>\n' +
      '    <Cohort>MOC-MDS</Cohort>\n    <Purpose>EarlyValidation</Purpose>\n    <CreatedAt>2026-11-28T09:00:00Z</CreatedAt>\n' +
      `    <InstallationCount>1</InstallationCount>\n    <DeviceCount>${devices}</DeviceCount>\n  </Header>\n` +
      '  <Installation id="HUGE">\n    <MigrationType>Active</MigrationType>\n');
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

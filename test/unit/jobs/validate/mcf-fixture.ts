/** Test helper (not a test): small MCF documents, signed like an SMSO would sign them. */
import { readFileSync } from 'node:fs';
import { sign } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));
export const VECTORS = `${SHARED}fixtures/mcf-vectors/`;
export const REF = `${VECTORS}ref`;
/** Private key of the MDS file signer 90b3d51f30010008 in the vectors' ref (a public test key). */
const SIGNER_KEY = readFileSync(`${SHARED}fixtures/smki/dccboxed-org/90b3d51f30010008-loadcontroller-ds.key.pem`, 'utf8');

export interface HeaderOptions {
  FileID?: string | null;
  RequestingParty?: string | null;
  SMSO?: string | null;
  Cohort?: string | null;
  Purpose?: string | null;
  MigrationAuthorisation?: string | null;
  CreatedAt?: string | null;
  InstallationCount?: string | null;
  DeviceCount?: string | null;
}

export function header(o: HeaderOptions = {}): string {
  const v: Required<HeaderOptions> = {
    FileID: 'T-1',
    RequestingParty: '90-B3-D5-1F-30-01-00-08',
    SMSO: 'MDS',
    Cohort: 'MOC-MDS',
    Purpose: 'EarlyValidation',
    MigrationAuthorisation: null,
    CreatedAt: '2026-11-28T09:00:00Z',
    InstallationCount: '1',
    DeviceCount: '2',
    ...o,
  };
  const rows = Object.entries(v)
    .filter(([, x]) => x !== null)
    .map(([k, x]) => `    <${k}>${x}</${k}>\n`)
    .join('');
  return `  <Header>\n${rows}  </Header>\n`;
}

export interface DeviceOptions {
  [field: string]: string | null | undefined;
}

/** A device with every field its type needs (crypto fields are placeholders for a fake checker). */
export function device(id: string, type: string, o: DeviceOptions = {}): string {
  const meter = type === 'ESME' || type === 'GSME';
  const models: Record<string, string> = { CHF: 'HUB-7', ESME: 'E-71', GSME: 'G-72' };
  const v: Record<string, string | null | undefined> = {
    DeviceID: id,
    DeviceType: type,
    Manufacturer: 'Holdco',
    Model: models[type] ?? 'X-1',
    FirmwareVersion: '0A01',
    MPxN: meter ? '1900000000316' : null,
    ResponsibleSupplier: meter ? '90-B3-D5-1F-30-01-00-00' : null,
    Parent: type === 'CHF' ? null : meter || type === 'GPF' ? '00-DB-00-00-00-00-00-01' : '00-DB-00-00-00-00-00-02',
    Certificate: 'QUJD',
    Credential: 'QUJD',
    ...o,
  };
  const rows = Object.entries(v)
    .filter(([, x]) => x !== null && x !== undefined)
    .map(([k, x]) => `      <${k}>${x}</${k}>\n`)
    .join('');
  return `    <Device>\n${rows}    </Device>\n`;
}

export function installation(id: string, devices: string[] = [device('00-DB-00-00-00-00-00-01', 'CHF'), device('00-DB-00-00-00-00-00-02', 'ESME')], extra = ''): string {
  return `  <Installation id="${id}">\n    <MigrationType>Active</MigrationType>\n${extra}${devices.join('')}  </Installation>\n`;
}

export interface DocOptions {
  prolog?: string;
  rootOpen?: string;
  header?: string;
  body?: string;
  /** Text between the body and the Signature (e.g. a comment). */
  beforeSignature?: string;
  /** null: no Signature; a string: that exact Signature element. */
  signatureElement?: string | null;
  afterSignature?: string;
  trailer?: string;
}

/** Builds and signs a document: the signature covers every byte before `<Signature`. */
export function mcf(o: DocOptions = {}): Buffer {
  const signed = Buffer.from(
    (o.prolog ?? '<?xml version="1.0" encoding="UTF-8"?>\n') +
      (o.rootOpen ?? '<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="1.0">\n') +
      (o.header ?? header()) +
      (o.body ?? installation('I1')) +
      (o.beforeSignature ?? '  '),
  );
  const sig = sign('sha256', signed, SIGNER_KEY).toString('base64');
  const sigEl = o.signatureElement === undefined ? `<Signature>${sig}</Signature>\n` : o.signatureElement ?? '';
  return Buffer.concat([signed, Buffer.from(sigEl + (o.afterSignature ?? '') + (o.trailer ?? '</MigrationCommonFile>\n'))]);
}

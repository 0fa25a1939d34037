import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initReferenceDirectory } from '../../../../src/jobs/devtools/ref-init.js';
import { FILE_DEFECTS, INSTALLATION_DEFECTS } from '../../../../src/jobs/gen/defects.js';
import { generateMcf, type GenerateOptions } from '../../../../src/jobs/gen/generate.js';
import { cryptoCodes, loadKey, readInstallations, skeleton } from './helpers.js';

interface Report {
  status: string;
  requestingParty: string;
  errors: { code: string }[];
  installations: { installationId: string; status: string; errors: { code: string }[]; devices: { deviceId: string; deviceType: string; status: string; errors: { code: string }[] }[] }[];
  summary: Record<string, number>;
}

const root = mkdtempSync(join(tmpdir(), 's1mig-gen-'));
const ref = join(root, 'ref');
const CREATED = new Date('2026-11-30T09:00:00Z');
let caKey: ReturnType<typeof createPublicKey>;
let s1spKey: ReturnType<typeof loadKey>;

beforeAll(() => {
  initReferenceDirectory(ref);
  caKey = new X509Certificate(readFileSync(join(ref, 'smso/MDS/device-cas.pem'))).publicKey;
  s1spKey = loadKey(readFileSync(join(ref, 's1sp/key-agreement.key.pem'), 'utf8'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function gen(name: string, extra: Partial<GenerateOptions> = {}): Promise<{ xml: Buffer; report: Report }> {
  const out = join(root, name);
  await generateMcf({ refDir: ref, smso: 'MDS', installations: 30, out, seed: 'seed-1', purpose: 'Migration', createdAt: CREATED, ...extra });
  return { xml: readFileSync(out), report: JSON.parse(readFileSync(`${out}.expected.json`, 'utf8')) as Report };
}

function signatureVerifies(xml: Buffer): boolean {
  const at = xml.lastIndexOf('<Signature>');
  const sig = /<Signature>([^<]*)<\/Signature>/.exec(xml.subarray(at).toString())![1]!;
  const signer = new X509Certificate(readFileSync(join(ref, 'smso/MDS/file-signers.pem')));
  return verify('sha256', xml.subarray(0, at), signer.publicKey, Buffer.from(sig, 'base64'));
}

describe('gen', () => {
  it('is deterministic for a seed apart from key-derived data', async () => {
    const a = await gen('a.xml', { defects: 'DEV_CERT_PROFILE:3,INST_DUPLICATE_DEVICE' });
    const b = await gen('b.xml', { defects: 'DEV_CERT_PROFILE:3,INST_DUPLICATE_DEVICE' });
    // the same installation ids, DeviceIDs, types, models, firmware, MPxNs, suppliers, parents, order
    expect(skeleton(a.xml.toString())).toBe(skeleton(b.xml.toString()));
    expect(a.report).toEqual(b.report);
    expect(a.xml.equals(b.xml)).toBe(false); // fresh keys, certificates and credentials
    const c = await gen('c.xml', { seed: 'seed-2' });
    expect(skeleton(c.xml.toString())).not.toBe(skeleton(a.xml.toString()));
  });

  it('keeps the seed\'s plan with a chosen first device, every device ID shifted from it', async () => {
    const ids = (xml: Buffer) => [...xml.toString().matchAll(/<DeviceID>([0-9A-F-]{23})<\/DeviceID>/g)].map((m) => BigInt(`0x${m[1]!.replaceAll('-', '')}`));
    const a = await gen('first-a.xml');
    const b = await gen('first-b.xml', { firstDevice: (ids(a.xml)[0]! + 1n).toString(16).padStart(16, '0') });
    expect(ids(b.xml)).toEqual(ids(a.xml).map((v) => v + 1n));
    expect(b.report.installations.map((i) => i.status)).toEqual(a.report.installations.map((i) => i.status));
    await expect(gen('first-c.xml', { firstDevice: '00-DB' })).rejects.toThrow(/not a canonical EUI-64/);
  });

  it('writes a valid signed file: counts, signature over the exact range, certificates and credentials', async () => {
    const { xml, report } = await gen('valid.xml');
    const text = xml.toString();
    const insts = readInstallations(text);
    const devices = insts.flatMap((i) => i.devices);
    expect(text).toContain('<InstallationCount>30</InstallationCount>');
    expect(text).toContain(`<DeviceCount>${devices.length}</DeviceCount>`);
    expect(new Set(insts.map((i) => i.id)).size).toBe(30);
    expect(new Set(devices.map((d) => d.fields['DeviceID'])).size).toBe(devices.length);
    expect(signatureVerifies(xml)).toBe(true);
    expect(text).toContain('<RequestingParty>90-B3-D5-1F-30-02-00-01</RequestingParty>');
    for (const d of devices) expect(cryptoCodes(d.fields, caKey, s1spKey, CREATED.getTime())).toEqual([]);
    expect(devices.filter((d) => d.fields['Certificate'] !== undefined).length).toBeGreaterThanOrEqual(60);
    expect(devices.some((d) => d.fields['DeviceType'] === 'GSME')).toBe(true);
    expect(devices.some((d) => d.fields['DeviceType'] === 'IHD')).toBe(true);
    expect(report.status).toBe('accepted');
    expect(report.requestingParty).toBe('90b3d51f30020001');
    expect(report.summary['installations']).toBe(30);
    expect(report.summary['devices']).toBe(devices.length);
    expect(report.installations.every((i) => i.status === 'valid')).toBe(true);
  });

  it('injects every installation-level defect and its expected outcome is what the bytes say', async () => {
    const spec = INSTALLATION_DEFECTS.map((c) => `${c}:2`).join(',');
    const { xml, report } = await gen('defects.xml', { installations: 60, defects: spec });
    expect(signatureVerifies(xml)).toBe(true);
    const insts = readInstallations(xml.toString());
    expect(report.installations.map((i) => i.installationId)).toEqual(insts.map((i) => i.id));
    const seen = new Set<string>();
    insts.forEach((inst, k) => {
      const exp = report.installations[k]!;
      expect(exp.devices.length).toBe(inst.devices.length);
      inst.devices.forEach((d, j) => {
        const codes = exp.devices[j]!.errors.map((e) => e.code);
        codes.forEach((c) => seen.add(c));
        // crypto codes confirmed by an independent check of the written bytes
        const crypto = codes.filter((c) => c.startsWith('DEV_CERT_') && c !== 'DEV_CERT_MISSING' || c === 'DEV_CREDENTIAL_INVALID' || c === 'DEV_CREDENTIAL_INCOMPLETE');
        if (d.fields['DeviceType'] !== 'WIDGET' && /^[0-9A-F-]{23}$/.test(d.fields['DeviceID']!)) {
          expect(cryptoCodes(d.fields, caKey, s1spKey, CREATED.getTime())).toEqual(crypto);
        }
        if (codes.includes('DEV_CERT_MISSING')) expect(d.fields['Certificate']).toBeUndefined();
        if (codes.includes('DEV_CREDENTIAL_MISSING')) expect(d.fields['Credential']).toBeUndefined();
        if (codes.includes('DEV_FIELD_INVALID')) expect(d.fields['FirmwareVersion']!.length).toBe(9);
        if (codes.includes('DEV_ID_INVALID')) expect(exp.devices[j]!.deviceId).toMatch(/ZZ$/);
        if (codes.includes('DEV_TYPE_INVALID')) expect(exp.devices[j]!.deviceType).toBe('WIDGET');
      });
      const instCodes = exp.errors.map((e) => e.code);
      instCodes.forEach((c) => seen.add(c));
      if (instCodes.includes('INST_STRUCTURE')) expect(inst.body).toContain('<MigrationType>Paused</MigrationType>');
      if (instCodes.includes('INST_DMC_NOT_ELIGIBLE')) expect(inst.body).toContain('-UNLISTED</Model>');
      if (instCodes.includes('INST_SPLIT_SUPPLY')) {
        const sup = inst.devices.filter((d) => d.fields['ResponsibleSupplier'] !== undefined).map((d) => d.fields['ResponsibleSupplier']);
        expect(new Set(sup).size).toBe(2);
      }
      // precedence: a device-only failure of the GSME (and its children) is partial, of the CHF/ESME invalid
      const failedTypes = exp.devices.filter((d) => d.status === 'invalid').map((d) => d.deviceType);
      if (instCodes.length === 0 && failedTypes.length === 1 && failedTypes[0] === 'GSME') expect(exp.status).toBe('partial');
      if (instCodes.length === 0 && (failedTypes.includes('CHF') || failedTypes.includes('ESME'))) {
        const keysOnly = exp.devices.every((d) => d.errors.every((e) => e.code.startsWith('DEV_CREDENTIAL_M') || e.code === 'DEV_CREDENTIAL_INCOMPLETE'));
        expect(exp.status).toBe(keysOnly ? 'excluded' : 'invalid');
      }
    });
    for (const c of INSTALLATION_DEFECTS) expect(seen, c).toContain(c);
    // split supply is only an outcome under policy reject, which the policy file states
    expect(JSON.parse(readFileSync(join(root, 'defects.xml.expected.policy.json'), 'utf8'))).toEqual({ splitSupply: 'reject', partial: 'allow' });
    const s = report.summary;
    expect(s['valid']! + s['partial']! + s['excluded']! + s['invalid']!).toBe(60);
    expect(s['valid']).toBe(report.installations.filter((i) => i.status === 'valid').length);
    expect(s['devicesInvalid']).toBe(report.installations.flatMap((i) => i.devices).filter((d) => d.status === 'invalid').length);
  });

  it('injects each file-level defect as a rejected file with only that code', async () => {
    for (const code of FILE_DEFECTS) {
      const { xml, report } = await gen(`${code}.xml`, { defects: `${code},DEV_CERT_UNTRUSTED:2` });
      const text = xml.toString();
      expect(report.status, code).toBe('rejected');
      expect(report.errors.map((e) => e.code), code).toEqual([code]);
      expect(report.installations).toEqual([]);
      expect(Object.values(report.summary).every((v) => v === 0)).toBe(true);
      if (code === 'MCF_UNSUPPORTED_VERSION') expect(text).toContain('schemaVersion="1.1"');
      if (code === 'MCF_SIGNATURE_MISSING') expect(text).not.toContain('<Signature>');
      else if (code === 'MCF_SIGNATURE_INVALID' || code === 'MCF_SIGNER_UNKNOWN') expect(signatureVerifies(xml)).toBe(code === 'MCF_SIGNER_UNKNOWN');
      else expect(signatureVerifies(xml)).toBe(true);
      if (code === 'MCF_SIGNER_UNKNOWN') expect(report.requestingParty).not.toBe('90b3d51f30020001');
      if (code === 'MCF_SIGNER_EXPIRED') expect(text).toContain('<CreatedAt>1999-12-31T00:00:00Z</CreatedAt>');
      if (code === 'MCF_COUNT_MISMATCH') expect(text).toContain('<InstallationCount>31</InstallationCount>');
      if (code === 'MCF_MALFORMED') expect(text.match(/<Installation id="INST-0000001">/g)?.length).toBe(2);
    }
  });

  it('rejects impossible defect requests as usage errors', async () => {
    await expect(gen('x.xml', { defects: 'DEV_CERT_PROFILE:31' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(gen('x.xml', { defects: 'MCF_STALE' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(gen('x.xml', { defects: 'MCF_MALFORMED,MCF_COUNT_MISMATCH' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

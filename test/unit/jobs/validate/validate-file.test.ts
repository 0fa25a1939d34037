import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceCryptoBatch, DeviceCryptoChecker, DeviceCryptoResult } from '../../../../src/core/contracts/device-crypto.js';
import { loadReference } from '../../../../src/core/reference/index.js';
import { JsonReportSink } from '../../../../src/cli/render/json-report.js';
import { TextReportSink } from '../../../../src/cli/render/text-report.js';
import { stringOutput } from '../../../../src/cli/render/output.js';
import { DEFAULT_POLICY, validateFile, type ValidationPolicy } from '../../../../src/jobs/validate/validate-file.js';
import { REF, device, header, installation, mcf, type DeviceOptions } from './mcf-fixture.js';

const ref = loadReference(REF);
const dir = mkdtempSync(join(tmpdir(), 's1mig-validate-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A checker that finds nothing wrong, or what `codes` says for a device ID; records batches. */
function fakeChecker(codes: Record<string, DeviceCryptoResult> = {}): DeviceCryptoChecker & { batches: DeviceCryptoBatch[] } {
  const batches: DeviceCryptoBatch[] = [];
  return {
    batches,
    async check(batch) {
      batches.push(batch);
      return batch.items.map((i) => codes[i.deviceId ?? ''] ?? []);
    },
    async close() {},
  };
}

interface Report {
  fileId: string | null;
  requestingParty: string | null;
  status: string;
  errors: { code: string }[];
  installations: { installationId: string; status: string; errors: { code: string }[]; devices: { deviceId: string | null; deviceType: string | null; status: string; errors: { code: string }[] }[] }[];
  summary: Record<string, number>;
}

async function validate(bytes: Buffer, opts: { checker?: DeviceCryptoChecker; policy?: Partial<ValidationPolicy>; batchSize?: number } = {}): Promise<Report> {
  const path = join(dir, `f${n++}.xml`);
  writeFileSync(path, bytes);
  const out = stringOutput();
  await validateFile(path, ref, opts.checker ?? fakeChecker(), { ...DEFAULT_POLICY, ...opts.policy }, new JsonReportSink(out), { batchSize: opts.batchSize });
  return JSON.parse(out.text()) as Report;
}

const fileCodes = (r: Report): string[] => r.errors.map((e) => e.code);

describe('validateFile: file-level check steps', () => {
  it('accepts a well-formed, signed file with matching counts', async () => {
    const r = await validate(mcf());
    expect(fileCodes(r)).toEqual([]);
    expect(r.status).toBe('accepted');
    expect(r.requestingParty).toBe('90b3d51f30010008');
    expect(r.installations.map((i) => i.status)).toEqual(['valid']);
  });

  it('step 1: MCF_MALFORMED, installations [] and zero summary, header fields null', async () => {
    const r = await validate(mcf({ prolog: '<!DOCTYPE x>\n' }));
    expect(r.status).toBe('rejected');
    expect(fileCodes(r)).toEqual(['MCF_MALFORMED']);
    expect(r.installations).toEqual([]);
    expect(Object.values(r.summary).every((v) => v === 0)).toBe(true);
    expect(r.fileId).toBeNull();
  });

  it('step 2: MCF_UNSUPPORTED_VERSION beats step-3 problems, not step-1 ones', async () => {
    const v2 = '<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="2.0">\n';
    expect(fileCodes(await validate(mcf({ rootOpen: v2, header: header({ SMSO: 'bad' }) })))).toEqual(['MCF_UNSUPPORTED_VERSION']);
    expect(fileCodes(await validate(mcf({ rootOpen: v2, trailer: '</MigrationCommonFile><!-- -->' })))).toEqual(['MCF_MALFORMED']);
  });

  it('step 3: Header syntax is MCF_MALFORMED, with the Header texts in the report', async () => {
    for (const h of [
      { CreatedAt: '2026-02-30T09:00:00Z' },
      { CreatedAt: '2026-11-28T09:00:00+00:00' },
      { Purpose: 'Migration' }, // MigrationAuthorisation missing
      { Cohort: 'XOC' },
      { InstallationCount: '12345678901' },
      { RequestingParty: '90B3D51F30010008' },
    ]) {
      const r = await validate(mcf({ header: header(h) }));
      expect(fileCodes(r), JSON.stringify(h)).toEqual(['MCF_MALFORMED']);
    }
    const r = await validate(mcf({ header: header({ RequestingParty: 'not-an-eui', FileID: ' F 2 ' }) }));
    expect(r.requestingParty).toBe('not-an-eui');
    expect(r.fileId).toBe('F 2');
  });

  it('step 4: MCF_SIGNATURE_MISSING', async () => {
    expect(fileCodes(await validate(mcf({ signatureElement: null })))).toEqual(['MCF_SIGNATURE_MISSING']);
    expect(fileCodes(await validate(mcf({ signatureElement: '<Signature></Signature>' })))).toEqual(['MCF_SIGNATURE_MISSING']);
  });

  it('step 5: MCF_SIGNER_UNKNOWN and MCF_SIGNER_EXPIRED stop (no count check)', async () => {
    expect(fileCodes(await validate(mcf({ header: header({ SMSO: 'NOSUCH' }) })))).toEqual(['MCF_SIGNER_UNKNOWN']);
    expect(fileCodes(await validate(mcf({ header: header({ RequestingParty: '90-B3-D5-1F-30-01-00-09', DeviceCount: '9' }) })))).toEqual(['MCF_SIGNER_UNKNOWN']);
    expect(fileCodes(await validate(mcf({ header: header({ CreatedAt: '2034-01-01T00:00:00.5Z', DeviceCount: '9' }) })))).toEqual(['MCF_SIGNER_EXPIRED']);
  });

  it('steps 6 and 7: MCF_SIGNATURE_INVALID and MCF_COUNT_MISMATCH reported together', async () => {
    const good = mcf({ header: header({ DeviceCount: '3' }) });
    expect(fileCodes(await validate(good))).toEqual(['MCF_COUNT_MISMATCH']);
    const tampered = Buffer.from(good.toString('utf8').replace('<FileID>T-1', '<FileID>T-2'));
    expect(fileCodes(await validate(tampered))).toEqual(['MCF_SIGNATURE_INVALID', 'MCF_COUNT_MISMATCH']);
    const badSig = mcf({ signatureElement: '<Signature>MEUCIQ!!</Signature>' });
    expect(fileCodes(await validate(badSig))).toEqual(['MCF_SIGNATURE_INVALID']);
    const long = mcf({ signatureElement: `<Signature>${'A'.repeat(204)}</Signature>` });
    expect(fileCodes(await validate(long))).toEqual(['MCF_SIGNATURE_INVALID']);
  });

  it('signs over the exact bytes: BOM, prefix and a comment before the Signature', async () => {
    const bytes = mcf({
      prolog: '\ufeff<?xml version="1.0"?>\r\n',
      rootOpen: '<m:MigrationCommonFile xmlns:m="urn:s1mig:mcf:1" schemaVersion="1.0">\n',
      header: header().replaceAll('<', '<m:').replaceAll('<m:/', '</m:'),
      body: installation('I1').replaceAll('<', '<m:').replaceAll('<m:/', '</m:'),
      beforeSignature: '  <!-- sig -->\n  ',
      signatureElement: undefined,
      trailer: '</m:MigrationCommonFile>',
    });
    const fixed = Buffer.from(bytes.toString('utf8').replace('<Signature>', '<m:Signature>').replace('</Signature>', '</m:Signature>'));
    const r = await validate(fixed);
    expect(fileCodes(r)).toEqual([]);
  });

  it('installations over 10,000,000 and limits are step 3 (limit: a 8193-char Model)', async () => {
    const r = await validate(mcf({ body: installation('I1', [device('00-DB-00-00-00-00-00-01', 'CHF', { Model: 'x'.repeat(8193) }), device('00-DB-00-00-00-00-00-02', 'ESME')]) }));
    expect(fileCodes(r)).toEqual(['MCF_MALFORMED']);
  });
});

describe('validateFile: devices and installations', () => {
  it('streams installations in file order with device codes merged from the checker', async () => {
    const checker = fakeChecker({ '00db000000000012': ['DEV_CERT_UNTRUSTED'] });
    const body =
      installation('A') +
      installation('B', [device('00-DB-00-00-00-00-00-11', 'CHF'), device('00-DB-00-00-00-00-00-12', 'ESME', { Parent: '00-DB-00-00-00-00-00-11' })]);
    const r = await validate(mcf({ header: header({ InstallationCount: '2', DeviceCount: '4' }), body }), { checker, batchSize: 1 });
    expect(r.installations.map((i) => [i.installationId, i.status])).toEqual([['A', 'valid'], ['B', 'invalid']]);
    expect(r.installations[1]!.devices[1]).toEqual({ deviceId: '00db000000000012', deviceType: 'ESME', status: 'invalid', errors: [{ code: 'DEV_CERT_UNTRUSTED', message: expect.any(String) }] });
    expect(r.summary).toEqual({ installations: 2, valid: 1, partial: 0, excluded: 0, invalid: 1, devices: 4, devicesValid: 3, devicesInvalid: 1 });
    expect(checker.batches.every((b) => b.smso === 'MDS' && b.createdAtSec === Date.UTC(2026, 10, 28, 9) / 1000)).toBe(true);
  });

  it('marks every installation holding a duplicated device ID, across the file', async () => {
    const body = installation('A') + installation('B', [device('00-db-00-00-00-00-00-01', 'CHF'), device('00-DB-00-00-00-00-00-03', 'ESME', { Parent: '00-DB-00-00-00-00-00-01' })]) + installation('C', [device('00-DB-00-00-00-00-00-05', 'CHF'), device('00-DB-00-00-00-00-00-06', 'ESME', { Parent: '00-DB-00-00-00-00-00-05' })]);
    const r = await validate(mcf({ header: header({ InstallationCount: '3', DeviceCount: '6' }), body }));
    expect(r.installations.map((i) => [i.status, i.errors.map((e) => e.code)])).toEqual([
      ['invalid', ['INST_DUPLICATE_DEVICE']],
      ['invalid', ['INST_DUPLICATE_DEVICE']],
      ['valid', []],
    ]);
    expect(r.installations[0]!.devices.every((d) => d.status === 'valid')).toBe(true);
  });

  it('applies the split-supply policy', async () => {
    const body = installation('A', [
      device('00-DB-00-00-00-00-00-01', 'CHF'),
      device('00-DB-00-00-00-00-00-02', 'ESME'),
      device('00-DB-00-00-00-00-00-03', 'GSME', { ResponsibleSupplier: '90-B3-D5-1F-30-01-00-0A' }),
    ]);
    const bytes = mcf({ header: header({ DeviceCount: '3' }), body });
    expect((await validate(bytes)).installations[0]!.status).toBe('valid');
    const r = await validate(bytes, { policy: { splitSupply: 'reject' } });
    expect(r.installations[0]!.errors.map((e) => e.code)).toEqual(['INST_SPLIT_SUPPLY']);
  });

  it('finds a duplicate in a later batch than the installation it marks', async () => {
    const body = installation('A') + installation('B', [device('00-DB-00-00-00-00-00-05', 'CHF'), device('00-DB-00-00-00-00-00-06', 'ESME', { Parent: '00-DB-00-00-00-00-00-05' })]) + installation('C', [device('00-db-00-00-00-00-00-02', 'CHF'), device('00-DB-00-00-00-00-00-07', 'ESME', { Parent: '00-DB-00-00-00-00-00-02' })]);
    const r = await validate(mcf({ header: header({ InstallationCount: '3', DeviceCount: '6' }), body }), { batchSize: 1 });
    expect(r.installations.map((i) => [i.installationId, i.status])).toEqual([['A', 'invalid'], ['B', 'valid'], ['C', 'invalid']]);
    expect(r.summary.devices).toBe(6);
  });

  it('reports installations without devices, also after the last batch', async () => {
    const body = installation('A') + installation('E1', []) + installation('E2', []);
    const r = await validate(mcf({ header: header({ InstallationCount: '3' }), body }));
    expect(fileCodes(r)).toEqual([]);
    expect(r.installations.map((i) => [i.installationId, i.status, i.errors.map((e) => e.code)])).toEqual([
      ['A', 'valid', []], ['E1', 'invalid', ['INST_STRUCTURE']], ['E2', 'invalid', ['INST_STRUCTURE']],
    ]);
    const none = await validate(mcf({ header: header({ DeviceCount: '0' }), body: installation('E', []) }));
    expect(none.installations.map((i) => [i.installationId, i.status])).toEqual([['E', 'invalid']]);
  });

  it('a file cut short inside an installation is MCF_MALFORMED, not an internal error', async () => {
    const whole = mcf({ header: header({ InstallationCount: '2', DeviceCount: '4' }), body: installation('A') + installation('B') }).toString('utf8');
    const r = await validate(Buffer.from(whole.slice(0, whole.lastIndexOf('</Installation>'))), { batchSize: 1 });
    expect(fileCodes(r)).toEqual(['MCF_MALFORMED']);
    expect(r.installations).toEqual([]);
  });

  // Regression (audit, defect 3): when the '>' of </Header> came at byte 262,144 or later
  // (after the first 256 KiB read), validate took "Header not complete yet" for a rejected
  // file, checked no device and failed with exit 3 ("0 installations checked, 1 in the file").
  it('a valid file whose Header ends after the first read chunk gets the same verdict at every boundary', async () => {
    const READ_CHUNK = 256 * 1024;
    const plain = mcf().toString('utf8');
    const headerEnd = plain.indexOf('  </Header>');
    for (const gtAt of [READ_CHUNK - 2, READ_CHUNK - 1, READ_CHUNK, READ_CHUNK + 1, READ_CHUNK + 9, 2 * READ_CHUNK + 3]) {
      // A comment before </Header> (legal) puts the '>' of </Header> at byte gtAt.
      const pad = gtAt - headerEnd - '  </Header'.length - '<!---->'.length;
      const h = header().replace('  </Header>', `<!--${' '.repeat(pad)}-->  </Header>`);
      const bytes = mcf({ header: h });
      expect(bytes.indexOf('</Header>') + '</Header'.length, 'where the > lands').toBe(gtAt);
      const checker = fakeChecker();
      const r = await validate(bytes, { checker });
      expect(fileCodes(r), `> at ${gtAt}`).toEqual([]);
      expect(r.installations.map((i) => i.status)).toEqual(['valid']);
      expect(checker.batches.reduce((k, b) => k + b.items.length, 0)).toBe(2);
    }
  });

  it('sends no device to the checker once the file is known to be rejected', async () => {
    const checker = fakeChecker();
    const r = await validate(mcf({ header: header({ Cohort: 'XOC' }) }), { checker });
    expect(fileCodes(r)).toEqual(['MCF_MALFORMED']);
    expect(checker.batches).toEqual([]);
  });
});

describe('validateFile: installations of more than 32 devices (streamed, issue 8 defect 4)', () => {
  // Not the IDs of the fixture's default installation (00-DB-00-00-00-00-00-01/02).
  const id = (k: number): string => `00-DB-00-01-00-${[16, 8, 0].map((sh) => ((k >> sh) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join('-')}`;
  const ihds = (from: number, n: number, o: DeviceOptions = {}): string[] =>
    Array.from({ length: n }, (_, k) => device(id(from + k), 'IHD', { Parent: id(2), Certificate: null, Credential: null, ...o }));
  const big = (n: number): string[] => [device(id(1), 'CHF'), device(id(2), 'ESME', { Parent: id(1) }), ...ihds(3, n - 2)];

  it('lists every device of an oversized installation, in order, with its own status, as JSON.stringify would print it', async () => {
    for (const n of [32, 33, 40, 300]) {
      const checker = fakeChecker({ [id(7).replaceAll('-', '').toLowerCase()]: ['DEV_CERT_UNTRUSTED'] });
      const body = installation('A') + installation('BIG', big(n)) + installation('C', [device(id(9000), 'CHF'), device(id(9001), 'ESME', { Parent: id(9000) })]);
      const path = join(dir, `big-${n}.xml`);
      writeFileSync(path, mcf({ header: header({ InstallationCount: '3', DeviceCount: String(n + 4) }), body }));
      for (const batchSize of [1, 7, 128]) {
        const out = stringOutput();
        await validateFile(path, ref, checker, DEFAULT_POLICY, new JsonReportSink(out), { batchSize });
        const text = out.text();
        const r = JSON.parse(text) as Report;
        expect(text, 'byte for byte the JSON.stringify form').toBe(`${JSON.stringify(r, null, 2)}\n`);
        const inst = r.installations[1]!;
        expect(inst.devices.map((d) => d.deviceId)).toEqual(Array.from({ length: n }, (_, k) => id(k + 1).replaceAll('-', '').toLowerCase()));
        expect(inst.devices.find((d) => d.deviceId === id(7).replaceAll('-', '').toLowerCase())?.errors.map((e) => e.code)).toEqual(['DEV_CERT_UNTRUSTED']);
        // 32 devices are a well-formed installation, invalid only through its failing IHD.
        expect([inst.status, inst.errors.map((e) => e.code)], `${n} devices`).toEqual(['invalid', n === 32 ? [] : ['INST_STRUCTURE']]);
        expect(r.installations.map((i) => i.installationId)).toEqual(['A', 'BIG', 'C']);
        expect(r.summary).toMatchObject({ installations: 3, devices: n + 4, devicesInvalid: 1, devicesValid: n + 3 });
      }
    }
  });

  it('finds INST_DUPLICATE_DEVICE for an oversized installation when the duplicate comes later in the file', async () => {
    const body = installation('BIG', big(50)) + installation('LATER', [device(id(20000), 'CHF'), device(id(20001), 'ESME', { Parent: id(20000) }), ...ihds(45, 1, { Parent: id(20001) })]);
    const r = await validate(mcf({ header: header({ InstallationCount: '2', DeviceCount: '53' }), body }), { batchSize: 5 });
    expect(r.installations.map((i) => [i.installationId, i.status, i.errors.map((e) => e.code)])).toEqual([
      ['BIG', 'invalid', ['INST_STRUCTURE', 'INST_DUPLICATE_DEVICE']],
      ['LATER', 'invalid', ['INST_DUPLICATE_DEVICE']],
    ]);
    expect(r.installations[0]!.devices).toHaveLength(50);
  });

  it('prints an oversized installation in the text report with its failing devices', async () => {
    const checker = fakeChecker({ [id(40).replaceAll('-', '').toLowerCase()]: ['DEV_CERT_EXPIRED'] });
    const path = join(dir, 'big-text.xml');
    writeFileSync(path, mcf({ header: header({ DeviceCount: '45' }), body: installation('BIG', big(45)) }));
    const out = stringOutput();
    await validateFile(path, ref, checker, DEFAULT_POLICY, new TextReportSink(out));
    expect(out.text()).toContain('Installation BIG: invalid\n  INST_STRUCTURE: ');
    expect(out.text()).toContain(`device ${id(40).replaceAll('-', '').toLowerCase()} (IHD): invalid\n    DEV_CERT_EXPIRED: `);
  });
});

describe('validateFile: intermediate spool', () => {
  const withTmp = async (fn: () => Promise<void>): Promise<string[]> => {
    const tmp = mkdtempSync(join(dir, 'tmp-'));
    const saved = process.env['TMPDIR'];
    process.env['TMPDIR'] = tmp;
    try {
      await fn();
    } finally {
      if (saved === undefined) delete process.env['TMPDIR'];
      else process.env['TMPDIR'] = saved;
    }
    return readdirSync(tmp);
  };

  it('is removed after an accepted and after a rejected file', async () => {
    expect(await withTmp(async () => void (await validate(mcf())))).toEqual([]);
    expect(await withTmp(async () => void (await validate(mcf({ signatureElement: null }))))).toEqual([]);
  });

  it('is removed when the checker fails, and the failure propagates', async () => {
    const failing: DeviceCryptoChecker = {
      check: async () => { throw new Error('worker died'); },
      close: async () => {},
    };
    const left = await withTmp(async () => {
      await expect(validate(mcf(), { checker: failing })).rejects.toThrow('worker died');
    });
    expect(left).toEqual([]);
  });
});

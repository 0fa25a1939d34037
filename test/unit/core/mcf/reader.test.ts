import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { McfReader } from '../../../../src/core/mcf/reader.js';
import type { McfScan, RawInstallation } from '../../../../src/core/mcf/types.js';
import { VECTORS, device, header, installation, mcf } from '../../jobs/validate/mcf-fixture.js';

function read(bytes: Uint8Array, chunk = Number.POSITIVE_INFINITY): { scan: McfScan; insts: RawInstallation[] } {
  const insts: RawInstallation[] = [];
  const r = new McfReader({ digest: true, onInstallation: (i) => insts.push(i) });
  const step = Math.min(chunk, Math.max(bytes.length, 1));
  for (let i = 0; i < bytes.length; i += step) r.write(bytes.subarray(i, i + step));
  return { scan: r.end(), insts };
}

function sha256Before(bytes: Buffer, marker: string): Buffer {
  return createHash('sha256').update(bytes.subarray(0, bytes.lastIndexOf(marker))).digest();
}

describe('McfReader signed range', () => {
  for (const [name, marker] of [['basic-valid.xml', '<Signature'], ['bom-prefix-comment.xml', '<m:Signature']] as const) {
    it(`digests every byte before the Signature's '<' (${name}, BOM included) for any chunking`, () => {
      const bytes = readFileSync(`${VECTORS}${name}`);
      const want = sha256Before(bytes, marker);
      for (const chunk of [Number.POSITIVE_INFINITY, 1, 3, 4096]) {
        const { scan } = read(bytes, chunk);
        expect(scan.malformed).toBeNull();
        expect(Buffer.from(scan.signedDigest!)).toEqual(want);
      }
    });
  }

  it("digests up to the Signature's '<' wherever chunks cut near it (the hash is copied only then)", () => {
    const bytes = mcf({ body: installation('A') + installation('B') + '  <!-- c -->\n' });
    const at = bytes.lastIndexOf('<Signature');
    const want = sha256Before(bytes, '<Signature');
    const digestFor = (cuts: number[]): Buffer => {
      const r = new McfReader({ digest: true });
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        r.write(bytes.subarray(from, cut));
        from = cut;
      }
      return Buffer.from(r.end().signedDigest!);
    };
    for (let k = at - 40; k <= at + 12; k++) {
      expect(digestFor([k]), `cut at ${k}`).toEqual(want);
      expect(digestFor([k - 30, k]), `cuts at ${k - 30}, ${k}`).toEqual(want);
      expect(digestFor([k, k + 1, k + 2]), `cuts at ${k}, +1, +2`).toEqual(want);
    }
  });

  it('reads the Signature text without whitespace and the header texts', () => {
    const bytes = mcf({ signatureElement: '<Signature>\n  QUJD\n  RA==\n</Signature>\n' });
    const { scan } = read(bytes);
    expect(scan.signature).toBe('QUJDRA==');
    expect(scan.signaturePresent).toBe(true);
    expect(scan.header?.FileID).toBe('T-1');
    expect(scan.header?.MigrationAuthorisation).toBeNull();
    expect(scan.installationCount).toBe(1);
    expect(scan.deviceCount).toBe(2);
  });
});

describe('McfReader installations', () => {
  it('hands over trimmed raw values, whitespace-stripped certificates, in file order', () => {
    const dev = device(' 00-db-00-00-00-00-00-01 ', 'CHF', { Certificate: 'QU\n  JD', Model: ' A &amp; B ' });
    const { insts } = read(mcf({ body: installation('A', [dev]) + installation('B') }), 5);
    expect(insts.map((i) => i.id)).toEqual(['A', 'B']);
    const f = insts[0]!.devices[0]!.fields;
    expect(f.DeviceID).toBe('00-db-00-00-00-00-00-01');
    expect(f.Certificate).toBe('QUJD');
    expect(f.Model).toBe('A & B');
    expect(f.Parent).toBeNull();
    expect(insts[0]!.devices[0]!.structureInvalid).toBe(false);
    expect(insts[0]!.structureInvalid).toBe(false);
  });

  it('strips whitespace of certificates and credentials from bytes and references, and keeps texts without any as they are', () => {
    const dev = device('00-DB-00-00-00-00-00-01', 'CHF', { Certificate: 'QUJD', Credential: 'QU&#10;JD&#x20;RA&#9;==\r\n' });
    const dev2 = device('00-DB-00-00-00-00-00-02', 'CHF', { Certificate: '\n  QUJD\n  RA==\n', Credential: ' ' });
    for (const chunk of [Number.POSITIVE_INFINITY, 1, 7]) {
      const { insts } = read(mcf({ body: installation('A', [dev, dev2]), signatureElement: '<Signature>QUJD&#13;RA==</Signature>' }), chunk);
      const [f, f2] = insts[0]!.devices.map((d) => d.fields);
      expect([f!.Certificate, f!.Credential, f2!.Certificate, f2!.Credential]).toEqual(['QUJD', 'QUJDRA==', 'QUJDRA==', null]);
    }
    expect(read(mcf({ signatureElement: '<Signature>QUJD&#13;RA==</Signature>' })).scan.signature).toBe('QUJDRA==');
  });

  it('flags unknown or misplaced elements inside a Device and outside the devices', () => {
    const bad = device('00-DB-00-00-00-00-00-02', 'ESME').replace('<DeviceType>', '<Foo/><DeviceType>');
    const swapped = device('00-DB-00-00-00-00-00-02', 'ESME').replace(/( *<Manufacturer>.*<\/Manufacturer>\n)( *<Model>.*<\/Model>\n)/, '$2$1');
    expect(swapped.indexOf('<Model>')).toBeLessThan(swapped.indexOf('<Manufacturer>'));
    const body =
      installation('A', [bad]) +
      installation('B', [device('00-DB-00-00-00-00-00-02', 'ESME', { Model: 'M' }).replace('<Model>M</Model>', '<Model><x/></Model>')]) +
      installation('C', [device('00-DB-00-00-00-00-00-03', 'CHF')], '    <GroupID>g</GroupID>\n    <Bar/>\n') +
      installation('D', [device('00-DB-00-00-00-00-00-04', 'CHF')]).replace('<MigrationType>Active</MigrationType>', '') +
      installation('E', [swapped]);
    const { scan, insts } = read(mcf({ body }));
    expect(scan.malformed).toBeNull();
    expect(insts.map((i) => i.devices[0]!.structureInvalid)).toEqual([true, true, false, false, true]);
    expect(insts.map((i) => i.structureInvalid)).toEqual([false, false, true, false, false]);
    expect(insts[3]!.migrationType).toBeNull();
  });
});

describe('McfReader file-level classification', () => {
  const step = (bytes: Buffer): string => {
    const { scan } = read(bytes);
    if (scan.malformed?.step === 1) return 'step1';
    if (scan.unsupportedVersion !== null) return 'version';
    if (scan.malformed !== null) return 'step3';
    if (!scan.signaturePresent) return 'missing';
    return 'ok';
  };

  it('classifies root, namespace and schemaVersion problems', () => {
    expect(step(mcf())).toBe('ok');
    expect(step(mcf({ rootOpen: '<MigrationCommonFile xmlns="urn:other" schemaVersion="1.0">\n' }))).toBe('step1');
    expect(step(mcf({ rootOpen: '<MCF xmlns="urn:s1mig:mcf:1" schemaVersion="1.0">\n', trailer: '</MCF>' }))).toBe('step1');
    expect(step(mcf({ rootOpen: '<MigrationCommonFile xmlns="urn:s1mig:mcf:1">\n' }))).toBe('step1');
    expect(step(mcf({ rootOpen: '<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="">\n' }))).toBe('version');
    expect(step(mcf({ rootOpen: '<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="2.0">\n', header: '<Header/>' }))).toBe('version');
    expect(step(mcf({ rootOpen: '<MigrationCommonFile xmlns="urn:s1mig:mcf:1" schemaVersion="2.0">\n', trailer: '</MigrationCommonFile><x/>' }))).toBe('step1');
  });

  it('classifies step-3 structure problems at root and Header level', () => {
    expect(step(mcf({ header: header({ FileID: 'bad id!' }) }))).toBe('step3');
    expect(step(mcf({ header: header().replace('<SMSO>', '<Extra/><SMSO>') }))).toBe('step3');
    expect(step(mcf({ header: header().replace(/(<SMSO>.*<\/SMSO>\n)(\s*<Cohort>.*<\/Cohort>\n)/, '$2$1') }))).toBe('step3');
    expect(step(mcf({ header: '' }))).toBe('step3');
    expect(step(mcf({ body: installation('I1') + '  <Other/>\n' }))).toBe('step3');
    expect(step(mcf({ body: installation('I1').replace(' id="I1"', '') }))).toBe('step3');
    expect(step(mcf({ body: installation('I1') + installation('I1') }))).toBe('step3');
    expect(step(mcf({ body: installation('bad id') }))).toBe('step3');
    expect(step(mcf({ afterSignature: installation('I2') }))).toBe('step3');
    expect(step(mcf({ afterSignature: '<Signature>QUJD</Signature>' }))).toBe('step3');
    expect(step(mcf({ body: installation('I1', [device('00-DB-00-00-00-00-00-01', 'CHF', { Model: 'x'.repeat(8193) })]) }))).toBe('step3');
    expect(step(mcf({ body: installation('x'.repeat(65)) }))).toBe('step3');
  });

  it('puts well-formedness (step 1) before everything, even after a step-3 problem', () => {
    expect(step(mcf({ header: header({ FileID: 'bad id!' }), trailer: '</MigrationCommonFile>trailing' }))).toBe('step1');
    expect(step(mcf({ body: installation('I1').replace('<Device>', '<Device>text') }))).toBe('step1');
    expect(step(mcf({ header: header().replace('<Header>', '<Header>x') }))).toBe('step1');
  });

  it('detects a missing or empty Signature (step 4)', () => {
    expect(step(mcf({ signatureElement: null }))).toBe('missing');
    expect(step(mcf({ signatureElement: '<Signature/>' }))).toBe('missing');
    expect(step(mcf({ signatureElement: '<Signature> \n </Signature>' }))).toBe('missing');
  });

  it('reports Header texts only when the Header was read completely', () => {
    const early = read(mcf({ header: header().replace('<Cohort>', '<Cohort>&bad;') })).scan;
    expect(early.malformed?.step).toBe(1);
    expect(early.header).toBeNull();
    const late = read(mcf({ trailer: '</MigrationCommonFile>x' })).scan;
    expect(late.malformed?.step).toBe(1);
    expect(late.header?.FileID).toBe('T-1');
  });

  // Regression (issue 13 fuzz corpus, "invalid UTF-8 hid the Header"): the UTF-8 check of a
  // chunk ran before any of the chunk was read, so a bad byte after a complete Header gave a
  // report without the Header fields, at "byte <chunk start>", whenever both were in one
  // chunk (any file under 256 KiB offline), and with them when the chunks fell otherwise.
  it('invalid UTF-8 after a complete Header: the Header is reported and the error is at the bad byte, whatever the chunking', () => {
    const good = mcf({ body: `  <!-- x -->\n${installation('I1')}` });
    const at = good.indexOf('x -->');
    for (const bad of [[0xc3, 0x20], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xef, 0xbf, 0xbe], [0xff]]) {
      const bytes = Buffer.concat([good.subarray(0, at), Buffer.from(bad), good.subarray(at + 1)]);
      for (const chunk of [Number.POSITIVE_INFINITY, 1, 2, 3, at, at + 1, 4096]) {
        const { scan } = read(bytes, chunk);
        expect(scan.malformed, `${Buffer.from(bad).toString('hex')} in chunks of ${chunk}`).toEqual({ step: 1, reason: 'invalid UTF-8', offset: at });
        expect(scan.header?.FileID).toBe('T-1');
      }
    }
    // An error before the bad byte in the same chunk still wins.
    const both = Buffer.from(`${good.subarray(0, at).toString('latin1').replace('<Cohort>', '<Cohort>&bad;')}\u00ff`, 'latin1');
    expect(read(both).scan.malformed?.reason).toMatch(/&bad;/);
  });

  // Regression (same corpus): errors found by the reader itself (a bad Header, text in a
  // container) were placed at the start of the chunk being read ("byte 0" for a small file).
  it('places Header and container-text errors at their markup, whatever the chunking', () => {
    const badHeader = mcf({ header: header({ CreatedAt: '2026-02-30T09:00:00Z' }) });
    const text = mcf({ body: installation('I1').replace('<MigrationType>', 'stray<MigrationType>') });
    for (const [bytes, marker] of [[badHeader, '</Header>'], [text, '<MigrationType>']] as const) {
      for (const chunk of [Number.POSITIVE_INFINITY, 1, 7]) expect(read(bytes, chunk).scan.malformed?.offset).toBe(bytes.indexOf(marker));
    }
  });
});

describe('McfReader onHeader and doomed', () => {
  const feed = (bytes: Uint8Array): { r: McfReader; headers: string[]; doomedAtFirstInstallation: boolean[] } => {
    const headers: string[] = [];
    const doomedAtFirstInstallation: boolean[] = [];
    const r: McfReader = new McfReader({
      onHeader: (h) => headers.push(`${h.smso} ${h.createdAtSec}`),
      onInstallation: () => doomedAtFirstInstallation.push(r.doomed),
    });
    r.write(bytes);
    return { r, headers, doomedAtFirstInstallation };
  };

  it('hands over a valid Header before the installations, and a good file is never doomed', () => {
    const { r, headers, doomedAtFirstInstallation } = feed(mcf());
    expect(headers).toEqual([`MDS ${Date.UTC(2026, 10, 28, 9) / 1000}`]);
    expect(doomedAtFirstInstallation).toEqual([false]);
    r.end();
    expect(r.doomed).toBe(false);
  });

  it('gives no Header when it is invalid, and is doomed from then on', () => {
    const { r, headers, doomedAtFirstInstallation } = feed(mcf({ header: header({ Cohort: 'XOC' }) }));
    expect(headers).toEqual([]);
    expect(doomedAtFirstInstallation).toEqual([true]);
    expect(r.doomed).toBe(true);
  });

  it('is doomed by a well-formedness error and by a file cut short', () => {
    expect(feed(mcf({ prolog: '<!DOCTYPE x>\n' })).r.doomed).toBe(true);
    const whole = mcf().toString('utf8');
    const { r } = feed(Buffer.from(whole.slice(0, whole.length - 10)));
    expect(r.doomed).toBe(false);
    r.end();
    expect(r.doomed).toBe(true);
  });
});

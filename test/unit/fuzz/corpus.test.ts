/**
 * The hostile-input corpus (issue 13): every shape in corpus/ through validateFile, the
 * function `validate` runs, checked against its known answer in corpus/expected.json
 * (written by hand from the spec, see corpus-shapes.ts): status, file codes in order, the
 * report's fileId, and for accepted files every installation and its invalid devices. Each
 * file is also read in 1-, 2-, 3- and 61-byte slices (a character, a reference, a tag or
 * the Signature's '<' split across chunks) and must give the same report byte for byte.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCryptoChecker } from '../../../src/core/contracts/device-crypto.js';
import { createInThreadChecker } from '../../../src/core/device-crypto/index.js';
import { McfReader } from '../../../src/core/mcf/reader.js';
import { loadReference } from '../../../src/core/reference/index.js';
import { JsonReportSink } from '../../../src/cli/render/json-report.js';
import { stringOutput } from '../../../src/cli/render/output.js';
import { DEFAULT_POLICY, validateFile } from '../../../src/jobs/validate/validate-file.js';
import { REF, SHAPES, type Expected } from './corpus-shapes.js';
import { checkReport, type Report } from './report-invariants.js';

const DIR = fileURLToPath(new URL('./corpus/', import.meta.url));
const expected = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8')) as Record<string, Expected & { why: string; made: string }>;
const files = Object.keys(expected).filter((k) => k.endsWith('.xml')).sort();
// A hang bound, loose enough for a loaded machine (a case takes 10-200 ms, the 1-byte reads the most).
const CASE_LIMIT_MS = 10_000;
const SLICES = [1, 2, 3, 61];

describe('hostile-input corpus: known verdicts through validateFile', () => {
  const ref = loadReference(REF);
  let checker: DeviceCryptoChecker;
  beforeAll(() => {
    checker = createInThreadChecker(REF);
  });
  afterAll(async () => {
    await checker.close();
  });

  const validate = async (name: string, sliceBytes?: number): Promise<{ text: string; ms: number }> => {
    const out = stringOutput();
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} (slices of ${sliceBytes ?? 'default'}) took over ${CASE_LIMIT_MS} ms`)), CASE_LIMIT_MS);
    });
    try {
      await Promise.race([validateFile(`${DIR}${name}`, ref, checker, { ...DEFAULT_POLICY }, new JsonReportSink(out), sliceBytes === undefined ? {} : { sliceBytes }), limit]);
    } finally {
      clearTimeout(timer);
    }
    return { text: out.text(), ms: performance.now() - t0 };
  };

  it('has one known answer for every file and every shape, and only small files', () => {
    const onDisk = readdirSync(DIR).filter((f) => f.endsWith('.xml')).sort();
    expect(onDisk).toEqual(files);
    expect(files).toEqual(SHAPES.map((s) => `${s.name}.xml`).sort());
    for (const f of files) {
      expect(statSync(`${DIR}${f}`).size, f).toBeLessThanOrEqual(32 * 1024);
      expect(expected[f]!.why.length, `${f}: why it is here`).toBeGreaterThan(10);
    }
    // Both outcomes, and installation and device codes, are among the answers.
    expect(files.filter((f) => expected[f]!.status === 'accepted').length).toBeGreaterThanOrEqual(10);
    expect(files.filter((f) => expected[f]!.status === 'rejected').length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s', async (name) => {
    const want = expected[name]!;
    const { text } = await validate(name);
    const r = JSON.parse(text) as Report;
    checkReport(r);
    expect({ status: r.status, errors: r.errors.map((e) => e.code), fileId: r.fileId }, want.why)
      .toEqual({ status: want.status, errors: want.errors, fileId: want.fileId });
    if (want.status === 'rejected') {
      expect(r.installations).toEqual([]);
      expect(r.errors[0]!.message, `${name}: rejected for the reason it was made for`).toContain(want.because);
    } else {
      const got = r.installations.map((i) => {
        const invalid = Object.fromEntries(i.devices.filter((d) => d.status === 'invalid').map((d) => [d.deviceId, d.errors.map((e) => e.code)]));
        return { id: i.installationId, status: i.status, errors: i.errors.map((e) => e.code), ...(Object.keys(invalid).length > 0 ? { devices: invalid } : {}) };
      });
      expect(got, want.why).toEqual(want.installations);
    }
    // Chunk boundaries: the same report whatever the slices the reader is fed.
    for (const slice of SLICES) expect((await validate(name, slice)).text, `${name} read in slices of ${slice} bytes`).toBe(text);
  }, CASE_LIMIT_MS * (SLICES.length + 2));

  it('utf8-split-across-chunk: the reader gives the same scan for a cut at every byte', () => {
    const bytes = readFileSync(`${DIR}utf8-split-across-chunk.xml`);
    const scan = (parts: Buffer[]) => {
      const reader = new McfReader({ digest: true });
      for (const p of parts) reader.write(p);
      const s = reader.end();
      return { ...s, signedDigest: s.signedDigest === null ? null : Buffer.from(s.signedDigest).toString('hex') };
    };
    const whole = scan([bytes]);
    expect(whole.malformed).toBeNull();
    expect(whole.signedDigest).not.toBeNull();
    for (let at = 1; at < bytes.length; at++) expect(scan([bytes.subarray(0, at), bytes.subarray(at)]), `cut at ${at}`).toEqual(whole);
  });
});

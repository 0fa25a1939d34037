import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createInThreadChecker } from '../../../../src/core/device-crypto/index.js';
import { loadReference } from '../../../../src/core/reference/index.js';
import { JsonReportSink } from '../../../../src/cli/render/json-report.js';
import { stringOutput, type TextOutput } from '../../../../src/cli/render/output.js';
import { TextReportSink } from '../../../../src/cli/render/text-report.js';
import type { ReportSink } from '../../../../src/core/outcome/report.js';
import { DEFAULT_POLICY, validateFile } from '../../../../src/jobs/validate/validate-file.js';

// test/unit/validation/ -> /work/main -> /work/shared
const VECTORS = fileURLToPath(new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url));
const REF = `${VECTORS}ref`;

/** Drops the free `message` texts: codes, ids, statuses, order and summaries are the contract. */
function withoutMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMessages);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).filter(([k]) => k !== 'message').map(([k, v]) => [k, withoutMessages(v)]),
    );
  }
  return value;
}

describe('MCF known-answer vectors', () => {
  const ref = loadReference(REF);
  const checker = createInThreadChecker(REF);
  afterAll(() => checker.close());
  const names = readdirSync(VECTORS).filter((f) => f.endsWith('.xml'));

  it('has vectors to run', () => {
    expect(names.length).toBeGreaterThanOrEqual(4);
  });

  for (const name of names) {
    it(`${name} gives its expected report`, async () => {
      const out = stringOutput();
      const summary = await validateFile(`${VECTORS}${name}`, ref, checker, { ...DEFAULT_POLICY }, new JsonReportSink(out));
      const expected = JSON.parse(readFileSync(`${VECTORS}${name.replace(/\.xml$/, '.expected.json')}`, 'utf8')) as Record<string, unknown>;
      const actual = JSON.parse(out.text()) as Record<string, unknown>;
      expect(withoutMessages(actual)).toEqual(withoutMessages(expected));
      // Same key order as the spec's example (JSON documents compared as text shape).
      expect(Object.keys(actual)).toEqual(Object.keys(expected));
      expect(summary.status).toBe(expected.status);
    });

    it(`${name}: reports rendered during the read equal those rendered after it (JSON and text)`, async () => {
      for (const makeSink of [(o: TextOutput) => new JsonReportSink(o), (o: TextOutput) => new TextReportSink(o)]) {
        const ahead = stringOutput();
        const after = stringOutput();
        const s1 = await validateFile(`${VECTORS}${name}`, ref, checker, { ...DEFAULT_POLICY }, makeSink(ahead));
        const s2 = await validateFile(`${VECTORS}${name}`, ref, checker, { ...DEFAULT_POLICY }, afterReadOnly(makeSink(after)));
        expect(ahead.text()).toBe(after.text());
        expect(s1).toEqual(s2);
      }
    });
  }
});

/** The same sink without its ahead-of-time rendering: validateFile must then run the rules after the read. */
function afterReadOnly(sink: ReportSink): ReportSink {
  return {
    begin: (h) => sink.begin(h),
    installation: (i) => sink.installation(i),
    installationStream: (h, d) => sink.installationStream(h, d),
    end: (s) => sink.end(s),
  };
}

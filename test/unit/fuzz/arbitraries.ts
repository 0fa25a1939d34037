/**
 * Test helper (not a test): fast-check arbitraries of hostile MCF files for the volume runs
 * (test/heavy/fuzz-volume.test.ts). A plan is a seed file and one to three steps, each a
 * byte-level change (bit flips, insertions, deletions, truncation, any Unicode text, hostile
 * markup) or one of the structural mutations of mutations.ts (elements duplicated or
 * removed, oversized attributes and texts, entity attacks), then maybe counts fixed and
 * the file re-signed, so that changes reach the checks behind the signature. Plans are data,
 * so a failing case shrinks to a small one and prints as JSON.
 */
import fc from 'fast-check';
import { fixCounts, MUTATIONS, prng, resign } from './mutations.js';

export type Step =
  | { kind: 'structural'; mutation: number; seed: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'text'; at: number; text: string }
  | { kind: 'snippet'; at: number; snippet: string }
  /** The text of the n-th `element` (modulo their number) replaced by `value`, XML-escaped. */
  | { kind: 'value'; element: string; n: number; value: string };

export interface Plan {
  readonly seed: number;
  readonly steps: readonly Step[];
  readonly resign: boolean;
}

/** Markup a hostile sender would try, in one piece. */
export const SNIPPETS: readonly string[] = [
  '<!DOCTYPE MigrationCommonFile [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
  '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">', '<!ENTITY x SYSTEM "file:///etc/passwd">', '&b;', '&x;', '&#0;', '&#x110000;', '&#xD800;',
  '&#x0000000000000000041;', '&amp;', '&lt;', '&', '<![CDATA[<Device>]]>', ']]>', '<?xml version="1.0"?>', '<?pi data?>', '<!-- -- -->', '<!--',
  '-->', '</Installation>', '<Installation id="X">', '<Device>', '</Device>', '<Signature>AAAA</Signature>', '<Signature/>', '</MigrationCommonFile>',
  '<Header></Header>', '<x:y xmlns:x="urn:other"/>', '<x:y/>', 'xmlns="urn:other"', ' id="dup" id="dup"', '<a b="<">',
  `<x ${Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(' ')}/>`, `${'<d>'.repeat(70)}${'</d>'.repeat(70)}`, `<${'n'.repeat(300)}/>`,
  '\u0000', '\u0008', '\uFEFF', '\uFFFE', '\u2028', '\r', '\r\n', '\t', '😀', 'é', '中',
];

const at = fc.nat({ max: 0x7fffffff });

/** Leaf elements whose values the rules judge. */
export const VALUE_ELEMENTS: readonly string[] = ['FileID', 'RequestingParty', 'SMSO', 'Cohort', 'Purpose', 'MigrationAuthorisation', 'CreatedAt',
  'InstallationCount', 'DeviceCount', 'MigrationType', 'GroupID', 'DeviceID', 'DeviceType', 'Manufacturer', 'Model', 'FirmwareVersion', 'MPxN',
  'ResponsibleSupplier', 'Parent', 'Certificate', 'Credential'];

/** Values near the edges of the value syntax (mcf-format.md), and others. */
const valueArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '\t\r\n', '0', '-1', '00', '9999999999', '99999999999', '1e3', 'Migration', 'EarlyValidation', 'Dormant', 'Active', 'CHF', 'ESME',
    'GSME', 'IHD', 'PPMID', 'GPF', 'esme', 'MDS', 'SECURE', 'LG', 'mds', 'IOC', 'FOC', 'MOC-MDS', '00-DB-00-00-00-00-4F-55', '00-db-00-00-00-00-4f-55',
    '00DB000000004F55', '00-DB-00-00-00-00-4F', '90-B3-D5-1F-30-01-00-00', '2026-11-28T09:00:00Z', '2026-11-28T09:00:00.123456789Z', '2026-11-28T09:00:00+00:00',
    '2026-02-29T00:00:00Z', '2028-02-29T23:59:60Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', 'AAAA', 'AAA=', 'AA==', 'A===', '====', '*', 'Holdco', 'HUB-7',
    'E-71', 'G-72', 'Holdco '.repeat(5), 'é'.repeat(31), '1234567890123', '12345678901234'),
  fc.string({ maxLength: 40 }),
  fc.base64String({ maxLength: 300 }),
  fc.stringMatching(/^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$/),
);

export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('structural' as const), mutation: fc.nat({ max: MUTATIONS.length - 1 }), seed: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), at, text: fc.string({ unit: 'grapheme', maxLength: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('snippet' as const), at, snippet: fc.constantFrom(...SNIPPETS) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('value' as const), element: fc.constantFrom(...VALUE_ELEMENTS), n: fc.nat(), value: valueArb }) },
);

export function planArb(seeds: number): fc.Arbitrary<Plan> {
  return fc.record({ seed: fc.nat({ max: seeds - 1 }), steps: fc.array(stepArb, { minLength: 1, maxLength: 3 }), resign: fc.nat({ max: 3 }).map((n) => n > 0) });
}

const splice = (buf: Buffer, pos: number, remove: number, insert: Uint8Array): Buffer =>
  Buffer.concat([buf.subarray(0, pos), insert, buf.subarray(pos + remove)]);

function applyStep(buf: Buffer, s: Step): Buffer {
  const pos = (n: number): number => n % (buf.length + 1);
  switch (s.kind) {
    case 'structural':
      return MUTATIONS[s.mutation]!.apply(buf, prng(s.seed));
    case 'flip': {
      if (buf.length === 0) return buf;
      const out = Buffer.from(buf);
      const i = s.at % buf.length;
      out[i] = out[i]! ^ (1 << s.bit);
      return out;
    }
    case 'insert':
      return splice(buf, pos(s.at), 0, s.bytes);
    case 'delete':
      return splice(buf, pos(s.at), s.length, new Uint8Array(0));
    case 'truncate':
      return buf.subarray(0, pos(s.at));
    case 'text':
      return splice(buf, pos(s.at), 0, Buffer.from(s.text));
    case 'snippet':
      return splice(buf, pos(s.at), 0, Buffer.from(s.snippet));
    case 'value': {
      const text = buf.toString('latin1');
      const found: Array<[number, number]> = [];
      const re = new RegExp(`<((?:[A-Za-z0-9_]+:)?${s.element})>([^<]*)</\\1>`, 'g');
      for (let m = re.exec(text); m !== null; m = re.exec(text)) found.push([m.index + m[1]!.length + 2, m.index + m[1]!.length + 2 + m[2]!.length]);
      if (found.length === 0) return buf;
      const [from, to] = found[s.n % found.length]!;
      const escaped = s.value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      return splice(buf, from, to - from, Buffer.from(escaped));
    }
  }
}

/** The plan applied to `seed`; re-signed with `keyPem` (counts fixed first) when the plan says so. */
export function applyPlan(seed: Buffer, plan: Plan, keyPem: string): Buffer {
  let out = seed;
  for (const s of plan.steps) out = applyStep(out, s);
  return plan.resign ? resign(fixCounts(out), keyPem) : out;
}

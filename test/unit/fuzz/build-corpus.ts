/**
 * Writes test/unit/fuzz/corpus/ from corpus-shapes.ts: one file per shape and
 * expected.json (the known answers, with why each shape is there). Not a test; run it after
 * adding a shape:
 *
 *   npx vite-node test/unit/fuzz/build-corpus.ts
 *
 * Re-signed shapes differ from run to run (ECDSA signatures are randomised); their answers do not.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resign } from './mutations.js';
import { BECAUSE, baseFile, SHAPES, SIGNER_KEY_PATH } from './corpus-shapes.js';

const DIR = fileURLToPath(new URL('./corpus/', import.meta.url));
const key = readFileSync(SIGNER_KEY_PATH, 'utf8');
const base = baseFile(key);
const sign = (b: Buffer): Buffer => resign(b, key);

mkdirSync(DIR, { recursive: true });
for (const f of readdirSync(DIR)) if (f.endsWith('.xml')) rmSync(`${DIR}${f}`);
const expected: Record<string, unknown> = {
  $comment: 'Known answers of the hostile-input corpus (validate --json, messages aside), written by hand from ../shared/spec; made by test/unit/fuzz/build-corpus.ts from corpus-shapes.ts, checked by corpus.test.ts. installations: every installation of an accepted file, with the codes of its invalid devices by report deviceId (unlisted devices are valid).',
};
for (const s of SHAPES) {
  const bytes = s.make(base, sign);
  writeFileSync(`${DIR}${s.name}.xml`, bytes);
  if ((s.expect.status === 'rejected') !== (BECAUSE[s.name] !== undefined)) throw new Error(`${s.name}: a rejected shape needs its reason in BECAUSE, an accepted one none`);
  expected[`${s.name}.xml`] = { why: s.why, made: s.made, ...s.expect, ...(BECAUSE[s.name] === undefined ? {} : { because: BECAUSE[s.name] }) };
}
writeFileSync(`${DIR}expected.json`, `${JSON.stringify(expected, null, 2)}\n`);
process.stdout.write(`${SHAPES.length} shapes written to ${DIR}\n`);

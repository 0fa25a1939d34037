import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../../src/core/errors/s1mig-error.js';
import { loadReference } from '../../../../src/core/reference/index.js';
import { VECTOR_REF, refCopy } from './ref-copy.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
function broken(edit: (dir: string) => void): string {
  const dir = refCopy();
  made.push(dir);
  edit(dir);
  return dir;
}
function refInvalid(dir: string, fileHint: string): void {
  let err: unknown;
  try {
    loadReference(dir);
  } catch (e) {
    err = e;
  }
  expect(errorCode(err)).toBe('REF_INVALID');
  expect((err as Error).message).toContain(fileHint);
  expect((err as Error).message).not.toContain('\n');
}

describe('loadReference on the vector reference directory', () => {
  const ref = loadReference(VECTOR_REF);

  it('lists the SMSOs and the trimmed eligibility combinations', () => {
    expect(ref.dir).toBe(VECTOR_REF.replace(/\/$/, ''));
    expect([...ref.smsos].sort()).toEqual(['MDS', 'SECURE']);
    expect(ref.eligibility).toEqual([
      { CHF: { manufacturer: 'Holdco', model: 'HUB-7' }, ESME: { manufacturer: 'Holdco', model: 'E-71' }, GSME: { manufacturer: 'Holdco', model: 'G-72' } },
      { CHF: { manufacturer: 'Holdco', model: 'HUB-7' }, ESME: { manufacturer: 'Holdco', model: 'E-71' } },
    ]);
  });

  it('parses the file signers per SMSO', () => {
    expect(ref.fileSigners.get('MDS')?.map((c) => c.eui)).toContain('90b3d51f30010008');
    expect(ref.fileSigners.get('SECURE')?.map((c) => c.eui)).toEqual(['90b3d51f30010009']);
  });
});

describe('loadReference accepts', () => {
  it('missing bundles (empty), an extra SMSO directory, no alert-signing key, trims JSON strings', () => {
    const dir = broken((d) => {
      rmSync(join(d, 'smso/SECURE/file-signers.pem'));
      rmSync(join(d, 'smso/SECURE/device-cas.pem'));
      mkdirSync(join(d, 'smso/LG'));
      rmSync(join(d, 's1sp/alert-signing.key.pem'));
      writeFileSync(join(d, 'eligible-product-combinations.json'),
        '{"combinations":[{"CHF":{"manufacturer":" A\\t","model":"\\nB "},"note":1},{}]}');
    });
    const ref = loadReference(dir);
    expect([...ref.smsos].sort()).toEqual(['LG', 'MDS', 'SECURE']);
    expect(ref.fileSigners.get('SECURE')).toEqual([]);
    expect(ref.eligibility).toEqual([{ CHF: { manufacturer: 'A', model: 'B' } }, {}]);
  });
});

describe('loadReference rejects with REF_INVALID', () => {
  const ka = 's1sp/key-agreement.key.pem';
  const elig = 'eligible-product-combinations.json';
  const pem = (k: { export(o: object): string | Buffer }, type: string) => k.export({ format: 'pem', type }) as string;

  it.each([
    ['a missing key-agreement key', ka, (d: string) => rmSync(join(d, ka))],
    ['a key-agreement key on P-384', ka, (d: string) =>
      writeFileSync(join(d, ka), pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'pkcs8'))],
    ['a key-agreement key in SEC1 form', ka, (d: string) =>
      writeFileSync(join(d, ka), pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'sec1'))],
    ['an RSA key-agreement key', ka, (d: string) =>
      writeFileSync(join(d, ka), pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'pkcs8'))],
    ['a garbage key-agreement key', ka, (d: string) => writeFileSync(join(d, ka), 'not a key')],
    ['a missing eligibility file', elig, (d: string) => rmSync(join(d, elig))],
    ['malformed eligibility JSON', elig, (d: string) => writeFileSync(join(d, elig), '{"combinations":[}')],
    ['eligibility without combinations', elig, (d: string) => writeFileSync(join(d, elig), '{"combos":[]}')],
    ['combinations not an array', elig, (d: string) => writeFileSync(join(d, elig), '{"combinations":{}}')],
    ['a combination that is not an object', elig, (d: string) => writeFileSync(join(d, elig), '{"combinations":[[]]}')],
    ['a non-string model', elig, (d: string) =>
      writeFileSync(join(d, elig), '{"combinations":[{"ESME":{"manufacturer":"A","model":7}}]}')],
    ['a null product', elig, (d: string) => writeFileSync(join(d, elig), '{"combinations":[{"GSME":null}]}')],
    ['text in a bundle', 'smso/MDS/file-signers.pem', (d: string) =>
      writeFileSync(join(d, 'smso/MDS/file-signers.pem'), 'hello\n' + readFileSync(join(d, 'smso/MDS/file-signers.pem'), 'utf8'))],
    ['a key block in a bundle', 'smso/SECURE/device-cas.pem', (d: string) =>
      writeFileSync(join(d, 'smso/SECURE/device-cas.pem'), readFileSync(join(d, ka)))],
    ['a certificate that does not parse', 'smso/MDS/device-cas.pem', (d: string) =>
      writeFileSync(join(d, 'smso/MDS/device-cas.pem'), '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n')],
  ])('%s', (_name, hint, edit) => {
    refInvalid(broken(edit), hint);
  });

  it('a directory that does not exist', () => {
    refInvalid('/nonexistent/s1mig-ref', 'key-agreement.key.pem');
  });
});

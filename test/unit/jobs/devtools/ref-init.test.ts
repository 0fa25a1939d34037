import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_SMSOS, devSignerEui } from '../../../../src/jobs/devtools/dev-pki.js';
import { initReferenceDirectory } from '../../../../src/jobs/devtools/ref-init.js';

const root = mkdtempSync(join(tmpdir(), 's1mig-refinit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ref init', () => {
  const dir = join(root, 'ref');
  const result = initReferenceDirectory(dir);

  it('writes the layout of mcf-format.md with P-256 PKCS#8 keys in mode 0600', () => {
    expect(result.files).toContain('s1sp/key-agreement.key.pem');
    for (const rel of ['s1sp/key-agreement.key.pem', 's1sp/alert-signing.key.pem', ...DEV_SMSOS.flatMap((s) => [`smso/${s}/device-ca.key.pem`, `smso/${s}/file-signer.key.pem`])]) {
      const text = readFileSync(join(dir, rel), 'utf8');
      expect(text.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
      expect(createPrivateKey(text).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(statSync(join(dir, rel)).mode & 0o777).toBe(0o600);
    }
  });

  it('writes per SMSO a device CA and a file signer carrying the documented party EUI', () => {
    for (const smso of DEV_SMSOS) {
      const ca = new X509Certificate(readFileSync(join(dir, `smso/${smso}/device-cas.pem`)));
      expect(ca.ca).toBe(true);
      expect(ca.verify(ca.publicKey)).toBe(true);
      const caKey = createPrivateKey(readFileSync(join(dir, `smso/${smso}/device-ca.key.pem`)));
      expect(ca.checkPrivateKey(caKey)).toBe(true);
      const signer = new X509Certificate(readFileSync(join(dir, `smso/${smso}/file-signers.pem`)));
      expect(signer.checkPrivateKey(createPrivateKey(readFileSync(join(dir, `smso/${smso}/file-signer.key.pem`))))).toBe(true);
      expect(signer.raw.includes(Buffer.from('0309' + '00' + devSignerEui(smso), 'hex'))).toBe(true);
    }
    expect(devSignerEui('MDS')).toBe('90b3d51f30020001');
    expect(devSignerEui('LG')).toBe('90b3d51f30020004');
  });

  it('writes eligibility with and without GSME', () => {
    const doc = JSON.parse(readFileSync(join(dir, 'eligible-product-combinations.json'), 'utf8')) as { combinations: Record<string, unknown>[] };
    expect(doc.combinations.some((c) => 'GSME' in c)).toBe(true);
    expect(doc.combinations.some((c) => !('GSME' in c) && 'ESME' in c && 'CHF' in c)).toBe(true);
  });

  it('refuses a non-empty directory unless forced', () => {
    const other = join(root, 'busy');
    initReferenceDirectory(other);
    writeFileSync(join(other, 'keep.txt'), 'x');
    expect(() => initReferenceDirectory(other)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    const before = readFileSync(join(other, 's1sp/key-agreement.key.pem'), 'utf8');
    initReferenceDirectory(other, { force: true });
    expect(readFileSync(join(other, 's1sp/key-agreement.key.pem'), 'utf8')).not.toBe(before);
    expect(readFileSync(join(other, 'keep.txt'), 'utf8')).toBe('x');
  });
});

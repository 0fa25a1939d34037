import { createHash, createPrivateKey, sign } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFileSignature, type FileSignatureArgs } from '../../../../src/core/file-signature/index.js';
import { loadReference } from '../../../../src/core/reference/index.js';
import { VECTOR_REF, refCopy } from '../reference/ref-copy.js';

const VECTORS = new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url);
const ORG = new URL('../../../../../shared/fixtures/smki/dccboxed-org/', import.meta.url);

/** Digest of the bytes before the `<` of the Signature start tag, and the Signature text. */
function signedParts(file: string): { digest: Buffer; signature: string } {
  const bytes = readFileSync(new URL(file, VECTORS));
  const text = bytes.toString('latin1');
  const at = text.lastIndexOf('<Signature>') >= 0 ? text.lastIndexOf('<Signature>') : text.lastIndexOf('<m:Signature>');
  const sig = /<(?:m:)?Signature>([^<]*)</.exec(text.slice(at))![1]!.replace(/[ \t\r\n]/g, '');
  return { digest: createHash('sha256').update(bytes.subarray(0, at)).digest(), signature: sig };
}
const sec = (iso: string) => Date.parse(iso) / 1000;
const CREATED = sec('2026-11-28T09:00:00Z');

describe('MCF vector signatures', () => {
  const ref = loadReference(VECTOR_REF);
  const args = (file: string): FileSignatureArgs => {
    const { digest, signature } = signedParts(file);
    return { smso: 'MDS', requestingParty: '90b3d51f30010008', createdAtSec: CREATED, signedDigest: digest, signature };
  };

  it('verifies basic-valid.xml, mixed-outcomes.xml and bom-prefix-comment.xml', () => {
    expect(checkFileSignature(ref, args('basic-valid.xml'))).toBeNull();
    expect(checkFileSignature(ref, args('mixed-outcomes.xml'))).toBeNull();
    expect(checkFileSignature(ref, args('bom-prefix-comment.xml'))).toBeNull();
  });

  it('rejects bad-signature.xml', () => {
    expect(checkFileSignature(ref, args('bad-signature.xml'))).toBe('MCF_SIGNATURE_INVALID');
  });

  it('selects the signer by SMSO directory, EUI and validity', () => {
    const a = args('basic-valid.xml');
    expect(checkFileSignature(ref, { ...a, smso: 'LG' })).toBe('MCF_SIGNER_UNKNOWN');
    expect(checkFileSignature(ref, { ...a, smso: 'SECURE' })).toBe('MCF_SIGNER_UNKNOWN');
    expect(checkFileSignature(ref, { ...a, requestingParty: '90b3d51f30010009' })).toBe('MCF_SIGNER_UNKNOWN');
    expect(checkFileSignature(ref, { ...a, createdAtSec: sec('2033-11-16T12:55:37Z') })).toBe('MCF_SIGNER_EXPIRED');
    expect(checkFileSignature(ref, { ...a, createdAtSec: sec('2033-11-16T12:55:36Z') })).toBeNull();
    expect(checkFileSignature(ref, { ...a, createdAtSec: sec('2023-11-16T12:55:35Z') })).toBe('MCF_SIGNER_EXPIRED');
  });

  it('rejects undecodable, over-long or non-verifying signatures', () => {
    const a = args('basic-valid.xml');
    expect(checkFileSignature(ref, { ...a, signature: a.signature.slice(0, -1) })).toBe('MCF_SIGNATURE_INVALID');
    expect(checkFileSignature(ref, { ...a, signature: a.signature.replace(/=$/, '') })).toBe('MCF_SIGNATURE_INVALID');
    expect(checkFileSignature(ref, { ...a, signature: 'MAA=' })).toBe('MCF_SIGNATURE_INVALID');
    expect(checkFileSignature(ref, { ...a, signature: 'A'.repeat(204) })).toBe('MCF_SIGNATURE_INVALID');
    const d = Buffer.from(a.signedDigest);
    d[0]! ^= 1;
    expect(checkFileSignature(ref, { ...a, signedDigest: d })).toBe('MCF_SIGNATURE_INVALID');
  });
});

describe('signer selection with two certificates for one EUI', () => {
  const dir = refCopy();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'smso/TEST'));
  const pem = (n: string) => readFileSync(new URL(n, ORG), 'utf8');
  writeFileSync(join(dir, 'smso/TEST/file-signers.pem'),
    pem('90b3d51f30010000-supplier-ds.cert.pem') + pem('90b3d51f30010000-xmlsign-ds.cert.pem'));
  const ref = loadReference(dir);
  const data = Buffer.from('<MigrationCommonFile>...');
  const digest = createHash('sha256').update(data).digest();
  const signWith = (n: string) =>
    sign('sha256', data, { key: createPrivateKey(pem(n)), dsaEncoding: 'der' }).toString('base64');
  const supplierSig = signWith('90b3d51f30010000-supplier-ds.key.pem');
  const xmlsignSig = signWith('90b3d51f30010000-xmlsign-ds.key.pem');
  const base = { smso: 'TEST', requestingParty: '90b3d51f30010000', signedDigest: digest };

  it('after 2025 only xmlsign-ds is a valid candidate', () => {
    const at = sec('2026-11-28T09:00:00Z');
    expect(checkFileSignature(ref, { ...base, createdAtSec: at, signature: xmlsignSig })).toBeNull();
    expect(checkFileSignature(ref, { ...base, createdAtSec: at, signature: supplierSig })).toBe('MCF_SIGNATURE_INVALID');
  });

  it('in 2020 both are valid and either verifies', () => {
    const at = sec('2020-06-01T00:00:00Z');
    expect(checkFileSignature(ref, { ...base, createdAtSec: at, signature: xmlsignSig })).toBeNull();
    expect(checkFileSignature(ref, { ...base, createdAtSec: at, signature: supplierSig })).toBeNull();
  });

  it('before both: expired; another EUI: unknown', () => {
    expect(checkFileSignature(ref, { ...base, createdAtSec: sec('2015-01-01T00:00:00Z'), signature: xmlsignSig }))
      .toBe('MCF_SIGNER_EXPIRED');
    expect(checkFileSignature(ref, { ...base, requestingParty: '90b3d51f30010001', createdAtSec: sec('2020-06-01T00:00:00Z'), signature: xmlsignSig }))
      .toBe('MCF_SIGNER_UNKNOWN');
  });

  it('only the supplier-ds certificate in the bundle: expired after 2025', () => {
    writeFileSync(join(dir, 'smso/TEST/file-signers.pem'), pem('90b3d51f30010000-supplier-ds.cert.pem'));
    const onlySupplier = loadReference(dir);
    expect(checkFileSignature(onlySupplier, { ...base, createdAtSec: sec('2026-01-01T00:00:00Z'), signature: supplierSig }))
      .toBe('MCF_SIGNER_EXPIRED');
    expect(checkFileSignature(onlySupplier, { ...base, createdAtSec: sec('2025-10-29T23:59:59Z'), signature: supplierSig }))
      .toBeNull();
  });
});

import { readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceCryptoInput } from '../../../../src/core/contracts/device-crypto.js';
import { checkDevices, createInThreadChecker, loadDeviceCryptoContext } from '../../../../src/core/device-crypto/index.js';
import { errorCode } from '../../../../src/core/errors/s1mig-error.js';
import { VECTOR_REF, refCopy } from '../reference/ref-copy.js';
import { ECDSA_SHA256_NULL, cn, gen, keyUsage, seq, oid, testPki, utc, hwName, san } from '../x509/test-certs.js';
import { VECTOR_CREATED_AT, vectorDevices } from './vectors.js';

const RTDS = new URL('../../../../../shared/fixtures/smki/rtds-device/', import.meta.url);
const credentialVector = JSON.parse(
  readFileSync(new URL('../../../../../shared/fixtures/mcf-vectors/credential-vector.json', import.meta.url), 'utf8'),
) as { blobBase64: string; deviceId: string };

describe('known-answer vectors', () => {
  const ctx = loadDeviceCryptoContext(VECTOR_REF);
  it.each(['basic-valid', 'bom-prefix-comment', 'mixed-outcomes'])('%s gives the expected device crypto codes', (name) => {
    const { items, expected } = vectorDevices(name);
    expect(items.length).toBe(expected.length);
    expect(checkDevices(ctx, { smso: 'MDS', createdAtSec: VECTOR_CREATED_AT, items })).toEqual(expected);
  });

  it('mixed-outcomes really exercises UNTRUSTED and INCOMPLETE', () => {
    expect(vectorDevices('mixed-outcomes').expected.flat().sort()).toEqual(['DEV_CERT_UNTRUSTED', 'DEV_CREDENTIAL_INCOMPLETE']);
  });

  it('the same certificates are untrusted under an SMSO with no directory', () => {
    const { items } = vectorDevices('basic-valid');
    const onlyCerts = items.filter((i) => i.certificate !== null).map((i) => ({ ...i, credential: null }));
    expect(onlyCerts.length).toBe(5);
    expect(checkDevices(ctx, { smso: 'NOPE', createdAtSec: VECTOR_CREATED_AT, items: onlyCerts })).toEqual(
      onlyCerts.map(() => ['DEV_CERT_UNTRUSTED']),
    );
  });

  it('real RTDS device certificates are untrusted, and only that', () => {
    const items: DeviceCryptoInput[] = ['00db123456789001-ds', '00db123456789001-ka', '00db123456789002-ds', '00db1234567890c8-ds'].map((n) => ({
      deviceId: n.slice(0, 16),
      deviceType: 'ESME',
      certificate: readFileSync(new URL(`${n}.pem`, RTDS), 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''),
      credential: null,
    }));
    expect(checkDevices(ctx, { smso: 'MDS', createdAtSec: VECTOR_CREATED_AT, items })).toEqual(items.map(() => ['DEV_CERT_UNTRUSTED']));
    expect(checkDevices(ctx, { smso: 'MDS', createdAtSec: Date.UTC(2016, 3, 5) / 1000, items: items.slice(0, 1) }))
      .toEqual([['DEV_CERT_UNTRUSTED', 'DEV_CERT_EXPIRED']]);
  });
});

describe('each certificate code with a test PKI', () => {
  const dir = refCopy();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const pki = testPki('S1MIG TEST CA');
  const imposter = testPki('S1MIG TEST CA'); // same subject, other key
  mkdirSync(join(dir, 'smso/TEST'));
  writeFileSync(join(dir, 'smso/TEST/device-cas.pem'), pki.caPem);
  const ctx = loadDeviceCryptoContext(dir);
  const ID = '00db0000000000aa';
  const at = Date.UTC(2026, 0, 1) / 1000;
  const run = (certificate: Buffer | string | null, over: Partial<DeviceCryptoInput> = {}, smso = 'TEST') =>
    checkDevices(ctx, {
      smso, createdAtSec: at,
      items: [{ deviceId: ID, deviceType: 'CHF', credential: null, ...over,
        certificate: typeof certificate === 'string' || certificate === null ? certificate : certificate.toString('base64') }],
    })[0];

  it('a good certificate passes; nothing is checked when absent', () => {
    expect(run(pki.deviceCert(ID))).toEqual([]);
    expect(run(null)).toEqual([]);
  });

  it('DEV_CERT_MALFORMED alone for bad base64, over-long text, trailing bytes', () => {
    const b64 = pki.deviceCert(ID).toString('base64');
    expect(run(b64.replace(/=*$/, '') + '!')).toEqual(['DEV_CERT_MALFORMED']);
    expect(run(b64.replace(/\+/g, '-').replace(/\//g, '_'))).toEqual(b64.match(/[+/]/) ? ['DEV_CERT_MALFORMED'] : []);
    expect(run(Buffer.concat([pki.deviceCert(ID), Buffer.from([0])]))).toEqual(['DEV_CERT_MALFORMED']);
    expect(run('A'.repeat(4100))).toEqual(['DEV_CERT_MALFORMED']);
    expect(run('AAAA')).toEqual(['DEV_CERT_MALFORMED']);
    expect(run(b64, { deviceId: null })).toEqual(['DEV_CERT_ID_MISMATCH']);
  });

  it('DEV_CERT_PROFILE without other codes for a profile-only problem', () => {
    expect(run(pki.deviceCert(ID, { extensions: [keyUsage(0x88, 3), san([hwName(Buffer.from(ID, 'hex'))])] }))).toEqual(['DEV_CERT_PROFILE']);
    expect(run(pki.deviceCert(ID, { outerAlg: ECDSA_SHA256_NULL }))).toEqual(['DEV_CERT_PROFILE']);
  });

  it('trust verifies over tbsCertificate whatever the declared algorithm', () => {
    const sha384 = seq(oid('1.2.840.10045.4.3.3'));
    expect(run(pki.deviceCert(ID, { tbsAlg: sha384, outerAlg: sha384 }))).toEqual(['DEV_CERT_PROFILE']);
  });

  it('DEV_CERT_UNTRUSTED: other key with the same subject, other issuer name, tampered tbs, other SMSO', () => {
    expect(run(imposter.deviceCert(ID))).toEqual(['DEV_CERT_UNTRUSTED']);
    expect(run(pki.deviceCert(ID, { issuer: cn('S1MIG TEST CA 2') }))).toEqual(['DEV_CERT_UNTRUSTED']);
    expect(run(pki.deviceCert(ID, { issuer: cn('S1MIG TEST CB') }))).toEqual(['DEV_CERT_UNTRUSTED']); // same length
    const tampered = Buffer.from(pki.deviceCert(ID));
    const idx = tampered.indexOf(Buffer.from(ID, 'hex'));
    tampered[idx + 7]! ^= 0x01; // change the hwSerialNum inside the signed bytes
    expect(run(tampered)).toEqual(['DEV_CERT_UNTRUSTED', 'DEV_CERT_ID_MISMATCH']);
    expect(run(pki.deviceCert(ID), {}, 'MDS')).toEqual(['DEV_CERT_UNTRUSTED']);
    expect(run(pki.deviceCert(ID), {}, 'NOPE')).toEqual(['DEV_CERT_UNTRUSTED']);
  });

  it('DEV_CERT_ID_MISMATCH for another serial or a malformed SAN (with PROFILE)', () => {
    expect(run(pki.deviceCert('00db0000000000ab'))).toEqual(['DEV_CERT_ID_MISMATCH']);
    expect(run(pki.deviceCert(ID), { deviceId: '00db0000000000ab' })).toEqual(['DEV_CERT_ID_MISMATCH']);
    expect(run(pki.deviceCert(ID, { extensions: [keyUsage(0x80, 7), san([hwName(Buffer.from('00db00000000', 'hex'))])] })))
      .toEqual(['DEV_CERT_PROFILE', 'DEV_CERT_ID_MISMATCH']);
  });

  it('DEV_CERT_EXPIRED for expired and not yet valid, bounds inclusive', () => {
    expect(run(pki.deviceCert(ID, { notAfter: utc('251231235959Z') }))).toEqual(['DEV_CERT_EXPIRED']);
    expect(run(pki.deviceCert(ID, { notBefore: gen('20260101000001Z') }))).toEqual(['DEV_CERT_EXPIRED']);
    expect(run(pki.deviceCert(ID, { notBefore: gen('20260101000000Z'), notAfter: utc('260101000000Z') }))).toEqual([]);
  });

  it('reports every failing check 2-5 together, in catalogue order', () => {
    expect(run(imposter.deviceCert('00db0000000000ab', { version: null, notAfter: utc('200101000000Z') }))).toEqual([
      'DEV_CERT_PROFILE', 'DEV_CERT_UNTRUSTED', 'DEV_CERT_ID_MISMATCH', 'DEV_CERT_EXPIRED',
    ]);
  });

  it('a mixed batch (run in phases) gives, item by item, what each item gives alone', () => {
    const certs = [
      pki.deviceCert(ID), imposter.deviceCert(ID), pki.deviceCert('00db0000000000ab', { notAfter: utc('200101000000Z') }),
      pki.deviceCert(ID, { outerAlg: ECDSA_SHA256_NULL }), pki.deviceCert(ID, { version: null }),
    ].map((der) => der.toString('base64'));
    const vector = [...vectorDevices('mixed-outcomes').items, ...vectorDevices('basic-valid').items];
    const items: DeviceCryptoInput[] = [];
    vector.forEach((item, i) => {
      items.push(item);
      // The vector credentials decrypt under this reference; mix them with this PKI's certificates.
      items.push({ ...item, certificate: certs[i % certs.length]!, deviceId: i % 3 === 0 ? ID : item.deviceId });
      if (i % 4 === 0) items.push({ deviceId: null, deviceType: null, certificate: 'AAAA', credential: 'AAAA' });
      if (i % 5 === 0) items.push({ deviceId: ID, deviceType: 'ESME', certificate: null, credential: null });
    });
    for (const smso of ['TEST', 'MDS']) {
      const batch = checkDevices(ctx, { smso, createdAtSec: at, items });
      expect(batch).toEqual(items.map((item) => checkDevices(ctx, { smso, createdAtSec: at, items: [item] })[0]));
      expect(new Set(batch.flat()).size).toBeGreaterThanOrEqual(5);
    }
  });

  it('adds the credential code after the certificate codes', () => {
    expect(run(pki.deviceCert('00db0000000000ab'), { credential: 'AAAA' })).toEqual(['DEV_CERT_ID_MISMATCH', 'DEV_CREDENTIAL_INVALID']);
  });
});

describe('credential through checkDevices', () => {
  it('the credential vector decrypts only with its own key-agreement key', () => {
    const dir = refCopy();
    const vector = JSON.parse(readFileSync(new URL('../../../../../shared/fixtures/mcf-vectors/credential-vector.json', import.meta.url), 'utf8')) as
      { s1spKeyAgreementPrivateKeyPem: string };
    const item = { deviceId: credentialVector.deviceId, deviceType: 'ESME' as const, certificate: null, credential: credentialVector.blobBase64 };
    try {
      expect(checkDevices(loadDeviceCryptoContext(dir), { smso: 'MDS', createdAtSec: 0, items: [item] })).toEqual([['DEV_CREDENTIAL_INVALID']]);
      writeFileSync(join(dir, 's1sp/key-agreement.key.pem'), vector.s1spKeyAgreementPrivateKeyPem);
      expect(checkDevices(loadDeviceCryptoContext(dir), { smso: 'MDS', createdAtSec: 0, items: [item] })).toEqual([[]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('checkers', () => {
  it('the in-thread checker gives the same results as checkDevices', async () => {
    const checker = createInThreadChecker(VECTOR_REF);
    const { items, expected } = vectorDevices('mixed-outcomes');
    expect(await checker.check({ smso: 'MDS', createdAtSec: VECTOR_CREATED_AT, items })).toEqual(expected);
    await checker.close();
  });

  it('loading a broken reference throws REF_INVALID', () => {
    let err: unknown;
    try {
      createInThreadChecker('/nonexistent/ref');
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe('REF_INVALID');
  });
});

/** The credential known-answer vector and its S1SP key-agreement key, shared by the credential tests. */
import { createECDH, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createKeyAgreement } from '../../../../src/core/credential/decrypt.js';

export const vector = JSON.parse(
  readFileSync(new URL('../../../../../shared/fixtures/mcf-vectors/credential-vector.json', import.meta.url), 'utf8'),
) as Record<string, string>;
export const ka = createKeyAgreement(createPrivateKey(vector.s1spKeyAgreementPrivateKeyPem!));
/** The same key as an ECDH object, for encrypting test blobs to it. */
export const s1spPublic = createECDH('prime256v1');
s1spPublic.setPrivateKey(Buffer.from(createPrivateKey(vector.s1spKeyAgreementPrivateKeyPem!).export({ format: 'jwk' }).d!, 'base64url'));

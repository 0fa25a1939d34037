import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../../src/core/x509/certificate.js';
import { escapeDnValue, nameToString } from '../../../../src/core/x509/dn-string.js';
import { parsePemBundle } from '../../../../src/core/x509/pem.js';

const ORG = fileURLToPath(new URL('../../../../../shared/fixtures/smki/dccboxed-org/', import.meta.url));
const der = (f: string): Buffer => {
  const p = parsePemBundle(readFileSync(`${ORG}${f}`, 'utf8'), 'CERTIFICATE');
  if ('error' in p) throw new Error(p.error);
  return p.ders[0]!;
};

describe('RFC 4514 names', () => {
  it("gives DCC's own X509IssuerName for its XML-signing certificate (as in DCC's signed DUIS sample)", () => {
    const d = der('90b3d51f30010000-xmlsign-ds.cert.pem');
    const parts = parseCertificate(d)!;
    expect(nameToString(d, parts.issuer)).toBe('CN=Z1,OU=07');
    // x500UniqueIdentifier has no short name: dotted OID and the DER in hex (what openssl -nameopt RFC2253 prints, bar its name).
    expect(nameToString(d, parts.subject)).toBe('2.5.4.45=#03090090b3d51f30010000,OU=87');
  });

  it('escapes the characters RFC 4514 reserves', () => {
    expect(escapeDnValue('#a, b+c;"d"<e>\\ ')).toBe('\\#a\\, b\\+c\\;\\"d\\"\\<e\\>\\\\\\ ');
  });
});

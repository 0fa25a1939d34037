import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERT_SIGNING_CERT_PEM, ALERT_SIGNING_KEY_PEM, loadAlertSigner, MAX_SERIAL_DIGITS } from '../../../../src/core/reference/alert-signing.js';
import { buildOrganisationCertificate, toPem } from '../../../../src/core/x509/build/index.js';
import { initReferenceDirectory } from '../../../../src/jobs/devtools/ref-init.js';

const dir = mkdtempSync(join(tmpdir(), 's1mig-alert-signing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const refusal = (ref: string): { code: string; message: string } => {
  try {
    loadAlertSigner(ref);
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('loadAlertSigner accepted it');
};

describe('the alert-signing key and its certificate', () => {
  it('ref init writes a certificate for the key, within libxml2\'s serial limit, not readable by others', () => {
    const ref = join(dir, 'a');
    initReferenceDirectory(ref);
    const s = loadAlertSigner(ref);
    expect(s.identity.serial.length).toBeLessThanOrEqual(MAX_SERIAL_DIGITS);
    expect(s.identity.issuerName).toMatch(/CN=S1MIG DEV ORG CA/);
    expect(statSync(join(ref, ALERT_SIGNING_KEY_PEM)).mode & 0o077).toBe(0);
  });

  it('refuses a certificate for another key, a missing one, and a serial xmllint could not read', () => {
    const [a, b] = [join(dir, 'b1'), join(dir, 'b2')];
    initReferenceDirectory(a);
    initReferenceDirectory(b);
    // Another reference's certificate: a valid certificate, but not for this key.
    writeFileSync(join(a, ALERT_SIGNING_CERT_PEM), readFileSync(join(b, ALERT_SIGNING_CERT_PEM)));
    expect(refusal(a)).toMatchObject({ code: 'REF_INVALID', message: expect.stringContaining('is not for the key') as unknown });
    // A 16-byte serial is 38 decimal digits: libxml2 refuses it in X509SerialNumber.
    const key = createPrivateKey(readFileSync(join(a, ALERT_SIGNING_KEY_PEM)));
    const serial = randomBytes(16);
    serial[0] = 0x7f;
    writeFileSync(join(a, ALERT_SIGNING_CERT_PEM), toPem(buildOrganisationCertificate({ roleCode: '87', partyEui: Buffer.alloc(8, 1), commonName: 'X', privateKey: key, serial })));
    expect(refusal(a).message).toMatch(/serial number has 3\d digits; X509SerialNumber must stay within 24/);
    unlinkSync(join(a, ALERT_SIGNING_CERT_PEM));
    expect(refusal(a).message).toMatch(/alert-signing\.cert\.pem: missing .*ref init/);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAlert } from '../../../../src/core/alerts/duis-alert.js';
import { countsOf, NO_ALERTS, planAlerts, takesS1spAlerts } from '../../../../src/core/alerts/plan.js';
import { loadAlertSigner } from '../../../../src/core/reference/alert-signing.js';
import { verifyEnveloped } from '../../../../src/core/xml-dsig/signature.js';
import { initReferenceDirectory } from '../../../../src/jobs/devtools/ref-init.js';
import { checkWithTools } from '../../../support/xml-tools.js';

const dir = mkdtempSync(join(tmpdir(), 's1mig-alert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
initReferenceDirectory(join(dir, 'ref'));
const signer = loadAlertSigner(join(dir, 'ref'));
const certPem = readFileSync(join(dir, 'ref', 's1sp', 'alert-signing.cert.pem'), 'utf8');
const AT = Date.UTC(2026, 11, 6, 9, 30, 1, 7);

describe('DUIS S1SPAlert documents', () => {
  const alerts = [
    renderAlert({ requestId: '90-B3-D5-1F-30-02-01-00:00-DB-12-34-56-78-90-00:18446744073709551615', deviceId: '00db123456789001', code: 'N55', additionalInformation: null, atMs: AT }, signer.privateKey, signer.identity),
    renderAlert({ requestId: null, deviceId: '00db123456789003', code: 'S1MIG_MIGRATION_FAILED', additionalInformation: 'ENR_CHF_UNREACHABLE: <no answer> & "timeout"', atMs: AT }, signer.privateKey, signer.identity),
  ];

  it('writes the fields DUIS asks for, signed by the reference directory\'s alert-signing key', () => {
    const [n55, failed] = alerts as [string, string];
    expect(n55).toContain('<sr:S1SPAlert xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" schemaVersion="5.4">');
    expect(n55).toContain('<sr:DeviceID>00-DB-12-34-56-78-90-01</sr:DeviceID><sr:S1SPAlertCode>N55</sr:S1SPAlertCode><sr:DateTime>2026-12-06T09:30:01.007Z</sr:DateTime>');
    expect(failed).toContain('<sr:AdditionalInformation>ENR_CHF_UNREACHABLE: &lt;no answer&gt; &amp; "timeout"</sr:AdditionalInformation>');
    // RFC 4514: the issuer's RDNs last to first (its DER says OU=07, then CN).
    expect(n55).toContain('<ds:X509IssuerName>CN=S1MIG DEV ORG CA,OU=07</ds:X509IssuerName>');
    for (const a of alerts) expect(verifyEnveloped(a, signer.publicKey).ok).toBe(true);
    expect(signer.identity.serial).toMatch(/^[1-9][0-9]{0,23}$/);
  });

  it('passes xmllint --schema (DUIS 5.4) and xmlsec1 --verify; a one-byte change in a signed part fails xmlsec1', () => {
    const tampered = alerts[0]!.replace('<sr:S1SPAlertCode>N55<', '<sr:S1SPAlertCode>N56<');
    const r = checkWithTools([...alerts, tampered], certPem);
    for (const s of r.schema.slice(0, 2)) expect(s.ok, s.output).toBe(true);
    for (const s of r.signature.slice(0, 2)) expect([s.ok, s.output], s.output).toEqual([true, 'OK\nSignedInfo References (ok/all): 1/1\nManifests References (ok/all): 0/0']);
    expect(r.signature[2]!.ok, r.signature[2]!.output).toBe(false);
    expect(verifyEnveloped(tampered, signer.publicKey)).toMatchObject({ ok: false, reason: /digest/ });
  });

  it('refuses what DUIS would not take: a request ID out of form, a bad EUI, control characters', () => {
    const base = { requestId: null, deviceId: '00db123456789001', code: 'N55' as const, additionalInformation: null, atMs: AT };
    expect(() => renderAlert({ ...base, requestId: '90-B3:00-DB:1' }, signer.privateKey, signer.identity)).toThrow(/DUIS form/);
    expect(() => renderAlert({ ...base, deviceId: '00-DB-12' }, signer.privateKey, signer.identity)).toThrow(/canonical EUI-64/);
    expect(() => renderAlert({ ...base, additionalInformation: 'a\u0001b' }, signer.privateKey, signer.identity)).toThrow(/character/);
  });
});

describe('alert recipients', () => {
  const directory = new Map([
    ['90b3d51f30010000', { supplier: '90b3d51f30010000', duisVersion: '5.4', name: 'A' }],
    ['90b3d51f30010001', { supplier: '90b3d51f30010001', duisVersion: '2.9', name: 'Old' }],
  ]);
  it('one per meter to its own supplier; DUIS below 3.0 and unknown suppliers get none, by reason', () => {
    const plan = planAlerts('N55', [
      { deviceId: 'c', deviceType: 'CHF', responsibleSupplier: null },
      { deviceId: 'e', deviceType: 'ESME', responsibleSupplier: '90b3d51f30010000' },
      { deviceId: 'g', deviceType: 'GSME', responsibleSupplier: '90b3d51f30010001' },
      { deviceId: 'g2', deviceType: 'GSME', responsibleSupplier: '90b3d51f300100ff' },
      { deviceId: 'i', deviceType: 'IHD', responsibleSupplier: null },
    ], (s) => directory.get(s));
    expect(plan.alerts).toEqual([{ recipient: '90b3d51f30010000', deviceId: 'e', code: 'N55' }]);
    expect(plan.skipped.map((s) => [s.deviceId, s.reason])).toEqual([['g', 'duis-below-3'], ['g2', 'supplier-unknown']]);
    expect([takesS1spAlerts('3.0'), takesS1spAlerts('2.10'), takesS1spAlerts('10.1'), takesS1spAlerts('x')]).toEqual([true, false, true, false]);
    // What the outcome records and the report sums.
    expect(countsOf(plan)).toEqual({ sent: 1, supplierUnknown: 1, duisBelow3: 1 });
    expect(countsOf(planAlerts('N55', [{ deviceId: 'c', deviceType: 'CHF', responsibleSupplier: null }], (s) => directory.get(s)))).toEqual(NO_ALERTS);
  });
});

/**
 * End to end with real SMKI organisation certificates (DCC Boxed, public test keys): `gen`
 * signs with the real key, the reference lists the real certificate as the SMSO's file
 * signer, and offline validation decides by the certificate's own validity period.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createInThreadChecker } from '../../../../src/core/device-crypto/index.js';
import { initReferenceDirectory } from '../../../../src/jobs/devtools/ref-init.js';
import { generateMcf } from '../../../../src/jobs/gen/generate.js';
import { loadReference } from '../../../../src/core/reference/index.js';
import { JsonReportSink } from '../../../../src/cli/render/json-report.js';
import { stringOutput } from '../../../../src/cli/render/output.js';
import { DEFAULT_POLICY, validateFile } from '../../../../src/jobs/validate/validate-file.js';

const ORG = fileURLToPath(new URL('../../../../../shared/fixtures/smki/dccboxed-org/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 's1mig-real-signers-'));

interface Report {
  status: string;
  requestingParty: string | null;
  errors: { code: string }[];
  installations: unknown[];
  summary: { installations: number; devices: number; valid: number };
}

/** A `ref init` reference whose MDS file-signers.pem holds only the given DCC Boxed certificate. */
function refWithSigner(name: string, signer: string): string {
  const ref = join(root, `ref-${name}`);
  initReferenceDirectory(ref);
  copyFileSync(join(ORG, `${signer}.cert.pem`), join(ref, 'smso/MDS/file-signers.pem'));
  return ref;
}

/** Messages are free text (validation.md); codes, statuses and counts are the contract. */
function withoutMessages(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'message' ? undefined : v)));
}

async function genAndValidate(name: string, signer: string): Promise<{ report: Report; expected: Report }> {
  const ref = refWithSigner(name, signer);
  const out = join(root, `${name}.xml`);
  await generateMcf({
    refDir: ref,
    smso: 'MDS',
    installations: 12,
    out,
    seed: `real-${name}`,
    purpose: 'Migration',
    createdAt: new Date(),
    signerKeyPath: join(ORG, `${signer}.key.pem`),
    signerCertPath: join(ORG, `${signer}.cert.pem`),
  });
  const checker = createInThreadChecker(ref);
  const sink = stringOutput();
  try {
    await validateFile(out, loadReference(ref), checker, { ...DEFAULT_POLICY }, new JsonReportSink(sink));
  } finally {
    await checker.close();
  }
  return {
    report: JSON.parse(sink.text()) as Report,
    expected: JSON.parse(readFileSync(`${out}.expected.json`, 'utf8')) as Report,
  };
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('files signed with real DCC Boxed organisation certificates', () => {
  it('90b3d51f30010008-loadcontroller-ds (valid to 2033): accepted, as gen expected', async () => {
    const { report, expected } = await genAndValidate('valid', '90b3d51f30010008-loadcontroller-ds');
    expect(report.requestingParty).toBe('90b3d51f30010008');
    expect(report.status).toBe('accepted');
    expect(report.errors).toEqual([]);
    expect(report.summary.installations).toBe(12);
    expect(report.summary.devices).toBeGreaterThanOrEqual(12);
    expect(withoutMessages(report)).toEqual(withoutMessages(expected));
  });

  it('90b3d51f30000007-wanprovider-ds (expired in 2025), CreatedAt now: MCF_SIGNER_EXPIRED, as gen expected', async () => {
    const { report, expected } = await genAndValidate('expired', '90b3d51f30000007-wanprovider-ds');
    expect(report.requestingParty).toBe('90b3d51f30000007');
    expect(report.status).toBe('rejected');
    expect(report.errors.map((e) => e.code)).toEqual(['MCF_SIGNER_EXPIRED']);
    expect(report.installations).toEqual([]);
    expect(withoutMessages(report)).toEqual(withoutMessages(expected));
  });
});

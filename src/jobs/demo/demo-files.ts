import { join } from 'node:path';
import { generateMcf, type GenerateResult } from '../gen/generate.js';

export interface DemoFile {
  label: string;
  result: GenerateResult;
}

/**
 * The demo's inputs: three MCFs across two SMSOs (a clean migration, one with a mix of
 * installation- and device-level defects, an early validation) with FileIDs unique to
 * this run, so the demo can run again on the same topics.
 */
export async function generateDemoFiles(refDir: string, dir: string, runId: string, scale: number): Promise<DemoFile[]> {
  const n = (k: number): number => Math.max(2, Math.round(k * scale));
  const specs = [
    { label: 'clean migration (MDS)', smso: 'MDS', purpose: 'Migration' as const, installations: n(400), defects: undefined },
    {
      label: 'mixed defects (SECURE)', smso: 'SECURE', purpose: 'Migration' as const, installations: n(200),
      defects: 'DEV_CERT_UNTRUSTED:8%,DEV_CREDENTIAL_INCOMPLETE:4%,INST_EXCLUDED_MISSING_KEYS:4%,INST_DMC_NOT_ELIGIBLE:4%,DEV_FIELD_INVALID:3%,INST_DUPLICATE_DEVICE:2%,INST_STRUCTURE:2%',
    },
    { label: 'early validation (MDS)', smso: 'MDS', purpose: 'EarlyValidation' as const, installations: n(100), defects: 'DEV_CERT_EXPIRED:5%' },
  ];
  const out: DemoFile[] = [];
  for (const [i, s] of specs.entries()) {
    const fileId = `DEMO-${runId}-${i + 1}`;
    const result = await generateMcf({
      refDir, smso: s.smso, installations: s.installations, purpose: s.purpose, seed: fileId, fileId,
      out: join(dir, `${fileId}.xml`), ...(s.defects ? { defects: s.defects } : {}),
    });
    out.push({ label: s.label, result });
  }
  return out;
}

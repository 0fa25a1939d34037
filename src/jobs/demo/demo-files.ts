import { join } from 'node:path';
import { generateMcf, type GenerateResult } from '../gen/generate.js';

export interface DemoFile {
  label: string;
  result: GenerateResult;
  /** The MA a Migration file names, as the demo publishes it. */
  ma: { reference: string; supplier: string; smso: string; requested: number; committed: number } | null;
}

/** The demo's two suppliers (canonical EUI-64s). */
export const DEMO_SUPPLIERS = ['90b3d51f30010000', '90b3d51f30010003'] as const;

/**
 * The demo's inputs: three MCFs across two SMSOs (a clean migration, one with a mix of
 * installation- and device-level defects, an early validation) with FileIDs unique to
 * this run, so the demo can run again on the same topics.
 */
export async function generateDemoFiles(refDir: string, dir: string, runId: string, scale: number): Promise<DemoFile[]> {
  const n = (k: number): number => Math.max(2, Math.round(k * scale));
  const specs = [
    // Its MA covers every installation, 80 % of them committed (the rest is excess over the MDC).
    { label: 'clean migration (MDS)', smso: 'MDS', purpose: 'Migration' as const, installations: n(400), defects: undefined, supplier: DEMO_SUPPLIERS[0], share: [1, 0.8] },
    {
      // The SECURE SMSO is capped low in the demo: its work visibly waits while MDS proceeds.
      label: 'mixed defects (SECURE)', smso: 'SECURE', purpose: 'Migration' as const, installations: n(200), supplier: DEMO_SUPPLIERS[1], share: [1, 1],
      defects: 'DEV_CERT_UNTRUSTED:8%,DEV_CREDENTIAL_INCOMPLETE:4%,INST_EXCLUDED_MISSING_KEYS:4%,INST_DMC_NOT_ELIGIBLE:4%,DEV_FIELD_INVALID:3%,INST_DUPLICATE_DEVICE:2%,INST_STRUCTURE:2%',
    },
    { label: 'early validation (MDS)', smso: 'MDS', purpose: 'EarlyValidation' as const, installations: n(100), defects: 'DEV_CERT_EXPIRED:5%', supplier: DEMO_SUPPLIERS[0], share: null },
  ];
  const out: DemoFile[] = [];
  for (const [i, s] of specs.entries()) {
    const fileId = `DEMO-${runId}-${i + 1}`;
    const ma = s.share === null ? null : {
      reference: `MA-${fileId}`, supplier: s.supplier, smso: s.smso,
      requested: Math.ceil(s.installations * s.share[0]!), committed: Math.floor(s.installations * s.share[1]!),
    };
    const result = await generateMcf({
      refDir, smso: s.smso, installations: s.installations, purpose: s.purpose, seed: fileId, fileId, suppliers: [s.supplier],
      out: join(dir, `${fileId}.xml`), ...(s.defects ? { defects: s.defects } : {}), ...(ma ? { ma: ma.reference } : {}),
    });
    out.push({ label: s.label, result, ma });
  }
  return out;
}

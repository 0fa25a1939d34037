import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMcf, type GenerateResult } from '../gen/generate.js';

export interface DemoMa {
  reference: string;
  supplier: string;
  smso: string;
  requested: number;
  committed: number;
}

export interface DemoFile {
  label: string;
  result: GenerateResult;
  /** The MA a Migration file names, as the demo publishes it. */
  ma: DemoMa | null;
}

/** The demo's two suppliers (canonical EUI-64s). */
export const DEMO_SUPPLIERS = ['90b3d51f30010000', '90b3d51f30010003'] as const;

/** The CHFs of the Active installations of a generated file, canonical, in file order. */
export function activeChfs(file: string): string[] {
  const xml = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const inst of xml.split('<Installation ').slice(1)) {
    if (!inst.includes('<MigrationType>Active</MigrationType>')) continue;
    const m = /<DeviceID>([0-9A-Fa-f-]{23})<\/DeviceID>\s*<DeviceType>CHF<\/DeviceType>/.exec(inst);
    if (m) out.push(m[1]!.replaceAll('-', '').toLowerCase());
  }
  return out;
}

/**
 * The demo's inputs, with FileIDs unique to this run (so the demo can run again on the same
 * topics): a clean MDS migration for supplier A whose MA has 20 % excess over its MDC; a
 * SECURE migration for supplier B with a mix of installation- and device-level defects and
 * split-supply sites (some of them only supplier A's: not authorised by B's MA); an early
 * validation; and, made here, the clean file again under a new FileID with its own MA (the
 * re-submission after the SMSO failed some of its CHFs).
 */
/** Progress of the generation: a file's label, installations written, and its total. */
export type GenerationProgress = (label: string, installations: number, total: number) => void;

export async function generateDemoFiles(refDir: string, dir: string, runId: string, scale: number,
  onProgress?: GenerationProgress): Promise<{ files: DemoFile[]; resubmission: DemoFile }> {
  const n = (k: number): number => Math.max(4, Math.round(k * scale));
  const [a, b] = DEMO_SUPPLIERS;
  const specs = [
    { label: 'clean migration (MDS)', smso: 'MDS', purpose: 'Migration' as const, installations: n(400), defects: undefined, suppliers: [a], maSupplier: a, share: [1, 0.8] },
    {
      label: 'mixed defects, split supply (SECURE)', smso: 'SECURE', purpose: 'Migration' as const, installations: n(200), suppliers: [b, a], maSupplier: b, share: [1, 1],
      defects: 'DEV_CERT_UNTRUSTED:8%,DEV_CREDENTIAL_INCOMPLETE:4%,INST_EXCLUDED_MISSING_KEYS:4%,INST_DMC_NOT_ELIGIBLE:4%,DEV_FIELD_INVALID:3%,INST_DUPLICATE_DEVICE:2%,INST_STRUCTURE:2%',
    },
    { label: 'early validation (MDS)', smso: 'MDS', purpose: 'EarlyValidation' as const, installations: n(100), defects: 'DEV_CERT_EXPIRED:5%', suppliers: [a], maSupplier: a, share: null },
  ];
  const make = async (label: string, fileId: string, seed: string, s: (typeof specs)[number]): Promise<DemoFile> => {
    const ma = s.share === null ? null : {
      reference: `MA-${fileId}`, supplier: s.maSupplier, smso: s.smso,
      requested: Math.ceil(s.installations * s.share[0]!), committed: Math.floor(s.installations * s.share[1]!),
    };
    const result = await generateMcf({
      refDir, smso: s.smso, installations: s.installations, purpose: s.purpose, seed, fileId, suppliers: s.suppliers,
      out: join(dir, `${fileId}.xml`), ...(s.defects ? { defects: s.defects } : {}), ...(ma ? { ma: ma.reference } : {}),
      ...(onProgress ? { onProgress: (n: number, total: number) => onProgress(label, n, total) } : {}),
    });
    return { label, result, ma };
  };
  const files: DemoFile[] = [];
  for (const [i, s] of specs.entries()) files.push(await make(s.label, `DEMO-${runId}-${i + 1}`, `DEMO-${runId}-${i + 1}`, s));
  // The same seed gives the same installations and devices: only the FileID and the MA differ.
  const resubmission = await make('re-submission after failures (MDS)', `DEMO-${runId}-1R`, `DEMO-${runId}-1`, specs[0]!);
  return { files, resubmission };
}

/**
 * `gen`: writes a signed MCF v1 file and FILE.expected.json (the report the generator
 * intends), both streamed. The plan is made twice from the same seed: a cheap first pass
 * counts the devices for the Header, the second writes them, so nothing grows with the file
 * except the defect assignment (one entry per defective installation).
 */
import { createSign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { FileCode } from '../../core/errors/codes.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { applyDefect, assignDefects, parseDefects, type DefectSpec, type FileDefect, type InstallationDefect } from './defects.js';
import { deviceCertificate, deviceCredential, type DeviceMaterialContext } from './device-material.js';
import { evaluateInstallation, ExpectedReportWriter, type ExpectPolicy } from './expected.js';
import { loadGenMaterial, type GenMaterial } from './material.js';
import type { PlannedInstallation } from './model.js';
import { InstallationPlanner } from './planner.js';
import { Prng } from '../../core/random/prng.js';
import { renderHead, renderInstallation } from './render.js';
import { StreamWriter } from './stream-writer.js';

export interface GenerateOptions {
  readonly refDir: string;
  readonly smso: string;
  readonly installations: number;
  readonly out: string;
  readonly seed: string;
  readonly purpose: 'Migration' | 'EarlyValidation';
  /** MigrationAuthorisation; default a plausible MA reference when Purpose is Migration. */
  readonly ma?: string;
  /** Whole seconds; default now. */
  readonly createdAt?: Date;
  readonly signerKeyPath?: string;
  readonly signerCertPath?: string;
  readonly defects?: string;
  readonly fileId?: string;
  /** Canonical EUI-64s of the suppliers the meters get (default five fixed ones). */
  readonly suppliers?: readonly string[];
  /** Canonical EUI-64 the file's device IDs count up from (default one drawn from the seed). */
  readonly firstDevice?: string;
  /** Called after each installation is written, with the count so far and the total. */
  readonly onProgress?: (installations: number, total: number) => void;
}

export interface GenerateResult {
  readonly out: string;
  readonly expectedPath: string;
  readonly policyPath: string;
  readonly policy: ExpectPolicy;
  readonly fileStatus: 'accepted' | 'rejected';
  readonly installations: number;
  readonly devices: number;
  readonly seconds: number;
}

const DAY_MS = 86_400_000;

function cohortOf(smso: string): string {
  return smso === 'MDS' ? 'MOC-MDS' : smso === 'SECURE' ? 'MOC-SECURE' : 'FOC';
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ymd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

/** Every installation of the file, planned from fresh PRNGs so that two passes agree. */
function* plans(opts: GenerateOptions, material: GenMaterial, spec: DefectSpec): Generator<PlannedInstallation> {
  const defectPrng = new Prng(`${opts.seed}:defects`);
  const assigned = assignDefects(spec, opts.installations, defectPrng);
  const planner = new InstallationPlanner(new Prng(`${opts.seed}:plan`), material.combinations, opts.suppliers, opts.firstDevice);
  const splitDefect = spec.installations.some(([c]) => c === 'INST_SPLIT_SUPPLY');
  if (splitDefect && !planner.hasDualFuel) throw new S1migError('USAGE', 'gen: INST_SPLIT_SUPPLY needs an eligible combination with a GSME');
  const width = Math.max(7, String(opts.installations).length);
  for (let i = 0; i < opts.installations; i++) {
    const defect: InstallationDefect | undefined = assigned.get(i);
    const split = defect === 'INST_SPLIT_SUPPLY' ? 'force' : splitDefect ? 'never' : 'natural';
    const id = `INST-${String(i + (spec.file === 'MCF_MALFORMED' && i === 1 ? 0 : 1)).padStart(width, '0')}`;
    const inst = planner.plan(id, { split, forceGsme: defect === 'INST_SPLIT_SUPPLY' });
    if (defect !== undefined) applyDefect(inst, defect, defectPrng, planner);
    yield inst;
  }
}

/** The file-level codes the validator must report, from the defect and the signer bundle. */
function fileCodes(file: FileDefect | null, material: GenMaterial, requestingParty: string, createdAtMs: number): FileCode[] {
  if (file === 'MCF_MALFORMED' || file === 'MCF_UNSUPPORTED_VERSION' || file === 'MCF_SIGNATURE_MISSING') return [file];
  const candidates = material.bundle.filter((c) => c.eui === requestingParty);
  if (candidates.length === 0) return ['MCF_SIGNER_UNKNOWN'];
  const valid = candidates.filter((c) => c.notBefore.getTime() <= createdAtMs && createdAtMs <= c.notAfter.getTime());
  if (valid.length === 0) return ['MCF_SIGNER_EXPIRED'];
  const codes: FileCode[] = [];
  if (file === 'MCF_SIGNATURE_INVALID' || !valid.some((c) => c.isSigningKey)) codes.push('MCF_SIGNATURE_INVALID');
  if (file === 'MCF_COUNT_MISMATCH') codes.push('MCF_COUNT_MISMATCH');
  return codes;
}

function unknownParty(material: GenMaterial): string {
  const taken = new Set(material.bundle.map((c) => c.eui));
  for (let n = 0xff; ; n--) {
    const eui = material.signerEui.slice(0, 14) + n.toString(16).padStart(2, '0');
    if (!taken.has(eui)) return eui;
  }
}

export async function generateMcf(opts: GenerateOptions): Promise<GenerateResult> {
  const started = process.hrtime.bigint();
  if (!Number.isSafeInteger(opts.installations) || opts.installations < 0 || opts.installations > 10_000_000) {
    throw new S1migError('USAGE', 'gen: --installations must be 0..10000000');
  }
  let spec: DefectSpec;
  try {
    spec = parseDefects(opts.defects ?? '', opts.installations);
  } catch (err) {
    throw new S1migError('USAGE', `gen: ${(err as Error).message}`, { cause: err });
  }
  if (spec.file === 'MCF_MALFORMED' && opts.installations < 2) throw new S1migError('USAGE', 'gen: MCF_MALFORMED (a repeated installation id) needs 2 installations');
  const material = loadGenMaterial(opts.refDir, opts.smso, {
    ...(opts.signerKeyPath !== undefined ? { signerKeyPath: opts.signerKeyPath } : {}),
    ...(opts.signerCertPath !== undefined ? { signerCertPath: opts.signerCertPath } : {}),
  });

  let createdAtMs = Math.floor((opts.createdAt?.getTime() ?? Date.now()) / 1000) * 1000;
  const requestingParty = spec.file === 'MCF_SIGNER_UNKNOWN' ? unknownParty(material) : material.signerEui;
  if (spec.file === 'MCF_SIGNER_EXPIRED') {
    // before every candidate's notBefore: no candidate is valid, whatever their notAfter
    const own = material.bundle.filter((c) => c.eui === requestingParty);
    createdAtMs = Math.min(...own.map((c) => c.notBefore.getTime())) - DAY_MS;
  }
  const policy: ExpectPolicy = {
    splitSupply: spec.installations.some(([c]) => c === 'INST_SPLIT_SUPPLY') ? 'reject' : 'allow',
    partial: 'allow',
  };

  let deviceCount = 0;
  for (const inst of plans(opts, material, spec)) deviceCount += inst.devices.length;

  const seedTag = new Prng(`${opts.seed}:file`).digits(6);
  const fileId = opts.fileId ?? `${opts.smso}-${ymd(createdAtMs)}-${seedTag}`;
  const ma = opts.ma ?? (opts.purpose === 'Migration' ? `MA_S1SP_90-B3-D5-1F-30-01-00-00_${ymd(createdAtMs)}_090000` : null);
  const codes = fileCodes(spec.file, material, requestingParty, createdAtMs);

  const signer = createSign('SHA256');
  // an extra byte in the digest that is not in the file: a well-formed signature over other bytes
  if (spec.file === 'MCF_SIGNATURE_INVALID') signer.update(Buffer.from(' '));
  const mcf = await StreamWriter.toFile(opts.out, signer);
  const expectedPath = `${opts.out}.expected.json`;
  const expectedStream = await StreamWriter.toFile(expectedPath).catch(async (err: unknown) => {
    await mcf.close().catch(() => undefined);
    throw err;
  });
  const expected = new ExpectedReportWriter((t) => expectedStream.write(t));

  await mcf.write(
    renderHead({
      schemaVersion: spec.file === 'MCF_UNSUPPORTED_VERSION' ? '1.1' : '1.0',
      fileId,
      requestingParty,
      smso: opts.smso,
      cohort: cohortOf(opts.smso),
      purpose: opts.purpose,
      ma,
      createdAt: isoSeconds(createdAtMs),
      installationCount: opts.installations + (spec.file === 'MCF_COUNT_MISMATCH' ? 1 : 0),
      deviceCount,
    }),
  );
  await expected.begin({ fileId, smso: opts.smso, requestingParty, purpose: opts.purpose }, codes);

  const ctx: DeviceMaterialContext = { material, createdAtMs };
  let written = 0;
  let installationsWritten = 0;
  for (const inst of plans(opts, material, spec)) {
    const secrets = inst.devices.map((d) => ({ certificate: deviceCertificate(d, ctx), credential: deviceCredential(d, ctx) }));
    written += inst.devices.length;
    await mcf.write(renderInstallation(inst, secrets));
    if (codes.length === 0) await expected.installation(evaluateInstallation(inst, material.combinations, policy));
    opts.onProgress?.(++installationsWritten, opts.installations);
  }
  if (written !== deviceCount) throw new S1migError('INTERNAL', 'gen: the two planning passes disagree');

  if (spec.file !== 'MCF_SIGNATURE_MISSING') {
    // the indentation is signed too: the range ends just before the '<' of the start tag
    await mcf.write('  ');
    const finalSigner = await mcf.stopSigning();
    const signature = finalSigner!.sign(material.signerKey).toString('base64');
    await mcf.write(`<Signature>${signature}</Signature>\n`);
  }
  await mcf.write('</MigrationCommonFile>\n');
  await mcf.close();
  await expected.end();
  await expectedStream.close();
  const policyPath = `${opts.out}.expected.policy.json`;
  writeFileSync(policyPath, JSON.stringify(policy) + '\n');

  return {
    out: opts.out,
    expectedPath,
    policyPath,
    policy,
    fileStatus: codes.length === 0 ? 'accepted' : 'rejected',
    installations: opts.installations,
    devices: deviceCount,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

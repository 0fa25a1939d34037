/**
 * Fuzzing of offline validation: seeded mutations of the known-answer vectors, run through
 * validateFile in-process (a few hundred cases) and through the built CLI (a few cases).
 * Whatever the bytes, validation must end with a well-formed report built from the
 * catalogue's codes, never throw, never hang.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCryptoChecker } from '../../../src/core/contracts/device-crypto.js';
import { createInThreadChecker } from '../../../src/core/device-crypto/index.js';
import { loadReference } from '../../../src/core/reference/index.js';
import { JsonReportSink } from '../../../src/cli/render/json-report.js';
import { stringOutput } from '../../../src/cli/render/output.js';
import { DEFAULT_POLICY, validateFile } from '../../../src/jobs/validate/validate-file.js';
import { mutate } from './mutations.js';
import { checkReport, type Report } from './report-invariants.js';

const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const VECTORS = `${SHARED}fixtures/mcf-vectors/`;
const REF = `${VECTORS}ref`;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN_JS = `${ROOT}dist/src/cli/main.js`;
/** Public test key of the vectors' MDS file signer (DCC Boxed), to re-sign mutated bodies. */
const SIGNER_KEY = readFileSync(`${SHARED}fixtures/smki/dccboxed-org/90b3d51f30010008-loadcontroller-ds.key.pem`, 'utf8');

const IN_PROCESS_CASES = 400;
const CLI_CASES = 20;
const CASE_LIMIT_MS = 5_000;
const CLI_CASE_LIMIT_MS = 15_000;

const vectors = readdirSync(VECTORS)
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((f) => ({ name: f, bytes: readFileSync(join(VECTORS, f)) }));

function withLimit<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`case "${label}" exceeded ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function fuzzCase(i: number): { bytes: Buffer; label: string } {
  const vector = vectors[i % vectors.length]!;
  const { bytes, label } = mutate(vector.bytes, 0x5eed0000 + i, SIGNER_KEY);
  return { bytes, label: `${vector.name}: ${label}` };
}

const dir = mkdtempSync(join(tmpdir(), 's1mig-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validate fuzz (in-process, validateFile + in-thread checker)', () => {
  const ref = loadReference(REF);
  let checker: DeviceCryptoChecker;
  const seen = { accepted: 0, rejected: 0, installations: 0, deviceErrors: 0 };
  beforeAll(() => {
    checker = createInThreadChecker(REF);
  });
  afterAll(async () => {
    await checker.close();
  });

  it('has vectors to mutate', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(4);
  });

  it.each(Array.from({ length: IN_PROCESS_CASES }, (_, i) => i))('case %i', async (i) => {
    const { bytes, label } = fuzzCase(i);
    const path = join(dir, `case-${i}.xml`);
    writeFileSync(path, bytes);
    const out = stringOutput();
    const summary = await withLimit(
      validateFile(path, ref, checker, { ...DEFAULT_POLICY }, new JsonReportSink(out)),
      CASE_LIMIT_MS,
      label,
    );
    rmSync(path);
    const report = JSON.parse(out.text()) as Report;
    checkReport(report);
    expect(summary.status, label).toBe(report.status);
    expect(summary.summary).toEqual(report.summary);
    seen[report.status as 'accepted' | 'rejected']++;
    seen.installations += report.installations.length;
    seen.deviceErrors += report.installations.flatMap((x) => x.devices).filter((d) => d.status === 'invalid').length;
  }, CASE_LIMIT_MS * 2);

  it('reached both outcomes and the device checks (the corpus is not all trivially malformed)', () => {
    expect(seen.accepted).toBeGreaterThan(IN_PROCESS_CASES / 20);
    expect(seen.rejected).toBeGreaterThan(IN_PROCESS_CASES / 4);
    expect(seen.installations).toBeGreaterThan(IN_PROCESS_CASES / 4);
    expect(seen.deviceErrors).toBeGreaterThan(0);
  });
});

describe('validate fuzz (CLI, validate --json)', () => {
  beforeAll(() => {
    if (existsSync(MAIN_JS)) return;
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
  }, 120_000);

  function runCli(path: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [MAIN_JS, 'validate', path, '--ref', REF, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const timer = setTimeout(() => child.kill('SIGKILL'), CLI_CASE_LIMIT_MS);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  it.each(Array.from({ length: CLI_CASES }, (_, i) => 10_000 + i))('case %i', async (i) => {
    const { bytes, label } = fuzzCase(i);
    const path = join(dir, `cli-${i}.xml`);
    writeFileSync(path, bytes);
    const r = await runCli(path);
    rmSync(path);
    expect(r.stderr, label).toBe('');
    expect([0, 1], label).toContain(r.code);
    const report = JSON.parse(r.stdout) as Report;
    checkReport(report);
    expect(r.code).toBe(report.status === 'accepted' ? 0 : 1);
  }, CLI_CASE_LIMIT_MS * 2);
});

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN_JS = `${ROOT}dist/src/cli/main.js`;
const REF = fileURLToPath(new URL('../../../../shared/fixtures/mcf-vectors/ref', import.meta.url));

/** Runs the built CLI with stdout a pipe whose reader goes away after the first bytes (like `| head -c 1`). */
function runClosingStdout(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('the CLI with a closed stdout and an unwritable output', () => {
  let dir: string;
  let big: string;
  let ref: string;
  beforeAll(() => {
    expect(existsSync(MAIN_JS), 'npm test builds dist/ first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 's1mig-cli-test-'));
    ref = join(dir, 'ref');
    expect(spawnSync(process.execPath, [MAIN_JS, 'ref', 'init', ref]).status).toBe(0);
    big = join(dir, 'big.xml');
    // ~400 KB of JSON report: far more than a pipe holds, so the writer meets the closed end.
    expect(spawnSync(process.execPath, [MAIN_JS, 'gen', '--ref', ref, '--smso', 'MDS', '--installations', '400', '--out', big, '--seed', '1', '--purpose', 'EarlyValidation']).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Regression (audit): `validate ... | head` ended with "write EPIPE" and exit 3.
  it('validate | head ends quietly with the verdict\'s status, JSON or text', async () => {
    for (const extra of [['--json'], []]) {
      const r = await runClosingStdout(['validate', big, '--ref', ref, ...extra]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
    const rejected = await runClosingStdout(['validate', fileURLToPath(new URL('../../../../shared/fixtures/mcf-vectors/bad-signature.xml', import.meta.url)), '--ref', REF]);
    expect(rejected).toEqual({ status: 1, stderr: '' });
  });

  // Regression (audit): `gen --out` into a missing folder died with an unhandled 'error' stack trace.
  it('gen --out into a missing folder is one coded line and exit 2', () => {
    const r = spawnSync(process.execPath, [MAIN_JS, 'gen', '--ref', ref, '--smso', 'MDS', '--installations', '2', '--out', join(dir, 'missing', 'x.xml')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^s1mig gen: cannot write .*missing\/x\.xml: ENOENT/);
  });
});

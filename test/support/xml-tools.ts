/**
 * The independent checkers the alert tests run: Debian's xmllint (libxml2-utils) against the
 * DUIS schema and xmlsec1 against the signing certificate. `.ci/prerequisites.sh` installs
 * both; without them the tests fail saying what to install, they do not skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DUIS_XSD = fileURLToPath(new URL('../../../shared/fixtures/duis/DUIS-Schema-V5.4.xsd', import.meta.url));

function need(tool: string, pkg: string): void {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`${tool} is not installed: apt-get install ${pkg} (.ci/prerequisites.sh does)`);
}

export interface ToolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Runs xmllint --schema and xmlsec1 --verify on each document; one private temp folder per call. */
export function checkWithTools(docs: readonly string[], certPem: string): { schema: ToolResult[]; signature: ToolResult[] } {
  need('xmllint', 'libxml2-utils');
  need('xmlsec1', 'xmlsec1');
  const dir = mkdtempSync(join(tmpdir(), 's1mig-xmltools-'));
  try {
    const cert = join(dir, 'cert.pem');
    writeFileSync(cert, certPem, { mode: 0o600, flag: 'wx' });
    const files = docs.map((d, i) => {
      const f = join(dir, `alert-${i}.xml`);
      writeFileSync(f, d, { mode: 0o600, flag: 'wx' });
      return f;
    });
    const run = (cmd: string, args: string[]): ToolResult => {
      const r = spawnSync(cmd, args, { encoding: 'utf8' });
      return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
    };
    // xmllint checks many files in one run, but its status is for all: one run per file names the bad one.
    return {
      schema: files.map((f) => run('xmllint', ['--noout', '--nonet', '--schema', DUIS_XSD, f])),
      signature: files.map((f) => run('xmlsec1', ['--verify', '--pubkey-cert-pem', cert, f])),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

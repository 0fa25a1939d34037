/**
 * `s1mig validate` when the disk of its temporary folders refuses it (issue 13): exit 3
 * (validation.md: an internal or infrastructure error), nothing on stdout, and one line on
 * stderr naming the folder and the fix; before, it printed a bare "ENOSPC: no space left on
 * device, write" or "EROFS: ..., mkdtemp ..." and library callers got no code. The faults
 * are the kernel's own: /sys, where even root cannot make a folder, and /dev/full, which
 * answers every write with ENOSPC; the spool files' exclusive creates are sent there at the
 * file-system boundary (a link to /dev/full would be refused by O_EXCL, as it should be).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runValidateCli } from './run-validate.js';

/** Which file the test's "full disk" takes: paths containing this, created exclusively. */
const full = vi.hoisted(() => ({ match: null as string | null }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>();
  const open = (async (path: Parameters<typeof fsp.open>[0], flags?: string | number, mode?: number) =>
    (full.match !== null && flags === 'wx' && String(path).includes(full.match) ? fsp.open('/dev/full', 'w') : fsp.open(path, flags, mode))) as typeof fsp.open;
  return { ...fsp, open, default: { ...fsp, open } };
});
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const createWriteStream = ((path: Parameters<typeof fs.createWriteStream>[0], options?: Parameters<typeof fs.createWriteStream>[1]) =>
    (full.match !== null && String(path).includes(full.match) ? fs.createWriteStream('/dev/full', { flags: 'w' }) : fs.createWriteStream(path, options))) as typeof fs.createWriteStream;
  return { ...fs, createWriteStream, default: { ...fs, createWriteStream } };
});

const VECTORS = fileURLToPath(new URL('../../../../../shared/fixtures/mcf-vectors/', import.meta.url));
const REF = `${VECTORS}ref`;

const runCli = runValidateCli;

const scratch = mkdtempSync(join(tmpdir(), 's1mig-validate-disk-test-'));
const savedTmp = process.env['TMPDIR'];
let tmp = '';
beforeEach(() => {
  tmp = mkdtempSync(join(scratch, 't-'));
  process.env['TMPDIR'] = tmp;
});
afterEach(() => {
  full.match = null;
  if (savedTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTmp;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('s1mig validate on a disk that refuses its temporary files', () => {
  it('works on this disk as it is (the harness changes nothing by itself)', async () => {
    for (const json of [[], ['--json']]) {
      const r = await runCli([`${VECTORS}mixed-outcomes.xml`, '--ref', REF, ...json]);
      expect(r.status).toBe(0);
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('its installation spool full (ENOSPC): exit 3, empty stdout, one line naming the folder and the fix', async () => {
    full.match = 's1mig-validate-spool-';
    for (const json of [[], ['--json']]) {
      const r = await runCli([`${VECTORS}mixed-outcomes.xml`, '--ref', REF, ...json]);
      expect(r.status).toBe(3);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^s1mig validate: spool folder ${tmp}/s1mig-validate-spool-\\w+: cannot write to it \\(ENOSPC\\): no space left: free space on its disk$`));
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('its report file full (ENOSPC): the same', async () => {
    full.match = '/report';
    for (const json of [[], ['--json']]) {
      const r = await runCli([`${VECTORS}mixed-outcomes.xml`, '--ref', REF, ...json]);
      expect(r.status).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^s1mig validate: spool folder ${tmp}/s1mig-validate-\\w+: cannot write to it \\(ENOSPC\\): no space left: free space on its disk\\n$`));
    }
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a temporary folder it cannot make (/sys: EPERM, EROFS in a container): exit 3 naming the folder', async () => {
    if (!existsSync('/sys/kernel')) return; // not Linux
    process.env['TMPDIR'] = '/sys';
    const r = await runCli([`${VECTORS}mixed-outcomes.xml`, '--ref', REF, '--json']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^s1mig validate: spool folder \/sys: cannot create its folder in it \((EPERM|EROFS|EACCES)\): .+\n$/);
  });
});

import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, openSync, closeSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync, appendFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../../../src/core/errors/s1mig-error.js';
import { SPOOL_BLOCK_BYTES, VerifiedSpool } from '../../../../src/adapters/fs/verified-spool.js';

const dir = mkdtempSync(join(tmpdir(), 's1mig-vspool-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(dir, `s${n++}.bin`);

async function readAll(s: VerifiedSpool): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of s.read()) parts.push(Buffer.from(b));
  return Buffer.concat(parts);
}

async function readError(s: VerifiedSpool): Promise<unknown> {
  try {
    await readAll(s);
  } catch (err) {
    return err;
  }
  return null;
}

/** A spool of `size` random bytes written in uneven pieces (block boundaries fall inside writes). */
function spoolOf(size: number): { spool: VerifiedSpool; bytes: Buffer } {
  const bytes = randomBytes(size);
  const spool = VerifiedSpool.create(fresh());
  for (let off = 0; off < size;) {
    const k = Math.min(size - off, 1 + ((off * 7919) % 100_000));
    spool.write(bytes.subarray(off, off + k));
    off += k;
  }
  spool.seal();
  return { spool, bytes };
}

describe('VerifiedSpool', () => {
  it('gives back exactly the bytes written, for sizes around the block size, more than once', async () => {
    for (const size of [0, 1, SPOOL_BLOCK_BYTES - 1, SPOOL_BLOCK_BYTES, SPOOL_BLOCK_BYTES + 1, 3 * SPOOL_BLOCK_BYTES + 17]) {
      const { spool, bytes } = spoolOf(size);
      expect((await readAll(spool)).equals(bytes), `size ${size}`).toBe(true);
      expect((await readAll(spool)).equals(bytes)).toBe(true);
      spool.discard();
    }
  });

  it('creates its file 0600 and exclusively: an existing file or a planted link is never reused or followed', () => {
    const path = fresh();
    const s = VerifiedSpool.create(path);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    s.discard();
    const existing = fresh();
    writeFileSync(existing, 'someone else\'s', { mode: 0o666 });
    expect(() => VerifiedSpool.create(existing)).toThrow(/EEXIST/);
    expect(readFileSync(existing, 'utf8')).toBe('someone else\'s');
    const target = fresh();
    writeFileSync(target, 'secret', { mode: 0o600 });
    const link = fresh();
    symlinkSync(target, link);
    expect(() => VerifiedSpool.create(link)).toThrow(/EEXIST/);
    expect(readFileSync(target, 'utf8')).toBe('secret');
  });

  // Regression (audit, defect 2): bytes changed in the spool after they were hashed were
  // emitted, so a device ID that is not in the signed file appeared in an accepted report.
  it('refuses a block changed on disk after it was written (SPOOL_TAMPERED), before yielding it', async () => {
    const { spool, bytes } = spoolOf(2 * SPOOL_BLOCK_BYTES + 100);
    const fd = openSync(spool.path, 'r+');
    writeSync(fd, Buffer.from([bytes[SPOOL_BLOCK_BYTES + 5]! ^ 1]), 0, 1, SPOOL_BLOCK_BYTES + 5);
    closeSync(fd);
    const yielded: number[] = [];
    let err: unknown = null;
    try {
      for await (const b of spool.read()) yielded.push(b.length);
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe('SPOOL_TAMPERED');
    expect((err as Error).message).toMatch(/block 1/);
    expect(yielded).toEqual([SPOOL_BLOCK_BYTES]); // block 0 was intact; nothing of block 1 got out
  });

  it('refuses a spool truncated, extended, replaced by another file, or made a link', async () => {
    const cases: Array<[string, (path: string) => void]> = [
      ['truncated', (p) => truncateSync(p, 10)],
      ['extended', (p) => appendFileSync(p, 'x')],
      ['replaced', (p) => { const other = `${p}.other`; writeFileSync(other, readFileSync(p)); renameSync(other, p); }],
      ['a link', (p) => { const moved = `${p}.moved`; renameSync(p, moved); symlinkSync(moved, p); }],
      ['removed', (p) => rmSync(p)],
    ];
    for (const [what, change] of cases) {
      const { spool } = spoolOf(1000);
      change(spool.path);
      expect(errorCode(await readError(spool)), what).toBe('SPOOL_TAMPERED');
    }
  });

  it('is read only once sealed, and written only before', async () => {
    const s = VerifiedSpool.create(fresh());
    expect(errorCode(await readError(s))).toBe('INTERNAL');
    s.seal();
    expect(() => s.write(Buffer.from('x'))).toThrow(/closed/);
    s.discard();
    s.discard();
  });
});

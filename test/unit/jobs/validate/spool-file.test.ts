import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpoolFile } from '../../../../src/jobs/validate/spool-file.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 's1mig-spool-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function collect(gen: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('SpoolFile', () => {
  it('gives back the appended text across 1 MiB blocks without splitting UTF-8 sequences', async () => {
    const f = await SpoolFile.create(join(dir, 'a'));
    // 3- and 4-byte sequences at every alignment against the block size.
    const piece = `é€😀${'x'.repeat(997)}\n`;
    const texts = Array.from({ length: 5000 }, (_, k) => `${k}${piece}`);
    for (const t of texts) await f.append(t);
    const blocks = await collect(f.blocks());
    expect(blocks.length).toBeGreaterThan(2);
    expect(blocks.join('')).toBe(texts.join(''));
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o600);
  });

  it('splits lines across blocks and refuses an unterminated last line', async () => {
    const f = await SpoolFile.create(join(dir, 'b'));
    const lines = Array.from({ length: 3000 }, (_, k) => `line ${k} ${'y'.repeat(k % 700)}`);
    for (const l of lines) await f.append(`${l}\n`);
    expect(await collect(f.lines())).toEqual(lines);

    const g = await SpoolFile.create(join(dir, 'c'));
    await g.append('one\ntwo');
    await expect(collect(g.lines())).rejects.toThrow(/unterminated/);
  });

  it('a write that fails in the background fails the next append, and close()', async () => {
    const f = await SpoolFile.create(join(dir, 'w'));
    // The write is not awaited by the append that starts it: make the file's write fail.
    const handle = (f as unknown as { handle: { write: () => Promise<never> } }).handle;
    handle.write = () => Promise.reject(new Error('ENOSPC: no space left on device'));
    const big = 'z'.repeat(70_000);
    await f.append(big); // starts the failing write, returns
    await expect(f.append(big)).rejects.toThrow(/ENOSPC/);
    await f.close(); // the failure was reported once; the handle is still closed
    const g = await SpoolFile.create(join(dir, 'w2'));
    (g as unknown as { handle: { write: () => Promise<never> } }).handle.write = () => Promise.reject(new Error('EIO'));
    await g.append(big);
    await expect(g.close()).rejects.toThrow(/EIO/);
  });

  it('an empty spool has no blocks and no lines', async () => {
    const f = await SpoolFile.create(join(dir, 'd'));
    expect(await collect(f.lines())).toEqual([]);
    await f.close();
  });

  it('refuses to reuse an existing file', async () => {
    const f = await SpoolFile.create(join(dir, 'e'));
    await f.close();
    await expect(SpoolFile.create(join(dir, 'e'))).rejects.toThrow(/EEXIST/);
  });
});

/**
 * The spool adapters when their disk refuses them (issue 13): every refusal is
 * SPOOL_UNAVAILABLE naming the folder, nothing half-written is left or used, and what is not
 * the disk's doing keeps its own code. The faults are made at the file-system boundary
 * (test/support/spool-fault.ts) where the kernel cannot make them for root; a removed
 * folder and /sys (where even root cannot make a folder) are real.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrivateDir } from '../../../../src/adapters/fs/private-dir.js';
import { spoolErrno } from '../../../../src/adapters/fs/spool-disk.js';
import { spoolInput } from '../../../../src/adapters/fs/stream-input.js';
import { SPOOL_BLOCK_BYTES, VerifiedSpool } from '../../../../src/adapters/fs/verified-spool.js';
import { errorCode } from '../../../../src/core/errors/s1mig-error.js';
import { FaultPlan } from '../../../support/spool-fault.js';

const base = mkdtempSync(join(tmpdir(), 's1mig-spool-disk-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
const folder = (): string => mkdtempSync(join(base, `d${n++}-`));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

async function readAll(s: VerifiedSpool): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of s.read()) parts.push(Buffer.from(b));
  return Buffer.concat(parts);
}

describe('VerifiedSpool on a disk that refuses it', () => {
  it('a refused create is SPOOL_UNAVAILABLE naming the folder, and leaves no file', () => {
    const dir = folder();
    const plan = new FaultPlan([{ op: 'create', errno: 'EACCES', times: 1 }]);
    const err = thrown(() => VerifiedSpool.create(join(dir, 'a.mcf'), plan.hook));
    expect(errorCode(err)).toBe('SPOOL_UNAVAILABLE');
    expect((err as Error).message).toBe(`spool folder ${dir}: cannot create a file in it (EACCES): permission denied: let the user s1mig runs as create and write files in it`);
    expect(readdirSync(dir)).toEqual([]);
    // The disk is back: the same path is created.
    VerifiedSpool.create(join(dir, 'a.mcf'), plan.hook).discard();
  });

  it('a write refused half-way (ENOSPC) is SPOOL_UNAVAILABLE; the spool then takes nothing more, and discard removes it', () => {
    const dir = folder();
    const plan = new FaultPlan([{ op: 'write', errno: 'ENOSPC', skip: 2, times: 1 }]);
    const s = VerifiedSpool.create(join(dir, 'b.mcf'), plan.hook);
    s.write(Buffer.alloc(1000, 1));
    s.write(Buffer.alloc(1000, 2));
    const err = thrown(() => s.write(Buffer.alloc(1000, 3)));
    expect(errorCode(err)).toBe('SPOOL_UNAVAILABLE');
    expect(spoolErrno(err)).toBe('ENOSPC');
    expect((err as Error).message).toMatch(new RegExp(`^spool folder ${dir}: cannot write to it \\(ENOSPC\\): no space left: free space on its disk$`));
    // Its digests cover bytes the file may not hold: no more writes, no seal, no read.
    expect(errorCode(thrown(() => s.write(Buffer.alloc(1))))).toBe('INTERNAL');
    expect(errorCode(thrown(() => s.seal()))).toBe('INTERNAL');
    s.discard();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a close refused at seal (NFS reports ENOSPC there) is SPOOL_UNAVAILABLE', () => {
    const dir = folder();
    const s = VerifiedSpool.create(join(dir, 'c.mcf'), new FaultPlan([{ op: 'close', errno: 'EDQUOT', times: 1 }]).hook);
    s.write(Buffer.alloc(10));
    expect(spoolErrno(thrown(() => s.seal()))).toBe('EDQUOT');
    s.discard();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a read refused by the disk (EIO) is SPOOL_UNAVAILABLE, not SPOOL_TAMPERED, and a removed file is still SPOOL_TAMPERED', async () => {
    const dir = folder();
    const plan = new FaultPlan([{ op: 'read', errno: 'EIO', skip: 1, times: 1 }, { op: 'open', errno: 'EACCES', times: 1 }]);
    const s = VerifiedSpool.create(join(dir, 'd.mcf'), plan.hook);
    const bytes = Buffer.alloc(2 * SPOOL_BLOCK_BYTES + 7, 9);
    s.write(bytes);
    s.seal();
    const yielded: number[] = [];
    let err: unknown = null;
    try {
      for await (const b of s.read()) yielded.push(b.length);
    } catch (e) {
      err = e;
    }
    expect(errorCode(err)).toBe('SPOOL_UNAVAILABLE');
    expect(spoolErrno(err)).toBe('EIO');
    expect(yielded).toEqual([SPOOL_BLOCK_BYTES]);
    expect(spoolErrno(await readAll(s).catch((e: unknown) => e))).toBe('EACCES');
    // The disk is back: the bytes come back whole.
    expect((await readAll(s)).equals(bytes)).toBe(true);
    rmSync(s.path);
    expect(errorCode(await readAll(s).catch((e: unknown) => e))).toBe('SPOOL_TAMPERED');
    s.discard();
  });

  it('a folder removed while in use (a temporary-files cleaner) is SPOOL_UNAVAILABLE with ENOENT, for real', () => {
    const dir = folder();
    rmSync(dir, { recursive: true });
    const err = thrown(() => VerifiedSpool.create(join(dir, 'e.mcf')));
    expect(errorCode(err)).toBe('SPOOL_UNAVAILABLE');
    expect(spoolErrno(err)).toBe('ENOENT');
  });
});

describe('createPrivateDir on a disk that refuses it', () => {
  it('a refused mkdir is SPOOL_UNAVAILABLE naming the base', () => {
    const err = thrown(() => createPrivateDir(base, 'p-', new FaultPlan([{ op: 'mkdir', errno: 'EROFS', times: 1 }]).hook));
    expect(errorCode(err)).toBe('SPOOL_UNAVAILABLE');
    expect((err as Error).message).toBe(`spool folder ${base}: cannot create its folder in it (EROFS): read-only file system: mount its disk read-write`);
  });

  it('for real where even root cannot make a folder (/sys: EPERM, or EROFS in a container)', () => {
    if (!existsSync('/sys/kernel')) return; // not Linux
    const err = thrown(() => createPrivateDir('/sys', 's1mig-test-'));
    expect(errorCode(err)).toBe('SPOOL_UNAVAILABLE');
    expect(['EPERM', 'EROFS', 'EACCES']).toContain(spoolErrno(err));
  });

  // Seen on a full tmpfs (issue 13): the folder was made, its owner line could not be
  // written, and the folder, without an owner, was never judged stale by a later start.
  it('removes the folder it made when its owner line cannot be written, so no start leaves one behind', () => {
    const b = mkdtempSync(join(base, 'owner-'));
    const err = thrown(() => createPrivateDir(b, 'p-', new FaultPlan([{ op: 'create', errno: 'ENOSPC', times: 1 }]).hook));
    expect(spoolErrno(err)).toBe('ENOSPC');
    expect(readdirSync(b)).toEqual([]);
  });

  it('tells whether its folder is still there', () => {
    const d = createPrivateDir(base, 'x-');
    expect(d.exists()).toBe(true);
    rmSync(d.path, { recursive: true });
    expect(d.exists()).toBe(false);
    d.remove();
  });
});

describe('spoolInput on a disk that refuses it', () => {
  /** A source that removes the copy's folder, then waits until the file's open has failed, then gives bytes. */
  async function* removingItsFolder(b: string, waitMs: number): AsyncGenerator<Uint8Array> {
    for (const name of readdirSync(b)) rmSync(join(b, name), { recursive: true });
    await sleep(waitMs);
    for (let i = 0; i < 4; i++) yield Buffer.alloc(256 * 1024, 0x41);
  }

  // The write after the file had failed waited for a 'drain' that never comes (the file
  // failed while the source was being read): `validate -` hung for good.
  it('is SPOOL_UNAVAILABLE, not INPUT_UNREADABLE (the input was fine), and never hangs on a file that failed before a write', async () => {
    for (const waitMs of [0, 100]) {
      const b = mkdtempSync(join(base, 'in-'));
      const t0 = Date.now();
      const err = await spoolInput(removingItsFolder(b, waitMs), { base: b, name: 'standard input' }).catch((e: unknown) => e);
      expect(errorCode(err), `wait ${waitMs} ms`).toBe('SPOOL_UNAVAILABLE');
      expect(spoolErrno(err)).toBe('ENOENT');
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(readdirSync(b)).toEqual([]);
    }
  });

  // Each wait for 'drain' added an 'error' listener it never removed: Node printed a
  // MaxListenersExceededWarning on stderr for any input of more than a few hundred KiB.
  it('copies a large input without leaking listeners (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      async function* big(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < 64; i++) yield Buffer.alloc(64 * 1024, i);
      }
      const s = await spoolInput(big(), { base });
      expect(statSync(s.path).size).toBe(64 * 64 * 1024);
      s.dispose();
      await sleep(20);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});

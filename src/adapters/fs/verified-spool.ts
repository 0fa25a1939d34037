import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { asSpoolError, errnoOf, spoolDiskError, type SpoolFault, type SpoolOp } from './spool-disk.js';

/** Bytes covered by one recorded digest. */
export const SPOOL_BLOCK_BYTES = 256 * 1024;
const DIGEST_BYTES = 32;

/**
 * An append-only spool file whose bytes are proven on the way back: every block of
 * SPOOL_BLOCK_BYTES gets a SHA-256 as it is written (from the bytes in memory, the same
 * bytes the caller verified), and reading back hashes each block again before handing it
 * out. A file changed, truncated, extended or replaced on disk after it was written fails
 * with SPOOL_TAMPERED before any changed byte is used; memory holds 32 bytes per block.
 *
 * The file is created exclusively (O_EXCL, so no existing file or planted link is reused),
 * without following links (O_NOFOLLOW), mode 0600.
 *
 * A disk that refuses the file (full, over quota, permissions, read-only, I/O error) fails
 * with SPOOL_UNAVAILABLE naming the folder (spool-disk.ts); after a failed write the spool
 * takes no more bytes, since the file no longer holds what the digests describe.
 */
export class VerifiedSpool {
  private fd: number | null;
  private readonly ino: number;
  private readonly dev: number;
  private digests = Buffer.alloc(DIGEST_BYTES * 16);
  private blocks = 0;
  private block: Hash = createHash('sha256');
  private inBlock = 0;
  private size = 0;
  private sealed = false;

  private constructor(readonly path: string, fd: number, private readonly fault: SpoolFault | undefined) {
    this.fd = fd;
    const st = fstatSync(fd);
    this.ino = st.ino;
    this.dev = st.dev;
  }

  /** `fault` is the tests' seam at the file-system boundary (spool-disk.ts), unset in production. */
  static create(path: string, fault?: SpoolFault): VerifiedSpool {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    let fd: number | undefined;
    try {
      fault?.('create', path);
      fd = openSync(path, flags, 0o600);
      return new VerifiedSpool(path, fd, fault);
    } catch (err) {
      // Created, but its fstat failed: the file is ours to remove.
      if (fd !== undefined) {
        try {
          closeSync(fd);
          unlinkSync(path);
        } catch {
          // Nothing more to release.
        }
      }
      throw asSpoolError(err, dirname(path), 'create');
    }
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.size;
  }

  write(bytes: Uint8Array): void {
    if (this.fd === null || this.sealed) throw new S1migError('INTERNAL', 'spool closed');
    for (let off = 0; off < bytes.length;) {
      const n = Math.min(bytes.length - off, SPOOL_BLOCK_BYTES - this.inBlock);
      this.block.update(bytes.subarray(off, off + n));
      this.inBlock += n;
      off += n;
      if (this.inBlock === SPOOL_BLOCK_BYTES) this.endBlock();
    }
    let off = 0;
    try {
      while (off < bytes.length) {
        this.fault?.('write', this.path);
        off += writeSync(this.fd, bytes, off, bytes.length - off);
      }
    } catch (err) {
      // The digests already cover bytes the file may not hold: this spool is done for.
      this.closeFd();
      throw this.diskError(err, 'write');
    }
    this.size += bytes.length;
  }

  /** Ends writing; the spool can then be read back (any number of times) until `discard()`. */
  seal(): void {
    if (this.sealed) return;
    if (this.fd === null) throw new S1migError('INTERNAL', 'spool sealed after a failed write');
    if (this.inBlock > 0) this.endBlock();
    this.sealed = true;
    this.closeFd('close');
  }

  /**
   * The bytes in blocks, each one checked against its digest before it is yielded.
   * SPOOL_TAMPERED (retriable: the bytes are still on Kafka) when the file on disk is not,
   * byte for byte, the one written; SPOOL_UNAVAILABLE (retriable too) when its disk refuses
   * to give them back.
   */
  async *read(): AsyncGenerator<Uint8Array> {
    if (!this.sealed) throw new S1migError('INTERNAL', 'spool read before it was sealed');
    const fh = await (async () => {
      this.fault?.('open', this.path);
      return open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    })().catch((err: unknown) => {
      // A file gone or replaced by a link is tampering; a disk refusing to open it is not.
      const disk = errnoOf(err) === 'ENOENT' ? null : spoolDiskError(err, dirname(this.path), 'open');
      throw disk ?? tampered(this.path, `cannot be opened again: ${(err as Error).message}`, err);
    });
    try {
      const st = await fh.stat();
      if (st.ino !== this.ino || st.dev !== this.dev) throw tampered(this.path, 'was replaced by another file');
      if (st.size !== this.size) throw tampered(this.path, `holds ${st.size} bytes, ${this.size} were written`);
      for (let k = 0; k < this.blocks; k++) {
        const want = Math.min(SPOOL_BLOCK_BYTES, this.size - k * SPOOL_BLOCK_BYTES);
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const bytesRead = await this.readAt(fh, buf, got, k * SPOOL_BLOCK_BYTES + got);
          if (bytesRead === 0) throw tampered(this.path, `ends inside block ${k}`);
          got += bytesRead;
        }
        const digest = createHash('sha256').update(buf).digest();
        if (!timingSafeEqual(digest, this.digests.subarray(k * DIGEST_BYTES, (k + 1) * DIGEST_BYTES))) {
          throw tampered(this.path, `block ${k} (bytes ${k * SPOOL_BLOCK_BYTES}..) changed after it was written`);
        }
        yield buf;
      }
      if ((await this.readAt(fh, Buffer.alloc(1), 0, this.size)) !== 0) throw tampered(this.path, 'grew after it was written');
    } finally {
      await fh.close();
    }
  }

  /** Closes and deletes the file; safe to call more than once. */
  discard(): void {
    this.closeFd();
    this.sealed = true;
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone (or its folder was removed): nothing to clean up.
    }
  }

  private endBlock(): void {
    if ((this.blocks + 1) * DIGEST_BYTES > this.digests.length) {
      const grown = Buffer.alloc(this.digests.length * 2);
      this.digests.copy(grown);
      this.digests = grown;
    }
    this.block.digest().copy(this.digests, this.blocks * DIGEST_BYTES);
    this.blocks++;
    this.block = createHash('sha256');
    this.inBlock = 0;
  }

  /**
   * Closes the file; forgets the descriptor first, since close(2) releases it even when it
   * fails. Only `seal` (`op` given) reports a failed close: the disk may say only there that
   * the bytes did not fit (NFS reports ENOSPC at close). Cleanup paths ignore it.
   */
  private closeFd(op?: 'close'): void {
    const fd = this.fd;
    if (fd === null) return;
    this.fd = null;
    let failure: unknown = null;
    try {
      closeSync(fd);
    } catch (err) {
      failure = err;
    }
    if (op === undefined) return;
    try {
      this.fault?.(op, this.path);
    } catch (err) {
      failure ??= err;
    }
    if (failure !== null) throw this.diskError(failure, op);
  }

  /** One read into `buf` from `at` to its end; a disk's refusal is SPOOL_UNAVAILABLE. */
  private async readAt(fh: FileHandle, buf: Buffer, at: number, position: number): Promise<number> {
    try {
      this.fault?.('read', this.path);
      return (await fh.read(buf, at, buf.length - at, position)).bytesRead;
    } catch (err) {
      throw this.diskError(err, 'read');
    }
  }

  private diskError(err: unknown, op: SpoolOp): unknown {
    return asSpoolError(err, dirname(this.path), op);
  }
}

function tampered(path: string, what: string, cause?: unknown): S1migError {
  return new S1migError('SPOOL_TAMPERED', `spool ${path} ${what}`, cause === undefined ? {} : { cause });
}

import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { S1migError } from '../../core/errors/s1mig-error.js';

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

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
    const st = fstatSync(fd);
    this.ino = st.ino;
    this.dev = st.dev;
  }

  static create(path: string): VerifiedSpool {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    return new VerifiedSpool(path, openSync(path, flags, 0o600));
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
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.size += bytes.length;
  }

  /** Ends writing; the spool can then be read back (any number of times) until `discard()`. */
  seal(): void {
    if (this.sealed) return;
    if (this.inBlock > 0) this.endBlock();
    this.sealed = true;
    this.closeFd();
  }

  /**
   * The bytes in blocks, each one checked against its digest before it is yielded.
   * SPOOL_TAMPERED (retriable: the bytes are still on Kafka) when the file on disk is not,
   * byte for byte, the one written.
   */
  async *read(): AsyncGenerator<Uint8Array> {
    if (!this.sealed) throw new S1migError('INTERNAL', 'spool read before it was sealed');
    const fh = await open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: unknown) => {
      throw tampered(this.path, `cannot be opened again: ${(err as Error).message}`, err);
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
          const { bytesRead } = await fh.read(buf, got, want - got, k * SPOOL_BLOCK_BYTES + got);
          if (bytesRead === 0) throw tampered(this.path, `ends inside block ${k}`);
          got += bytesRead;
        }
        const digest = createHash('sha256').update(buf).digest();
        if (!timingSafeEqual(digest, this.digests.subarray(k * DIGEST_BYTES, (k + 1) * DIGEST_BYTES))) {
          throw tampered(this.path, `block ${k} (bytes ${k * SPOOL_BLOCK_BYTES}..) changed after it was written`);
        }
        yield buf;
      }
      const { bytesRead } = await fh.read(Buffer.alloc(1), 0, 1, this.size);
      if (bytesRead !== 0) throw tampered(this.path, 'grew after it was written');
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

  private closeFd(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

function tampered(path: string, what: string, cause?: unknown): S1migError {
  return new S1migError('SPOOL_TAMPERED', `spool ${path} ${what}`, cause === undefined ? {} : { cause });
}

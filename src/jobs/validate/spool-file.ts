import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { asSpoolError, type SpoolOp } from '../../adapters/fs/spool-disk.js';

const FLUSH_CHARS = 1 << 16;
const READ_BLOCK = 1 << 20;

/**
 * An append-only private text file written in large buffered writes and read back once in
 * large blocks: the spools of `validate` write hundreds of thousands of short texts and
 * read them back after the MCF has been read, when the main thread is all that works.
 * A disk that refuses it (full, permissions, read-only, I/O error) is SPOOL_UNAVAILABLE
 * naming the folder, which `validate` reports with exit 3.
 */
export class SpoolFile {
  private pending: string[] = [];
  private pendingChars = 0;
  /** The write in flight, if any; a failed one rejects the next append, blocks() or close(). */
  private writing: Promise<void> | null = null;

  private constructor(
    readonly path: string,
    private handle: FileHandle | null,
  ) {}

  /** Creates the file (mode 0600; it must not exist yet). */
  static async create(path: string): Promise<SpoolFile> {
    return new SpoolFile(path, await open(path, 'wx', 0o600).catch((err: unknown) => {
      throw asSpoolError(err, dirname(path), 'create');
    }));
  }

  /**
   * Buffers the text; every FLUSH_CHARS it starts a write and returns without waiting for it
   * (the caller goes on parsing while the write is in the thread pool), waiting only when
   * the previous write has not finished yet: one write in flight, one buffer filling.
   */
  async append(text: string): Promise<void> {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_CHARS) await this.startWrite();
  }

  /** The whole text, in blocks of about 1 MiB (UTF-8 sequences are never split); once, after the last append. */
  async *blocks(): AsyncGenerator<string> {
    await this.flush();
    await this.close();
    const input = await open(this.path, 'r').catch((err: unknown) => {
      throw this.diskError(err, 'open');
    });
    try {
      const block = Buffer.allocUnsafe(READ_BLOCK);
      const decoder = new StringDecoder('utf8');
      for (;;) {
        const { bytesRead } = await input.read(block, 0, READ_BLOCK, null).catch((err: unknown) => {
          throw this.diskError(err, 'read');
        });
        if (bytesRead === 0) break;
        const text = decoder.write(block.subarray(0, bytesRead));
        if (text.length > 0) yield text;
      }
      const rest = decoder.end();
      if (rest.length > 0) yield rest;
    } finally {
      await input.close();
    }
  }

  /** Every line (without its '\n'), in order; a text after the last '\n' is an error. */
  async *lines(): AsyncGenerator<string> {
    let carry = '';
    for await (const block of this.blocks()) {
      const text = carry + block;
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        carry = text;
        continue;
      }
      carry = text.slice(cut + 1);
      for (const line of text.slice(0, cut).split('\n')) yield line;
    }
    if (carry.length > 0) throw new RangeError('unterminated last line');
  }

  /** Safe to call more than once; a write that failed rejects it (once). */
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    try {
      await this.settle();
    } finally {
      await h?.close().catch((err: unknown) => {
        throw this.diskError(err, 'close');
      });
    }
  }

  private async startWrite(): Promise<void> {
    await this.settle();
    if (this.pending.length === 0 || this.handle === null) return;
    const text = this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    const write = this.handle.write(text).then(() => undefined);
    // Observed by the next settle(); this only keeps it from counting as unhandled meanwhile.
    write.catch(() => undefined);
    this.writing = write;
  }

  private async settle(): Promise<void> {
    const w = this.writing;
    this.writing = null;
    await w?.catch((err: unknown) => {
      throw this.diskError(err, 'write');
    });
  }

  private diskError(err: unknown, op: SpoolOp): unknown {
    return asSpoolError(err, dirname(this.path), op);
  }

  private async flush(): Promise<void> {
    await this.startWrite();
    await this.settle();
  }
}

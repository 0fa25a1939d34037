/**
 * Buffered output with backpressure, optionally feeding every byte to a signer: the MCF
 * signature covers exactly the bytes written before `stopSigning()`.
 */
import type { Sign } from 'node:crypto';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { S1migError } from '../../core/errors/s1mig-error.js';

const CHUNK = 64 * 1024;

export class StreamWriter {
  private parts: string[] = [];
  private size = 0;
  private signer: Sign | null;
  /** A failed write of the stream, reported by the next write, flush or close (never as an unhandled 'error'). */
  private failure: Error | null = null;

  constructor(
    private readonly out: Writable,
    signer: Sign | null = null,
  ) {
    this.signer = signer;
    out.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  /**
   * A writer on a new or truncated file (mode 0600 when created), opened before anything is
   * generated: a missing folder or a read-only target is one coded line (exit 2), not a
   * stack trace from a stream's 'error' event.
   */
  static async toFile(path: string, signer: Sign | null = null): Promise<StreamWriter> {
    try {
      const handle = await open(path, 'w', 0o600);
      return new StreamWriter(handle.createWriteStream(), signer);
    } catch (err) {
      throw new S1migError('OUTPUT_UNWRITABLE', `cannot write ${path}: ${(err as Error).message}`, { cause: err });
    }
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    this.signer?.update(buf);
    if (!this.out.write(buf)) await once(this.out, 'drain');
  }

  /** Flushes what was written so far into the signature; later bytes are not signed. */
  async stopSigning(): Promise<Sign | null> {
    await this.flush();
    const s = this.signer;
    this.signer = null;
    return s;
  }

  async close(): Promise<void> {
    await this.flush();
    this.out.end();
    await once(this.out, 'finish');
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    const err = this.failure;
    if (err !== null) throw new S1migError('OUTPUT_UNWRITABLE', `write failed: ${err.message}`, { cause: err });
  }
}

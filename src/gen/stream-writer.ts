/**
 * Buffered output with backpressure, optionally feeding every byte to a signer: the MCF
 * signature covers exactly the bytes written before `stopSigning()`.
 */
import type { Sign } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const CHUNK = 64 * 1024;

export class StreamWriter {
  private parts: string[] = [];
  private size = 0;
  private signer: Sign | null;

  constructor(
    private readonly out: Writable,
    signer: Sign | null = null,
  ) {
    this.signer = signer;
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
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
  }
}

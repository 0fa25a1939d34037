import { NAME_CHAR, encodeUtf8 } from './lexical.js';

/** Bytes of the name being read; names repeat all the time, so they are interned. */
export class NameBuffer {
  private readonly buf: Uint8Array;
  private len = 0;
  private readonly names = new Map<number, string>();

  constructor(maxBytes: number) {
    this.buf = new Uint8Array(maxBytes);
  }

  get length(): number {
    return this.len;
  }

  reset(): void {
    this.len = 0;
  }

  /** false when the name passes its limit. */
  push(b: number): boolean {
    if (this.len >= this.buf.length) return false;
    this.buf[this.len++] = b;
    return true;
  }

  take(): string {
    return this.intern(this.buf, 0, this.len);
  }

  /**
   * End (exclusive) of the name starting at bytes[start] when a non-name byte follows it in
   * `bytes` and it is within the limit; 0 otherwise, and the caller reads it byte by byte
   * (reporting an over-long name at the same byte as ever).
   */
  endIn(bytes: Uint8Array, start: number): number {
    const max = this.buf.length;
    const n = Math.min(bytes.length, start + max + 1);
    let j = start + 1;
    while (j < n && NAME_CHAR[bytes[j]!] === 1) j++;
    return j < n && j - start <= max ? j : 0;
  }

  /**
   * The name held in bytes [start, end) of `bytes`, which the caller scanned whole (its
   * length within the limit): the same interned string `take` would give, without copying.
   */
  takeFrom(bytes: Uint8Array, start: number, end: number): string {
    return this.intern(bytes, start, end);
  }

  private intern(bytes: Uint8Array, start: number, end: number): string {
    const len = end - start;
    let h = len;
    for (let k = start; k < end; k++) h = (Math.imul(h, 31) + bytes[k]!) | 0;
    const cached = this.names.get(h);
    if (cached !== undefined && cached.length === len) {
      let same = true;
      for (let k = 0; k < len && same; k++) same = cached.charCodeAt(k) === bytes[start + k];
      if (same) return cached;
    }
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + start, len).toString('utf8');
    if (this.names.size < 1024) this.names.set(h, name);
    return name;
  }
}

/** An attribute value being read, bounded in code points; past the limit it is dropped. */
export class AttrBuffer {
  private readonly buf: Uint8Array;
  private len = 0;
  private cps = 0;
  private over = false;

  private readonly view: Buffer; // decodes without a new Buffer object per value

  constructor(private readonly maxCodePoints: number) {
    this.buf = new Uint8Array(maxCodePoints * 4 + 8);
    this.view = Buffer.from(this.buf.buffer, 0, this.buf.length);
  }

  reset(): void {
    this.len = 0;
    this.cps = 0;
    this.over = false;
  }

  /** Appends a raw UTF-8 byte; returns true exactly when the value just passed its limit. */
  pushByte(b: number): boolean {
    if (this.over) return false;
    if ((b & 0xc0) !== 0x80 && ++this.cps > this.maxCodePoints) return (this.over = true);
    this.buf[this.len++] = b;
    return false;
  }

  /** Appends a code point from a reference; returns true exactly when the value just passed its limit. */
  pushCp(cp: number): boolean {
    if (this.over) return false;
    if (++this.cps > this.maxCodePoints) return (this.over = true);
    this.len += encodeUtf8(cp, this.buf, this.len);
    return false;
  }

  /** The value, or null when it passed its limit. */
  take(): string | null {
    return this.over ? null : this.view.toString('utf8', 0, this.len);
  }
}

import { TEXT_CLASS, TEXT_PLAIN, TEXT_WS, encodeUtf8 } from './lexical.js';

/** Why TextRun.scan stopped. */
export const RUN_END_OF_CHUNK = 0, RUN_LT = 1, RUN_AMP = 2, RUN_CONTROL = 3, RUN_CDATA_END = 4;

const EMPTY = Buffer.alloc(0);

/**
 * The character data of an element between two child boundaries (comments skipped),
 * normalised (CR LF and lone CR become LF) and bounded in code points: past the limit it is
 * reported once and dropped. Bytes that reach the text unchanged are not copied: while the
 * run is one stretch of the current chunk it stays a span [segStart, segEnd) of it, copied
 * into the buffer only when something else must follow it there or the chunk ends.
 */
export class TextRun {
  private readonly buf: Uint8Array;
  private readonly view: Buffer; // decodes the buffer without a new Buffer object per text
  private len = 0;
  private cps = 0;
  private overflow = false;
  private wsOnly = true;
  private ws = false;
  private ascii = true; // then latin1 decodes it, a little faster than UTF-8
  private cr = false; // the last byte was a CR: a line feed right after it is dropped
  private brackets = 0; // ']' just seen, for ']]>'
  private segStart = -1; // < 0: no span
  private segEnd = 0;
  private chunk: Buffer = EMPTY;
  /** Why the last scan stopped (RUN_*). */
  stop = RUN_END_OF_CHUNK;

  constructor(
    private readonly maxCodePoints: number,
    private readonly onLimit: (offset: number) => void,
  ) {
    this.buf = new Uint8Array(maxCodePoints * 4 + 8);
    this.view = Buffer.from(this.buf.buffer, 0, this.buf.length);
  }

  /** Nothing at all was added since the last reset. */
  get empty(): boolean {
    return this.len === 0 && !this.overflow && this.cps === 0 && this.segStart < 0;
  }

  /** Only XML whitespace so far. */
  get whitespaceOnly(): boolean {
    return this.wsOnly;
  }

  /** Holds some XML whitespace. */
  get hasWhitespace(): boolean {
    return this.ws;
  }

  get overLimit(): boolean {
    return this.overflow;
  }

  /** The chunk being scanned; call endChunk before it goes away. */
  beginChunk(chunk: Buffer): void {
    this.chunk = chunk;
  }

  endChunk(): void {
    if (this.segStart >= 0) this.keepSpan();
    this.chunk = EMPTY;
  }

  /**
   * Adds character data from chunk[i] on, up to a byte it does not take (see `stop`):
   * returns that byte's index, or the chunk length. `base` is the chunk's offset.
   */
  scan(chunk: Uint8Array, i: number, base: number): number {
    // Hot loop, with the run's state in locals. Runs of plain ASCII go through a table-driven
    // scan; every other byte (CR, references, ']]>', controls, non-ASCII, the code point
    // limit) takes the byte-by-byte step.
    const n = chunk.length;
    const buf = this.buf;
    const max = this.maxCodePoints;
    const cls = TEXT_CLASS;
    let len = this.len;
    let cps = this.cps;
    let wsOnly = this.wsOnly;
    let ws = this.ws;
    let overflow = this.overflow;
    let cr = this.cr;
    let br = this.brackets;
    let seg = this.segStart;
    let segEnd = this.segEnd;
    let stop = RUN_END_OF_CHUNK;
    while (i < n) {
      if (!cr) {
        // Each plain byte is one code point: stop where the next one would pass the limit.
        const end = overflow ? n : Math.min(n, i + (max - cps));
        let j = i;
        let seen = 0;
        while (j < end) {
          const t = cls[chunk[j]!]!;
          if (t === 0) break;
          seen |= t;
          j++;
        }
        if (j > i) {
          if (!overflow) {
            if (seg >= 0 && segEnd !== i) {
              len = copyBytes(chunk, seg, segEnd, buf, len);
              seg = -1;
            }
            if (seg < 0) seg = i;
            segEnd = j;
            cps += j - i;
          }
          if ((seen & TEXT_PLAIN) !== 0) wsOnly = false;
          if ((seen & TEXT_WS) !== 0) ws = true;
          br = 0;
          i = j;
          if (i >= n) break;
        }
      }
      const c = chunk[i]!;
      let out = c;
      let keep = true;
      if (c <= 0x20) {
        if (c === 0x0d) {
          cr = true;
          out = 0x0a;
        } else if (c === 0x0a) {
          if (cr) {
            cr = false;
            keep = false;
          }
        } else if (c !== 0x20 && c !== 0x09) {
          stop = RUN_CONTROL;
          break;
        } else cr = false;
        ws = true;
        if (keep) br = 0;
      } else {
        if (c === 0x3c) {
          stop = RUN_LT;
          break;
        }
        if (c === 0x26) {
          stop = RUN_AMP;
          break;
        }
        cr = false;
        wsOnly = false;
        if (c >= 0x80) this.ascii = false;
        if (c === 0x5d) br++;
        else {
          if (c === 0x3e && br >= 2) {
            stop = RUN_CDATA_END;
            break;
          }
          br = 0;
        }
      }
      if (keep && !overflow) {
        if ((out & 0xc0) !== 0x80 && ++cps > max) {
          overflow = true;
          this.onLimit(base + i);
        } else if (out === c && seg >= 0 && segEnd === i) {
          segEnd = i + 1;
        } else {
          if (seg >= 0) {
            len = copyBytes(chunk, seg, segEnd, buf, len);
            seg = -1;
          }
          if (out === c) {
            seg = i;
            segEnd = i + 1;
          } else buf[len++] = out;
        }
      }
      i++;
    }
    this.len = len;
    this.cps = cps;
    this.wsOnly = wsOnly;
    this.ws = ws;
    this.overflow = overflow;
    this.segStart = seg;
    this.segEnd = segEnd;
    if (stop === RUN_LT || stop === RUN_AMP) {
      // Markup or a reference: a line feed or '>' after it follows no CR or ']' of the text.
      cr = false;
      br = 0;
    }
    this.cr = cr;
    this.brackets = br;
    this.stop = stop;
    return i;
  }

  /** Appends the code point of a reference; `base` is the offset reported past the limit. */
  appendCp(cp: number, base: number): void {
    if (!(cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d)) this.wsOnly = false;
    else this.ws = true;
    if (cp >= 0x80) this.ascii = false;
    if (this.overflow) return;
    if (++this.cps > this.maxCodePoints) {
      this.overflow = true;
      this.onLimit(base);
      return;
    }
    if (this.segStart >= 0) this.keepSpan();
    this.len += encodeUtf8(cp, this.buf, this.len);
  }

  /** The text (not over the limit): straight from the chunk when it is one span of it. */
  value(): string {
    const encoding = this.ascii ? 'latin1' : 'utf8';
    if (this.segStart >= 0) {
      if (this.len === 0) return this.chunk.toString(encoding, this.segStart, this.segEnd);
      this.keepSpan();
    }
    return this.view.toString(encoding, 0, this.len);
  }

  reset(): void {
    this.len = 0;
    this.cps = 0;
    this.overflow = false;
    this.wsOnly = true;
    this.ws = false;
    this.ascii = true;
    this.segStart = -1;
  }

  private keepSpan(): void {
    this.len = copyBytes(this.chunk, this.segStart, this.segEnd, this.buf, this.len);
    this.segStart = -1;
  }
}

/** Copies src[from, to) to dst at `at`; returns the end of the copy in dst. */
function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  if (to - from <= 32) {
    for (let k = from; k < to; k++) dst[at++] = src[k]!;
    return at;
  }
  dst.set(new Uint8Array(src.buffer, src.byteOffset + from, to - from), at);
  return at + to - from;
}

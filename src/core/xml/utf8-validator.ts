import { isUtf8 } from 'node:buffer';

const NONCHAR_FFFE = Buffer.from([0xef, 0xbf, 0xbe]);
const NONCHAR_FFFF = Buffer.from([0xef, 0xbf, 0xbf]);

/**
 * Strict streaming UTF-8 check (overlongs, surrogates, > U+10FFFF and the XML non-characters
 * U+FFFE/U+FFFF are rejected). Chunks may split a sequence anywhere: the incomplete tail is
 * carried over (at most 3 bytes) so the native `isUtf8` always sees whole sequences.
 */
export class Utf8Validator {
  private carry: Uint8Array = new Uint8Array(0);
  private bad = 0;

  /**
   * Returns false as soon as the bytes seen so far cannot be valid UTF-8; `invalidAt` then
   * says where the first bad sequence starts.
   */
  push(chunk: Uint8Array): boolean {
    let data = chunk;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry, 0);
      data.set(chunk, this.carry.length);
    }
    const cut = completeLength(data);
    const whole = Buffer.from(data.buffer, data.byteOffset, cut);
    if (!isUtf8(whole) || whole.includes(NONCHAR_FFFE) || whole.includes(NONCHAR_FFFF)) {
      this.bad = firstInvalid(whole) - this.carry.length;
      return false;
    }
    this.carry = data.slice(cut);
    return true;
  }

  /**
   * After `push` returned false: where the first invalid sequence starts, relative to the
   * start of the chunk pushed (negative when it began in the bytes carried over from the
   * previous one). The bytes before it are valid UTF-8 ending on a sequence boundary, so a
   * caller can still read them (a Header complete before a bad byte is reported whatever
   * the chunking, validation.md).
   */
  get invalidAt(): number {
    return this.bad;
  }

  /** Returns false when the input ended inside a multi-byte sequence. */
  end(): boolean {
    return this.carry.length === 0;
  }
}

/** Length of the prefix that ends on a sequence boundary (a truncated tail is excluded). */
function completeLength(data: Uint8Array): number {
  const len = data.length;
  for (let i = len - 1; i >= 0 && i >= len - 4; i--) {
    const b = data[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    // F5-FF never start a sequence: left in, so the check fails at once rather than waiting.
    const need = b < 0x80 || b >= 0xf5 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > len ? i : len;
  }
  return len;
}

/**
 * Index of the first byte that starts an invalid sequence (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF; and the XML non-characters U+FFFE, U+FFFF), or the
 * length when there is none. Only run once `isUtf8` has said no, so it may be plain.
 */
function firstInvalid(d: Uint8Array): number {
  let i = 0;
  while (i < d.length) {
    const b = d[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const more = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (more === 0 || i + more >= d.length) return i;
    const b1 = d[i + 1]!;
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= more; k++) if ((d[i + k]! & 0xc0) !== 0x80) return i;
    if (b === 0xef && b1 === 0xbf && d[i + 2]! >= 0xbe) return i;
    i += more + 1;
  }
  return d.length;
}

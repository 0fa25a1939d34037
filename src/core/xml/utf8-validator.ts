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

  /** Returns false as soon as the bytes seen so far cannot be valid UTF-8. */
  push(chunk: Uint8Array): boolean {
    let data = chunk;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + chunk.length);
      data.set(this.carry, 0);
      data.set(chunk, this.carry.length);
    }
    const cut = completeLength(data);
    const whole = Buffer.from(data.buffer, data.byteOffset, cut);
    if (!isUtf8(whole)) return false;
    if (whole.includes(NONCHAR_FFFE) || whole.includes(NONCHAR_FFFF)) return false;
    this.carry = data.slice(cut);
    return true;
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
    const need = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > len ? i : len;
  }
  return len;
}

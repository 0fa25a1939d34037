/**
 * A small DER writer for the development tools (certificates for `ref init` and `gen`).
 * Each function returns the complete TLV as a Buffer; constructed values take their
 * already-encoded children, so a structure is written inside-out without a builder object.
 */

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with the given identifier octet (low-tag-number form only). */
export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function sequence(...children: Uint8Array[]): Buffer {
  return tlv(0x30, Buffer.concat(children));
}

/** SET OF with its elements sorted by their encodings, as DER requires. */
export function set(...children: Uint8Array[]): Buffer {
  const sorted = [...children].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return tlv(0x31, Buffer.concat(sorted));
}

export function boolean(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
}

export function nullValue(): Buffer {
  return Buffer.from([0x05, 0x00]);
}

/**
 * A non-negative INTEGER in minimal form: from a number, a bigint, or big-endian magnitude
 * bytes (e.g. a random serial), with leading zeros stripped and a 0x00 added when the
 * high bit would make it negative.
 */
export function integer(value: number | bigint | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number' || typeof value === 'bigint') {
    let n = BigInt(value);
    if (n < 0n) throw new RangeError('DER writer: negative INTEGER not supported');
    const out: number[] = [];
    do {
      out.unshift(Number(n & 0xffn));
      n >>= 8n;
    } while (n > 0n);
    bytes = Buffer.from(out);
  } else {
    bytes = Buffer.from(value);
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if ((bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted text, e.g. '1.2.840.10045.4.3.2'. */
export function oid(dotted: string): Buffer {
  // certificates repeat a handful of OIDs millions of times; the callers never mutate the result
  let cached = oidCache.get(dotted);
  if (cached === undefined) {
    cached = encodeOid(dotted);
    if (oidCache.size < 1024) oidCache.set(dotted, cached);
  }
  return cached;
}

function encodeOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((s) => {
    if (!/^[0-9]+$/.test(s)) throw new RangeError(`DER writer: bad OID '${dotted}'`);
    return BigInt(s);
  });
  const [a, b, ...rest] = arcs;
  if (a === undefined || b === undefined || a > 2n) throw new RangeError(`DER writer: bad OID '${dotted}'`);
  const out: number[] = [];
  for (const arc of [a * 40n + b, ...rest]) {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let n = arc >> 7n; n > 0n; n >>= 7n) group.unshift(Number(n & 0x7fn) | 0x80);
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

/** BIT STRING of whole bytes, or with `unusedBits` trailing bits declared unused. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A named-bit BIT STRING (e.g. keyUsage) from the numbers of the bits set, bit 0 being the
 * most significant bit of the first byte; trailing zero bits are removed as DER requires.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const max = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  return bitString(bytes, 7 - (max & 7));
}

export function octetString(bytes: Uint8Array): Buffer {
  return tlv(0x04, bytes);
}

export function utf8String(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

export function printableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new RangeError('DER writer: not a PrintableString');
  return tlv(0x13, Buffer.from(text, 'ascii'));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Time as RFC 5280 section 4.1.2.5 wants it: UTCTime for 1950-2049, GeneralizedTime otherwise. */
export function time(date: Date): Buffer {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('DER writer: invalid date');
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError('DER writer: year out of range');
  const rest =
    pad(date.getUTCMonth() + 1, 2) +
    pad(date.getUTCDate(), 2) +
    pad(date.getUTCHours(), 2) +
    pad(date.getUTCMinutes(), 2) +
    pad(date.getUTCSeconds(), 2) +
    'Z';
  if (y >= 1950 && y <= 2049) return tlv(0x17, Buffer.from(pad(y % 100, 2) + rest, 'ascii'));
  return tlv(0x18, Buffer.from(pad(y, 4) + rest, 'ascii'));
}

/** [n] EXPLICIT: a constructed context tag wrapping one complete encoding. */
export function explicit(n: number, inner: Uint8Array): Buffer {
  return tlv(0xa0 | n, inner);
}

/**
 * [n] IMPLICIT: replaces the tag of a complete encoding, keeping its constructed bit, so
 * `implicit(0, sequence(...))` gives 0xa0 and `implicit(0, octetString(...))` gives 0x80.
 */
export function implicit(n: number, encoded: Uint8Array): Buffer {
  const out = Buffer.from(encoded);
  if (out.length === 0) throw new RangeError('DER writer: empty encoding');
  out[0] = 0x80 | (out[0]! & 0x20) | n;
  return out;
}

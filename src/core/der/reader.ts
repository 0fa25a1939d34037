/**
 * A small strict DER walker over a Uint8Array. It never copies: nodes are offsets into the
 * caller's buffer. Every function returns null on a decoding failure instead of throwing,
 * because malformed input is an outcome (a code), not an internal error, and the hot path
 * should not pay for exceptions.
 */

export interface Tlv {
  /** The identifier octet (low-tag-number form only; X.509 needs nothing else). */
  readonly tag: number;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just after the last content octet. */
  readonly end: number;
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific constructed tag [n], e.g. ctx(0) = 0xa0. */
export function ctxConstructed(n: number): number {
  return 0xa0 | n;
}

/** True when the tag has the constructed bit set. */
export function isConstructed(tag: number): boolean {
  return (tag & 0x20) !== 0;
}

/**
 * Reads one TLV at `pos` that must end at or before `limit`. Rejects the high-tag-number
 * form, indefinite lengths, non-minimal long-form lengths and lengths beyond the limit.
 */
export function readTlv(buf: Uint8Array, pos: number, limit: number): Tlv | null {
  if (pos + 2 > limit) return null;
  const tag = buf[pos]!;
  if ((tag & 0x1f) === 0x1f) return null;
  const first = buf[pos + 1]!;
  let len: number;
  let contentStart: number;
  if (first < 0x80) {
    len = first;
    contentStart = pos + 2;
  } else {
    const n = first & 0x7f;
    // 0x80 is the indefinite form; more than 4 length octets cannot fit any input we accept.
    if (n === 0 || n > 4) return null;
    if (pos + 2 + n > limit) return null;
    if (buf[pos + 2] === 0) return null; // leading zero octet: not minimal
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + 2 + i]!;
    if (len < 0x80) return null; // short form was required
    contentStart = pos + 2 + n;
  }
  const end = contentStart + len;
  if (end > limit) return null;
  return { tag, start: pos, contentStart, end };
}

/** The buffer (or range) must hold exactly one TLV, with no trailing bytes. */
export function readSingle(buf: Uint8Array, start = 0, end = buf.length): Tlv | null {
  const tlv = readTlv(buf, start, end);
  return tlv !== null && tlv.end === end ? tlv : null;
}

/** Splits the content of a constructed node into its children, which must fill it exactly. */
export function readChildren(buf: Uint8Array, parent: Tlv): Tlv[] | null {
  if (!isConstructed(parent.tag)) return null;
  return readSequenceRange(buf, parent.contentStart, parent.end);
}

/** Splits a byte range into consecutive TLVs that fill it exactly. */
export function readSequenceRange(buf: Uint8Array, start: number, end: number): Tlv[] | null {
  const out: Tlv[] = [];
  let pos = start;
  while (pos < end) {
    const tlv = readTlv(buf, pos, end);
    if (tlv === null) return null;
    out.push(tlv);
    pos = tlv.end;
  }
  return out;
}

/** Children of a node expected to have the given tag. */
export function readChildrenOf(buf: Uint8Array, node: Tlv | undefined, tag: number): Tlv[] | null {
  if (node === undefined || node.tag !== tag) return null;
  return readChildren(buf, node);
}

export function contentLength(tlv: Tlv): number {
  return tlv.end - tlv.contentStart;
}

/** A view (no copy) of a node's content octets. */
export function contentOf(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.contentStart, tlv.end);
}

/** A view (no copy) of a node's whole encoding, header included. */
export function encodingOf(buf: Uint8Array, tlv: Tlv): Uint8Array {
  return buf.subarray(tlv.start, tlv.end);
}

/** Compares a node's content octets with an expected byte string (e.g. an encoded OID). */
export function contentEquals(buf: Uint8Array, tlv: Tlv, expected: Uint8Array): boolean {
  if (contentLength(tlv) !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    if (buf[tlv.contentStart + i] !== expected[i]) return false;
  }
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Two nodes of one buffer have the same encoding, header included (no views made). */
export function encodingsEqual(buf: Uint8Array, a: Tlv, b: Tlv): boolean {
  const len = a.end - a.start;
  if (b.end - b.start !== len) return false;
  for (let i = 0; i < len; i++) if (buf[a.start + i] !== buf[b.start + i]) return false;
  return true;
}

/** OBJECT IDENTIFIER content bytes of a dotted OID (for constants, built once). */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => Number(a));
  const [a0, a1, ...rest] = arcs;
  if (a0 === undefined || a1 === undefined) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [a0 * 40 + a1, ...rest]) {
    const groups: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return Uint8Array.from(out);
}

/** A syntactically valid OID content: non-empty, minimal base-128 arcs, last octet terminates. */
export function isValidOid(buf: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== TAG.OID || tlv.end === tlv.contentStart) return false;
  let arcStart = true;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const b = buf[i]!;
    if (arcStart && b === 0x80) return false;
    arcStart = (b & 0x80) === 0;
  }
  return arcStart;
}

/** DER BOOLEAN value, or null when not a valid DER BOOLEAN. */
export function readBoolean(buf: Uint8Array, tlv: Tlv): boolean | null {
  if (tlv.tag !== TAG.BOOLEAN || contentLength(tlv) !== 1) return null;
  const v = buf[tlv.contentStart]!;
  if (v === 0x00) return false;
  if (v === 0xff) return true;
  return null;
}

/** True for a minimally encoded INTEGER (any sign). */
export function isValidInteger(buf: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== TAG.INTEGER) return false;
  const len = contentLength(tlv);
  if (len === 0) return false;
  if (len === 1) return true;
  const b0 = buf[tlv.contentStart]!;
  const b1 = buf[tlv.contentStart + 1]!;
  return !((b0 === 0x00 && (b1 & 0x80) === 0) || (b0 === 0xff && (b1 & 0x80) !== 0));
}

/** Small non-negative INTEGER value (up to 2^31), or null. */
export function readSmallInteger(buf: Uint8Array, tlv: Tlv): number | null {
  if (!isValidInteger(buf, tlv) || contentLength(tlv) > 4) return null;
  if ((buf[tlv.contentStart]! & 0x80) !== 0) return null;
  let v = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) v = v * 256 + buf[i]!;
  return v;
}

/** Positive INTEGER as a BigInt (minimal encoding required), or null. */
export function readPositiveBigInt(buf: Uint8Array, tlv: Tlv): bigint | null {
  if (!isValidInteger(buf, tlv) || (buf[tlv.contentStart]! & 0x80) !== 0) return null;
  let v = 0n;
  for (let i = tlv.contentStart; i < tlv.end; i++) v = (v << 8n) | BigInt(buf[i]!);
  return v === 0n ? null : v;
}

export interface BitString {
  readonly unusedBits: number;
  /** Offset of the first data octet (after the unused-bits octet). */
  readonly dataStart: number;
  readonly end: number;
}

/** BIT STRING header check: unused-bits octet 0-7, and 0 when there is no data. */
export function readBitString(buf: Uint8Array, tlv: Tlv): BitString | null {
  if (tlv.tag !== TAG.BIT_STRING || contentLength(tlv) < 1) return null;
  const unusedBits = buf[tlv.contentStart]!;
  if (unusedBits > 7) return null;
  if (unusedBits !== 0 && contentLength(tlv) === 1) return null;
  return { unusedBits, dataStart: tlv.contentStart + 1, end: tlv.end };
}

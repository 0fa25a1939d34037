/**
 * Value syntax shared by the reader, the rules, the crypto and the generators
 * (mcf-format.md, "Common value syntax"). Pure functions, no I/O.
 */

const EUI64 = /^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){7}$/;

/** Canonical EUI-64 (16 lowercase hex digits) of an already trimmed text, or null if not an EUI-64. */
export function canonicalEui(text: string): string | null {
  if (!EUI64.test(text)) return null;
  return text.replaceAll('-', '').toLowerCase();
}

// Buffer.from(s, 'base64') silently skips foreign characters and accepts base64url,
// so the RFC 4648 §4 syntax is checked here before decoding.
// With the length a multiple of 4 (checked first) this equals the grouped RFC form
// /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/ and runs faster on the hot path.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes base64 text (XML whitespace already removed) with the RFC 4648 §4 alphabet and
 * mandatory `=` padding; non-zero pad bits are tolerated. Returns null when undecodable.
 * Length limits are the caller's business (they differ per field).
 */
export function decodeStrictBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return null;
  return Buffer.from(text, 'base64');
}

/** Removes the XML whitespace characters (#x20 #x9 #xD #xA) from anywhere in a text. */
export function stripXmlWhitespace(text: string): string {
  return text.replace(/[ \t\r\n]+/g, '');
}

/**
 * Value syntax shared by the reader, the rules, the crypto and the generators
 * (mcf-format.md, "Common value syntax"). Pure functions, no I/O.
 */

/** 1 for the ASCII hex digits, 2 for the upper-case ones, 0 otherwise (index: char code < 128). */
const HEX_CLASS = new Uint8Array(128);
for (const c of '0123456789abcdef') HEX_CLASS[c.charCodeAt(0)] = 1;
for (const c of 'ABCDEF') HEX_CLASS[c.charCodeAt(0)] = 2;

/**
 * Canonical EUI-64 (16 lowercase hex digits) of an already trimmed text, or null if not an
 * EUI-64 (`XX-XX-XX-XX-XX-XX-XX-XX`, hex digits of either case). A char-code loop rather
 * than a regular expression: it runs several times per device on the main thread.
 */
export function canonicalEui(text: string): string | null {
  if (text.length !== 23) return null;
  let upper = false;
  for (let i = 0; i < 23; i++) {
    const c = text.charCodeAt(i);
    if (i % 3 === 2) {
      if (c !== 0x2d) return null;
    } else {
      const k = c < 128 ? HEX_CLASS[c]! : 0;
      if (k === 0) return null;
      if (k === 2) upper = true;
    }
  }
  const hex =
    text.slice(0, 2) + text.slice(3, 5) + text.slice(6, 8) + text.slice(9, 11) +
    text.slice(12, 14) + text.slice(15, 17) + text.slice(18, 20) + text.slice(21, 23);
  return upper ? hex.toLowerCase() : hex;
}

/** `00db…` to `00-DB-…`: the display and DUIS form of a canonical EUI-64 (the inverse of canonicalEui). */
export function hyphenatedEui(canonical: string): string {
  return canonical.toUpperCase().match(/../g)!.join('-');
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
  const bytes = Buffer.from(text, 'base64');
  // Fast path for the usual canonical text: an encoder's output is always strict, so an
  // exact round trip proves the syntax (native code, cheaper than the regular expression
  // on certificate-sized texts). Anything else, including valid text with non-zero pad
  // bits, gets the exact check below; `bytes` is what Buffer.from makes of it either way.
  if (bytes.toString('base64') === text) return bytes;
  if (text.length % 4 !== 0 || !BASE64.test(text)) return null;
  return bytes;
}

/** Removes the XML whitespace characters (#x20 #x9 #xD #xA) from anywhere in a text. */
export function stripXmlWhitespace(text: string): string {
  return text.replace(/[ \t\r\n]+/g, '');
}

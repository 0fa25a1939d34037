/** Small lexical helpers of the tokenizer: name characters, references, the XML declaration. */

/** XML name start byte (non-ASCII bytes are accepted: such names are unknown to MCF anyway). */
export function isNameStart(b: number): boolean {
  return (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b === 0x5f || b === 0x3a || b >= 0x80;
}

export function isNameChar(b: number): boolean {
  return isNameStart(b) || (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2e;
}

export function isXmlWs(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;
}

/** NAME_CHAR[b] is 1 exactly when isNameChar(b): lets name scans run as a table lookup per byte. */
export const NAME_CHAR: Uint8Array = classTable((b) => (isNameChar(b) ? 1 : 0));

/**
 * Bytes character data can take in bulk: 1 for an ASCII character with nothing to watch
 * (no markup, reference, ']' or '>' of ']]>', not whitespace), 2 for a space, tab or line
 * feed, 0 for everything that needs the byte-by-byte path (CR, controls, non-ASCII, ...).
 */
export const TEXT_PLAIN = 1;
export const TEXT_WS = 2;
export const TEXT_CLASS: Uint8Array = classTable((b) => {
  if (b === 0x20 || b === 0x09 || b === 0x0a) return TEXT_WS;
  if (b < 0x21 || b >= 0x80 || b === 0x3c || b === 0x26 || b === 0x5d || b === 0x3e) return 0;
  return TEXT_PLAIN;
});

/**
 * End (exclusive) of the name starting at bytes[start] when it is exactly `name` (ASCII) and
 * a non-name byte follows it in `bytes`; 0 otherwise.
 */
export function nameAt(name: string, bytes: Uint8Array, start: number): number {
  const end = start + name.length;
  if (end >= bytes.length || NAME_CHAR[bytes[end]!] === 1) return 0;
  for (let k = 0; k < name.length; k++) if (name.charCodeAt(k) !== bytes[start + k]) return 0;
  return end;
}

function classTable(f: (b: number) => number): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = f(b);
  return t;
}

/** XML 1.0 Char production for a code point produced by a character reference. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 || cp === 0xa || cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const PREDEFINED: Record<string, number> = { lt: 0x3c, gt: 0x3e, amp: 0x26, apos: 0x27, quot: 0x22 };

/** Code point of a reference body (between `&` and `;`), or -1 when it is not allowed. */
export function resolveReference(body: string): number {
  const named = PREDEFINED[body];
  if (named !== undefined) return named;
  let cp = -1;
  // The tokenizer keeps at most one leading zero, so one digit more than the largest code point needs.
  if (/^#[0-9]{1,8}$/.test(body)) cp = Number.parseInt(body.slice(1), 10);
  else if (/^#x[0-9A-Fa-f]{1,7}$/.test(body)) cp = Number.parseInt(body.slice(2), 16);
  return cp >= 0 && isXmlChar(cp) ? cp : -1;
}

/** Writes the UTF-8 encoding of a code point at `at`; returns the number of bytes written. */
export function encodeUtf8(cp: number, out: Uint8Array, at: number): number {
  if (cp < 0x80) {
    out[at] = cp;
    return 1;
  }
  if (cp < 0x800) {
    out[at] = 0xc0 | (cp >> 6);
    out[at + 1] = 0x80 | (cp & 0x3f);
    return 2;
  }
  if (cp < 0x10000) {
    out[at] = 0xe0 | (cp >> 12);
    out[at + 1] = 0x80 | ((cp >> 6) & 0x3f);
    out[at + 2] = 0x80 | (cp & 0x3f);
    return 3;
  }
  out[at] = 0xf0 | (cp >> 18);
  out[at + 1] = 0x80 | ((cp >> 12) & 0x3f);
  out[at + 2] = 0x80 | ((cp >> 6) & 0x3f);
  out[at + 3] = 0x80 | (cp & 0x3f);
  return 4;
}

const XML_DECL =
  /^xml(?:[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.0"|'1\.0'))(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*$/;

/** Checks the body of `<?...?>` at the document start; returns a reason when it is refused. */
export function checkXmlDeclaration(body: string): string | null {
  if (!/^xml[ \t\r\n]/.test(body)) return 'processing instruction not allowed';
  const m = XML_DECL.exec(body);
  if (m === null) return 'XML declaration must say version 1.0 (and encoding UTF-8 if any)';
  const encoding = m[1] ?? m[2];
  if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') return `encoding ${encoding} not allowed`;
  return null;
}

import { decodeStrictBase64, stripXmlWhitespace } from '../values.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END ([A-Z0-9 ]+)-----/y;
const WHITESPACE = /[ \t\r\n]*/y;

/**
 * Splits a PEM bundle that must hold only `label` blocks and whitespace (mcf-format.md,
 * reference directory). Returns the DER of each block, or a one-line reason.
 */
export function parsePemBundle(text: string, label: string): { ders: Buffer[] } | { error: string } {
  const ders: Buffer[] = [];
  let pos = 0;
  for (;;) {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
    if (pos >= text.length) return { ders };
    BLOCK.lastIndex = pos;
    const m = BLOCK.exec(text);
    if (m === null) return { error: `unexpected content at character ${pos}` };
    if (m[1] !== label || m[3] !== label) return { error: `a ${m[1] ?? '?'} block where only ${label} is allowed` };
    const der = decodeStrictBase64(stripXmlWhitespace(m[2] ?? ''));
    if (der === null || der.length === 0) return { error: `block ${ders.length + 1} is not valid base64` };
    ders.push(der);
    pos = BLOCK.lastIndex;
  }
}

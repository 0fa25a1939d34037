/**
 * RFC 4514 strings of X.501 Names, as XML-DSig's X509IssuerName carries them: RDNs last
 * to first, the usual short names for string attributes, any other attribute as its dotted
 * OID with the value's DER in hex (RFC 4514, 2.4).
 */
import { TAG, contentOf, encodingOf, readChildrenOf, type Tlv } from '../der/reader.js';

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.10': 'O', '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.1': 'UID', '0.9.2342.19200300.100.1.25': 'DC',
};

/** Dotted form of OBJECT IDENTIFIER content bytes. */
export function dottedOid(content: Uint8Array): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0n;
    }
  }
  const first = arcs.shift() ?? 0n;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs].join('.');
}

function stringValue(buf: Uint8Array, value: Tlv): string | null {
  const c = Buffer.from(contentOf(buf, value));
  switch (value.tag) {
    case TAG.UTF8_STRING:
    case TAG.PRINTABLE_STRING:
    case 0x16: // IA5String
      return c.toString('utf8');
    case 0x1e: // BMPString: UTF-16BE
      return Buffer.from(c).swap16().toString('utf16le');
    default:
      return null;
  }
}

export function escapeDnValue(v: string): string {
  let out = v.replace(/["+,;<>\\]/g, (ch) => `\\${ch}`).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** The RFC 4514 string of the Name at `name` in `buf`. */
export function nameToString(buf: Uint8Array, name: Tlv): string {
  const rdns = readChildrenOf(buf, name, TAG.SEQUENCE) ?? [];
  return rdns.reverse().map((rdn) => (readChildrenOf(buf, rdn, TAG.SET) ?? []).map((atv) => {
    const [type, value] = readChildrenOf(buf, atv, TAG.SEQUENCE) ?? [];
    if (type === undefined || value === undefined) return '';
    const oid = dottedOid(contentOf(buf, type));
    const short = SHORT_NAMES[oid];
    const text = short === undefined ? null : stringValue(buf, value);
    return text === null ? `${oid}=#${Buffer.from(encodingOf(buf, value)).toString('hex')}` : `${short}=${escapeDnValue(text)}`;
  }).join('+')).join(',');
}

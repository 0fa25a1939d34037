/**
 * Decoders for the content of the extensions the profiles use. Everything here runs inside
 * an extnValue, so a failure is a profile failure (or "not a candidate"), never malformed.
 */
import {
  TAG,
  contentEquals,
  ctxConstructed,
  isValidOid,
  readBitString,
  readChildren,
  readChildrenOf,
  readSequenceRange,
  readSingle,
  type Tlv,
} from '../der/reader.js';
import type { Extension } from './certificate.js';
import { OID } from './oids.js';

export interface KeyUsageBits {
  /** Bit i set when named bit i is asserted (only the first 31 bits are represented). */
  readonly mask: number;
  /** Number of asserted bits over the whole BIT STRING. */
  readonly count: number;
}

/** Decodes a keyUsage extnValue (a BIT STRING); null when it does not decode. */
export function readKeyUsage(der: Uint8Array, ext: Extension): KeyUsageBits | null {
  const node = readSingle(der, ext.value.contentStart, ext.value.end);
  const bits = node === null ? null : readBitString(der, node);
  if (bits === null) return null;
  const last = bits.end - 1;
  if (bits.unusedBits > 0 && (der[last]! & ((1 << bits.unusedBits) - 1)) !== 0) return null;
  let mask = 0;
  let count = 0;
  for (let i = bits.dataStart; i < bits.end; i++) {
    const byte = der[i]!;
    for (let b = 0; b < 8; b++) {
      if ((byte & (0x80 >> b)) === 0) continue;
      count++;
      const named = (i - bits.dataStart) * 8 + b;
      if (named < 31) mask |= 1 << named;
    }
  }
  return { mask, count };
}

export function findExtensions(der: Uint8Array, exts: readonly Extension[], oid: Uint8Array): Extension[] {
  return exts.filter((e) => contentEquals(der, e.oid, oid));
}

export interface SanResult {
  /** Number of otherName entries of type hardwareModuleName. */
  readonly hardwareModuleNames: number;
  /**
   * The hwSerialNum OCTET STRINGs of the decodable hardwareModuleName entries (nodes, not
   * views: the caller reads the few bytes it needs without a Buffer per certificate).
   */
  readonly serials: Tlv[];
}

/** HardwareModuleName ::= SEQUENCE { hwType OID, hwSerialNum OCTET STRING } inside [0] EXPLICIT. */
function readHwSerial(der: Uint8Array, value: Tlv | undefined): Tlv | null {
  if (value === undefined || value.tag !== ctxConstructed(0)) return null;
  const wrapped = readChildren(der, value);
  if (wrapped === null || wrapped.length !== 1) return null;
  const hmn = readChildrenOf(der, wrapped[0], TAG.SEQUENCE);
  if (hmn === null || hmn.length !== 2 || !isValidOid(der, hmn[0]!)) return null;
  const serial = hmn[1]!;
  return serial.tag === TAG.OCTET_STRING ? serial : null;
}

/**
 * Decodes a subjectAltName extnValue (GeneralNames); null when it does not decode.
 * Names other than otherName are only checked to be well-formed TLVs.
 */
export function readSubjectAltName(der: Uint8Array, ext: Extension): SanResult | null {
  const node = readSingle(der, ext.value.contentStart, ext.value.end);
  const names = node === null ? null : readChildrenOf(der, node, TAG.SEQUENCE);
  if (names === null || names.length === 0) return null;
  let hardwareModuleNames = 0;
  const serials: Tlv[] = [];
  for (const name of names) {
    if ((name.tag & 0xc0) !== 0x80) return null; // GeneralName alternatives are all context-specific
    if (name.tag !== ctxConstructed(0)) continue;
    const parts = readSequenceRange(der, name.contentStart, name.end);
    if (parts === null || parts.length !== 2 || !isValidOid(der, parts[0]!)) return null;
    if (!contentEquals(der, parts[0]!, OID.hardwareModuleName)) continue;
    hardwareModuleNames++;
    const serial = readHwSerial(der, parts[1]);
    if (serial === null) return null;
    serials.push(serial);
  }
  return { hardwareModuleNames, serials };
}

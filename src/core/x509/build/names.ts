/** X.501 Names for the certificate profiles. */
import * as der from '../../der/writer.js';
import { OID } from './oids.js';

/** One single-valued RDN. */
function rdn(attrOid: string, value: Uint8Array): Buffer {
  return der.set(der.sequence(der.oid(attrOid), value));
}

// PrintableString when the text allows it (as SMKI certificates do), UTF8String otherwise.
function directoryString(text: string): Buffer {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text) ? der.printableString(text) : der.utf8String(text);
}

/** The empty Name of SMKI device certificates. */
export function emptyName(): Buffer {
  return der.sequence();
}

export function commonNameName(commonName: string): Buffer {
  return der.sequence(rdn(OID.commonName, directoryString(commonName)));
}

/**
 * Organisation subject: OU = 2-hex-digit role code, x500UniqueIdentifier = BIT STRING of
 * the 8 party EUI bytes, then an optional CN (the DCC Boxed certificates' order).
 */
export function organisationName(roleCode: string, partyEui: Uint8Array, commonName?: string): Buffer {
  if (!/^[0-9A-Fa-f]{2}$/.test(roleCode)) throw new RangeError(`role code '${roleCode}' is not 2 hex digits`);
  const rdns = [rdn(OID.organizationalUnitName, der.utf8String(roleCode)), rdn(OID.x500UniqueIdentifier, der.bitString(partyEui))];
  if (commonName !== undefined) rdns.push(rdn(OID.commonName, directoryString(commonName)));
  return der.sequence(...rdns);
}

/** An organisation CA's Name in the DCC order: OU = role code, then CN (e.g. OU=07, CN=Z1). */
export function organisationCaName(roleCode: string, commonName: string): Buffer {
  if (!/^[0-9A-Fa-f]{2}$/.test(roleCode)) throw new RangeError(`role code '${roleCode}' is not 2 hex digits`);
  return der.sequence(rdn(OID.organizationalUnitName, der.utf8String(roleCode)), rdn(OID.commonName, directoryString(commonName)));
}

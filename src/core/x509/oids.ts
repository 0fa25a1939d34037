import { encodeOid } from '../der/reader.js';

/** OBJECT IDENTIFIER content bytes of the OIDs the profile looks at. */
export const OID = {
  ecdsaWithSha256: encodeOid('1.2.840.10045.4.3.2'),
  ecPublicKey: encodeOid('1.2.840.10045.2.1'),
  prime256v1: encodeOid('1.2.840.10045.3.1.7'),
  keyUsage: encodeOid('2.5.29.15'),
  subjectAltName: encodeOid('2.5.29.17'),
  hardwareModuleName: encodeOid('1.3.6.1.5.5.7.8.4'),
  x500UniqueIdentifier: encodeOid('2.5.4.45'),
} as const;

/** keyUsage named bits used here (bit 0 is the most significant bit of the first octet). */
export const KEY_USAGE = {
  digitalSignature: 0,
  keyAgreement: 4,
} as const;

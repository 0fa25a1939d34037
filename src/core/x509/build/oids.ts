/** Object identifiers used by the certificate builder. */
export const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organizationalUnitName: '2.5.4.11',
  x500UniqueIdentifier: '2.5.4.45',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  hardwareModuleName: '1.3.6.1.5.5.7.8.4',
  /** hwType of GB SMKI device certificates (as in the RTDS test certificates). */
  smkiDeviceHwType: '1.2.826.0.1.8641679.1.2.2.1',
} as const;

/** keyUsage bit numbers (RFC 5280 4.2.1.3). */
export const KEY_USAGE_BIT = {
  digitalSignature: 0,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;

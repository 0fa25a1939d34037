/**
 * The three certificate profiles the development tools need: a device CA, an SMKI device
 * certificate (mcf-format.md "Device certificate profile") and an organisation (file
 * signer) certificate. Every profile rule can be broken on purpose through the options,
 * so that `gen` can produce each defective variant.
 */
import type { KeyObject } from 'node:crypto';
import * as der from '../../der/writer.js';
import { buildCertificate, DEFAULT_VALIDITY, ecSpki, keyIdentifier, randomSerial, rawPublicPoint, type Extension, type Validity } from './certificate.js';
import { commonNameName, emptyName, organisationName } from './names.js';
import { KEY_USAGE_BIT, OID } from './oids.js';

/** What a certificate issuer contributes: its subject Name (DER), its signing key, its key id. */
export interface Issuer {
  readonly name: Uint8Array;
  readonly privateKey: KeyObject;
  /** Written as authorityKeyIdentifier when present. */
  readonly keyId?: Uint8Array;
}

function keyUsageExt(bits: readonly number[], critical: boolean): Extension {
  return { oid: OID.keyUsage, critical, value: der.namedBits(bits) };
}

function skiExt(point: Uint8Array): Extension {
  return { oid: OID.subjectKeyIdentifier, critical: false, value: der.octetString(keyIdentifier(point)) };
}

function akiExt(keyId: Uint8Array): Extension {
  return { oid: OID.authorityKeyIdentifier, critical: false, value: der.sequence(der.implicit(0, der.octetString(keyId))) };
}

export interface DeviceCaOptions {
  readonly commonName: string;
  /** The CA's own key pair (self-signed). */
  readonly privateKey: KeyObject;
  readonly validity?: Validity;
  readonly serial?: Uint8Array;
}

export interface BuiltCa {
  readonly der: Buffer;
  /** The issuer view of this CA, for signing device certificates. */
  readonly issuer: Issuer;
}

/** Self-signed device CA: subject CN=..., basicConstraints cA=TRUE, keyUsage keyCertSign (+cRLSign). */
export function buildDeviceCa(opts: DeviceCaOptions): BuiltCa {
  const point = rawPublicPoint(opts.privateKey);
  const name = commonNameName(opts.commonName);
  const keyId = keyIdentifier(point);
  const certDer = buildCertificate(
    {
      serial: opts.serial ?? randomSerial(),
      issuer: name,
      subject: name,
      validity: opts.validity ?? DEFAULT_VALIDITY,
      spki: ecSpki(point),
      extensions: [
        { oid: OID.basicConstraints, critical: true, value: der.sequence(der.boolean(true)) },
        keyUsageExt([KEY_USAGE_BIT.keyCertSign, KEY_USAGE_BIT.cRLSign], true),
        skiExt(point),
      ],
    },
    opts.privateKey,
  );
  return { der: certDer, issuer: { name, privateKey: opts.privateKey, keyId } };
}

export type DeviceKeyUsage = 'digitalSignature' | 'keyAgreement';

export interface DeviceCertOptions {
  /** The 8 EUI-64 bytes of the device; written as hwSerialNum unless `hwSerialNum` overrides it. */
  readonly deviceEui: Uint8Array;
  /** Raw P-256 point: 65-byte uncompressed normally, 33-byte compressed for the defect. */
  readonly publicPoint: Uint8Array;
  readonly keyUsage: DeviceKeyUsage;
  readonly issuer: Issuer;
  readonly validity?: Validity;
  readonly serial?: Uint8Array;
  /** Write subjectKeyIdentifier / authorityKeyIdentifier (default true), as real SMKI certificates do. */
  readonly keyIdentifiers?: boolean;
  // Defect knobs: each breaks exactly one rule of the device profile.
  /** Replace the keyUsage bits (e.g. two bits, or none). */
  readonly keyUsageBits?: readonly number[];
  /** Default true. */
  readonly keyUsageCritical?: boolean;
  /** Default true. */
  readonly sanCritical?: boolean;
  /** Replace the hwSerialNum bytes (e.g. another EUI, or a wrong length). */
  readonly hwSerialNum?: Uint8Array;
}

/** The SAN value: one otherName hardwareModuleName { hwType OID, hwSerialNum OCTET STRING }. */
export function hardwareModuleNameSan(hwSerialNum: Uint8Array): Buffer {
  const hmn = der.sequence(der.oid(OID.smkiDeviceHwType), der.octetString(hwSerialNum));
  const otherName = der.implicit(0, der.sequence(der.oid(OID.hardwareModuleName), der.explicit(0, hmn)));
  return der.sequence(otherName);
}

/** SMKI device certificate: empty subject, issuer = CA subject DER, single-purpose keyUsage, critical SAN. */
export function buildDeviceCertificate(opts: DeviceCertOptions): Buffer {
  const bits = opts.keyUsageBits ?? [KEY_USAGE_BIT[opts.keyUsage]];
  const extensions: Extension[] = [keyUsageExt(bits, opts.keyUsageCritical ?? true)];
  const withIds = opts.keyIdentifiers ?? true;
  if (withIds) extensions.push(skiExt(opts.publicPoint));
  extensions.push({ oid: OID.subjectAltName, critical: opts.sanCritical ?? true, value: hardwareModuleNameSan(opts.hwSerialNum ?? opts.deviceEui) });
  if (withIds && opts.issuer.keyId !== undefined) extensions.push(akiExt(opts.issuer.keyId));
  return buildCertificate(
    {
      serial: opts.serial ?? randomSerial(),
      issuer: opts.issuer.name,
      subject: emptyName(),
      validity: opts.validity ?? DEFAULT_VALIDITY,
      spki: ecSpki(opts.publicPoint),
      extensions,
    },
    opts.issuer.privateKey,
  );
}

export interface OrganisationCertOptions {
  /** 2-hex-digit remote party role code written in OU (e.g. '08'). */
  readonly roleCode: string;
  /** The 8 party EUI-64 bytes, written in x500UniqueIdentifier. */
  readonly partyEui: Uint8Array;
  readonly commonName?: string;
  /** The organisation's key pair. */
  readonly privateKey: KeyObject;
  /** Defaults to self-signed (the file-signer bundle is the trust decision, its chain is not checked). */
  readonly issuer?: Issuer;
  readonly validity?: Validity;
  readonly serial?: Uint8Array;
}

/** Organisation (file signer) certificate with critical keyUsage digitalSignature. */
export function buildOrganisationCertificate(opts: OrganisationCertOptions): Buffer {
  const point = rawPublicPoint(opts.privateKey);
  const subject = organisationName(opts.roleCode, opts.partyEui, opts.commonName);
  const issuer: Issuer = opts.issuer ?? { name: subject, privateKey: opts.privateKey };
  const extensions: Extension[] = [keyUsageExt([KEY_USAGE_BIT.digitalSignature], true), skiExt(point)];
  if (issuer.keyId !== undefined) extensions.push(akiExt(issuer.keyId));
  return buildCertificate(
    {
      serial: opts.serial ?? randomSerial(),
      issuer: issuer.name,
      subject,
      validity: opts.validity ?? DEFAULT_VALIDITY,
      spki: ecSpki(point),
      extensions,
    },
    issuer.privateKey,
  );
}

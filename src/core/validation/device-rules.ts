import { DEVICE_CODES, type DeviceCode } from '../errors/codes.js';
import { canonicalEui } from '../values.js';
import { DEVICE_TYPES, type DeviceCryptoInput, type DeviceCryptoResult, type DeviceType } from '../contracts/device-crypto.js';
import type { RawDevice } from '../mcf/types.js';

/** Base64 characters (after removing XML whitespace) allowed in Certificate and Credential. */
export const MAX_BASE64_FIELD = 4096;

const METERS: ReadonlySet<string> = new Set(['ESME', 'GSME']);
const KEYED: ReadonlySet<string> = new Set(['ESME', 'GSME', 'CHF']);
const MPXN = /^[0-9]{1,13}$/;

/** A device's outcome, ready for the report and the installation rules. */
export interface DeviceOutcome {
  /** Canonical ID when valid, else the trimmed raw text, null when absent. */
  readonly deviceId: string | null;
  /** Known type, else the trimmed raw text, null when absent. */
  readonly deviceType: string | null;
  readonly canonicalId: string | null;
  readonly type: DeviceType | null;
  /** Canonical Parent when it is a valid EUI-64. */
  readonly parent: string | null;
  readonly parentPresent: boolean;
  /** Trimmed Manufacturer and Model texts (for eligibility). */
  readonly manufacturer: string | null;
  readonly model: string | null;
  /** Canonical ResponsibleSupplier when it is a valid EUI-64. */
  readonly supplier: string | null;
  readonly errors: readonly DeviceCode[];
}

export function knownType(text: string | null): DeviceType | null {
  return text !== null && (DEVICE_TYPES as readonly string[]).includes(text) ? (text as DeviceType) : null;
}

/**
 * What the crypto checks receive. An over-long Certificate or Credential is not sent: its
 * code (DEV_CERT_MALFORMED / DEV_CREDENTIAL_INVALID) comes from `evaluateDevice`.
 */
export function deviceCryptoInput(dev: RawDevice): DeviceCryptoInput {
  return cryptoInputFor(dev, dev.fields.DeviceID === null ? null : canonicalEui(dev.fields.DeviceID));
}

/** `deviceCryptoInput` for a caller that has already canonicalised the DeviceID (`validate`'s hot path). */
export function cryptoInputFor(dev: RawDevice, canonicalId: string | null): DeviceCryptoInput {
  const f = dev.fields;
  const cert = f.Certificate;
  const cred = f.Credential;
  return {
    deviceId: canonicalId,
    deviceType: knownType(f.DeviceType),
    certificate: cert !== null && cert.length <= MAX_BASE64_FIELD ? cert : null,
    credential: cred !== null && cred.length <= MAX_BASE64_FIELD ? cred : null,
  };
}

// Stand-ins for Certificate and Credential texts once they have gone to the crypto checks:
// the device rules only ask whether a text is present and whether it is over-long.
const PRESENT = 'A';
const OVER_LONG = 'A'.repeat(MAX_BASE64_FIELD + 1);

/** The device with its Certificate and Credential texts replaced by stand-ins `evaluateDevice` judges alike. */
export function withoutTexts(dev: RawDevice): RawDevice {
  const f = dev.fields;
  const standIn = (t: string | null): string | null => (t === null ? null : t.length > MAX_BASE64_FIELD ? OVER_LONG : PRESENT);
  return { fields: { ...f, Certificate: standIn(f.Certificate), Credential: standIn(f.Credential) }, structureInvalid: dev.structureInvalid };
}

/**
 * Device-level rules of validation.md merged with the crypto codes, each code once, in
 * catalogue order. Pure: the same function serves `validate` and the pipeline.
 */
export function evaluateDevice(dev: RawDevice, crypto: DeviceCryptoResult): DeviceOutcome {
  const f = dev.fields;
  const codes = new Set<DeviceCode>(crypto);
  const canonicalId = f.DeviceID === null ? null : canonicalEui(f.DeviceID);
  const type = knownType(f.DeviceType);
  if (canonicalId === null) codes.add('DEV_ID_INVALID');
  if (type === null) codes.add('DEV_TYPE_INVALID');

  const parent = f.Parent === null ? null : canonicalEui(f.Parent);
  const rs = f.ResponsibleSupplier;
  const supplier = rs === null ? null : canonicalEui(rs);
  let fieldInvalid =
    dev.structureInvalid ||
    !lengthIn(f.Manufacturer, 1, 30) ||
    !lengthIn(f.Model, 1, 30) ||
    !lengthIn(f.FirmwareVersion, 1, 8) ||
    (f.MPxN !== null && !MPXN.test(f.MPxN)) ||
    (rs !== null && supplier === null) ||
    (f.Parent !== null && parent === null);
  if (type !== null) {
    const meter = METERS.has(type);
    if (meter && (f.MPxN === null || rs === null)) fieldInvalid = true;
    if (!meter && (f.MPxN !== null || rs !== null)) fieldInvalid = true;
    if (type === 'CHF' && f.Parent !== null) fieldInvalid = true;
    if (KEYED.has(type)) {
      if (f.Certificate === null) codes.add('DEV_CERT_MISSING');
      if (f.Credential === null) codes.add('DEV_CREDENTIAL_MISSING');
    }
  }
  if (fieldInvalid) codes.add('DEV_FIELD_INVALID');
  if (f.Certificate !== null && f.Certificate.length > MAX_BASE64_FIELD) codes.add('DEV_CERT_MALFORMED');
  if (f.Credential !== null && f.Credential.length > MAX_BASE64_FIELD) codes.add('DEV_CREDENTIAL_INVALID');
  // The spec's "then no other DEV_CERT_* / no DEV_CREDENTIAL_INCOMPLETE" rules.
  if (codes.has('DEV_CERT_MALFORMED')) {
    for (const c of ['DEV_CERT_PROFILE', 'DEV_CERT_UNTRUSTED', 'DEV_CERT_ID_MISMATCH', 'DEV_CERT_EXPIRED'] as const) codes.delete(c);
  }
  if (codes.has('DEV_CREDENTIAL_INVALID')) codes.delete('DEV_CREDENTIAL_INCOMPLETE');

  return {
    deviceId: canonicalId ?? f.DeviceID,
    deviceType: f.DeviceType,
    canonicalId,
    type,
    parent,
    parentPresent: f.Parent !== null,
    manufacturer: f.Manufacturer,
    model: f.Model,
    supplier,
    errors: DEVICE_CODES.filter((c) => codes.has(c)),
  };
}

function lengthIn(value: string | null, min: number, max: number): boolean {
  if (value === null) return false;
  const n = codePoints(value);
  return n >= min && n <= max;
}

/** Length in Unicode code points (a surrogate pair counts once). */
export function codePoints(s: string): number {
  let n = s.length;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

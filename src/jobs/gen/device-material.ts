/**
 * The per-device cryptography of `gen`: a fresh P-256 key pair (node:crypto randomness,
 * the private half is discarded), a certificate issued by the SMSO's device CA, and a
 * credential encrypted with a fresh ephemeral key; each defect of the plan applied.
 */
import { createECDH, randomBytes } from 'node:crypto';
import { encryptCredential } from '../../core/credential/encrypt.js';
import { buildDeviceCertificate, DEFAULT_VALIDITY, KEY_USAGE_BIT, type Validity } from '../../core/x509/build/index.js';
import type { GenMaterial } from './material.js';
import type { PlannedDevice } from './model.js';

const DAY_MS = 86_400_000;

export interface DeviceMaterialContext {
  readonly material: GenMaterial;
  /** CreatedAt of the file, ms since the epoch (whole seconds). */
  readonly createdAtMs: number;
}

function validityFor(plan: PlannedDevice['cert'], createdAtMs: number): Validity {
  const before = new Date(Math.min(DEFAULT_VALIDITY.notBefore.getTime(), createdAtMs - 2 * DAY_MS));
  if (plan === 'expired') return { notBefore: before, notAfter: new Date(createdAtMs - DAY_MS) };
  if (plan === 'not-yet-valid') return { notBefore: new Date(createdAtMs + DAY_MS), notAfter: DEFAULT_VALIDITY.notAfter };
  return { notBefore: before, notAfter: DEFAULT_VALIDITY.notAfter };
}

/** Base64 certificate text for the device, or null when the plan omits it. */
export function deviceCertificate(d: PlannedDevice, ctx: DeviceMaterialContext): string | null {
  if (d.cert === 'none') return null;
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const eui = Buffer.from(d.eui, 'hex');
  const wrongEui = Buffer.from(eui);
  wrongEui[7] = wrongEui[7]! ^ 0x5a;
  const der = buildDeviceCertificate({
    deviceEui: eui,
    publicPoint: ecdh.getPublicKey(null, d.cert === 'compressed-point' ? 'compressed' : 'uncompressed'),
    keyUsage: d.keyUsage,
    issuer: d.cert === 'untrusted' ? ctx.material.rogueCa : ctx.material.ca,
    validity: validityFor(d.cert, ctx.createdAtMs),
    ...(d.cert === 'ku-two-bits' ? { keyUsageBits: [KEY_USAGE_BIT.digitalSignature, KEY_USAGE_BIT.keyAgreement] } : {}),
    ...(d.cert === 'ku-non-critical' ? { keyUsageCritical: false } : {}),
    ...(d.cert === 'id-mismatch' ? { hwSerialNum: wrongEui } : {}),
  });
  // one trailing byte: still decodable base64, but not exactly one DER certificate
  return (d.cert === 'malformed' ? Buffer.concat([der, Buffer.from([0])]) : der).toString('base64');
}

/** Base64 credential blob for the device, or null when the plan omits it. */
export function deviceCredential(d: PlannedDevice, ctx: DeviceMaterialContext): string | null {
  if (d.credential === 'none') return null;
  const secrets: Record<string, string> = {};
  const required = d.type === 'CHF' ? 'network' : 'master';
  if (d.type === 'CHF' || d.type === 'ESME' || d.type === 'GSME') secrets[required] = randomBytes(16).toString('hex');
  if (d.credential === 'incomplete') {
    delete secrets[required];
    secrets['note'] = 'required key withheld';
  }
  if (Object.keys(secrets).length === 0) secrets['pin'] = randomBytes(4).toString('hex');
  const blob = encryptCredential(ctx.material.recipientPoint, d.eui, Buffer.from(JSON.stringify(secrets), 'utf8'));
  if (d.credential === 'bad-tag') blob[blob.length - 1] = blob[blob.length - 1]! ^ 0x01;
  return blob.toString('base64');
}

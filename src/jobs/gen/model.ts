/** The generator's plan of one installation: what it writes and what it intends each device to be. */
import type { DeviceType } from '../../core/contracts/device-crypto.js';
import type { DeviceCode, InstallationCode } from '../../core/errors/codes.js';

/** How a device's certificate is written: correct, absent, or broken in one way. */
export type CertPlan =
  | 'ok'
  | 'none'
  | 'malformed'
  | 'ku-two-bits'
  | 'ku-non-critical'
  | 'compressed-point'
  | 'untrusted'
  | 'id-mismatch'
  | 'expired'
  | 'not-yet-valid';

/** How a device's credential is written: correct, absent, undecryptable, or missing its required key. */
export type CredentialPlan = 'ok' | 'none' | 'bad-tag' | 'incomplete';

export interface PlannedDevice {
  /** Canonical EUI the device's certificate and credential are bound to. */
  readonly eui: string;
  /** DeviceID text as written (an invalid one for DEV_ID_INVALID). */
  idText: string;
  /** DeviceType text as written. */
  typeText: string;
  readonly type: DeviceType | null;
  manufacturer: string;
  model: string;
  firmware: string;
  mpxn?: string;
  /** Canonical supplier EUI. */
  supplier?: string;
  /** Index of the parent device within the installation. */
  parent?: number;
  cert: CertPlan;
  credential: CredentialPlan;
  readonly keyUsage: 'digitalSignature' | 'keyAgreement';
  /** The device codes this device is meant to get (catalogue order is applied on output). */
  codes: DeviceCode[];
}

export interface PlannedInstallation {
  id: string;
  migrationType: string;
  groupId?: string;
  devices: PlannedDevice[];
  /** Installation codes injected directly (structure, duplicates); the others are derived by the rules. */
  injected: InstallationCode[];
}

export { hyphenatedEui as formatEui } from '../../core/values.js';

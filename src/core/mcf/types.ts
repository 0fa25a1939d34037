/** What the MCF reader hands to the rules: raw, trimmed values in file order. */

export const MCF_NS = 'urn:s1mig:mcf:1';
export const MAX_INSTALLATIONS = 10_000_000;

/** Header children in their required order. */
export const HEADER_FIELDS = [
  'FileID',
  'RequestingParty',
  'SMSO',
  'Cohort',
  'Purpose',
  'MigrationAuthorisation',
  'CreatedAt',
  'InstallationCount',
  'DeviceCount',
] as const;
export type HeaderField = (typeof HEADER_FIELDS)[number];

/** Trimmed text of each Header child; null when absent or empty after trimming. */
export type HeaderTexts = Record<HeaderField, string | null>;

/** Device children in their required order. */
export const DEVICE_FIELDS = [
  'DeviceID',
  'DeviceType',
  'Manufacturer',
  'Model',
  'FirmwareVersion',
  'MPxN',
  'ResponsibleSupplier',
  'Parent',
  'Certificate',
  'Credential',
] as const;
export type DeviceField = (typeof DEVICE_FIELDS)[number];

/**
 * One Device as written: trimmed texts (Certificate and Credential with all XML whitespace
 * removed), null when absent or empty.
 */
export interface RawDevice {
  readonly fields: Record<DeviceField, string | null>;
  /** An unknown, repeated or out-of-order element, or child elements inside a field. */
  readonly structureInvalid: boolean;
}

export interface RawInstallation {
  /** 0-based position in the file. */
  readonly index: number;
  readonly id: string;
  readonly migrationType: string | null;
  readonly groupId: string | null;
  readonly devices: readonly RawDevice[];
  /** Device elements seen (devices.length unless the reader was told to keep fewer). */
  readonly deviceCount: number;
  /** An unknown or misplaced element outside the devices. */
  readonly structureInvalid: boolean;
}

/** Where a file-level MCF_MALFORMED was found: check step 1 (well-formedness) or 3. */
export interface MalformedAt {
  readonly step: 1 | 3;
  readonly reason: string;
  readonly offset: number;
}

/** Outcome of reading a whole file (check steps 1-4 and the inputs of steps 5-7). */
export interface McfScan {
  readonly malformed: MalformedAt | null;
  /** schemaVersion when present and not 1.0 (check step 2). */
  readonly unsupportedVersion: string | null;
  /** Header texts when the Header element was read completely, else null. */
  readonly header: HeaderTexts | null;
  /** The root's last child is a Signature with non-empty text. */
  readonly signaturePresent: boolean;
  /** Signature text with XML whitespace removed, or null. */
  readonly signature: string | null;
  /** SHA-256 of the signed byte range, or null when there is no Signature element. */
  readonly signedDigest: Uint8Array | null;
  readonly installationCount: number;
  readonly deviceCount: number;
}

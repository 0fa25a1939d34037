/**
 * Contract between the MCF rules (main thread) and the device crypto (worker threads).
 * Tasks and results are plain, structured-clone-friendly data: no classes, no key material.
 */

export const DEVICE_TYPES = ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID', 'IHD'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** The device codes that only the crypto checks can produce, in catalogue order. */
export const DEVICE_CRYPTO_CODES = [
  'DEV_CERT_MALFORMED',
  'DEV_CERT_PROFILE',
  'DEV_CERT_UNTRUSTED',
  'DEV_CERT_ID_MISMATCH',
  'DEV_CERT_EXPIRED',
  'DEV_CREDENTIAL_INVALID',
  'DEV_CREDENTIAL_INCOMPLETE',
] as const;
export type DeviceCryptoCode = (typeof DEVICE_CRYPTO_CODES)[number];

export interface DeviceCryptoInput {
  /** Canonical device ID (16 lowercase hex digits), or null when DeviceID is missing or invalid. */
  readonly deviceId: string | null;
  /** Known device type, or null when missing or unknown (then no credential key is required). */
  readonly deviceType: DeviceType | null;
  /** Certificate text with XML whitespace removed; null when absent or empty (not checked). */
  readonly certificate: string | null;
  /** Credential text with XML whitespace removed; null when absent or empty (not checked). */
  readonly credential: string | null;
}

export interface DeviceCryptoBatch {
  /** SMSO whose device CAs are trusted for this batch. */
  readonly smso: string;
  /** CreatedAt of the file, in whole seconds since the epoch (fraction truncated). */
  readonly createdAtSec: number;
  readonly items: readonly DeviceCryptoInput[];
}

/** One result per input item, same order: the failing crypto codes in catalogue order. */
export type DeviceCryptoResult = readonly DeviceCryptoCode[];

/** Load of a checker, read at metrics scrape time. */
export interface DeviceCryptoStats {
  /** Batches running or waiting in the checker. */
  readonly inFlight: number;
  /** Share of the worker threads' time spent on tasks since start, 0..1. */
  readonly utilisation: number;
}

/** Implemented by the piscina pool and by an in-thread checker (tests, tiny files). */
export interface DeviceCryptoChecker {
  check(batch: DeviceCryptoBatch): Promise<DeviceCryptoResult[]>;
  close(): Promise<void>;
  stats?(): DeviceCryptoStats;
}

/**
 * The Smart Metering Inventory record and its transitions (enrolment.md, "The Smart
 * Metering Inventory"), pure: the enrolment stage writes the records these functions give
 * to the compacted SMI topic (keyed by canonical device ID) in the transaction of the
 * decision that causes them.
 */

export type SmiStatus = 'Pending' | 'Whitelisted' | 'InstalledNotCommissioned' | 'Commissioned' | 'Decommissioned' | 'Withdrawn' | 'Suspended' | 'Recovery' | 'Recovered';

export interface SmiHistoryEntry {
  readonly status: SmiStatus | 'RolledBack';
  readonly atMs: number;
  readonly requestId: string | null;
  readonly reason: string | null;
}

/** What the SMI needs of a device of an installation being migrated. */
export interface SmiDevice {
  readonly deviceId: string;
  readonly deviceType: string;
  readonly manufacturer: string | null;
  readonly model: string | null;
  readonly firmwareVersion: string | null;
  /** Meters only. */
  readonly mpxn: string | null;
  /** Non-CHF devices: canonical ID of the parent. */
  readonly parent: string | null;
  /** Meters only: canonical EUI-64. */
  readonly responsibleSupplier: string | null;
}

export interface SmiRecord extends SmiDevice {
  /** The installation: canonical ID of its CHF. */
  readonly installation: string;
  readonly smso: string;
  /**
   * Null: not in the inventory. A rolled-back first attempt leaves the device without a
   * status (its absence restored) while its history is kept.
   */
  readonly status: SmiStatus | null;
  readonly effectiveAtMs: number;
  /** Oldest first. */
  readonly history: readonly SmiHistoryEntry[];
}

/**
 * The devices an installation migrates (enrolment.md): every device of a `valid` one; of a
 * `partial` one all but the GSME and the devices whose Parent is the GSME.
 */
export function migratedDevices<D extends Pick<SmiDevice, 'deviceId' | 'deviceType' | 'parent'>>(status: 'valid' | 'partial', devices: readonly D[]): D[] {
  if (status === 'valid') return [...devices];
  const gsme = devices.find((d) => d.deviceType === 'GSME');
  return devices.filter((d) => d !== gsme && (gsme === undefined || d.parent !== gsme.deviceId));
}

export interface AttemptContext {
  readonly chf: string;
  readonly smso: string;
  readonly requestId: string;
  readonly atMs: number;
}

/** When the commissioning request is sent: the device is InstalledNotCommissioned (a dormant one stays so). */
export function attemptStarted(prev: SmiRecord | undefined, d: SmiDevice, a: AttemptContext): SmiRecord {
  return {
    ...d,
    installation: a.chf,
    smso: a.smso,
    status: 'InstalledNotCommissioned',
    effectiveAtMs: a.atMs,
    history: [...(prev?.history ?? []), { status: 'InstalledNotCommissioned', atMs: a.atMs, requestId: a.requestId, reason: null }],
  };
}

/** When the SMSO confirms. */
export function commissioned(rec: SmiRecord, requestId: string, atMs: number): SmiRecord {
  return { ...rec, status: 'Commissioned', effectiveAtMs: atMs, history: [...rec.history, { status: 'Commissioned', atMs, requestId, reason: null }] };
}

/**
 * A rolled-back attempt restores the device's previous record, its history kept with the
 * attempt's entries and the rollback after them; a device that had no record is again not
 * in the inventory (status null) with its history kept, so the history only ever grows (its
 * length orders the versions of a record).
 */
export function rolledBack(prev: SmiRecord | undefined, attempted: SmiRecord, requestId: string, atMs: number, reason: string): SmiRecord {
  const entry: SmiHistoryEntry = { status: 'RolledBack', atMs, requestId, reason };
  if (prev === undefined || prev.status === null) return { ...attempted, status: null, effectiveAtMs: atMs, history: [...attempted.history, entry] };
  return { ...prev, history: [...attempted.history, entry] };
}

/** A device recorded under another installation (pipeline INST_DUPLICATE_DEVICE). */
export function recordedElsewhere(rec: SmiRecord | undefined, chf: string): boolean {
  return rec !== undefined && rec.status !== null && rec.installation !== chf;
}

/** The later of two versions of a device's record: the history only grows. */
export function laterSmi(prev: SmiRecord, next: SmiRecord): SmiRecord {
  return next.history.length >= prev.history.length ? next : prev;
}

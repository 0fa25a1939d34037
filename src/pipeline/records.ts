/** TypeScript shapes of the Avro records in avro/ (kept in sync by test/unit/pipeline/records.test.ts). */

export interface Issue {
  code: string;
  message: string;
}

export interface DeviceEvent {
  fileKey: string;
  fileId: string;
  smso: string;
  purpose: string;
  createdAtSec: number;
  /** Broker append time of the file's first chunk (receipt), for the latency metric. */
  receivedAtMs: number;
  installationId: string;
  installationIndex: number;
  installationCount: number;
  migrationType: string | null;
  groupId: string | null;
  installationStructureInvalid: boolean;
  duplicateDeviceIds: string[];
  deviceIndex: number;
  deviceCount: number;
  deviceId: string | null;
  deviceType: string | null;
  manufacturer: string | null;
  model: string | null;
  firmwareVersion: string | null;
  mpxn: string | null;
  responsibleSupplier: string | null;
  parent: string | null;
  certificate: string | null;
  credential: string | null;
  deviceStructureInvalid: boolean;
  /** With segments > 0: this event's segment of an oversized installation (more than 32 devices). */
  segment: number;
  /** 0: the installation is one unit; else the number of segments it was cut into. */
  segments: number;
  /** Devices in this event's segment (segments > 0). */
  segmentDevices: number;
  /** On the last segment: some device of the whole installation occurs more than once in the file. */
  installationHasDuplicate: boolean;
  /** The file's MigrationAuthorisation (Migration files), for the enrolment stage. */
  migrationAuthorisation: string | null;
}

export interface FileResultRecord {
  fileKey: string;
  fileId: string | null;
  smso: string | null;
  requestingParty: string | null;
  purpose: string | null;
  status: 'accepted' | 'rejected';
  errors: Issue[];
  installations: number;
  devices: number;
  sha256: string | null;
  upload: string;
  emittedInstallations: number;
  /** Devices of installation number `emittedInstallations` (oversized, in segments) already emitted. */
  emittedDevices: number;
  emissionComplete: boolean;
  receivedAtMs: number;
  decidedAtMs: number;
}

export interface DeviceOutcomeRecord {
  deviceId: string | null;
  deviceType: string | null;
  status: 'valid' | 'invalid';
  errors: Issue[];
}

export interface InstallationOutcomeRecord {
  fileKey: string;
  fileId: string;
  installationId: string;
  installationIndex: number;
  purpose: string;
  stage: string;
  attempt: number;
  status: 'valid' | 'partial' | 'excluded' | 'invalid';
  errors: Issue[];
  devices: DeviceOutcomeRecord[];
  /** 0: `devices` holds every device; else they are in this many InstallationDevicesRecord segments. */
  deviceSegments: number;
  decidedAtMs: number;
  /** Enrolment-stage outcomes of Migration files: the report's migration block. */
  migration: MigrationRecord | null;
  /** The S1SP alerts this outcome caused: sent, and not sent by reason (null: none were due). */
  alerts: AlertCountsRecord | null;
}

export interface AlertCountsRecord {
  sent: number;
  supplierUnknown: number;
  duisBelow3: number;
}

/** Avro enum symbols of enrolment.md's migration status ('-' written '_'). */
export type MigrationStatusSymbol = 'migrated' | 'migrated_partial' | 'migrated_dormant' | 'failed' | 'waiting' | 'in_progress' | 'not_enrolled';

export interface MigrationRecord {
  status: MigrationStatusSymbol;
  attempt: number | null;
  code: string | null;
  requestId: string | null;
  atMs: number | null;
}

/** One segment of the device outcomes of an oversized installation (its outcome has deviceSegments > 0). */
export interface InstallationDevicesRecord {
  fileKey: string;
  fileId: string;
  installationId: string;
  installationIndex: number;
  segment: number;
  segments: number;
  firstDeviceIndex: number;
  devices: DeviceOutcomeRecord[];
  decidedAtMs: number;
}

/** Key of device events and installation outcomes: all devices of an installation meet on one partition. */
export function installationKey(fileKey: string, installationId: string): string {
  return `${fileKey}|${installationId}`;
}

/**
 * Devices per segment of an oversized installation (more than 32 devices: INST_STRUCTURE):
 * segment k holds its devices k*SEGMENT_DEVICES onwards, each segment one unit of the
 * validator written in one record batch, so it must stay well under the topic's message size
 * even with 4096-character certificates and credentials (64 x ~8.5 KB), while a
 * million-device installation is never held whole.
 */
export const SEGMENT_DEVICES = 64;

/**
 * Key of the device events of one segment of an oversized installation: segments are
 * self-contained units (each written in one record batch), spread over the partitions.
 */
export function segmentKey(fileKey: string, installationId: string, segment: number): string {
  return `${installationKey(fileKey, installationId)}#${segment}`;
}

/** The key a device event must have been written under. */
export function deviceEventKey(e: Pick<DeviceEvent, 'fileKey' | 'installationId' | 'segment' | 'segments'>): string {
  return e.segments > 0 ? segmentKey(e.fileKey, e.installationId, e.segment) : installationKey(e.fileKey, e.installationId);
}

/**
 * Key of a file result in the compacted files topic: the file key for an accepted file (the
 * accepted-file state that makes a later upload MCF_DUPLICATE_FILE); rejections carry their
 * upload too, so that compaction never replaces an accepted record by a later rejection.
 */
export function fileResultKey(r: Pick<FileResultRecord, 'fileKey' | 'status' | 'upload'>): string {
  return r.status === 'accepted' ? r.fileKey : `${r.fileKey}#${r.upload}`;
}

/** A device of an enrolment request: what the SMI and the SMSO need (IDs canonical). */
export interface EnrolmentDevice {
  deviceId: string;
  deviceType: string;
  manufacturer: string | null;
  model: string | null;
  firmwareVersion: string | null;
  mpxn: string | null;
  parent: string | null;
  responsibleSupplier: string | null;
}

/**
 * One installation of a Migration file on its way to enrolment (topic enrolment.lanes,
 * keyed by SMSO code, one lane partition per configured SMSO), with its offline outcome.
 */
export interface EnrolmentRequestRecord {
  fileKey: string;
  fileId: string;
  installationId: string;
  installationIndex: number;
  smso: string;
  migrationAuthorisation: string;
  migrationType: string | null;
  /** Canonical ID of the CHF, null when the installation has no valid one. */
  chf: string | null;
  offlineStatus: 'valid' | 'partial' | 'excluded' | 'invalid';
  offlineErrors: Issue[];
  /** The devices with a valid ID, in file order. */
  devices: EnrolmentDevice[];
  validatedAtMs: number;
}

export interface InFlightRecord {
  requestId: string;
  attempt: number;
  fileKey: string;
  installationId: string;
  claim: 'committed' | 'excess';
  maReference: string;
  migrationDate: string;
  startedAtMs: number;
  /** JSON: [deviceId, SMI record before the attempt or null][] (what a rollback restores). */
  previous: string;
}

/**
 * One row of the enrolment state (compacted topic enrolment.state): the key says which
 * (ma|REF, day|SMSO|DATE, chf|ID, lane|PARTITION) and the matching part is set. `version`
 * grows with every write of a key, so a table never takes an older row over a newer one.
 */
export interface EnrolmentStateRecord {
  version: number;
  ma: { committedUsed: number; excessUsed: number } | null;
  day: { started: number } | null;
  chf: { failedAttempts: number; migrated: boolean; lastRequestId: string | null; inFlight: InFlightRecord | null } | null;
  /** Input offsets of the lane above its committed offset already decided, as [from, to) ranges. */
  lane: { decided: Array<{ from: number; to: number }> } | null;
}

export interface SmiHistoryRecord {
  status: string;
  atMs: number;
  requestId: string | null;
  reason: string | null;
}

/** A device of the Smart Metering Inventory (compacted topic smi, keyed by canonical device ID). */
export interface SmiTopicRecord extends EnrolmentDevice {
  installation: string;
  smso: string;
  status: string | null;
  effectiveAtMs: number;
  history: SmiHistoryRecord[];
}

/** One S1SP alert to one supplier (topic alerts, avro/alert.avsc), keyed by recipient. */
export interface AlertRecord {
  recipient: string;
  alertId: string;
  code: string;
  deviceId: string;
  requestId: string | null;
  additionalInformation: string | null;
  atMs: number;
  fileKey: string;
  installationId: string;
  smso: string;
  xml: string;
}

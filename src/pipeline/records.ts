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

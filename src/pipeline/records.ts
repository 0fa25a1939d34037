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
  decidedAtMs: number;
}

/** Key of device events and installation outcomes: all devices of an installation meet on one partition. */
export function installationKey(fileKey: string, installationId: string): string {
  return `${fileKey}|${installationId}`;
}

/**
 * Key of a file result in the compacted files topic: the file key for an accepted file (the
 * accepted-file state that makes a later upload MCF_DUPLICATE_FILE); rejections carry their
 * upload too, so that compaction never replaces an accepted record by a later rejection.
 */
export function fileResultKey(r: Pick<FileResultRecord, 'fileKey' | 'status' | 'upload'>): string {
  return r.status === 'accepted' ? r.fileKey : `${r.fileKey}#${r.upload}`;
}

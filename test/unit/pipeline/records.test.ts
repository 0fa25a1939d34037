import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { deviceEventKey, fileResultKey, installationKey, type DeviceEvent, type FileResultRecord, type InstallationDevicesRecord, type InstallationOutcomeRecord } from '../../../src/pipeline/records.js';

const schema = (name: string): avro.Type => avro.Type.forSchema(JSON.parse(readFileSync(new URL(`../../../avro/${name}.avsc`, import.meta.url), 'utf8')));

// Samples typed by records.ts must be valid for the .avsc files and round-trip unchanged.
const event: DeviceEvent = {
  fileKey: '90b3d51f30010008/F', fileId: 'F', smso: 'MDS', purpose: 'Migration', createdAtSec: 1, receivedAtMs: 2, installationId: 'I',
  installationIndex: 0, installationCount: 1, migrationType: null, groupId: 'G', installationStructureInvalid: false,
  duplicateDeviceIds: ['00db000000000001'], deviceIndex: 0, deviceCount: 1, deviceId: 'x', deviceType: null, manufacturer: null,
  model: null, firmwareVersion: null, mpxn: null, responsibleSupplier: null, parent: null, certificate: null, credential: null,
  deviceStructureInvalid: true, segment: 0, segments: 0, segmentDevices: 0, installationHasDuplicate: false,
  migrationAuthorisation: 'MA_1',
};
const file: FileResultRecord = {
  fileKey: 'k', fileId: null, smso: null, requestingParty: null, purpose: null, status: 'rejected',
  errors: [{ code: 'MCF_MALFORMED', message: 'm' }], installations: 0, devices: 0, sha256: null, upload: '0:1',
  emittedInstallations: 0, emittedDevices: 0, emissionComplete: true, receivedAtMs: 1, decidedAtMs: 2,
};
const outcome: InstallationOutcomeRecord = {
  fileKey: 'k', fileId: 'F', installationId: 'I', installationIndex: 0, purpose: 'EarlyValidation', stage: 'validation', attempt: 0,
  status: 'partial', errors: [], devices: [{ deviceId: null, deviceType: 'GSME', status: 'invalid', errors: [{ code: 'DEV_CERT_UNTRUSTED', message: 'm' }] }],
  deviceSegments: 0, decidedAtMs: 3, migration: null, alerts: null,
};
const devices: InstallationDevicesRecord = {
  fileKey: 'k', fileId: 'F', installationId: 'I', installationIndex: 4, segment: 2, segments: 3, firstDeviceIndex: 128,
  devices: [{ deviceId: 'x', deviceType: null, status: 'invalid', errors: [{ code: 'DEV_TYPE_INVALID', message: 'm' }] }], decidedAtMs: 5,
};

describe('pipeline records match their Avro schemas', () => {
  it.each([['device-event', event], ['file-result', file], ['installation-outcome', outcome], ['installation-devices', devices]] as const)('%s', (name, sample) => {
    const type = schema(name);
    const errors: string[] = [];
    expect(type.isValid(sample, { errorHook: (path) => errors.push(path.join('.')) }), errors.join(', ')).toBe(true);
    expect(type.fromBuffer(type.toBuffer(sample))).toEqual(sample);
    const fields = (type as unknown as { fields: Array<{ name: string }> }).fields.map((f) => f.name).sort();
    expect(fields).toEqual(Object.keys(sample).sort());
  });

  it('keys installations by file key and id, and never lets a rejection replace an accepted file', () => {
    expect(installationKey('a/F', 'I')).toBe('a/F|I');
    expect(fileResultKey({ fileKey: 'a/F', status: 'accepted', upload: '0:5' })).toBe('a/F');
    expect(fileResultKey({ fileKey: 'a/F', status: 'rejected', upload: '0:9' })).toBe('a/F#0:9');
    expect(deviceEventKey({ fileKey: 'a/F', installationId: 'I', segment: 0, segments: 0 })).toBe('a/F|I');
    expect(deviceEventKey({ fileKey: 'a/F', installationId: 'I', segment: 7, segments: 9 })).toBe('a/F|I#7');
  });
});

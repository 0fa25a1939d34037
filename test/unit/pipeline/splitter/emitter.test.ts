import { describe, expect, it } from 'vitest';
import { CompactStringSet } from '../../../../src/core/mcf/compact-set.js';
import type { ParsedHeader } from '../../../../src/core/mcf/header.js';
import type { RawDevice, RawInstallation } from '../../../../src/core/mcf/types.js';
import { installationEvents } from '../../../../src/pipeline/splitter/emitter.js';

const header: ParsedHeader = {
  fileId: 'F-1', requestingParty: '90b3d51f30020001', smso: 'MDS', purpose: 'Migration', migrationAuthorisation: 'MA-1',
  createdAtSec: 1_790_000_000, installationCount: 2, deviceCount: 2,
};

function device(id: string | null, structureInvalid = false): RawDevice {
  return {
    fields: {
      DeviceID: id, DeviceType: 'ESME', Manufacturer: 'ACME', Model: 'M1', FirmwareVersion: '1.0', MPxN: '1234567890123',
      ResponsibleSupplier: 'AA-BB-CC-DD-EE-FF-00-11', Parent: null, Certificate: 'Q0VSVA==', Credential: 'Q1JFRA==',
    },
    structureInvalid,
  };
}

const context = {
  fileKey: 'fk', fileId: 'F-1', smso: 'MDS', purpose: 'Migration', createdAtSec: 1_790_000_000, receivedAtMs: 42,
  installationCount: 2, migrationType: 'MOC', groupId: 'G1', installationStructureInvalid: false,
  segment: 0, segments: 0, segmentDevices: 0, installationHasDuplicate: false, migrationAuthorisation: 'MA-1',
};

describe('installationEvents', () => {
  it('writes every field of every device event, in device order, with the installation\'s duplicate IDs', () => {
    const duplicates = new CompactStringSet();
    duplicates.add('0011223344556677');
    const inst: RawInstallation = {
      index: 1, id: 'INST-1', migrationType: 'MOC', groupId: 'G1', structureInvalid: false, deviceCount: 2,
      devices: [device('00-11-22-33-44-55-66-77'), device('00-11-22-33-44-55-66-88', true)],
    };
    const events = installationEvents('fk', header, 2, inst, duplicates, 42);
    const deviceFields = (d: RawDevice) => ({
      deviceId: d.fields.DeviceID, deviceType: 'ESME', manufacturer: 'ACME', model: 'M1', firmwareVersion: '1.0', mpxn: '1234567890123',
      responsibleSupplier: 'AA-BB-CC-DD-EE-FF-00-11', parent: null, certificate: 'Q0VSVA==', credential: 'Q1JFRA==',
      deviceStructureInvalid: d.structureInvalid,
    });
    expect(events).toStrictEqual([
      { ...context, installationId: 'INST-1', installationIndex: 1, duplicateDeviceIds: ['0011223344556677'], deviceIndex: 0, deviceCount: 2, ...deviceFields(inst.devices[0]!) },
      { ...context, installationId: 'INST-1', installationIndex: 1, duplicateDeviceIds: ['0011223344556677'], deviceIndex: 1, deviceCount: 2, ...deviceFields(inst.devices[1]!) },
    ]);
  });

  it('gives an installation without devices one marker event with deviceCount 0 and null device fields', () => {
    const inst: RawInstallation = { index: 0, id: 'INST-0', migrationType: null, groupId: null, structureInvalid: true, deviceCount: 0, devices: [] };
    expect(installationEvents('fk', header, 2, inst, new CompactStringSet(), 42)).toStrictEqual([{
      ...context, migrationType: null, groupId: null, installationStructureInvalid: true,
      installationId: 'INST-0', installationIndex: 0, duplicateDeviceIds: [], deviceIndex: 0, deviceCount: 0,
      deviceId: null, deviceType: null, manufacturer: null, model: null, firmwareVersion: null, mpxn: null, responsibleSupplier: null,
      parent: null, certificate: null, credential: null, deviceStructureInvalid: false,
    }]);
  });
});

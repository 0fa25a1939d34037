import { canonicalEui } from '../../core/values.js';
import type { CompactStringSet } from '../../mcf/compact-set.js';
import type { ParsedHeader } from '../../mcf/header.js';
import { McfReader } from '../../mcf/reader.js';
import type { RawInstallation } from '../../mcf/types.js';
import { fileChunks } from '../../validation/read-file.js';
import type { DeviceEvent } from '../records.js';

const NO_DEVICE = {
  deviceId: null, deviceType: null, manufacturer: null, model: null, firmwareVersion: null, mpxn: null, responsibleSupplier: null,
  parent: null, certificate: null, credential: null, deviceStructureInvalid: false,
} as const;

/**
 * The device events of one installation, in device order. An installation without devices
 * (INST_STRUCTURE) still gets one marker event with deviceCount 0, so it gets an outcome too.
 */
export function installationEvents(fileKey: string, header: ParsedHeader, installationCount: number, inst: RawInstallation,
  duplicates: CompactStringSet, receivedAtMs: number): DeviceEvent[] {
  const dupIds = new Set<string>();
  for (const d of inst.devices) {
    const id = d.fields.DeviceID === null ? null : canonicalEui(d.fields.DeviceID);
    if (id !== null && duplicates.has(id)) dupIds.add(id);
  }
  const context = {
    fileKey,
    fileId: header.fileId,
    smso: header.smso,
    purpose: header.purpose,
    createdAtSec: header.createdAtSec,
    receivedAtMs,
    installationId: inst.id,
    installationIndex: inst.index,
    installationCount,
    migrationType: inst.migrationType,
    groupId: inst.groupId,
    installationStructureInvalid: inst.structureInvalid,
    duplicateDeviceIds: [...dupIds],
  };
  if (inst.devices.length === 0) return [{ ...context, deviceIndex: 0, deviceCount: 0, ...NO_DEVICE }];
  return inst.devices.map((d, i) => ({
    ...context,
    deviceIndex: i,
    deviceCount: inst.devices.length,
    deviceId: d.fields.DeviceID,
    deviceType: d.fields.DeviceType,
    manufacturer: d.fields.Manufacturer,
    model: d.fields.Model,
    firmwareVersion: d.fields.FirmwareVersion,
    mpxn: d.fields.MPxN,
    responsibleSupplier: d.fields.ResponsibleSupplier,
    parent: d.fields.Parent,
    certificate: d.fields.Certificate,
    credential: d.fields.Credential,
    deviceStructureInvalid: d.structureInvalid,
  }));
}

/**
 * Pass 2 over a verified spool: installations in file order from `from` on, grouped in
 * runs of about `devicesPerRun` devices (an installation is never split), one run per
 * transaction. Memory: one spool chunk's installations at a time.
 */
export async function* installationRuns(spoolPath: string, from: number, devicesPerRun: number): AsyncGenerator<RawInstallation[]> {
  const ready: RawInstallation[] = [];
  const reader = new McfReader({ onInstallation: (inst) => { if (inst.index >= from) ready.push(inst); } });
  let run: RawInstallation[] = [];
  let devices = 0;
  for await (const chunk of fileChunks(spoolPath)) {
    reader.write(chunk);
    for (const inst of ready) {
      run.push(inst);
      devices += inst.devices.length;
      if (devices >= devicesPerRun) {
        yield run;
        run = [];
        devices = 0;
      }
    }
    ready.length = 0;
  }
  reader.end();
  for (const inst of ready) run.push(inst);
  if (run.length > 0) yield run;
}

import type { RawDevice, RawInstallation } from '../../mcf/types.js';
import { installationKey, type DeviceEvent } from '../records.js';

/** The file context every device event of an installation carries. */
export interface FileContext {
  readonly fileKey: string;
  readonly fileId: string;
  readonly smso: string;
  readonly purpose: string;
  readonly createdAtSec: number;
  /** Receipt of the file (broker append time of its first chunk), 0 when unknown. */
  readonly receivedAtMs: number;
  readonly installationCount: number;
}

/** One installation put back together from its device events, with the input offsets it spans. */
export interface AssembledInstallation<M> {
  readonly key: string;
  readonly file: FileContext;
  readonly installation: RawInstallation;
  /** Canonical ids of this installation's devices that occur more than once in the file. */
  readonly duplicateDeviceIds: readonly string[];
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /** The original messages, in device order (for the dead-letter topic if it must go there). */
  readonly messages: readonly M[];
}

/** Messages that cannot form an installation, and why. */
export interface PoisonRun<M> {
  readonly reason: string;
  readonly messages: readonly M[];
}

/** What one pushed event produced; both lists are usually empty or hold one entry. */
export interface AssemblyStep<M> {
  readonly complete: AssembledInstallation<M>[];
  readonly poison: PoisonRun<M>[];
}

export const MAX_DEVICES_PER_EVENT_INSTALLATION = 10_000;

interface Open<M> {
  readonly key: string;
  readonly first: DeviceEvent;
  readonly events: DeviceEvent[];
  readonly messages: M[];
  readonly firstOffset: bigint;
  lastOffset: bigint;
}

/**
 * Reassembles the installations of ONE input partition. The splitter writes the devices of
 * an installation contiguously (one record batch, one transaction), so at most one
 * installation is open at a time, and it is always the tail of what was read: committing
 * offsets up to its first offset can never skip or repeat a completed installation. Any
 * break of that shape (a new installation before the open one completed, an index out of
 * order, a restart at index 0, counts that disagree) makes the partial installation poison.
 */
export class InstallationAssembler<M> {
  private open: Open<M> | null = null;

  constructor(private readonly maxDevices = MAX_DEVICES_PER_EVENT_INSTALLATION) {}

  /** First input offset of the incomplete installation, if any: commits must not pass it. */
  lowestIncompleteOffset(): bigint | null {
    return this.open?.firstOffset ?? null;
  }

  /** Devices held by the incomplete installation. */
  bufferedDevices(): number {
    return this.open?.events.length ?? 0;
  }

  reset(): void {
    this.open = null;
  }

  push(offset: bigint, event: DeviceEvent, message: M): AssemblyStep<M> {
    const step: AssemblyStep<M> = { complete: [], poison: [] };
    const key = installationKey(event.fileKey, event.installationId);
    const open = this.open;
    if (open !== null) {
      const broken = breakReason(open, key, event);
      if (broken === null) {
        open.events.push(event);
        open.messages.push(message);
        open.lastOffset = offset;
        if (open.events.length === event.deviceCount) {
          this.open = null;
          step.complete.push(assembled(open));
        }
        return step;
      }
      this.open = null;
      // A restart at index 0 (or the next installation) begins afresh; anything else joins the poison.
      if (event.deviceIndex === 0) {
        step.poison.push({ reason: broken, messages: open.messages });
      } else {
        step.poison.push({ reason: broken, messages: [...open.messages, message] });
        return step;
      }
    }
    const bad = startProblem(event, this.maxDevices);
    if (bad !== null) {
      step.poison.push({ reason: bad, messages: [message] });
      return step;
    }
    const started: Open<M> = { key, first: event, events: [event], messages: [message], firstOffset: offset, lastOffset: offset };
    if (event.deviceCount <= 1) step.complete.push(assembled(started));
    else this.open = started;
    return step;
  }
}

function startProblem(e: DeviceEvent, maxDevices: number): string | null {
  if (!Number.isInteger(e.deviceCount) || e.deviceCount < 0 || e.deviceCount > maxDevices) {
    return `deviceCount ${e.deviceCount} outside 0..${maxDevices}`;
  }
  if (e.deviceIndex !== 0) return `device ${e.deviceIndex} of installation ${e.installationId} without its first device`;
  return null;
}

function breakReason<M>(open: Open<M>, key: string, e: DeviceEvent): string | null {
  const f = open.first;
  const where = `installation ${f.installationId} of ${f.fileKey} broken after ${open.events.length} of ${f.deviceCount} devices`;
  if (key !== open.key) return `${where}: interrupted by installation ${e.installationId} of ${e.fileKey}`;
  if (e.deviceIndex === 0) return `${where}: restarted at device 0`;
  if (e.deviceCount !== f.deviceCount) return `${where}: deviceCount ${e.deviceCount} disagrees`;
  if (e.deviceIndex !== open.events.length) return `${where}: device ${e.deviceIndex} out of order`;
  if (e.installationIndex !== f.installationIndex || e.fileId !== f.fileId || e.smso !== f.smso ||
    e.createdAtSec !== f.createdAtSec || e.purpose !== f.purpose) return `${where}: file context disagrees`;
  return null;
}

function assembled<M>(open: Open<M>): AssembledInstallation<M> {
  const f = open.first;
  // deviceCount 0: one marker event for an installation without devices (INST_STRUCTURE).
  const devices: RawDevice[] = f.deviceCount === 0 ? [] : open.events.map(rawDevice);
  return {
    key: open.key,
    file: { fileKey: f.fileKey, fileId: f.fileId, smso: f.smso, purpose: f.purpose, createdAtSec: f.createdAtSec, receivedAtMs: f.receivedAtMs, installationCount: f.installationCount },
    installation: {
      index: f.installationIndex,
      id: f.installationId,
      migrationType: f.migrationType,
      groupId: f.groupId,
      devices,
      deviceCount: devices.length,
      structureInvalid: f.installationStructureInvalid,
    },
    duplicateDeviceIds: f.duplicateDeviceIds,
    firstOffset: open.firstOffset,
    lastOffset: open.lastOffset,
    messages: open.messages,
  };
}

export function rawDevice(e: DeviceEvent): RawDevice {
  return {
    fields: {
      DeviceID: e.deviceId,
      DeviceType: e.deviceType,
      Manufacturer: e.manufacturer,
      Model: e.model,
      FirmwareVersion: e.firmwareVersion,
      MPxN: e.mpxn,
      ResponsibleSupplier: e.responsibleSupplier,
      Parent: e.parent,
      Certificate: e.certificate,
      Credential: e.credential,
    },
    structureInvalid: e.deviceStructureInvalid,
  };
}

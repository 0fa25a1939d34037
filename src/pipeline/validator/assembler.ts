import type { RawDevice, RawInstallation } from '../../core/mcf/types.js';
import { deviceEventKey, SEGMENT_DEVICES, type DeviceEvent } from '../records.js';

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
  readonly migrationAuthorisation: string | null;
}

/** Where a unit's devices sit in an oversized installation (events with segments > 0). */
export interface UnitSegment {
  readonly index: number;
  readonly count: number;
  readonly firstDevice: number;
  /** Last segment only: some device of the whole installation is a duplicate in the file. */
  readonly hasDuplicate: boolean;
}

/**
 * One installation put back together from its device events, with the input offsets it
 * spans; or, for an installation of more than 32 devices, one self-contained segment of it.
 */
export interface AssembledInstallation<M> {
  readonly key: string;
  readonly file: FileContext;
  /** For a segment: the installation's facts with this segment's devices only. */
  readonly installation: RawInstallation;
  readonly segment: UnitSegment | null;
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
    const key = deviceEventKey(event);
    const open = this.open;
    if (open !== null) {
      const broken = breakReason(open, key, event);
      if (broken === null) {
        open.events.push(event);
        open.messages.push(message);
        open.lastOffset = offset;
        if (open.events.length === unitSize(event)) {
          this.open = null;
          step.complete.push(assembled(open));
        }
        return step;
      }
      this.open = null;
      // A restart at a unit's first device (or the next unit) begins afresh; anything else joins the poison.
      if (startsUnit(event)) {
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
    if (unitSize(event) <= 1) step.complete.push(assembled(started));
    else this.open = started;
    return step;
  }
}

/** Devices of the unit an event belongs to: its installation, or its segment of an oversized one. */
function unitSize(e: DeviceEvent): number {
  return segmented(e) ? e.segmentDevices : e.deviceCount;
}

/** The first device of its installation, or of its segment. */
function startsUnit(e: DeviceEvent): boolean {
  return e.deviceIndex === (segmented(e) ? e.segment * SEGMENT_DEVICES : 0);
}

/** Events written before segments existed decode without the fields (the writer's schema). */
function segmented(e: DeviceEvent): boolean {
  return (e.segments ?? 0) > 0;
}

function startProblem(e: DeviceEvent, maxDevices: number): string | null {
  if (segmented(e)) {
    const n = e.segmentDevices;
    if (!Number.isInteger(n) || n < 1 || n > Math.min(maxDevices, SEGMENT_DEVICES) || !Number.isInteger(e.segment) || e.segment < 0 ||
      e.segment >= e.segments || !Number.isInteger(e.deviceCount) || e.deviceIndex + n > e.deviceCount || !startsUnit(e)) {
      return `segment ${e.segment} of ${e.segments} (${n} devices from ${e.deviceIndex} of ${e.deviceCount}) is not a segment of its installation`;
    }
    return null;
  }
  if (!Number.isInteger(e.deviceCount) || e.deviceCount < 0 || e.deviceCount > maxDevices) {
    return `deviceCount ${e.deviceCount} outside 0..${maxDevices}`;
  }
  if (e.deviceIndex !== 0) return `device ${e.deviceIndex} of installation ${e.installationId} without its first device`;
  return null;
}

function breakReason<M>(open: Open<M>, key: string, e: DeviceEvent): string | null {
  const f = open.first;
  const where = `installation ${f.installationId} of ${f.fileKey} broken after ${open.events.length} of ${unitSize(f)} devices`;
  if (key !== open.key) return `${where}: interrupted by installation ${e.installationId} of ${e.fileKey}`;
  if (startsUnit(e)) return `${where}: restarted at device ${e.deviceIndex}`;
  if (e.deviceCount !== f.deviceCount || unitSize(e) !== unitSize(f) || (e.segments ?? 0) !== (f.segments ?? 0)) return `${where}: deviceCount ${e.deviceCount} disagrees`;
  if (e.deviceIndex !== f.deviceIndex + open.events.length) return `${where}: device ${e.deviceIndex} out of order`;
  if (e.installationIndex !== f.installationIndex || e.fileId !== f.fileId || e.smso !== f.smso ||
    e.createdAtSec !== f.createdAtSec || e.purpose !== f.purpose) return `${where}: file context disagrees`;
  return null;
}

function assembled<M>(open: Open<M>): AssembledInstallation<M> {
  const f = open.first;
  const last = open.events[open.events.length - 1]!;
  // deviceCount 0: one marker event for an installation without devices (INST_STRUCTURE).
  const devices: RawDevice[] = f.deviceCount === 0 ? [] : open.events.map(rawDevice);
  return {
    key: open.key,
    file: { fileKey: f.fileKey, fileId: f.fileId, smso: f.smso, purpose: f.purpose, createdAtSec: f.createdAtSec, receivedAtMs: f.receivedAtMs, installationCount: f.installationCount,
      migrationAuthorisation: f.migrationAuthorisation ?? null },
    installation: {
      index: f.installationIndex,
      id: f.installationId,
      migrationType: f.migrationType,
      groupId: f.groupId,
      devices,
      deviceCount: devices.length,
      structureInvalid: f.installationStructureInvalid,
    },
    segment: segmented(f) ? { index: f.segment, count: f.segments, firstDevice: f.deviceIndex, hasDuplicate: last.installationHasDuplicate === true } : null,
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

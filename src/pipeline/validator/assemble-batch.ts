import type { KafkaMessage } from 'kafkajs';
import { errorCode } from '../../core/errors/s1mig-error.js';
import { deviceEventKey, type DeviceEvent } from '../records.js';
import type { AssembledInstallation, InstallationAssembler, PoisonRun } from './assembler.js';

export interface AssembledBatch {
  readonly complete: AssembledInstallation<KafkaMessage>[];
  readonly poison: PoisonRun<KafkaMessage>[];
  readonly devices: number;
}

/**
 * Decodes a batch's device events and feeds them to the partition's assembler. A record
 * that cannot be a device event is poison; a registry that cannot be reached is not (the
 * error is thrown, so the caller retries the batch).
 */
export async function assembleBatch(
  messages: readonly KafkaMessage[],
  asm: InstallationAssembler<KafkaMessage>,
  decode: (buf: Buffer) => DeviceEvent | Promise<DeviceEvent>,
): Promise<AssembledBatch> {
  const complete: AssembledInstallation<KafkaMessage>[] = [];
  const poison: PoisonRun<KafkaMessage>[] = [];
  let devices = 0;
  for (const m of messages) {
    // Synchronous unless the registry must be asked (a schema id not met before): no promise per record.
    const decoded = decodeEvent(m, decode);
    const event = typeof decoded === 'string' || !(decoded instanceof Promise) ? decoded : await decoded;
    if (typeof event === 'string') {
      poison.push({ reason: event, messages: [m] });
      continue;
    }
    devices++;
    const step = asm.push(BigInt(m.offset), event, m);
    complete.push(...step.complete);
    poison.push(...step.poison);
  }
  return { complete, poison, devices };
}

/** The event, or why the record is poison; a promise only when `decode` gives one. */
function decodeEvent(m: KafkaMessage, decode: (buf: Buffer) => DeviceEvent | Promise<DeviceEvent>): DeviceEvent | string | Promise<DeviceEvent | string> {
  if (m.value === null || m.value.length < 5) return 'not an Avro record (empty or too short)';
  let event: DeviceEvent | Promise<DeviceEvent>;
  try {
    event = decode(m.value);
  } catch (err) {
    return undecodable(err);
  }
  return event instanceof Promise ? event.then((e) => checkEvent(m, e), undecodable) : checkEvent(m, event);
}

function undecodable(err: unknown): string {
  // The registry away is no fault of the record: fail the batch, read it again later.
  if (errorCode(err) === 'REGISTRY_UNAVAILABLE') throw err;
  return `undecodable device event: ${(err as Error).message ?? String(err)}`.slice(0, 300);
}

function checkEvent(m: KafkaMessage, event: DeviceEvent): DeviceEvent | string {
  if (!isDeviceEvent(event)) return 'record is not a device event';
  const key = m.key?.toString('utf8') ?? null;
  // A literal, not `{ ...event }`: a 27-property spread per record is V8's slow path.
  const want = deviceEventKey({ fileKey: event.fileKey, installationId: event.installationId, segment: event.segment, segments: event.segments ?? 0 });
  if (key !== want) return `key ${JSON.stringify(key?.slice(0, 200))} is not ${JSON.stringify(want)}`;
  return event;
}

function isDeviceEvent(v: unknown): v is DeviceEvent {
  const e = v as Partial<DeviceEvent> | null;
  return typeof e === 'object' && e !== null && typeof e.fileKey === 'string' && typeof e.installationId === 'string' &&
    typeof e.smso === 'string' && Number.isInteger(e.deviceIndex) && Number.isInteger(e.deviceCount) &&
    Number.isSafeInteger(e.createdAtSec) && Number.isSafeInteger(e.installationIndex) && Array.isArray(e.duplicateDeviceIds);
}


/**
 * Compact wire forms of device-crypto batches and results between the main thread and the
 * pool workers. postMessage clones its argument; an array of 128 small objects with four
 * strings each cost the worker about 1.5 us per device to deserialise, while one string
 * plus an Int32Array of lengths costs a fraction of that (the workers share the CPU with
 * the main thread, so this is throughput). Results travel as one byte per device.
 * Both forms are lossless: anything they cannot represent travels as plain data instead.
 */
import {
  DEVICE_CRYPTO_CODES,
  type DeviceCryptoBatch,
  type DeviceCryptoCode,
  type DeviceCryptoInput,
  type DeviceCryptoResult,
} from '../../core/contracts/device-crypto.js';

/** Per item, four fields in this order; each length is that of the field, -1 for null. */
const FIELDS = 4;

export interface PackedBatch {
  readonly smso: string;
  readonly createdAtSec: number;
  /** The non-null fields of all items, concatenated in order. */
  readonly text: string;
  /** FIELDS lengths per item (deviceId, deviceType, certificate, credential); -1 is null. */
  readonly lengths: Int32Array;
}

/** Packs a batch; it throws like plain data access would on a malformed batch. */
export function packBatch(batch: DeviceCryptoBatch): PackedBatch {
  const { items } = batch;
  const lengths = new Int32Array(items.length * FIELDS);
  let text = '';
  let k = 0;
  const add = (value: string | null): void => {
    if (value === null) {
      lengths[k++] = -1;
    } else if (typeof value !== 'string') {
      throw new TypeError('a device-crypto item field is neither a string nor null');
    } else {
      lengths[k++] = value.length;
      text += value;
    }
  };
  for (const item of items) {
    add(item.deviceId);
    add(item.deviceType);
    add(item.certificate);
    add(item.credential);
  }
  return { smso: batch.smso, createdAtSec: batch.createdAtSec, text, lengths };
}

/** The batch packBatch was given (fields are slices of the one text). */
export function unpackBatch(packed: PackedBatch): DeviceCryptoBatch {
  const { text, lengths } = packed;
  let pos = 0;
  const next = (k: number): string | null => {
    const len = lengths[k]!;
    if (len < 0) return null;
    pos += len;
    return text.slice(pos - len, pos);
  };
  const items: DeviceCryptoInput[] = [];
  for (let k = 0; k < lengths.length; k += FIELDS) {
    const deviceId = next(k);
    const deviceType = next(k + 1) as DeviceCryptoInput['deviceType'];
    const certificate = next(k + 2);
    const credential = next(k + 3);
    items.push({ deviceId, deviceType, certificate, credential });
  }
  return { smso: packed.smso, createdAtSec: packed.createdAtSec, items };
}

const CODE_BIT = new Map<DeviceCryptoCode, number>(DEVICE_CRYPTO_CODES.map((code, i) => [code, 1 << i]));

/**
 * One byte per result, bit i set for DEVICE_CRYPTO_CODES[i]; null when a result is not a
 * list of distinct known codes in catalogue order (then the plain results must be sent).
 */
export function packResults(results: readonly DeviceCryptoResult[]): Uint8Array | null {
  const out = new Uint8Array(results.length);
  for (let i = 0; i < results.length; i++) {
    let mask = 0;
    for (const code of results[i]!) {
      const bit = CODE_BIT.get(code);
      // A bit at or below the highest one so far: a repeat or out of catalogue order.
      if (bit === undefined || bit <= mask) return null;
      mask |= bit;
    }
    out[i] = mask;
  }
  return out;
}

export function unpackResults(packed: Uint8Array): DeviceCryptoResult[] {
  const out: DeviceCryptoResult[] = [];
  for (const mask of packed) {
    const codes: DeviceCryptoCode[] = [];
    for (let i = 0; i < DEVICE_CRYPTO_CODES.length; i++) {
      if ((mask & (1 << i)) !== 0) codes.push(DEVICE_CRYPTO_CODES[i]!);
    }
    out.push(codes);
  }
  return out;
}

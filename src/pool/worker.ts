/**
 * Piscina worker: loads the device-crypto context once per thread, then runs one batch per
 * task. Loaded as compiled JavaScript (dist/src/pool/worker.js). Replies are codes or a
 * failure reason, never key material and never thrown classes.
 */
import { workerData } from 'piscina';
import type { DeviceCryptoBatch } from '../core/device-crypto.js';
import { checkDevices } from '../device-crypto/check.js';
import { loadDeviceCryptoContext, type DeviceCryptoContext } from '../device-crypto/context.js';
import type { WorkerInit, WorkerReply } from './protocol.js';

let ctx: DeviceCryptoContext | undefined;
let loadFailure: string | undefined;

function describe(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'ERROR';
  const message = err instanceof Error ? err.message : String(err);
  return `${code}: ${message}`;
}

try {
  ctx = loadDeviceCryptoContext((workerData as WorkerInit).refDir);
} catch (err) {
  loadFailure = describe(err);
}

export default function run(batch: DeviceCryptoBatch): WorkerReply {
  if (ctx === undefined) return { ok: false, reason: `worker could not load the reference: ${loadFailure ?? '?'}` };
  try {
    return { ok: true, results: checkDevices(ctx, batch) };
  } catch (err) {
    return { ok: false, reason: describe(err) };
  }
}

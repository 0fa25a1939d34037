/**
 * Piscina worker: loads the device-crypto context once per thread, then runs one batch per
 * task. Loaded as compiled JavaScript (dist/src/pool/worker.js). Replies are codes or a
 * failure reason, never key material and never thrown classes.
 */
// piscina hands the pool's workerData to each worker as the thread's own; importing it from
// node:worker_threads spares every worker loading piscina's whole index at start.
import { workerData } from 'node:worker_threads';
import { checkDevices } from '../../core/device-crypto/check.js';
import { loadDeviceCryptoContext, type DeviceCryptoContext } from '../../core/device-crypto/context.js';
import type { WorkerInit, WorkerReply } from './protocol.js';
import { packResults, unpackBatch, type PackedBatch } from './wire.js';

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

export default function run(task: PackedBatch): WorkerReply {
  if (ctx === undefined) return { ok: false, reason: `worker could not load the reference: ${loadFailure ?? '?'}` };
  try {
    const results = checkDevices(ctx, unpackBatch(task));
    const packed = packResults(results);
    return packed === null ? { ok: true, results } : { ok: true, packed };
  } catch (err) {
    return { ok: false, reason: describe(err) };
  }
}

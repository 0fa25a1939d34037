/**
 * The device-crypto checker backed by a piscina pool. Each batch is one task; the checker
 * gates its own in-flight count (piscina's 'drain' has had races), so callers simply await
 * check() and get backpressure instead of queue-full errors.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { DeviceCryptoBatch, DeviceCryptoChecker, DeviceCryptoResult } from '../../core/contracts/device-crypto.js';
import { loadDeviceCryptoContext } from '../../core/device-crypto/context.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { KeyedCapacity } from '../../core/flow/keyed-capacity.js';
import type { WorkerInit, WorkerReply } from './protocol.js';
import { packBatch, unpackResults } from './wire.js';

export interface PoolOptions {
  threads?: number;
  maxQueue?: number;
}

const IDLE_TIMEOUT_MS = 60_000;
const WORKER_YOUNG_GENERATION_MB = 16;
const TASKS_PER_WORKER = 2;
const GATE_KEY = 'batches';

/**
 * Piscina loads plain JavaScript: from dist/ the worker sits next to this file; from the
 * TypeScript sources (vitest) the compiled dist/src/adapters/pool/worker.js of this project is used,
 * so `npm run build` must have run first.
 */
export function workerFilePath(): string {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts')
    ? fileURLToPath(new URL('../../../dist/src/adapters/pool/worker.js', import.meta.url))
    : fileURLToPath(new URL('./worker.js', import.meta.url));
  if (!existsSync(path)) throw new S1migError('INTERNAL', `worker file ${path} not found: run npm run build`);
  return path;
}

export function createPoolChecker(refDir: string, options: PoolOptions = {}): DeviceCryptoChecker {
  const dir = resolve(refDir);
  // Fail fast, on the calling thread and with REF_INVALID, rather than in every worker.
  loadDeviceCryptoContext(dir);
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const maxQueue = Math.max(1, Math.floor(options.maxQueue ?? threads * 4));
  const init: WorkerInit = { refDir: dir };
  const pool = new Piscina({
    filename: workerFilePath(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: IDLE_TIMEOUT_MS,
    maxQueue,
    // Two batches per worker: the tasks are synchronous, so the second simply waits in the
    // worker's port and starts the moment the first ends, instead of after the main thread
    // (busy parsing) has turned its event loop. Measured on 100k devices: idle time between
    // tasks 0.68 -> 0.43 s per worker, throughput +3 % (docs/performance.md). (It was reverted
    // once for a duplicate outcome in the SIGKILL/restart test; that was kafkajs handing out
    // aborted records, fixed in src/kafka/aborted-filter.ts, and it happened with one too.)
    concurrentTasksPerWorker: TASKS_PER_WORKER,
    workerData: init,
    // Measured: with V8's default young generation the two workers added ~30 MB of peak RSS
    // for no speed (100k-device file: 244 MB default, 219 MB at 16 MB, same wall time).
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  // Batches running or queued in piscina, at most threads + maxQueue: our own gate, since
  // piscina's 'drain' has had races.
  const gate = new KeyedCapacity({ limits: () => ({ concurrency: threads + maxQueue }), maxWaiting: Number.POSITIVE_INFINITY });
  let closed = false;
  // piscina's `utilization` builds a whole run-time summary (13 percentiles over an HDR
  // histogram, ~1 ms) on every read, and a scrape reads it twice: 1.8 % of the processor's
  // main thread under the pipeline bench's 4 scrapes a second (issue 14). Once a second is
  // enough for a gauge. (While it is 0 no task has run, and piscina answers without a summary.)
  let utilisation = { value: 0, atMs: Number.NEGATIVE_INFINITY };
  const currentUtilisation = (): number => {
    const now = performance.now();
    if (utilisation.value === 0 || now - utilisation.atMs >= 1000) utilisation = { value: pool.utilization, atMs: now };
    return utilisation.value;
  };

  return {
    async check(batch: DeviceCryptoBatch): Promise<DeviceCryptoResult[]> {
      if (closed) throw new S1migError('WORKER_FAILED', 'device-crypto pool is closed', { retriable: false });
      const lease = gate.tryAcquire(GATE_KEY) ?? (await gate.tryEnqueue(GATE_KEY)!);
      let reply: WorkerReply;
      try {
        // Packed here (wire.ts), after the gate: only batches about to run are held twice.
        reply = (await pool.run(packBatch(batch))) as WorkerReply;
      } catch (err) {
        throw new S1migError('WORKER_FAILED', `device-crypto worker failed: ${(err as Error).message}`, { cause: err });
      } finally {
        lease.release();
      }
      if (!reply.ok) throw new S1migError('WORKER_FAILED', `device-crypto worker failed: ${reply.reason}`);
      const results = 'packed' in reply ? unpackResults(reply.packed) : reply.results;
      if (results.length !== batch.items.length) {
        throw new S1migError('WORKER_FAILED', 'device-crypto worker returned a wrong number of results');
      }
      return results;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
    stats() {
      return { inFlight: gate.inFlight(GATE_KEY), utilisation: closed ? 0 : currentUtilisation() };
    },
  };
}

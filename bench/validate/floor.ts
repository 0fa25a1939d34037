/**
 * The same-run crypto floor: what the file's device crypto costs with nothing else around
 * it. Inputs are extracted from the MCF beforehand (untimed): the real tbs bytes and
 * signatures of its certificates and its real credential blobs. The timed part sends them
 * to as many piscina threads as the validator's pool uses, in batches of the validator's
 * size, with buffers transferred, and waits for all of them.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { decodeStrictBase64 } from '../../src/core/values.js';
import { encodingOf } from '../../src/core/der/reader.js';
import { loadDeviceCryptoContext } from '../../src/core/device-crypto/context.js';
import { McfReader } from '../../src/core/mcf/reader.js';
import { canonicalEui } from '../../src/core/values.js';
import { fileChunks } from '../../src/adapters/fs/read-file.js';
import { parseCertificate } from '../../src/core/x509/certificate.js';
import { packBatch, type FloorCert, type FloorCredential } from './floor-batch.js';
import { caIndexes } from './floor-keys.js';

/** The validator's default devices per checker batch (src/jobs/validate/validate-file.ts). */
export const BATCH_DEVICES = 128;

export interface FloorInput {
  readonly smso: string;
  /** Devices covered by the batches (the floor's devices/s is over these). */
  readonly devices: number;
  readonly certificates: number;
  readonly credentials: number;
  /** Packed batches; copied before each run because transferring detaches them. */
  readonly batches: readonly ArrayBuffer[];
}

/** Reads the file once and packs the crypto inputs of at most `maxDevices` devices. */
export async function extractFloorInput(file: string, refDir: string, smso: string, maxDevices: number): Promise<FloorInput> {
  const index = caIndexes(loadDeviceCryptoContext(refDir), smso);
  const batches: ArrayBuffer[] = [];
  let certs: FloorCert[] = [];
  let creds: FloorCredential[] = [];
  let inBatch = 0;
  let devices = 0;
  let certificates = 0;
  let credentials = 0;
  const flush = (): void => {
    if (inBatch === 0) return;
    batches.push(packBatch(certs, creds));
    certs = [];
    creds = [];
    inBatch = 0;
  };
  const reader = new McfReader({
    onInstallation: (inst) => {
      for (const dev of inst.devices) {
        if (devices >= maxDevices) return;
        devices++;
        inBatch++;
        const certText = dev.fields.Certificate;
        const der = certText === null ? null : decodeStrictBase64(certText);
        const parts = der === null ? null : parseCertificate(der);
        if (parts !== null) {
          const caIndex = index.get(Buffer.from(encodingOf(parts.der, parts.issuer)).toString('hex'));
          if (caIndex !== undefined) {
            certs.push({ caIndex, tbs: encodingOf(parts.der, parts.tbs), sig: parts.der.subarray(parts.signature.dataStart, parts.signature.end) });
            certificates++;
          }
        }
        const id = dev.fields.DeviceID === null ? null : canonicalEui(dev.fields.DeviceID);
        const blob = dev.fields.Credential === null ? null : decodeStrictBase64(dev.fields.Credential);
        if (id !== null && blob !== null && blob.length > 65 + 12 + 16) {
          creds.push({ id, blob });
          credentials++;
        }
        if (inBatch >= BATCH_DEVICES) flush();
      }
    },
  });
  for await (const chunk of fileChunks(file)) {
    reader.write(chunk);
    if (devices >= maxDevices) break;
  }
  flush();
  return { smso, devices, certificates, credentials, batches };
}

export interface FloorRun {
  readonly seconds: number;
  /** CPU seconds of the whole bench process during the run (its worker threads included). */
  readonly cpuSeconds: number;
}

export interface FloorPool {
  readonly threads: number;
  run(input: FloorInput): Promise<FloorRun>;
  close(): Promise<void>;
}

export async function createFloorPool(refDir: string, smso: string): Promise<FloorPool> {
  const threads = availableParallelism();
  const pool = new Piscina({
    filename: fileURLToPath(new URL('./floor-worker.js', import.meta.url)),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
    workerData: { refDir, smso },
  });
  // The same in-flight cap as the validator's pool checker (threads + 4 * threads queued).
  const limit = threads * 5;
  const runOnce = async (input: FloorInput): Promise<FloorRun> => {
    const copies = input.batches.map((b) => b.slice(0));
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let ok = 0;
    const inFlight = new Set<Promise<void>>();
    for (const ab of copies) {
      while (inFlight.size >= limit) await Promise.race(inFlight);
      const p: Promise<void> = (pool.run(Piscina.move(ab)) as Promise<number>).then((n) => {
        ok += n;
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    if (ok !== input.certificates + input.credentials) {
      throw new Error(`crypto floor: ${ok} of ${input.certificates + input.credentials} operations succeeded`);
    }
    return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
  // Warm-up: threads started and keys loaded before anything is timed.
  await Promise.all(Array.from({ length: threads }, () => pool.run(Piscina.move(packBatch([], [])))));
  return { threads, run: runOnce, close: () => pool.destroy() };
}

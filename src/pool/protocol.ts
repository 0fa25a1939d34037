import type { DeviceCryptoResult } from '../core/device-crypto.js';

/** What a worker sends back: plain data, because thrown errors lose their code on the way. */
export type WorkerReply =
  | { readonly ok: true; readonly results: DeviceCryptoResult[] }
  | { readonly ok: false; readonly reason: string };

/** workerData of the device-crypto pool. */
export interface WorkerInit {
  readonly refDir: string;
}

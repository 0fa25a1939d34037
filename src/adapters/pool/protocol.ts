import type { DeviceCryptoResult } from '../../core/contracts/device-crypto.js';

/**
 * What a worker sends back: plain data, because thrown errors lose their code on the way.
 * Results usually travel packed (wire.ts), else as plain lists.
 */
export type WorkerReply =
  | { readonly ok: true; readonly packed: Uint8Array }
  | { readonly ok: true; readonly results: DeviceCryptoResult[] }
  | { readonly ok: false; readonly reason: string };

/** workerData of the device-crypto pool. */
export interface WorkerInit {
  readonly refDir: string;
}

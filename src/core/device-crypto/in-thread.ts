import type { DeviceCryptoBatch, DeviceCryptoChecker, DeviceCryptoResult } from '../contracts/device-crypto.js';
import { checkDevices } from './check.js';
import { loadDeviceCryptoContext } from './context.js';

/** Runs the device checks on the calling thread (tests, tiny files); throws REF_INVALID. */
export function createInThreadChecker(refDir: string): DeviceCryptoChecker {
  const ctx = loadDeviceCryptoContext(refDir);
  return {
    check(batch: DeviceCryptoBatch): Promise<DeviceCryptoResult[]> {
      return Promise.resolve().then(() => checkDevices(ctx, batch));
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
  };
}

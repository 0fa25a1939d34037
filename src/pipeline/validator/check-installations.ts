import type { DeviceCryptoChecker, DeviceCryptoInput, DeviceCryptoResult } from '../../core/contracts/device-crypto.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { deviceCryptoInput } from '../../core/validation/device-rules.js';
import type { AssembledInstallation } from './assembler.js';

/**
 * Crypto results of many installations, in as few checker calls as possible: installations
 * of the same (SMSO, CreatedAt) share calls of about `chunkDevices` devices (an installation
 * is never split), and all calls run at once so the pool can spread them. Returns one
 * result list per installation, same order as the input.
 */
export async function checkInstallations(
  checker: DeviceCryptoChecker,
  installations: readonly AssembledInstallation<unknown>[],
  chunkDevices: number,
  onCall?: (delta: 1 | -1) => void,
): Promise<DeviceCryptoResult[][]> {
  const out: DeviceCryptoResult[][] = installations.map(() => []);
  const groups = new Map<string, number[]>();
  installations.forEach((a, i) => {
    const g = `${a.file.smso}\u0000${a.file.createdAtSec}`;
    const list = groups.get(g);
    if (list) list.push(i);
    else groups.set(g, [i]);
  });
  const calls: Promise<void>[] = [];
  for (const indices of groups.values()) {
    let chunk: number[] = [];
    let items: DeviceCryptoInput[] = [];
    const flush = (): void => {
      if (chunk.length === 0) return;
      const mine = chunk;
      const first = installations[mine[0]!]!;
      if (items.length === 0) {
        chunk = [];
        return;
      }
      calls.push(call(checker, first.file.smso, first.file.createdAtSec, items, onCall).then((results) => {
        let k = 0;
        for (const i of mine) {
          const n = installations[i]!.installation.devices.length;
          out[i] = results.slice(k, k + n);
          k += n;
        }
      }));
      chunk = [];
      items = [];
    };
    for (const i of indices) {
      chunk.push(i);
      for (const dev of installations[i]!.installation.devices) items.push(deviceCryptoInput(dev));
      if (items.length >= chunkDevices) flush();
    }
    flush();
  }
  await Promise.all(calls);
  return out;
}

async function call(checker: DeviceCryptoChecker, smso: string, createdAtSec: number, items: DeviceCryptoInput[],
  onCall?: (delta: 1 | -1) => void): Promise<DeviceCryptoResult[]> {
  onCall?.(1);
  try {
    const results = await checker.check({ smso, createdAtSec, items });
    if (results.length !== items.length) throw new S1migError('INTERNAL', `checker returned ${results.length} results for ${items.length} devices`);
    return results;
  } finally {
    onCall?.(-1);
  }
}

import type { DeviceCryptoChecker } from '../../core/contracts/device-crypto.js';
import { createInThreadChecker } from '../../core/device-crypto/index.js';
import { errorCode } from '../../core/errors/s1mig-error.js';
import { createPoolChecker } from '../../adapters/pool/pool-checker.js';

/** Below ~1 MB the pool start-up costs more than it saves (bench/validate-checkers.ts, docs/mcf-parser.md). */
export const IN_THREAD_MAX_BYTES = 1024 * 1024;

export type CheckerChoice = 'auto' | 'pool' | 'in-thread';

/** The device checker for a file of `size` bytes: the worker pool, or this thread for small files. */
export function checkerFor(refDir: string, size: number, choice: CheckerChoice = 'auto'): DeviceCryptoChecker {
  if (choice === 'in-thread' || (choice === 'auto' && size <= IN_THREAD_MAX_BYTES)) return createInThreadChecker(refDir);
  try {
    return createPoolChecker(refDir);
  } catch (err) {
    // Without a built worker (e.g. run from the sources) the work still gets done, on one core.
    if (choice === 'auto' && errorCode(err) === 'INTERNAL') return createInThreadChecker(refDir);
    throw err;
  }
}

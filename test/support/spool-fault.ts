/**
 * Test helper (not a test): a disk that refuses the spool, for the SpoolFault seam
 * (src/adapters/fs/spool-disk.ts). CI runs as root, so permissions refuse nothing there, and
 * a small tmpfs needs CAP_SYS_ADMIN; so the tests make the fault at the spool's file-system
 * boundary, as an errno error shaped like Node's own.
 */
import { constants } from 'node:os';
import type { SpoolErrno, SpoolFault, SpoolOp } from '../../src/adapters/fs/spool-disk.js';

const TEXT: Record<SpoolErrno, string> = {
  ENOSPC: 'no space left on device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'operation not permitted',
  EROFS: 'read-only file system', EIO: 'i/o error', ENOENT: 'no such file or directory',
};
const SYSCALL: Record<SpoolOp, string> = { mkdir: 'mkdtemp', create: 'open', write: 'write', close: 'close', open: 'open', read: 'read' };

/** An error as Node throws it for a failed system call: `code`, a negative `errno`, `syscall`, `path`. */
export function errnoError(code: SpoolErrno, op: SpoolOp, path: string): NodeJS.ErrnoException {
  const syscall = SYSCALL[op];
  return Object.assign(new Error(`${code}: ${TEXT[code]}, ${syscall} '${path}'`), { code, errno: -(constants.errno[code as keyof typeof constants.errno] ?? 5), syscall, path });
}

/** One step of a fault plan: let `skip` calls of `op` through, then refuse the next `times` ones with `errno`. */
export interface FaultStep {
  readonly op: SpoolOp;
  readonly errno: SpoolErrno;
  readonly skip?: number;
  /** Refusals before the step is done; Infinity: until `release()`. */
  readonly times: number;
}

/**
 * A disk that refuses the spool by a plan, step after step (only the current step is
 * armed): what a test turns on and off. `fired` records each refusal, `released` ends an
 * open-ended step (the disk has recovered).
 */
export class FaultPlan {
  readonly fired: Array<{ op: SpoolOp; errno: SpoolErrno; path: string }> = [];
  private step = 0;
  private seen = 0;
  private refused = 0;

  constructor(private readonly steps: readonly FaultStep[]) {}

  readonly hook: SpoolFault = (op, path) => {
    const s = this.steps[this.step];
    if (s === undefined || s.op !== op) return;
    if (this.seen++ < (s.skip ?? 0)) return;
    this.refused++;
    if (this.refused >= s.times) this.next();
    this.fired.push({ op, errno: s.errno, path });
    throw errnoError(s.errno, op, path);
  };

  /** Index of the step armed now (steps.length once all are done). */
  get current(): number {
    return this.step;
  }

  /** Refusals of the step armed now. */
  get refusals(): number {
    return this.refused;
  }

  /** The disk recovers from the armed step: the next one is armed. */
  release(): void {
    this.next();
  }

  private next(): void {
    this.step++;
    this.seen = 0;
    this.refused = 0;
  }
}

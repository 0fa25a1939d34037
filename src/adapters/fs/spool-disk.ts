import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';

/**
 * The errnos by which the disk of a spool folder refuses it, each with what the operator
 * does about it. They say that the folder's disk or its permissions are at fault, not the
 * work: the pipeline retries the work from Kafka, `validate` ends with exit 3. Any other
 * errno (EEXIST from an exclusive create, ELOOP from a planted link) keeps its own meaning.
 */
export const SPOOL_DISK_ERRNOS = {
  ENOSPC: 'no space left: free space on its disk',
  EDQUOT: 'disk quota exceeded: free space, or raise the quota of the user s1mig runs as',
  EACCES: 'permission denied: let the user s1mig runs as create and write files in it',
  EPERM: 'operation not permitted: let the user s1mig runs as create and write files in it',
  EROFS: 'read-only file system: mount its disk read-write',
  EIO: 'I/O error: check its disk',
  // A temporary-files cleaner (systemd-tmpfiles on /tmp) removes an idle folder; then every
  // spool file's create fails, for as long as the process lives, unless a new folder is made.
  ENOENT: 'it is gone (removed while in use, e.g. by a temporary-files cleaner): keep the spool base out of such cleaning',
} as const;
export type SpoolErrno = keyof typeof SPOOL_DISK_ERRNOS;

/** The file-system operations of a spool: what a failure names, and where a fault hook is called. */
export type SpoolOp = 'mkdir' | 'create' | 'write' | 'close' | 'open' | 'read';

/**
 * Test seam at the spool's file-system boundary, like the enrolment lanes' FaultHook: called
 * before each operation with the path it is about to touch; a test throws an errno error
 * from it to stand for a full or unwritable disk, and stops when the disk "recovers". CI runs
 * as root (permissions refuse nothing) and cannot count on mounting a small tmpfs, so this
 * is how the tests make the fault. Production never sets it.
 */
export type SpoolFault = (op: SpoolOp, path: string) => void;

const VERBS: Record<SpoolOp, string> = {
  mkdir: 'create its folder in', create: 'create a file in', write: 'write to', close: 'close a file of', open: 'open a file of', read: 'read from',
};

/** The errno of a failed system call (Node's `code`: 'ENOSPC'), or undefined. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * SPOOL_UNAVAILABLE (retriable) when `err` is a disk's refusal of `op` in the folder `dir`,
 * else null. The message names the folder and the fix; the errno error stays the cause. A
 * spool file's own name is left out (it carries the upload's position, nothing an operator
 * needs), and nothing of the spooled bytes is in any of it.
 */
export function spoolDiskError(err: unknown, dir: string, op: SpoolOp): S1migError | null {
  const errno = errnoOf(err);
  if (errno === undefined || !Object.hasOwn(SPOOL_DISK_ERRNOS, errno)) return null;
  return new S1migError('SPOOL_UNAVAILABLE', `spool folder ${dir}: cannot ${VERBS[op]} it (${errno}): ${SPOOL_DISK_ERRNOS[errno as SpoolErrno]}`, { cause: err });
}

/** What to throw for a failed spool operation: SPOOL_UNAVAILABLE for a disk's refusal, the error unchanged otherwise. */
export function asSpoolError(err: unknown, dir: string, op: SpoolOp): unknown {
  return spoolDiskError(err, dir, op) ?? err;
}

/** The errno behind a SPOOL_UNAVAILABLE (its cause's), for the metric and the log; undefined for any other error. */
export function spoolErrno(err: unknown): SpoolErrno | undefined {
  if (errorCode(err) !== 'SPOOL_UNAVAILABLE') return undefined;
  const errno = errnoOf((err as { cause?: unknown }).cause);
  return errno !== undefined && Object.hasOwn(SPOOL_DISK_ERRNOS, errno) ? (errno as SpoolErrno) : undefined;
}

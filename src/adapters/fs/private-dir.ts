import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { asSpoolError, type SpoolFault } from './spool-disk.js';

/**
 * A folder private to this process (mode 0700, owned by us, created fresh under a base
 * folder with a random name), for local files that other local users must neither read nor
 * replace nor redirect: the splitter's upload spools (pipeline.md, "Input"). Never a fixed,
 * predictable path: a pre-created folder or a planted link there would be someone else's.
 */
export interface PrivateDir {
  readonly path: string;
  /** Removes the folder and everything in it; safe to call more than once. */
  remove(): void;
  /**
   * Whether the folder is still there. One removed while in use (a temporary-files cleaner)
   * is not made again at its path, where something else may stand by now: its owner makes a
   * new private folder instead.
   */
  exists(): boolean;
}

const OWNER_FILE = 'owner.pid';
/**
 * This process's mark in its folders' owner file beside its pid. A pid alone cannot tell a
 * folder of ours from one left by an earlier process with the same pid: in a container the
 * processor is PID 1 on every start, and an emptyDir outlives a killed container.
 */
const PROCESS_TOKEN = randomBytes(8).toString('hex');

/**
 * Creates `<base>/<prefix>XXXXXX` with mkdtemp (O_EXCL semantics, mode 0700) and checks
 * what it got. The base must be an absolute, existing directory; a world-writable base needs
 * the sticky bit (as /tmp has), or another user could rename our folder away and put theirs
 * in its place. Folders of the same prefix left by our own dead processes are removed first.
 * A disk that refuses the folder (full, permissions, read-only) is SPOOL_UNAVAILABLE naming
 * the base; `fault` is the tests' seam at the file-system boundary (spool-disk.ts).
 */
export function createPrivateDir(base: string, prefix: string, fault?: SpoolFault): PrivateDir {
  if (!isAbsolute(base)) throw new S1migError('CONFIG_INVALID', `spool base ${JSON.stringify(base)} must be an absolute path`);
  let st;
  try {
    st = statSync(base);
  } catch (err) {
    throw new S1migError('CONFIG_INVALID', `spool base ${base} cannot be used: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isDirectory()) throw new S1migError('CONFIG_INVALID', `spool base ${base} is not a directory`);
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0) {
    throw new S1migError('CONFIG_INVALID', `spool base ${base} is world-writable without the sticky bit`);
  }
  removeStale(base, prefix);
  let path: string;
  try {
    fault?.('mkdir', base);
    path = mkdtempSync(join(base, prefix));
  } catch (err) {
    throw asSpoolError(err, base, 'mkdir');
  }
  const own = lstatSync(path);
  const uid = process.getuid?.();
  if (!own.isDirectory() || (uid !== undefined && own.uid !== uid) || (own.mode & 0o777) !== 0o700) {
    throw new S1migError('INTERNAL', `private folder ${path} is not a 0700 directory of this user`);
  }
  try {
    fault?.('create', join(path, OWNER_FILE));
    writeFileSync(join(path, OWNER_FILE), `${process.pid} ${PROCESS_TOKEN}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // A folder without its owner line is never judged stale, so no later start would remove
    // it: each start on a full disk left one more behind (seen on a full tmpfs, issue 13).
    rmSync(path, { recursive: true, force: true });
    throw asSpoolError(err, base, 'create');
  }
  let removed = false;
  return {
    path,
    remove() {
      if (removed) return;
      removed = true;
      rmSync(path, { recursive: true, force: true });
    },
    exists() {
      try {
        return lstatSync(path).isDirectory();
      } catch {
        return false;
      }
    },
  };
}

/** Our own folders of this prefix whose owner process is gone (a SIGKILL leaves them behind), also an earlier process that had our pid. */
function removeStale(base: string, prefix: string): void {
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(base, name);
    try {
      const st = lstatSync(path);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const [pidText, token] = readFileSync(join(path, OWNER_FILE), 'utf8').trim().split(' ');
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      // Our own pid is ours only with our token (an earlier life of PID 1 left the rest).
      if (pid === process.pid ? token === PROCESS_TOKEN : alive(pid)) continue;
      rmSync(path, { recursive: true, force: true });
    } catch {
      // Not ours to judge (no owner file, a race with another process): leave it.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { S1migError } from '../../core/errors/s1mig-error.js';

/**
 * The instance's data folder (Kafka's logs and data, the registry's database, PID files):
 * mode 0700, so no other local user reads the records or the logs. The JVMs create their
 * files 0644 inside, which the folder's mode then keeps private; a folder made by an earlier
 * version with 0755 is tightened. A folder owned by another user is refused.
 */
export function ensurePrivateDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new S1migError('CONFIG_INVALID', `local data folder ${dir} cannot be created: ${(err as Error).message}`, { cause: err });
  }
  const st = statSync(dir);
  if (!st.isDirectory()) throw new S1migError('CONFIG_INVALID', `local data folder ${dir} is not a directory (S1MIG_LOCAL_DIR)`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new S1migError('CONFIG_INVALID', `local data folder ${dir} belongs to another user (uid ${st.uid})`);
  if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}

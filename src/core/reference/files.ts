/** Bounded, coded file access for the reference directory (loading is not hot: sync is fine). */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { S1migError } from '../errors/s1mig-error.js';

/** No reference file is anywhere near this; a bigger one is a mistake, not data. */
export const MAX_REF_FILE_BYTES = 16 * 1024 * 1024;

/** Reads a reference file as UTF-8; undefined when it does not exist (ENOENT). */
export function readRefFile(path: string): string | undefined {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new S1migError('REF_INVALID', `${path}: not a regular file`);
    size = st.size;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    if ((err as { code?: unknown }).code === 'REF_INVALID') throw err;
    throw new S1migError('REF_INVALID', `${path}: cannot be read (${(err as Error).message})`, { cause: err });
  }
  if (size > MAX_REF_FILE_BYTES) throw new S1migError('REF_INVALID', `${path}: larger than ${MAX_REF_FILE_BYTES} bytes`);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new S1migError('REF_INVALID', `${path}: cannot be read (${(err as Error).message})`, { cause: err });
  }
}

/** Like readRefFile, for a file the directory must have. */
export function readRequiredRefFile(path: string): string {
  const text = readRefFile(path);
  if (text === undefined) throw new S1migError('REF_INVALID', `${path}: missing`);
  return text;
}

/** The SMSO codes: names of the directories under smso/ (none when smso/ is absent). */
export function listSmsoDirs(refDir: string): string[] {
  const smsoRoot = join(refDir, 'smso');
  let names: string[];
  try {
    names = readdirSync(smsoRoot);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return [];
    throw new S1migError('REF_INVALID', `${smsoRoot}: cannot be listed (${(err as Error).message})`, { cause: err });
  }
  return names
    .filter((name) => {
      try {
        return statSync(join(smsoRoot, name)).isDirectory();
      } catch {
        return false;
      }
    })
    .sort();
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { S1migError } from '../../core/errors/s1mig-error.js';

const CHUNK = 256 * 1024;

/** Size of a readable regular file; INPUT_UNREADABLE otherwise (exit 2). */
export async function regularFileSize(path: string): Promise<number> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    return st.size;
  } catch (err) {
    throw new S1migError('INPUT_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Streams the file's bytes; read failures become INPUT_UNREADABLE. */
export async function* fileChunks(path: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw new S1migError('INPUT_UNREADABLE', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  } finally {
    stream.destroy();
  }
}

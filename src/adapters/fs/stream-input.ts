import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { errorCode, S1migError } from '../../core/errors/s1mig-error.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../core/transfer/chunk-headers.js';
import { createPrivateDir } from './private-dir.js';
import { spoolDiskError } from './spool-disk.js';

/** An input held in a private file for the time a command reads it; `dispose` removes it. */
export interface SpooledInput {
  readonly path: string;
  readonly bytes: number;
  dispose(): void;
}

export interface SpoolInputOptions {
  /** Refuse (INPUT_UNREADABLE) a stream longer than this; default the splitter's file limit (4 GiB). */
  maxBytes?: number;
  /** Folder to create the private folder in (absolute); default the OS temporary folder. */
  base?: string;
  /** Name shown in messages ("stdin"). */
  name?: string;
}

/**
 * Copies a stream (stdin, or a library caller's stream) into a private file: validation and
 * publishing read their input more than once (its size first, then the header, then the
 * chunks), which a pipe cannot give. The file is 0600 in a fresh 0700 folder (secrets in an
 * MCF stay private to this process), created exclusively, and removed by `dispose`, also
 * after a failure half-way. A disk that refuses the copy is SPOOL_UNAVAILABLE (exit 3), not
 * INPUT_UNREADABLE (exit 2): the input was fine.
 */
export async function spoolInput(source: AsyncIterable<Uint8Array>, options: SpoolInputOptions = {}): Promise<SpooledInput> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const name = options.name ?? 'the input stream';
  const dir = createPrivateDir(options.base ?? tmpdir(), 's1mig-input-');
  const path = join(dir.path, 'input');
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  // Failures surface through `finished` or the drain wait; this keeps a late one (an open
  // still pending when the source failed) from becoming an uncaught 'error' event, and tells
  // the file's failures from the source's.
  let writeError: unknown = null;
  out.on('error', (err) => (writeError = err));
  let bytes = 0;
  try {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new S1migError('INPUT_UNREADABLE', `${name} is longer than ${maxBytes} bytes`);
      if (!out.write(chunk)) {
        // A file that failed before this wait (its open, while the source was being read)
        // never drains: waiting for it hung for good.
        if (out.errored !== null) throw out.errored;
        // events.once drops its 'error' listener when 'drain' comes: a listener added per
        // wait and never removed made Node warn of a leak (MaxListenersExceededWarning on
        // stderr) for any input of more than a few hundred KiB (`validate - < FILE`).
        await once(out, 'drain');
      }
    }
    out.end();
    await finished(out);
  } catch (err) {
    if (!out.closed) await new Promise<void>((resolve) => { out.once('close', resolve); out.destroy(); });
    dir.remove();
    if (errorCode(err) !== undefined) throw err;
    const disk = err === writeError ? spoolDiskError(err, dir.path, 'write') : null;
    if (disk !== null) throw disk;
    throw new S1migError('INPUT_UNREADABLE', `cannot read ${name}: ${(err as Error).message}`, { cause: err });
  }
  return { path, bytes, dispose: () => dir.remove() };
}

/**
 * The path a command reads for a FILE argument: the file itself, or for `-` the standard
 * input copied to a private file (only one `-` per command: stdin can be read once).
 */
export async function inputPath(arg: string, stdin: AsyncIterable<Uint8Array> = process.stdin): Promise<SpooledInput> {
  if (arg !== '-') return { path: arg, bytes: -1, dispose: () => undefined };
  return spoolInput(stdin, { name: 'standard input' });
}

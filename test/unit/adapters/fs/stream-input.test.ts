import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { inputPath, spoolInput } from '../../../../src/adapters/fs/stream-input.js';
import { errorCode } from '../../../../src/core/errors/s1mig-error.js';

const base = mkdtempSync(join(tmpdir(), 's1mig-stream-input-test-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('spoolInput', () => {
  it('copies the stream into a 0600 file in a fresh 0700 folder, and dispose removes both', async () => {
    const parts = [Buffer.from('<MCF>'), Buffer.alloc(300_000, 0x41), Buffer.from('</MCF>')];
    const s = await spoolInput(Readable.from(parts), { base });
    expect(readFileSync(s.path)).toEqual(Buffer.concat(parts));
    expect(s.bytes).toBe(300_011);
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(s.path)).mode & 0o777).toBe(0o700);
    s.dispose();
    expect(existsSync(dirname(s.path))).toBe(false);
  });

  it('refuses a stream over its limit with INPUT_UNREADABLE and leaves nothing behind', async () => {
    const err = await spoolInput(Readable.from([Buffer.alloc(100), Buffer.alloc(100)]), { base, maxBytes: 150, name: 'standard input' }).catch((e: unknown) => e);
    expect(errorCode(err)).toBe('INPUT_UNREADABLE');
    expect((err as Error).message).toBe('standard input is longer than 150 bytes');
    expect(readdirSync(base)).toEqual([]);
  });

  it('turns a failing stream into INPUT_UNREADABLE and leaves nothing behind', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('abc');
      throw new Error('EIO');
    }
    const err = await spoolInput(failing(), { base }).catch((e: unknown) => e);
    expect(errorCode(err)).toBe('INPUT_UNREADABLE');
    expect(readdirSync(base)).toEqual([]);
  });
});

describe('inputPath', () => {
  it('passes a file name through untouched and spools `-` from the given stdin', async () => {
    const plain = await inputPath('some/file.xml', Readable.from([]));
    expect(plain.path).toBe('some/file.xml');
    plain.dispose();
    const dash = await inputPath('-', Readable.from([Buffer.from('x')]));
    expect(readFileSync(dash.path, 'utf8')).toBe('x');
    dash.dispose();
    expect(existsSync(dash.path)).toBe(false);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UploadAssembler } from '../../../../src/core/transfer/assembler.js';
import { chunkHeaders, fileKeyOf, MAX_FILE_KEY_CHARS, parseChunkMeta } from '../../../../src/core/transfer/chunk-headers.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function file(n: number): { whole: Buffer; chunks: Buffer[]; sha256: string } {
  const whole = Buffer.from(Array.from({ length: n * 10 }, (_, i) => i % 251));
  const chunks = Array.from({ length: n }, (_, i) => whole.subarray(i * 10, i * 10 + 10));
  return { whole, chunks, sha256: sha(whole) };
}

const opts = { maxFileBytes: 1_000_000, timeoutMs: 60_000 };

describe('UploadAssembler', () => {
  it('completes interleaved uploads of two files on one partition', () => {
    const a = file(3);
    const b = file(2);
    const asm = new UploadAssembler(opts);
    const kinds: string[] = [];
    const feed = (key: string, f: ReturnType<typeof file>, i: number, off: number): void => {
      for (const v of asm.accept(key, { index: i, count: f.chunks.length, sha256: f.sha256 }, f.chunks[i]!, String(off), 1000 + off, 0)) {
        kinds.push(`${key}:${v.kind}`);
      }
    };
    feed('A', a, 0, 10);
    feed('B', b, 0, 11);
    expect(asm.lowestOpenOffset()).toBe('10');
    feed('A', a, 1, 12);
    feed('B', b, 1, 13);
    feed('A', a, 2, 14);
    expect(kinds).toEqual(['A:accepted-chunk', 'B:accepted-chunk', 'A:accepted-chunk', 'B:accepted-chunk', 'B:complete', 'A:accepted-chunk', 'A:complete']);
    expect(asm.open.size).toBe(0);
    expect(asm.lowestOpenOffset()).toBeNull();
  });

  it('ignores an identical re-send and rejects a conflicting one with MCF_CHECKSUM_MISMATCH', () => {
    const a = file(3);
    const asm = new UploadAssembler(opts);
    const m = (i: number) => ({ index: i, count: 3, sha256: a.sha256 });
    asm.accept('A', m(0), a.chunks[0]!, '0', 0, 0);
    asm.accept('A', m(1), a.chunks[1]!, '1', 0, 0);
    expect(asm.accept('A', m(1), a.chunks[1]!, '2', 0, 0)[0]?.kind).toBe('duplicate-ignored');
    expect(asm.accept('A', m(0), a.chunks[0]!, '3', 0, 0)[0]?.kind).toBe('duplicate-ignored');
    const bad = asm.accept('A', m(1), Buffer.from('different!'), '4', 0, 0);
    expect(bad).toMatchObject([{ kind: 'rejected', code: 'MCF_CHECKSUM_MISMATCH' }]);
    expect(asm.open.size).toBe(0);
  });

  it('rejects a reassembled file whose sha256 differs', () => {
    const a = file(2);
    const asm = new UploadAssembler(opts);
    asm.accept('A', { index: 0, count: 2, sha256: a.sha256 }, a.chunks[0]!, '0', 0, 0);
    const v = asm.accept('A', { index: 1, count: 2, sha256: a.sha256 }, Buffer.from('tampered!!'), '1', 0, 0);
    expect(v.map((x) => x.kind)).toEqual(['accepted-chunk', 'rejected']);
    expect(v[1]).toMatchObject({ code: 'MCF_CHECKSUM_MISMATCH' });
  });

  it('rejects a gap as MCF_TRANSFER_INCOMPLETE, and chunk 0 then starts a new upload', () => {
    const a = file(3);
    const asm = new UploadAssembler(opts);
    const m = (i: number) => ({ index: i, count: 3, sha256: a.sha256 });
    asm.accept('A', m(0), a.chunks[0]!, '0', 0, 0);
    expect(asm.accept('A', m(2), a.chunks[2]!, '1', 0, 0)).toMatchObject([{ kind: 'rejected', code: 'MCF_TRANSFER_INCOMPLETE' }]);
    expect(asm.accept('A', m(1), a.chunks[1]!, '2', 0, 0)[0]?.kind).toBe('orphan');
    const again = [0, 1, 2].flatMap((i) => asm.accept('A', m(i), a.chunks[i]!, String(10 + i), 0, 0));
    expect(again.at(-1)?.kind).toBe('complete');
  });

  it('times out an upload that does not complete, keeping the receipt time of chunk 0', () => {
    const a = file(2);
    const asm = new UploadAssembler({ ...opts, timeoutMs: 1000 });
    const [first] = asm.accept('A', { index: 0, count: 2, sha256: a.sha256 }, a.chunks[0]!, '7', 555, 100);
    expect(first?.kind === 'accepted-chunk' && first.upload.receivedAtMs).toBe(555);
    expect(asm.expire(1099)).toEqual([]);
    expect(asm.expire(1100)).toMatchObject([{ kind: 'rejected', code: 'MCF_TRANSFER_INCOMPLETE', fileKey: 'A' }]);
  });

  it('enforces the file size limit', () => {
    const a = file(3);
    const asm = new UploadAssembler({ ...opts, maxFileBytes: 25 });
    const v = [0, 1, 2].flatMap((i) => asm.accept('A', { index: i, count: 3, sha256: a.sha256 }, a.chunks[i]!, String(i), 0, 0));
    expect(v.at(-1)).toMatchObject({ kind: 'rejected', code: 'MCF_TRANSFER_INCOMPLETE' });
  });
});

describe('chunk headers', () => {
  it('round-trip and reject malformed ones as poison', () => {
    const h = chunkHeaders({ index: 2, count: 5, sha256: 'a'.repeat(64) });
    expect(parseChunkMeta(Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v)])))).toEqual({ index: 2, count: 5, sha256: 'a'.repeat(64) });
    expect(parseChunkMeta({ ...h, 's1mig-chunk-index': '5' })).toHaveProperty('error');
    expect(parseChunkMeta({ ...h, 's1mig-chunk-index': '01' })).toHaveProperty('error');
    expect(parseChunkMeta({ ...h, 's1mig-file-sha256': 'A'.repeat(64) })).toHaveProperty('error');
    expect(parseChunkMeta({ ...h, 's1mig-content-type': 'text/plain' })).toHaveProperty('error');
    expect(parseChunkMeta(undefined)).toHaveProperty('error');
  });
});

describe('fileKeyOf (the file key from a chunk\'s message key)', () => {
  it('decodes a UTF-8 key as it is', () => {
    expect(fileKeyOf(Buffer.from('90b3d51f30010008/MDS-1'))).toBe('90b3d51f30010008/MDS-1');
    expect(fileKeyOf(Buffer.from('clé/é'))).toBe('clé/é');
    expect(fileKeyOf(Buffer.from('x'.repeat(MAX_FILE_KEY_CHARS)))).toBe('x'.repeat(MAX_FILE_KEY_CHARS));
  });

  // Regression (audit, defect 1): keys were decoded lossily, so two different byte keys
  // (here two invalid sequences that both became U+FFFD) named the same upload.
  it('refuses a key that is not valid UTF-8 instead of repairing it, so two byte keys never collide', () => {
    const a = Buffer.from([0x6b, 0xff, 0x2f, 0x31]);
    const b = Buffer.from([0x6b, 0xfe, 0x2f, 0x31]);
    expect(a.toString('utf8')).toBe(b.toString('utf8')); // what the lossy decoding did
    expect(fileKeyOf(a)).toEqual({ error: 'chunk key is not valid UTF-8' });
    expect(fileKeyOf(b)).toEqual({ error: 'chunk key is not valid UTF-8' });
    expect(fileKeyOf(Buffer.from([0xed, 0xa0, 0x80]))).toHaveProperty('error'); // an encoded surrogate
    expect(fileKeyOf(Buffer.from([0xc0, 0xaf]))).toHaveProperty('error'); // an over-long form
  });

  it('refuses a missing, empty or over-long key', () => {
    expect(fileKeyOf(null)).toEqual({ error: 'chunk without a file key' });
    expect(fileKeyOf(Buffer.alloc(0))).toEqual({ error: 'chunk without a file key' });
    expect(fileKeyOf(Buffer.from('x'.repeat(MAX_FILE_KEY_CHARS + 1)))).toHaveProperty('error');
  });
});

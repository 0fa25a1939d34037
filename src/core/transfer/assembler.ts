import { createHash, type Hash } from 'node:crypto';
import type { ChunkMeta } from './chunk-headers.js';

/**
 * Transfer checks of one partition's interleaved uploads (validation.md step 0), as a pure
 * state machine: chunks in, verdicts out. It never holds file bytes: each new chunk is
 * hashed and handed on at once; only one digest per chunk index is kept, to tell an
 * identical re-send (ignored) from a conflicting one (MCF_CHECKSUM_MISMATCH).
 */
export type TransferCode = 'MCF_TRANSFER_INCOMPLETE' | 'MCF_CHECKSUM_MISMATCH';

export interface Upload {
  readonly fileKey: string;
  readonly meta: Omit<ChunkMeta, 'index'>;
  /** Offset of chunk 0 on the partition: where a re-read for emission starts. */
  readonly firstOffset: string;
  /** Broker append time of chunk 0 (LogAppendTime): "receipt" for MCF_STALE. */
  readonly receivedAtMs: number;
  /** Local clock when chunk 0 was seen, for the completion timeout. */
  readonly startedAtMs: number;
  nextIndex: number;
  bytes: number;
  readonly chunkDigests: string[];
  readonly hash: Hash;
}

export type ChunkVerdict =
  | { kind: 'accepted-chunk'; upload: Upload; last: boolean }
  | { kind: 'duplicate-ignored'; upload: Upload }
  | { kind: 'complete'; upload: Upload }
  | { kind: 'rejected'; fileKey: string; code: TransferCode; reason: string; upload: Upload | null }
  | { kind: 'orphan'; fileKey: string; reason: string };

export interface AssemblerOptions {
  maxFileBytes: number;
  timeoutMs: number;
}

export class UploadAssembler {
  private readonly uploads = new Map<string, Upload>();
  private readonly opts: AssemblerOptions;

  constructor(opts: AssemblerOptions) {
    this.opts = opts;
  }

  get open(): ReadonlyMap<string, Upload> {
    return this.uploads;
  }

  /**
   * Feeds one chunk. Returns the verdicts it causes, in order: the chunk itself
   * (accepted/duplicate), and, on the last chunk, `complete` or `rejected`.
   */
  accept(fileKey: string, meta: ChunkMeta, value: Uint8Array, offset: string, appendTimeMs: number, nowMs: number): ChunkVerdict[] {
    let up = this.uploads.get(fileKey);
    // Chunk 0 starts an upload only when none is in progress for the key (the previous one
    // completed, was rejected or timed out); inside an upload it is a re-send like any other.
    if (up === undefined && meta.index === 0) {
      up = {
        fileKey, meta: { count: meta.count, sha256: meta.sha256 }, firstOffset: offset, receivedAtMs: appendTimeMs, startedAtMs: nowMs,
        nextIndex: 0, bytes: 0, chunkDigests: [], hash: createHash('sha256'),
      };
      this.uploads.set(fileKey, up);
    }
    if (up === undefined) return [{ kind: 'orphan', fileKey, reason: `chunk ${meta.index} without a chunk 0 in progress` }];
    if (meta.count !== up.meta.count || meta.sha256 !== up.meta.sha256) {
      return [this.reject(up, 'MCF_CHECKSUM_MISMATCH', `chunk ${meta.index} announces another file (count or sha256 differ)`)];
    }
    const digest = createHash('sha256').update(value).digest('hex');
    if (meta.index < up.nextIndex) {
      if (up.chunkDigests[meta.index] === digest) return [{ kind: 'duplicate-ignored', upload: up }];
      return [this.reject(up, 'MCF_CHECKSUM_MISMATCH', `chunk ${meta.index} arrived twice with different bytes`)];
    }
    if (meta.index > up.nextIndex) {
      return [this.reject(up, 'MCF_TRANSFER_INCOMPLETE', `chunk ${up.nextIndex} missing (got ${meta.index})`)];
    }
    if (up.bytes + value.length > this.opts.maxFileBytes) {
      return [this.reject(up, 'MCF_TRANSFER_INCOMPLETE', `file exceeds the ${this.opts.maxFileBytes}-byte limit`)];
    }
    up.chunkDigests.push(digest);
    up.hash.update(value);
    up.bytes += value.length;
    up.nextIndex++;
    const last = up.nextIndex === up.meta.count;
    const out: ChunkVerdict[] = [{ kind: 'accepted-chunk', upload: up, last }];
    if (last) {
      this.uploads.delete(fileKey);
      const actual = up.hash.digest('hex');
      out.push(actual === up.meta.sha256
        ? { kind: 'complete', upload: up }
        : { kind: 'rejected', fileKey, code: 'MCF_CHECKSUM_MISMATCH', reason: `sha256 of the reassembled file is ${actual}`, upload: up });
    }
    return out;
  }

  /** Uploads whose first chunk is older than the timeout: MCF_TRANSFER_INCOMPLETE. */
  expire(nowMs: number): ChunkVerdict[] {
    const out: ChunkVerdict[] = [];
    for (const up of [...this.uploads.values()]) {
      if (nowMs - up.startedAtMs >= this.opts.timeoutMs) {
        out.push(this.reject(up, 'MCF_TRANSFER_INCOMPLETE', `not complete within ${Math.round(this.opts.timeoutMs / 1000)}s (${up.nextIndex} of ${up.meta.count} chunks)`));
      }
    }
    return out;
  }

  /** The lowest first-offset of the uploads in progress: input offsets must not be committed past it. */
  lowestOpenOffset(): string | null {
    let low: bigint | null = null;
    for (const up of this.uploads.values()) {
      const o = BigInt(up.firstOffset);
      if (low === null || o < low) low = o;
    }
    return low === null ? null : String(low);
  }

  private reject(up: Upload, code: TransferCode, reason: string): ChunkVerdict {
    this.uploads.delete(up.fileKey);
    return { kind: 'rejected', fileKey: up.fileKey, code, reason, upload: up };
  }
}

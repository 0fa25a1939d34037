/**
 * The input topic's chunk protocol (pipeline.md): key = file key, value = a byte slice,
 * ASCII headers for index, count, whole-file sha256 and content type.
 */
export const CHUNK_HEADERS = {
  index: 's1mig-chunk-index',
  count: 's1mig-chunk-count',
  sha256: 's1mig-file-sha256',
  contentType: 's1mig-content-type',
} as const;

export const MCF_CONTENT_TYPE = 'application/vnd.s1mig.mcf+xml';
export const DEFAULT_CHUNK_SIZE = 512 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 4 * 1024 ** 3;

export interface ChunkMeta {
  index: number;
  count: number;
  sha256: string;
}

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

function text(v: HeaderValue): string | null {
  if (v === undefined) return null;
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  if (one === undefined) return null;
  return typeof one === 'string' ? one : one.toString('latin1');
}

/** Parses the chunk headers; a message without valid ones is poison (dead-letter), not a file rejection. */
export function parseChunkMeta(headers: Record<string, HeaderValue> | undefined): ChunkMeta | { error: string } {
  const h = headers ?? {};
  const index = text(h[CHUNK_HEADERS.index]);
  const count = text(h[CHUNK_HEADERS.count]);
  const sha = text(h[CHUNK_HEADERS.sha256]);
  const type = text(h[CHUNK_HEADERS.contentType]);
  if (type !== MCF_CONTENT_TYPE) return { error: `${CHUNK_HEADERS.contentType} is ${type === null ? 'missing' : `'${type.slice(0, 64)}'`}` };
  if (index === null || !/^(0|[1-9][0-9]{0,9})$/.test(index)) return { error: `${CHUNK_HEADERS.index} is not a decimal index` };
  if (count === null || !/^[1-9][0-9]{0,9}$/.test(count)) return { error: `${CHUNK_HEADERS.count} is not a positive decimal count` };
  if (sha === null || !/^[0-9a-f]{64}$/.test(sha)) return { error: `${CHUNK_HEADERS.sha256} is not 64 lowercase hex digits` };
  const meta = { index: Number(index), count: Number(count), sha256: sha };
  if (meta.index >= meta.count) return { error: `chunk index ${meta.index} is not below the chunk count ${meta.count}` };
  return meta;
}

export function chunkHeaders(meta: ChunkMeta): Record<string, string> {
  return {
    [CHUNK_HEADERS.index]: String(meta.index),
    [CHUNK_HEADERS.count]: String(meta.count),
    [CHUNK_HEADERS.sha256]: meta.sha256,
    [CHUNK_HEADERS.contentType]: MCF_CONTENT_TYPE,
  };
}

/** Longest message key taken as a file key (a real one is at most 81 characters). */
export const MAX_FILE_KEY_CHARS = 200;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The file key of a chunk from its message key bytes, decoded strictly: a key that is not
 * valid UTF-8 is poison (dead-letter) like a missing one, since a lossy decoding would let
 * two different byte keys name the same upload.
 */
export function fileKeyOf(key: Uint8Array | null | undefined): string | { error: string } {
  if (key === null || key === undefined || key.length === 0) return { error: 'chunk without a file key' };
  let text: string;
  try {
    text = strictUtf8.decode(key);
  } catch {
    return { error: 'chunk key is not valid UTF-8' };
  }
  if (text.length > MAX_FILE_KEY_CHARS) return { error: `chunk key longer than ${MAX_FILE_KEY_CHARS} characters` };
  return text;
}

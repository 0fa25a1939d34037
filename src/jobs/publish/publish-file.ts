import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Producer } from 'kafkajs';
import type { S1migConfig } from '../../adapters/config/config.js';
import { createKafka } from '../../adapters/kafka/client.js';
import { keyPartitioner } from '../../adapters/kafka/partitioner.js';
import { loadTopicDefinitions, topicName, topicPlan } from '../../adapters/topics/definitions.js';
import { canonicalEui } from '../../core/values.js';
import { S1migError } from '../../core/errors/s1mig-error.js';
import { McfReader } from '../../core/mcf/reader.js';
import { chunkHeaders, DEFAULT_CHUNK_SIZE } from '../../core/transfer/chunk-headers.js';
import { fileChunks, regularFileSize } from '../../adapters/fs/read-file.js';

export interface PublishOptions {
  chunkSize?: number;
  /** File key to use instead of the one read from the Header (`<canonical RequestingParty>/<FileID>`). */
  fileKey?: string;
  onProgress?: (bytesSent: number, total: number) => void;
}

export interface PublishResult {
  fileKey: string;
  chunks: number;
  bytes: number;
  sha256: string;
}

/** The file key of an MCF from its Header, read in one streaming pass that also hashes the file. */
export async function describeMcf(path: string): Promise<{ fileKey: string | null; sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const reader = new McfReader();
  let bytes = 0;
  for await (const chunk of fileChunks(path)) {
    hash.update(chunk);
    reader.write(chunk);
    bytes += chunk.length;
  }
  const h = reader.end().header;
  const rp = h?.RequestingParty ? canonicalEui(h.RequestingParty) : null;
  const fileKey = rp && h?.FileID && /^[A-Za-z0-9._-]{1,64}$/.test(h.FileID) ? `${rp}/${h.FileID}` : null;
  return { fileKey, sha256: hash.digest('hex'), bytes };
}

/**
 * Publishes one MCF as a run of chunks (pipeline.md): key = file key, in order, every chunk
 * with index, count, whole-file sha256 and content type. A library function for upstream
 * systems written in Node; `s1mig publish` is a thin wrapper. The producer should be
 * idempotent so retries never duplicate or reorder chunks.
 */
export async function publishMcf(producer: Producer, topic: string, path: string, options: PublishOptions = {}): Promise<PublishResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 1024 * 1024 - 4096) {
    throw new S1migError('USAGE', `chunk size must be 1..${1024 * 1024 - 4096} bytes, got ${chunkSize}`);
  }
  const total = await regularFileSize(path);
  const described = await describeMcf(path);
  const fileKey = options.fileKey ?? described.fileKey;
  if (fileKey === null) throw new S1migError('USAGE', `${path}: no FileID/RequestingParty readable in the Header; give the file key with --key`);
  const count = Math.max(1, Math.ceil(total / chunkSize));
  const fh = await open(path, 'r');
  let sent = 0;
  try {
    for (let index = 0; index < count; index++) {
      const buf = Buffer.allocUnsafe(Math.min(chunkSize, total - sent));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, sent + got);
        if (bytesRead === 0) throw new S1migError('INPUT_UNREADABLE', `${path} shrank while publishing`);
        got += bytesRead;
      }
      await producer.send({ topic, messages: [{ key: fileKey, value: buf, headers: chunkHeaders({ index, count, sha256: described.sha256 }) }] });
      sent += buf.length;
      options.onProgress?.(sent, total);
    }
  } finally {
    await fh.close();
  }
  return { fileKey, chunks: count, bytes: total, sha256: described.sha256 };
}

/**
 * The input topic of a deployment and a producer for it, not yet connected: idempotent, one
 * request in flight and keyed partitions, so retries never duplicate or reorder a file's
 * chunks. What `s1mig publish` and the library's publishMcf use.
 */
export function chunkPublisher(config: Pick<S1migConfig, 'kafka' | 'topics'>): { producer: Producer; topic: string } {
  const topic = topicName(topicPlan(loadTopicDefinitions(), config.topics), 'mcf.chunks');
  const producer = createKafka(config, 'publish').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: keyPartitioner });
  return { producer, topic };
}

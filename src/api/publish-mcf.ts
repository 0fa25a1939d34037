import { loadConfig } from '../adapters/config/config.js';
import { spoolInput } from '../adapters/fs/stream-input.js';
import { probeBrokers } from '../adapters/kafka/probe.js';
import { chunkPublisher, publishMcf as publishChunks, type PublishResult } from '../jobs/publish/publish-file.js';

export type { PublishResult } from '../jobs/publish/publish-file.js';

export interface PublishMcfOptions {
  /** A configuration file (as `S1MIG_CONFIG`); the environment's `S1MIG_*` variables apply over it. */
  configFile?: string;
  /** The environment to read `S1MIG_*` variables from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Bytes per chunk (default 512 KiB, at most 1 MiB - 4 KiB). */
  chunkSize?: number;
  /** The file key, instead of the one read from the Header (`<canonical RequestingParty>/<FileID>`). */
  fileKey?: string;
  /** For a stream: refuse one longer than this many bytes (default 4 GiB). */
  maxBytes?: number;
  onProgress?: (bytesSent: number, total: number) => void;
}

/**
 * Publishes one MCF to the pipeline's input topic as `s1mig publish` does: chunks keyed by
 * the file key, in order, with an idempotent producer (a retry never duplicates or reorders
 * a chunk). `input` is a path or a stream of the file's bytes. The result names the file key
 * to ask `s1mig report` about. Rejects with `KAFKA_UNAVAILABLE` (retriable) when no broker
 * answers within the connection timeout, `CONFIG_INVALID`, `INPUT_UNREADABLE` or `USAGE`;
 * `SPOOL_UNAVAILABLE` (retriable) when a stream cannot be copied because the temporary
 * folder's disk is full or refuses it.
 */
export async function publishMcf(input: string | AsyncIterable<Uint8Array>, options: PublishMcfOptions = {}): Promise<PublishResult> {
  const config = loadConfig({ file: options.configFile, ...(options.env ? { env: options.env } : {}) });
  await probeBrokers(config.kafka.brokers, Math.max(config.kafka.connectionTimeoutMs, 1000));
  const spooled = typeof input === 'string' ? null : await spoolInput(input, options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes });
  const { producer, topic } = chunkPublisher(config);
  try {
    await producer.connect();
    return await publishChunks(producer, topic, spooled?.path ?? (input as string), {
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(options.fileKey !== undefined ? { fileKey: options.fileKey } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } finally {
    await producer.disconnect().catch(() => undefined);
    spooled?.dispose();
  }
}

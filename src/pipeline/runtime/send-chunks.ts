import type { Message } from 'kafkajs';
import type { TopicMessages } from './stage.js';

/**
 * Bytes one produce call of a transaction may carry. The broker refuses a record batch
 * larger than its `message.max.bytes` (1 MiB on many clusters, 2 MiB on the local one), and
 * kafkajs puts everything one call sends to a partition into one batch: a pass with many
 * outputs for one partition (the alerts of many meters of one supplier) was refused as a
 * whole and replayed for ever. Keeping each call under this bounds every batch by it.
 */
export const MAX_SEND_BYTES = 960 * 1024;

/** Kafka's per-record overhead in a v2 batch, rounded up (lengths, attributes, deltas). */
const RECORD_OVERHEAD = 24;

const length = (v: Message['key'] | Message['value'] | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

export function messageBytes(m: Message): number {
  let n = RECORD_OVERHEAD + length(m.key) + length(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    n += Buffer.byteLength(k) + 8;
    for (const x of Array.isArray(v) ? v : [v]) n += length(x as Buffer | string | undefined);
  }
  return n;
}

/**
 * The outputs cut into consecutive calls of at most `maxBytes` each, in order (a record
 * larger than that goes alone: the broker is then the judge). Outputs that fit are one call,
 * as before.
 */
export function sendChunks(outputs: readonly TopicMessages[], maxBytes = MAX_SEND_BYTES): Array<Array<{ topic: string; messages: Message[] }>> {
  const chunks: Array<Array<{ topic: string; messages: Message[] }>> = [];
  let chunk: Array<{ topic: string; messages: Message[] }> = [];
  let bytes = 0;
  for (const o of outputs) {
    for (const m of o.messages) {
      const b = messageBytes(m);
      if (bytes > 0 && bytes + b > maxBytes) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      const last = chunk[chunk.length - 1];
      if (last !== undefined && last.topic === o.topic) last.messages.push(m);
      else chunk.push({ topic: o.topic, messages: [m] });
      bytes += b;
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

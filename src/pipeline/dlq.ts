import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/** Headers of a dead-letter record: why, where it came from; the value and key are the original bytes. */
export const DLQ_HEADERS = {
  reason: 's1mig-dlq-reason',
  stage: 's1mig-dlq-stage',
  topic: 's1mig-origin-topic',
  partition: 's1mig-origin-partition',
  offset: 's1mig-origin-offset',
  timestamp: 's1mig-origin-timestamp',
} as const;

/** A header's value as a record carries it once: the last of a repeated header. */
export function lastHeaderValue(v: IHeaders[string]): Buffer | string | undefined {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function deadLetter(stage: string, reason: string, topic: string, partition: number, m: KafkaMessage): Message {
  const headers: Record<string, string | Buffer> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const one = lastHeaderValue(v);
    if (one !== undefined) headers[k] = one;
  }
  return {
    key: m.key,
    value: m.value,
    headers: {
      ...headers,
      [DLQ_HEADERS.reason]: reason.slice(0, 500),
      [DLQ_HEADERS.stage]: stage,
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: String(partition),
      [DLQ_HEADERS.offset]: m.offset,
      [DLQ_HEADERS.timestamp]: m.timestamp,
    },
  };
}

import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { S1migError } from '../core/errors/s1mig-error.js';
import { topicName, type TopicPlanEntry } from '../adapters/topics/definitions.js';

/** Avro codecs of the pipeline's records, bound to the schema ids registered for their topics. */
export interface RecordCodec<T> {
  readonly topic: string;
  readonly schemaId: number;
  encode(value: T): Promise<Buffer>;
  decode(buf: Buffer): Promise<T>;
}

export async function recordCodec<T>(registry: SchemaRegistry, plan: readonly TopicPlanEntry[], name: string): Promise<RecordCodec<T>> {
  const topic = topicName(plan, name);
  let schemaId: number;
  try {
    schemaId = await registry.getLatestSchemaId(`${topic}-value`);
  } catch (cause) {
    // Only a 404 means "not registered"; anything else (a refused connection, a 401, a 5xx) says so.
    const status = (cause as { status?: unknown }).status;
    if (status === 404) throw new S1migError('REGISTRY_UNAVAILABLE', `no schema registered for ${topic}-value: run 'npx s1mig topics apply' first`, { cause });
    throw new S1migError('REGISTRY_UNAVAILABLE', `the Schema Registry did not give the schema of ${topic}-value: ${(cause as Error).message}`, { cause });
  }
  return {
    topic,
    schemaId,
    encode: (value) => registry.encode(schemaId, value),
    decode: async (buf) => (await registry.decode(buf)) as T,
  };
}

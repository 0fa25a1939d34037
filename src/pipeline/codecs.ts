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
    decode: (buf) => decodeRecord<T>(registry, buf),
  };
}

/**
 * Decodes a registry-framed Avro record, telling a record that is not ours (poison: the
 * stage dead-letters it) from a registry that does not answer (retriable: the stage waits
 * and reads the record again). The library reports a refused or dropped connection as a
 * response error of status 400 ("socket hang up"), so classifying its errors by status or
 * text sent good records to the dead-letter topic during a registry outage (issue 13's
 * registry-outage test); here the three steps fail apart: the framing, the schema fetch
 * (only a 404, an id the registry does not know, is the record's fault), the Avro bytes.
 */
export async function decodeRecord<T>(registry: SchemaRegistry, buf: Buffer): Promise<T> {
  if (buf.length < 5 || buf[0] !== 0) throw new S1migError('RECORD_UNDECODABLE', 'not a registry-framed Avro record (magic byte 0 and a schema id first)');
  const id = buf.readInt32BE(1);
  try {
    await registry.getSchema(id);
  } catch (cause) {
    if ((cause as { status?: unknown }).status === 404) throw new S1migError('RECORD_UNDECODABLE', `schema id ${id} is not in the registry`, { cause });
    throw new S1migError('REGISTRY_UNAVAILABLE', `the Schema Registry did not give schema id ${id}: ${(cause as Error).message}`, { cause });
  }
  try {
    // The schema is in the client's cache now: only the bytes can fail.
    return (await registry.decode(buf)) as T;
  } catch (cause) {
    throw new S1migError('RECORD_UNDECODABLE', `bytes not readable with schema id ${id}: ${(cause as Error).message}`, { cause });
  }
}

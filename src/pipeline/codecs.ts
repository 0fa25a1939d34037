import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { S1migError } from '../core/errors/s1mig-error.js';
import { topicName, type TopicPlanEntry } from '../adapters/topics/definitions.js';
import { frameAvro, type RegistrySchema } from './avro-frame.js';

/** Avro codecs of the pipeline's records, bound to the schema ids registered for their topics. */
export interface RecordCodec<T> {
  readonly topic: string;
  readonly schemaId: number;
  encode(value: T): Promise<Buffer>;
  decode(buf: Buffer): Promise<T>;
  /**
   * `encode` without a promise: the registry's schema for `schemaId` is fetched when the
   * codec is made, so encoding needs no round trip. The stages call this once per record
   * (issue 14: the registry client's async encode was ~5 % of the processor's main thread).
   */
  encodeSync(value: T): Buffer;
  /**
   * `decode`, synchronous when the record's schema id is one this codec already holds (its
   * own, or one fetched before), a promise only when the registry must be asked. Fails
   * apart as `decode` does: RECORD_UNDECODABLE (not ours) or REGISTRY_UNAVAILABLE (retry).
   */
  decodeNow(buf: Buffer): T | Promise<T>;
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
  return codecForSchemaId<T>(registry, topic, schemaId);
}

/**
 * The codec of a topic whose schema id is known. Encoding and decoding use the very schema
 * object the registry client holds for the id (`getSchema`), so the bytes are the client's
 * (test/unit/pipeline/codecs.test.ts compares them); only the promise per record is gone.
 */
export async function codecForSchemaId<T>(registry: SchemaRegistry, topic: string, schemaId: number): Promise<RecordCodec<T>> {
  let own: RegistrySchema;
  try {
    own = (await registry.getSchema(schemaId)) as RegistrySchema;
  } catch (cause) {
    throw new S1migError('REGISTRY_UNAVAILABLE', `the Schema Registry did not give schema id ${schemaId} of ${topic}-value: ${(cause as Error).message}`, { cause });
  }
  // Writer schemas by id: this codec's own, and those of older records met since (an
  // upgrade leaves records written with a previous version on the topics).
  const writers = new Map<number, RegistrySchema>([[schemaId, own]]);
  const decodeNow = (buf: Buffer): T | Promise<T> => {
    const id = framedId(buf);
    const writer = writers.get(id);
    if (writer !== undefined) return readBody<T>(writer, buf, id);
    return writerSchema(registry, id).then((w) => {
      writers.set(id, w);
      return readBody<T>(w, buf, id);
    });
  };
  return {
    topic,
    schemaId,
    encodeSync: (value) => frameAvro(own, schemaId, value),
    encode: async (value) => frameAvro(own, schemaId, value),
    decodeNow,
    decode: async (buf) => decodeNow(buf),
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
  const id = framedId(buf);
  return readBody<T>(await writerSchema(registry, id), buf, id);
}

/** The schema id of a registry-framed record (magic byte 0, the id as a 32-bit big-endian int). */
function framedId(buf: Buffer): number {
  if (buf.length < 5 || buf[0] !== 0) throw new S1migError('RECORD_UNDECODABLE', 'not a registry-framed Avro record (magic byte 0 and a schema id first)');
  return buf.readInt32BE(1);
}

async function writerSchema(registry: SchemaRegistry, id: number): Promise<RegistrySchema> {
  try {
    return (await registry.getSchema(id)) as RegistrySchema;
  } catch (cause) {
    if ((cause as { status?: unknown }).status === 404) throw new S1migError('RECORD_UNDECODABLE', `schema id ${id} is not in the registry`, { cause });
    throw new S1migError('REGISTRY_UNAVAILABLE', `the Schema Registry did not give schema id ${id}: ${(cause as Error).message}`, { cause });
  }
}

/** The record's body read with its writer's schema, as the client's `decode` reads it: only the bytes can fail here. */
function readBody<T>(writer: RegistrySchema, buf: Buffer, id: number): T {
  try {
    return writer.fromBuffer(buf.subarray(5)) as T;
  } catch (cause) {
    throw new S1migError('RECORD_UNDECODABLE', `bytes not readable with schema id ${id}: ${(cause as Error).message}`, { cause });
  }
}

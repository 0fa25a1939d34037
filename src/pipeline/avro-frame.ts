/**
 * Confluent wire framing of an Avro record, written in one buffer: magic byte 0, the schema
 * id (32-bit big-endian), the Avro body. The registry client's `encode` does the same in
 * three buffers (the body, the id, their concatenation) behind a promise; this writes the
 * body straight after the header with avsc's `encode(value, buf, pos)` and copies it out
 * once. Same schema object, same bytes (test/unit/pipeline/codecs.test.ts).
 */

/** What the registry client's `getSchema` gives for an id: an avsc Type for Avro. */
export interface RegistrySchema {
  toBuffer(value: unknown): Buffer;
  fromBuffer(buf: Buffer): unknown;
  isValid(value: unknown, opts?: { errorHook: (path: string[]) => void }): boolean;
  /** avsc: writes at `pos`, returns the end, or minus the bytes missing when `buf` is too short. */
  encode?(value: unknown, buf: Buffer, pos: number): number;
}

const HEADER = 5;
/** Shared by every encode of the process (synchronous, single-threaded); grows to the largest record. */
let scratch = Buffer.allocUnsafe(64 * 1024);

export function frameAvro(schema: RegistrySchema, schemaId: number, value: unknown): Buffer {
  let out: Buffer;
  try {
    if (schema.encode === undefined) {
      // Not avsc (never for our topics): the client's own way.
      const body = schema.toBuffer(value);
      out = Buffer.allocUnsafe(HEADER + body.length);
      body.copy(out, HEADER);
    } else {
      let end = schema.encode(value, scratch, HEADER);
      while (end < 0) {
        scratch = Buffer.allocUnsafe(2 * (scratch.length - end));
        end = schema.encode(value, scratch, HEADER);
      }
      out = Buffer.allocUnsafe(end);
      scratch.copy(out, HEADER, HEADER, end);
    }
  } catch (error) {
    // As the client reports an invalid record: the avsc message, and the paths that fail.
    const paths: string[][] = [];
    schema.isValid(value, { errorHook: (path) => paths.push(path) });
    throw Object.assign(new Error((error as Error).message, { cause: error }), { name: 'ConfluentSchemaRegistryValidationError', paths });
  }
  out[0] = 0;
  out.writeInt32BE(schemaId, 1);
  return out;
}

import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { listAvroSchemas, readAvroSchema } from '../../../src/adapters/registry/schemas.js';
import { errorCode } from '../../../src/core/errors/s1mig-error.js';
import { codecForSchemaId, decodeRecord } from '../../../src/pipeline/codecs.js';
import type { DeviceEvent } from '../../../src/pipeline/records.js';

const TYPE = avro.Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] });
const framed = (id: number, payload: Buffer): Buffer => Buffer.concat([Buffer.from([0]), Buffer.from([0, 0, 0, id]), payload]);

/** Just enough of the registry client: getSchema fails as told, decode reads the payload with TYPE. */
function registry(getSchema: () => Promise<unknown>): SchemaRegistry {
  return { getSchema, decode: async (buf: Buffer) => TYPE.fromBuffer(buf.subarray(5)) } as unknown as SchemaRegistry;
}
const responseError = (status: number, message: string): Error => Object.assign(new Error(message), { status });
const code = async (p: Promise<unknown>): Promise<unknown> => p.then(() => 'decoded', (err: unknown) => errorCode(err));

// Regression (issue 13, registry-outage test): the client reports a dropped connection as a
// response error of status 400 ("socket hang up"), and the validator took that for a bad
// record: good device events went to the dead-letter topic while the registry was away.
describe('decodeRecord', () => {
  it('decodes a framed record whose schema the registry gives', async () => {
    expect(await decodeRecord(registry(async () => TYPE), framed(7, TYPE.toBuffer({ a: 'x' })))).toEqual({ a: 'x' });
  });

  it('calls a registry that does not answer REGISTRY_UNAVAILABLE (retriable), whatever status the client gives it', async () => {
    for (const err of [responseError(400, 's1mig - Error, status 400: socket hang up'), responseError(503, 'unavailable'), responseError(401, 'no'),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), new Error('anything else')]) {
      expect(await code(decodeRecord(registry(async () => { throw err; }), framed(7, TYPE.toBuffer({ a: 'x' }))))).toBe('REGISTRY_UNAVAILABLE');
    }
  });

  it('calls a record that is not ours RECORD_UNDECODABLE: no framing, a schema id the registry does not know, unreadable bytes', async () => {
    const ok = registry(async () => TYPE);
    expect(await code(decodeRecord(ok, Buffer.from('{"a":"json"}')))).toBe('RECORD_UNDECODABLE');
    expect(await code(decodeRecord(ok, Buffer.from([0, 0, 0])))).toBe('RECORD_UNDECODABLE');
    expect(await code(decodeRecord(registry(async () => { throw responseError(404, 'Schema not found'); }), framed(99, Buffer.from([2, 0x78]))))).toBe('RECORD_UNDECODABLE');
    expect(await code(decodeRecord(ok, framed(7, Buffer.from([0xff, 0xff, 0xff]))))).toBe('RECORD_UNDECODABLE');
  });
});

// Issue 14: the stages encode and decode without a promise per record, with the schema object
// the registry client holds for the id. The bytes must stay the client's own, byte for byte.
describe('codecForSchemaId (synchronous Avro, the registry client\'s bytes)', () => {
  const NAMES = listAvroSchemas();
  const ID_BASE = 40;
  /** A real client whose HTTP API is replaced: its own getSchema, cache, encode and decode run. */
  function realClient(misses: { count: number }, fail?: (id: number) => Error | null): SchemaRegistry {
    const client = new SchemaRegistry({ host: 'http://127.0.0.1:9' });
    (client as unknown as { api: unknown }).api = {
      Schema: {
        find: async ({ id }: { id: number }) => {
          misses.count++;
          const err = fail?.(id);
          if (err) throw err;
          const name = NAMES[id - ID_BASE];
          if (name === undefined) throw responseError(404, 'Schema not found');
          return { data: () => ({ schema: readAvroSchema(name) }) };
        },
      },
    };
    return client;
  }
  const sampleEvent: DeviceEvent = {
    fileKey: '90b3d51f30010008/MDS-1', fileId: 'MDS-1', smso: 'MDS', purpose: 'Migration', createdAtSec: 1_796_000_000, receivedAtMs: 1_796_000_100_000,
    installationId: 'INST-1', installationIndex: 0, installationCount: 1, migrationType: 'Active', groupId: null,
    installationStructureInvalid: false, duplicateDeviceIds: [], deviceIndex: 1, deviceCount: 3,
    deviceId: '00-DB-12-34-56-78-90-01', deviceType: 'ESME', manufacturer: 'Acme', model: 'E-200', firmwareVersion: '0A1B',
    mpxn: '1200012345678', responsibleSupplier: '90-B3-D5-1F-30-01-00-00', parent: '00-DB-12-34-56-78-90-00',
    certificate: 'MIIB'.repeat(200), credential: 'BJ3x'.repeat(50), deviceStructureInvalid: false,
    segment: 0, segments: 0, segmentDevices: 0, installationHasDuplicate: false, migrationAuthorisation: 'MA_1',
  };

  it('encodes every pipeline schema\'s records to the bytes of the client\'s encode, and reads them back as its decode does', async () => {
    const misses = { count: 0 };
    const client = realClient(misses);
    for (const [i, name] of NAMES.entries()) {
      const id = ID_BASE + i;
      const codec = await codecForSchemaId<unknown>(client, `t-${name}`, id);
      const type = avro.Type.forSchema(JSON.parse(readAvroSchema(name)) as avro.Schema);
      const samples: unknown[] = Array.from({ length: 100 }, () => type.random());
      if (name === 'device-event') samples.push(sampleEvent, { ...sampleEvent, certificate: 'M'.repeat(300_000) }); // the second outgrows the scratch buffer
      for (const value of samples) {
        const mine = codec.encodeSync(value);
        const theirs = await client.encode(id, value);
        expect(mine.equals(theirs), name).toBe(true);
        expect(await codec.encode(value)).toEqual(theirs);
        expect(codec.decodeNow(theirs)).toEqual(await client.decode(theirs));
      }
    }
    expect(misses.count).toBe(NAMES.length); // one fetch per schema id, at codec creation
  });

  it('fails an invalid record as the client does, with the failing paths', async () => {
    const client = realClient({ count: 0 });
    const id = ID_BASE + NAMES.indexOf('device-event');
    const codec = await codecForSchemaId<unknown>(client, 't', id);
    const bad = { ...sampleEvent, deviceIndex: 'one' };
    const theirs = await client.encode(id, bad).then(() => null, (e: Error & { paths?: string[][] }) => e);
    expect(() => codec.encodeSync(bad)).toThrow(theirs!.message);
    expect(() => codec.encodeSync(bad)).toThrow(expect.objectContaining({ paths: theirs!.paths }) as Error);
  });

  it('decodes its own id without a promise, fetches another writer\'s schema once, and fails apart RECORD_UNDECODABLE and REGISTRY_UNAVAILABLE', async () => {
    const misses = { count: 0 };
    let down = false;
    const client = realClient(misses, () => (down ? responseError(400, 's1mig - Error, status 400: socket hang up') : null));
    const ownId = ID_BASE + NAMES.indexOf('device-event');
    const codec = await codecForSchemaId<DeviceEvent>(client, 't', ownId);
    const own = codec.encodeSync(sampleEvent);
    const sync = codec.decodeNow(own);
    expect(sync instanceof Promise).toBe(false);
    expect(sync).toEqual(sampleEvent);

    // Another id (an older writer, here the supplier schema): asked once, then synchronous.
    const otherId = ID_BASE + NAMES.indexOf('supplier');
    const other = await client.encode(otherId, avro.Type.forSchema(JSON.parse(readAvroSchema('supplier')) as avro.Schema).random());
    const first = codec.decodeNow(other);
    expect(first instanceof Promise).toBe(true);
    expect(await first).toEqual(await client.decode(other));
    expect(codec.decodeNow(other) instanceof Promise).toBe(false);

    const syncCode = (f: () => unknown): unknown => { try { f(); return 'decoded'; } catch (err) { return errorCode(err); } };
    expect(syncCode(() => codec.decodeNow(Buffer.from('{"a":"json"}')))).toBe('RECORD_UNDECODABLE');
    expect(syncCode(() => codec.decodeNow(Buffer.from([0, 0, 0])))).toBe('RECORD_UNDECODABLE');
    expect(syncCode(() => codec.decodeNow(Buffer.concat([own.subarray(0, 5), Buffer.from([0xff, 0xff, 0xff])])))).toBe('RECORD_UNDECODABLE');
    expect(await code(Promise.resolve().then(() => codec.decodeNow(framed(99, Buffer.from([2, 0x78])))))).toBe('RECORD_UNDECODABLE'); // 404
    down = true;
    const unknownId = Buffer.concat([Buffer.from([0, 0, 0, 0, ID_BASE]), other.subarray(5)]); // an id not met yet, registry away
    expect(await code(Promise.resolve().then(() => codec.decodeNow(unknownId)))).toBe('REGISTRY_UNAVAILABLE');
    expect(await code(codec.decode(unknownId))).toBe('REGISTRY_UNAVAILABLE');
    expect(codec.decodeNow(own)).toEqual(sampleEvent); // known ids need no registry
  });
});

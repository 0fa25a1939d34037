import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { errorCode } from '../../../src/core/errors/s1mig-error.js';
import { decodeRecord } from '../../../src/pipeline/codecs.js';

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

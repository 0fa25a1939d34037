import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterAbortedRecords, type FetchedRecord } from '../../../../src/adapters/kafka/aborted-filter.js';
import { assertReadCommitted } from '../../../../src/adapters/kafka/kafkajs.js';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);

function rec(offset: number, producerId: string, opts: { control?: Buffer; inTransaction?: boolean } = {}): FetchedRecord {
  return {
    offset: String(offset),
    key: opts.control ?? Buffer.from('key'),
    isControlRecord: opts.control !== undefined,
    batchContext: { producerId, inTransaction: opts.inTransaction ?? true },
  };
}

const offsets = (rs: readonly FetchedRecord[]): number[] => rs.filter((r) => !r.isControlRecord).map((r) => Number(r.offset));

describe('filterAbortedRecords (regression: kafkajs handed out aborted records after a SIGKILL left two transactions open)', () => {
  it("drops both producers' aborted records when the fetch starts inside their transactions", () => {
    // Producers 1 and 2 each had a transaction open when their process died (first offsets 6
    // and 7). Producer 1 was aborted first, so an earlier fetch stopped at 7. This fetch starts
    // at 7. kafkajs 2.2.4 activated one aborted transaction per record and kept offset 7.
    const got = filterAbortedRecords(
      [rec(7, '2'), rec(8, '1', { control: ABORT }), rec(9, '2', { control: ABORT }), rec(10, '3'), rec(11, '3', { control: COMMIT })],
      [{ producerId: '1', firstOffset: '6' }, { producerId: '2', firstOffset: '7' }],
    );
    expect(offsets(got)).toEqual([10]);
  });

  it('does not depend on the order of the aborted list', () => {
    const records = [rec(0, 'a'), rec(1, 'b'), rec(2, 'c', { inTransaction: false }), rec(3, 'b', { control: ABORT }), rec(4, 'a', { control: ABORT }), rec(5, 'c', { inTransaction: false })];
    const list = [{ producerId: 'a', firstOffset: '0' }, { producerId: 'b', firstOffset: '1' }];
    expect(offsets(filterAbortedRecords(records, list))).toEqual([2, 5]);
    expect(offsets(filterAbortedRecords(records, [...list].reverse()))).toEqual([2, 5]);
  });

  it("keeps a producer's committed transactions before and after its aborted one", () => {
    const records = [
      rec(0, 'p'), rec(1, 'p', { control: COMMIT }),
      rec(2, 'p'), rec(3, 'p'), rec(4, 'p', { control: ABORT }),
      rec(5, 'p'), rec(6, 'p', { control: COMMIT }),
    ];
    expect(offsets(filterAbortedRecords(records, [{ producerId: 'p', firstOffset: '2' }]))).toEqual([0, 5]);
  });

  it('keeps records outside transactions, and an ordinary record whose key is four zero bytes', () => {
    const records = [rec(0, 'p'), { ...rec(1, 'q', { inTransaction: false }), key: Buffer.from([0, 0, 0, 0]) }, rec(2, 'p', { control: ABORT }), rec(3, 'p')];
    expect(offsets(filterAbortedRecords(records, [{ producerId: 'p', firstOffset: '0' }]))).toEqual([1, 3]);
  });

  it('returns the records as they are when nothing was aborted', () => {
    const records = [rec(0, 'p'), rec(1, 'p', { control: COMMIT })];
    expect(filterAbortedRecords(records, [])).toBe(records);
    expect(filterAbortedRecords(records, undefined)).toBe(records);
  });
});

describe('kafkajs with our filter installed', () => {
  it("kafkajs' own Batch class uses it (the self-test that createKafka runs passes)", () => {
    expect(() => assertReadCommitted()).not.toThrow();
    const require = createRequire(import.meta.url);
    const Batch = require('kafkajs/src/consumer/batch.js') as new (t: string, o: string, d: unknown) => { messages: Array<{ offset: string }> };
    const batch = new Batch('t', '7', {
      partition: 0,
      highWatermark: '11',
      abortedTransactions: [{ producerId: '2', firstOffset: '7' }, { producerId: '1', firstOffset: '6' }],
      messages: [rec(7, '2'), rec(8, '1', { control: ABORT }), rec(9, '2', { control: ABORT }), rec(10, '3')],
    });
    expect(batch.messages.map((m) => m.offset)).toEqual(['10']);
  });
});

describe('kafkajs is loaded only through src/adapters/kafka/kafkajs.ts', () => {
  it('no other module imports values from kafkajs (the filter swap must come first)', () => {
    const root = new URL('../../../..', import.meta.url).pathname;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
        const rel = join(dir, e.name);
        if (e.isDirectory()) walk(rel);
        else if (/\.(ts|mts|js|mjs)$/.test(e.name) && rel !== join('src', 'adapters', 'kafka', 'kafkajs.ts')) {
          const text = readFileSync(join(root, rel), 'utf8');
          for (const line of text.split('\n')) {
            if (/(from|require\()\s*['"]kafkajs['"]/.test(line) && !/^\s*import type\b/.test(line)) offenders.push(`${rel}: ${line.trim()}`);
          }
        }
      }
    };
    for (const dir of ['src', 'bench', 'test', 'scripts']) if (existsSync(join(root, dir))) walk(dir);
    expect(offenders).toEqual([]);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { S1migError } from '../../src/core/errors/s1mig-error.js';
import { CompactedTable } from '../../src/pipeline/tables/compacted-table.js';
import { readTopicsToEnd } from '../../src/pipeline/tables/topic-reader.js';
import { Resources, testConfig } from './helpers.js';

describe('a compacted topic as a table, on the real broker', () => {
  const config = testConfig();
  const res = new Resources(config);
  afterAll(() => res.close());

  it('materialises to the end, keeps up, withdraws a key on a tombstone, merges as told, and names its group after the prefix', async () => {
    const topic = await res.createTopic('table', 3);
    const admin = await res.getAdmin();
    const producer = res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    res.onClose(() => producer.disconnect());
    const send = (key: string, value: string | null) => producer.send({ topic, messages: [{ key, value }] });
    await send('a', '1');
    await send('b', '5');
    await send('c', '7');
    await send('b', '2'); // lower: the merge keeps the higher one
    await send('c', null); // tombstone
    const table = new CompactedTable<number>(res.kafka, admin, {
      topic, groupStem: `${config.topics.prefix}test-table`, decode: async (v) => Number(v.toString()), merge: (p, n) => Math.max(p, n),
    });
    await table.start();
    res.onClose(() => table.stop());
    await table.catchUp(30_000);
    expect([...table.entries()].sort()).toEqual([['a', 1], ['b', 5]]);
    expect(table.has('c')).toBe(false);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${config.topics.prefix}test-table-`));
    expect(groups).toHaveLength(1);

    // It keeps up with later records, and catchUp waits for what was written before the call.
    await send('d', '9');
    await send('a', '3');
    await table.catchUp(30_000);
    expect(table.get('d')).toBe(9);
    expect(table.get('a')).toBe(3);
    expect(table.size).toBe(3);

    const seen: string[] = [];
    await readTopicsToEnd(res.kafka, admin, [topic], (_t, _p, m) => void seen.push(m.key!.toString()), { groupStem: `${config.topics.prefix}test-read` });
    expect(seen.sort()).toEqual(['a', 'a', 'b', 'b', 'c', 'c', 'd']);
  });

  // Found by issue 13's hostile-input work: the reader kept a registry failure as its own for
  // good (every later catch-up threw until a restart) and moved its position past the rest of
  // the batch, whose records the table never had.
  it('waits out a registry outage on the record it hit, then has that record and every one after it', async () => {
    const topic = await res.createTopic('table-registry', 1);
    const admin = await res.getAdmin();
    const producer = res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    res.onClose(() => producer.disconnect());
    await producer.send({ topic, messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }] });
    let refusals = 3;
    const table = new CompactedTable<number>(res.kafka, admin, {
      topic, groupStem: `${config.topics.prefix}test-table-registry`,
      decode: async (v) => {
        if (v.toString() === '2' && refusals-- > 0) throw new S1migError('REGISTRY_UNAVAILABLE', 'the registry did not answer');
        return Number(v.toString());
      },
    });
    await table.start();
    res.onClose(() => table.stop());
    for (let tries = 0; ; tries++) {
      try {
        await table.catchUp(2_000);
        break;
      } catch (err) {
        // A catch-up during the outage times out (its callers retry); it never fails for good.
        expect((err as Error).message).toMatch(/could not read .* to the end within 2000 ms/);
        if (tries > 10) throw err;
      }
    }
    expect(refusals).toBe(-1);
    expect([...table.entries()].sort()).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    await producer.send({ topic, messages: [{ key: 'd', value: '4' }] });
    await table.catchUp(30_000);
    expect(table.get('d')).toBe(4);
  });
});

import type { Admin, Kafka } from 'kafkajs';
import { errorCode } from '../../core/errors/s1mig-error.js';
import { TopicReader } from './topic-reader.js';

export interface CompactedTableOptions<V> {
  readonly topic: string;
  /** `<prefix><name>`: the reader's group stem (see TopicReader). */
  readonly groupStem: string;
  readonly decode: (value: Buffer) => Promise<V>;
  /**
   * How a record meets the one already held for its key (default: the later replaces it).
   * Returning `prev` keeps it: e.g. emission progress never moves back on a replay.
   */
  readonly merge?: (prev: V, next: V) => V;
  /**
   * A record that is not one of ours (RECORD_UNDECODABLE: not registry-framed Avro, an
   * unknown schema id, bytes its schema cannot read) is no row: the table skips it and goes
   * on, and says so here. Anything else a decode throws (the registry away) still fails
   * the read.
   */
  readonly onUndecodable?: UndecodableHandler;
}

/**
 * A compacted topic materialised as a table: message key -> the latest value, a tombstone
 * (null value) withdraws the key. Every process reads the whole topic (a group of its own,
 * read_committed) and keeps up; `catchUp()` waits until it has read everything written
 * before the call. Own writes can be applied at once after their transaction committed.
 * The files table is one; the MA, supplier and SMI tables are built the same way.
 */
/** Told of a record on a table's topic that is not one of ours (skipped). */
export type UndecodableHandler = (where: { topic: string; partition: number; offset: string; key: string }, err: unknown) => void;

export class CompactedTable<V> {
  private readonly rows = new Map<string, V>();
  private readonly reader: TopicReader;

  constructor(kafka: Kafka, admin: Admin, private readonly options: CompactedTableOptions<V>) {
    this.reader = new TopicReader(kafka, admin, [options.topic], async (topic, partition, m) => {
      const key = m.key?.toString('utf8');
      if (key === undefined) return;
      if (m.value === null) {
        this.delete(key);
        return;
      }
      let value: V;
      try {
        value = await options.decode(m.value);
      } catch (err) {
        // One foreign record on a compacted topic stays there (compaction keeps the latest of
        // its key): failing on it failed every catchUp for good, and with it every file the
        // splitter completed (issue 13, hostile input). It is skipped, and reported.
        if (errorCode(err) !== 'RECORD_UNDECODABLE') throw err;
        options.onUndecodable?.({ topic, partition, offset: m.offset, key }, err);
        return;
      }
      this.set(key, value);
    }, { groupStem: options.groupStem });
  }

  start(): Promise<void> {
    return this.reader.start();
  }

  catchUp(timeoutMs?: number): Promise<void> {
    return this.reader.catchUp(timeoutMs);
  }

  stop(): Promise<void> {
    return this.reader.stop();
  }

  get(key: string): V | undefined {
    return this.rows.get(key);
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  get size(): number {
    return this.rows.size;
  }

  entries(): IterableIterator<[string, V]> {
    return this.rows.entries();
  }

  /** Applies a record under `key` (also one of our own, right after its transaction committed). */
  set(key: string, value: V): void {
    const prev = this.rows.get(key);
    this.rows.set(key, prev !== undefined && this.options.merge ? this.options.merge(prev, value) : value);
  }

  delete(key: string): void {
    this.rows.delete(key);
  }
}

/** A compacted topic read to its end once, as a table (the `show` commands). */
export async function readCompactedTable<V>(kafka: Kafka, options: CompactedTableOptions<V>): Promise<CompactedTable<V>> {
  const admin = kafka.admin();
  await admin.connect();
  const table = new CompactedTable(kafka, admin, options);
  try {
    await table.start();
    await table.catchUp();
  } finally {
    await table.stop();
    await admin.disconnect();
  }
  return table;
}

/**
 * Which fetched records a read_committed consumer may see: the records of aborted
 * transactions are dropped, control records are left for the caller to drop.
 *
 * kafkajs 2.2.4 gets this wrong (consumer/filterAbortedMessages.js). It activates at most
 * one aborted transaction per record, and it does not sort them. Take a fetch that starts
 * after the first offsets of two aborted transactions from two producers. That happens when
 * one of them was aborted, and read up to, before the other. kafkajs then drops only the
 * first producer's records and hands out the second's aborted records as if committed. We
 * saw it after a SIGKILL left two transactions open (regression test:
 * test/unit/kafka/aborted-filter.test.ts).
 *
 * This follows the Java consumer (Fetcher/CompletedFetch). Aborted transactions are taken
 * in first-offset order. Every one whose first offset is at or before a record is active
 * for that record. A transactional record of an active producer is dropped. That
 * producer's ABORT marker ends it.
 */

/** The fields of a fetched record that the decision needs (kafkajs' decoded message shape). */
export interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

/** One entry of a fetch response's aborted transaction list. */
export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** Control record key: int16 version, int16 type; type 0 = ABORT, 1 = COMMIT. */
function isAbortMarker(r: FetchedRecord): boolean {
  const k = r.key;
  return r.isControlRecord === true && k !== null && k.length >= 4 && k.readInt16BE(2) === 0;
}

export function filterAbortedRecords<R extends FetchedRecord>(records: R[], aborted: readonly AbortedTransaction[] | null | undefined): R[] {
  if (!aborted || aborted.length === 0) return records;
  const pending = [...aborted].sort((a, b) => {
    const d = BigInt(a.firstOffset) - BigInt(b.firstOffset);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
  let next = 0;
  const active = new Set<string>();
  return records.filter((r) => {
    const offset = BigInt(r.offset);
    while (next < pending.length && BigInt(pending[next]!.firstOffset) <= offset) active.add(pending[next++]!.producerId);
    const producer = r.batchContext.producerId;
    if (r.isControlRecord === true) {
      if (isAbortMarker(r)) active.delete(producer);
      return true;
    }
    return !(r.batchContext.inTransaction && active.has(producer));
  });
}

import type { Admin, Kafka } from 'kafkajs';
import type { RecordCodec } from './codecs.js';
import { fileResultKey, type FileResultRecord } from './records.js';
import { CompactedTable, type CompactedTableOptions } from './tables/compacted-table.js';

/**
 * The files topic (compacted) as a table: under a file key, the latest accepted record (the
 * accepted-file state behind MCF_DUPLICATE_FILE, and the emission progress that lets a
 * restarted splitter resume exactly where it stopped); under `file key#upload`, that
 * upload's rejection. Progress only moves forward for the same upload: a replay never
 * rewinds it.
 */
export class FilesTable {
  private readonly table: CompactedTable<FileResultRecord>;

  constructor(kafka: Kafka, admin: Admin, codec: RecordCodec<FileResultRecord>, onUndecodable?: CompactedTableOptions<FileResultRecord>['onUndecodable']) {
    this.table = new CompactedTable(kafka, admin, {
      ...(onUndecodable ? { onUndecodable } : {}),
      topic: codec.topic,
      // The topic's name carries the deployment's prefix, so the reader's group does too.
      groupStem: `${codec.topic}-table`,
      decode: (v) => codec.decode(v),
      merge: (prev, next) => (next.status === 'accepted' && prev.upload === next.upload && prev.emittedInstallations > next.emittedInstallations ? prev : next),
    });
  }

  start(): Promise<void> {
    return this.table.start();
  }

  /** Resolves once every partition has been read up to its end as of this call. */
  catchUp(timeoutMs?: number): Promise<void> {
    return this.table.catchUp(timeoutMs);
  }

  stop(): Promise<void> {
    return this.table.stop();
  }

  /** Applies a record of our own, right after its transaction committed. */
  apply(r: FileResultRecord): void {
    this.table.set(fileResultKey(r), r);
  }

  acceptedRecord(fileKey: string): FileResultRecord | undefined {
    const r = this.table.get(fileKey);
    return r?.status === 'accepted' ? r : undefined;
  }

  wasRejected(fileKey: string, upload: string): boolean {
    return this.table.has(fileResultKey({ fileKey, status: 'rejected', upload }));
  }
}

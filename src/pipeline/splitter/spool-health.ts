import { SPOOL_DISK_ERRNOS, spoolErrno, type SpoolErrno } from '../../adapters/fs/spool-disk.js';
import type { Logger } from '../../adapters/log/logger.js';
import type { PipelineMetrics } from '../../adapters/metrics/pipeline-metrics.js';

/** The message of the line an operator acts on (docs/operations.md, S1migSpoolUnavailable). */
export const SPOOL_DOWN_MESSAGE = 'spool folder unavailable: uploads wait and are retried from Kafka, nothing is skipped';
export const SPOOL_BACK_MESSAGE = 'spool folder usable again';

/**
 * What the splitter tells about its spool's disk. Every refusal is counted by errno
 * (`s1mig_spool_errors_total`, which the S1migSpoolUnavailable alert watches); the log gets
 * one clear line when the disk starts refusing (or refuses differently), whose error names
 * the folder and the fix, and one when an upload is spooled whole again. The runtime's
 * `batch failed` line at each retry carries the same coded error; this one is the line to
 * act on, not repeated every backoff.
 */
export class SpoolHealth {
  private down: { errno: SpoolErrno; sinceMs: number; failures: number } | null = null;

  constructor(private readonly log: Logger, private readonly metrics: PipelineMetrics, private readonly now: () => number = Date.now) {
    // Every errno at 0 from the start, so the alert's increase() has a series to work on.
    for (const errno of Object.keys(SPOOL_DISK_ERRNOS)) metrics.spoolErrors.inc({ errno }, 0);
  }

  /** Whether the spool is refused now (no upload was spooled whole since the last refusal). */
  get unavailable(): boolean {
    return this.down !== null;
  }

  /** Notes `err` when it is SPOOL_UNAVAILABLE and says whether it was; any other error is not the disk's. */
  failed(err: unknown): boolean {
    const errno = spoolErrno(err);
    if (errno === undefined) return false;
    this.metrics.spoolErrors.inc({ errno });
    if (this.down !== null && this.down.errno === errno) {
      this.down.failures++;
      return true;
    }
    this.down = { errno, sinceMs: this.now(), failures: 1 };
    this.log.error(SPOOL_DOWN_MESSAGE, { errno, error: err });
    return true;
  }

  /** An upload was spooled whole: the disk takes files again. */
  ok(): void {
    if (this.down === null) return;
    this.log.info(SPOOL_BACK_MESSAGE, { errno: this.down.errno, failures: this.down.failures, ms: this.now() - this.down.sinceMs });
    this.down = null;
  }
}

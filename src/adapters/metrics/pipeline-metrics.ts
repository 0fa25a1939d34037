import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DeviceCryptoStats } from '../../core/contracts/device-crypto.js';
import { EnrolmentMetrics } from './enrolment-metrics.js';

/**
 * The pipeline's Prometheus metrics, on an injected registry (several processes or tests can
 * each have their own). Names and meanings are listed in docs/operations.md, and a test
 * keeps that table in sync with this file.
 */
export class PipelineMetrics {
  readonly registry: Registry;
  readonly records: Counter<'stage'>;
  readonly files: Counter<'status' | 'code'>;
  readonly installations: Counter<'status'>;
  readonly outcomeCodes: Counter<'level' | 'code'>;
  readonly devices: Counter<'stage'>;
  readonly dlq: Counter<'stage' | 'reason'>;
  readonly orphanChunks: Counter<never>;
  readonly transactions: Counter<'stage' | 'result'>;
  readonly poolQueueDepth: Gauge<never>;
  readonly poolUtilisation: Gauge<never>;
  readonly consumerLag: Gauge<'stage' | 'topic' | 'partition'>;
  readonly pausedPartitions: Gauge<'stage'>;
  readonly openUploads: Gauge<never>;
  readonly spoolErrors: Counter<'errno'>;
  readonly installationLatency: Histogram<never>;
  readonly enrolment: EnrolmentMetrics;
  private poolStats: (() => DeviceCryptoStats) | undefined;
  private uploadCount: (() => number) | undefined;

  constructor(registry = new Registry(), options: { defaultMetrics?: boolean } = {}) {
    this.registry = registry;
    const r = [registry];
    if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 's1mig_' });
    this.records = new Counter({ name: 's1mig_records_total', help: 'records consumed, per stage', labelNames: ['stage'], registers: r });
    this.files = new Counter({ name: 's1mig_files_total', help: 'file-level results, by status and first code', labelNames: ['status', 'code'], registers: r });
    this.installations = new Counter({ name: 's1mig_installations_total', help: 'installation outcomes, by status', labelNames: ['status'], registers: r });
    this.outcomeCodes = new Counter({ name: 's1mig_outcome_codes_total', help: 'outcome codes reported, by level and code', labelNames: ['level', 'code'], registers: r });
    this.devices = new Counter({ name: 's1mig_devices_total', help: 'devices emitted (splitter) or validated (validator)', labelNames: ['stage'], registers: r });
    this.dlq = new Counter({ name: 's1mig_dlq_total', help: 'messages sent to the dead-letter topic', labelNames: ['stage', 'reason'], registers: r });
    this.orphanChunks = new Counter({ name: 's1mig_orphan_chunks_total', help: 'chunks of no upload in progress (rest of a rejected upload), dropped', registers: r });
    this.transactions = new Counter({ name: 's1mig_transactions_total', help: 'Kafka transactions, by stage and result', labelNames: ['stage', 'result'], registers: r });
    // Read from the pool at scrape time when one is attached (observePool); else set by the stage.
    const poolStats = (): DeviceCryptoStats | undefined => this.poolStats?.();
    const uploadCount = (): number | undefined => this.uploadCount?.();
    this.poolQueueDepth = new Gauge({
      name: 's1mig_pool_queue_depth', help: 'device batches waiting for or running on the worker pool', registers: r,
      collect() { const s = poolStats(); if (s) this.set(s.inFlight); },
    });
    this.poolUtilisation = new Gauge({
      name: 's1mig_pool_utilisation', help: 'worker pool utilisation, 0..1', registers: r,
      collect() { const s = poolStats(); if (s) this.set(s.utilisation); },
    });
    this.consumerLag = new Gauge({ name: 's1mig_consumer_lag', help: 'records behind the high watermark, per stage and partition', labelNames: ['stage', 'topic', 'partition'], registers: r });
    this.pausedPartitions = new Gauge({ name: 's1mig_paused_partitions', help: 'partitions paused by backpressure', labelNames: ['stage'], registers: r });
    // Read from the splitter at scrape time (observeUploads), so it can never lag behind an
    // upload that ended without a message (a transfer timeout).
    this.openUploads = new Gauge({
      name: 's1mig_open_uploads', help: 'MCF uploads in progress in the splitter', registers: r,
      collect() { const n = uploadCount(); if (n !== undefined) this.set(n); },
    });
    this.spoolErrors = new Counter({
      name: 's1mig_spool_errors_total', help: 'spool operations of the splitter refused by the disk (SPOOL_UNAVAILABLE), by errno; the upload is retried from Kafka',
      labelNames: ['errno'], registers: r,
    });
    this.installationLatency = new Histogram({
      name: 's1mig_installation_latency_seconds', help: 'from the broker append time of the file\'s first chunk to the installation outcome',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: r,
    });
    this.enrolment = new EnrolmentMetrics(registry);
  }

  /** Attaches the splitter whose uploads in progress the open-uploads gauge reports. */
  observeUploads(count: () => number): void {
    this.uploadCount = count;
  }

  /** Attaches the worker pool whose queue depth and utilisation the gauges report. */
  observePool(stats: () => DeviceCryptoStats): void {
    this.poolStats = stats;
  }
}

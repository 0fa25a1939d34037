/**
 * The metric names a processor exports, from the product's own registry (not a list kept by
 * hand): the deploy tests check every rule and dashboard expression against it.
 */
import { Registry } from 'prom-client';
import { PipelineMetrics } from '../../src/adapters/metrics/pipeline-metrics.js';

/** Series a histogram family is exported as; prom-client's counters already end in _total. */
const HISTOGRAM_SERIES = ['_bucket', '_sum', '_count'];

/** Series Prometheus itself adds to every scraped target. */
export const PROMETHEUS_SERIES: ReadonlySet<string> = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added']);

interface Family { readonly name: string; readonly type: string; readonly pipeline: boolean }
let cached: readonly Family[] | null = null;

/**
 * The families of a registry built as `s1mig run` builds it (the pipeline's metrics plus
 * Node's default process metrics, s1mig_ prefix), read once: the default metrics start an
 * event-loop monitor per registry.
 */
function families(): readonly Family[] {
  if (cached === null) {
    const pipeline = new Set(new PipelineMetrics().registry.getMetricsAsArray().map((m) => m.name));
    cached = new PipelineMetrics(new Registry(), { defaultMetrics: true }).registry.getMetricsAsArray()
      .map((m) => ({ name: m.name, type: String((m as unknown as { type: string }).type), pipeline: pipeline.has(m.name) }));
  }
  return cached;
}

/** Every series name `/metrics` of a processor can carry (a histogram as its _bucket, _sum and _count). */
export function exportedSeriesNames(): Set<string> {
  return new Set(families().flatMap((f) => (f.type === 'histogram' ? HISTOGRAM_SERIES.map((s) => f.name + s) : [f.name])));
}

/** The pipeline's own metric families (the table of docs/operations.md), without the default process metrics. */
export function pipelineMetricFamilies(): string[] {
  return families().filter((f) => f.pipeline).map((f) => f.name);
}

/** The family a series belongs to: a histogram's _bucket, _sum and _count series name it without the suffix. */
export function familyOf(series: string): string {
  const histogram = families().find((f) => f.type === 'histogram' && HISTOGRAM_SERIES.some((s) => series === f.name + s));
  return histogram?.name ?? series;
}

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricSum, parseMetrics } from '../../../../bench/pipeline/processor-child.js';
import { percentile } from '../../../../bench/pipeline/pipeline-run.js';
import { PipelineMetrics } from '../../../../src/adapters/metrics/pipeline-metrics.js';

describe('parseMetrics / metricSum', () => {
  it('reads the counters the processor exposes, summed over labels', async () => {
    const m = new PipelineMetrics(new Registry());
    m.installations.inc({ status: 'valid' }, 5);
    m.installations.inc({ status: 'invalid' }, 2);
    m.files.inc({ status: 'rejected', code: 'MCF_STALE' });
    m.transactions.inc({ stage: 'validator', result: 'committed' }, 3);
    const parsed = parseMetrics(await m.registry.metrics());
    expect(parsed.get('s1mig_installations_total{status="valid"}')).toBe(5);
    expect(metricSum(parsed, 's1mig_installations_total')).toBe(7);
    expect(metricSum(parsed, 's1mig_files_total', 'status="rejected"')).toBe(1);
    expect(metricSum(parsed, 's1mig_files_total', 'status="accepted"')).toBe(0);
    // A name that is a prefix of another metric's name must not pick that one up.
    expect(metricSum(parsed, 's1mig_transactions')).toBe(0);
    expect(metricSum(parsed, 's1mig_transactions_total')).toBe(3);
  });

  it('skips comments and blank lines, keeps label values with spaces', () => {
    const parsed = parseMetrics('# HELP x y\n# TYPE x counter\n\nx{a="b c"} 4\ny 1.5e3\n');
    expect([...parsed]).toEqual([['x{a="b c"}', 4], ['y', 1500]]);
  });
});

describe('percentile (nearest rank)', () => {
  it('gives known values', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

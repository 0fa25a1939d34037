import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INTERNAL_ERRORS } from '../../../../src/core/errors/codes.js';
import { CONFIG_ENV } from '../../../../src/adapters/config/config.js';
import { LOCAL_ENV_VARS } from '../../../../src/adapters/config/local-instance.js';

const ops = readFileSync(new URL('../../../../docs/operations.md', import.meta.url), 'utf8');

describe('docs/operations.md stays in sync with the code', () => {
  it('lists every internal error code with its exit status and retriability', () => {
    const rows = [...ops.matchAll(/^\| ([A-Z_]+) \| (\d) \| (yes|no) \|/gm)].map((m) => [m[1], Number(m[2]), m[3] === 'yes']);
    expect(rows).toEqual(Object.entries(INTERNAL_ERRORS).map(([code, e]) => [code, e.exit, e.retriable]));
  });

  it('documents every configuration and instance environment variable', () => {
    for (const name of [...Object.keys(CONFIG_ENV), ...Object.keys(LOCAL_ENV_VARS)]) {
      const stem = name.replace(/_(PASSWORD|USERNAME)$/, '');
      expect(ops, name).toContain(`\`${stem}`);
    }
  });
});

describe('the metrics table stays in sync with PipelineMetrics', () => {
  it('lists every metric with its type and labels', async () => {
    const { PipelineMetrics } = await import('../../../../src/adapters/metrics/pipeline-metrics.js');
    const fromCode = new PipelineMetrics().registry.getMetricsAsArray().map((m) => {
      const labels = ((m as unknown as { labelNames?: string[] }).labelNames ?? []).join(', ');
      return [m.name, String((m as unknown as { type: string }).type), labels];
    });
    const rows = [...ops.matchAll(/^\| (s1mig_[a-z_]+) \| (counter|gauge|histogram) \| ?([a-z_, ]*?) ?\|/gm)].map((r) => [r[1], r[2], r[3]]);
    expect(rows).toEqual(fromCode);
  });
});

describe('the alert code table stays in sync with ALERT_CODES', () => {
  it('lists every alert code with its meaning and recipients, in order', async () => {
    const { ALERT_CODES } = await import('../../../../src/core/alerts/alert-codes.js');
    const rows = [...ops.matchAll(/^\| (N\d+|S1MIG_[A-Z_]+) \| (.+) \| (.+) \|$/gm)].map((r) => [r[1], r[2], r[3]]);
    expect(rows).toEqual(Object.entries(ALERT_CODES).map(([code, v]) => [code, v.meaning, v.recipients]));
  });
});

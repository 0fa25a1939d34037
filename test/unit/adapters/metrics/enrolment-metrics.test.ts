import { describe, expect, it } from 'vitest';
import { PipelineMetrics } from '../../../../src/adapters/metrics/pipeline-metrics.js';
import { ENROLMENT_FAILURE_CODES } from '../../../../src/core/contracts/smso.js';

// Regression (found by the dashboard's Prometheus test, issue 12): s1mig_enrolment_waiting
// appeared only once an installation had waited, so a quiet SMSO showed "no data" and the
// SMSO-saturated rule had no operand; a first failure was invisible to increase().
describe('EnrolmentMetrics.configured', () => {
  it('exports a configured SMSO\'s capacity and its usage series at zero before any work', async () => {
    const m = new PipelineMetrics();
    m.enrolment.configured('MDS', { maxInFlight: 64, perSecond: 200, perDay: 100_000 }, ENROLMENT_FAILURE_CODES);
    const text = await m.registry.metrics();
    for (const line of [
      's1mig_enrolment_capacity{smso="MDS",limit="perSecond"} 200',
      's1mig_enrolment_in_flight{smso="MDS"} 0',
      's1mig_enrolment_waiting{smso="MDS"} 0',
      's1mig_enrolment_started_total{smso="MDS"} 0',
      ...ENROLMENT_FAILURE_CODES.map((code) => `s1mig_enrolment_failures_total{smso="MDS",code="${code}"} 0`),
    ]) expect(text.split('\n')).toContain(line);
  });
});

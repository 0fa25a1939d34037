import { describe, expect, it } from 'vitest';
import { exportedSeriesNames, familyOf, pipelineMetricFamilies, PROMETHEUS_SERIES } from '../../support/exported-metrics.js';
import { allPanels, labelValuesOf, loadDashboard, panelQueries, substitute } from '../../support/grafana-dashboard.js';
import { metricNames, operands, selectors } from '../../support/promql.js';

// The integration test (test/integration/prometheus-dashboard.test.ts) runs these queries on
// a real Prometheus; this one needs no server and says at once which name is wrong.
const dashboard = loadDashboard();
const DS = '${DS_PROMETHEUS}';

describe('deploy/grafana/s1mig-dashboard.json (issue 12)', () => {
  it('is an importable dashboard: a schema version of Grafana 10/11, a data source variable every query uses, job and instance variables', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    const vars = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(vars.get('DS_PROMETHEUS')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const name of ['job', 'instance']) {
      const v = vars.get(name)!;
      expect(v, name).toMatchObject({ type: 'query', datasource: { type: 'prometheus', uid: DS } });
      // The variables list values of a series every processor exports from its start.
      const { selector, label } = labelValuesOf(v);
      expect(label).toBe(name);
      expect(metricNames(selector).every((n) => exportedSeriesNames().has(n)), selector).toBe(true);
    }
    // "All" instances must be a regex that matches every instance.
    expect(vars.get('instance')).toMatchObject({ includeAll: true, allValue: '.*' });

    const panels = allPanels(dashboard);
    expect(new Set(panels.map((p) => p.id)).size, 'panel ids are unique').toBe(panels.length);
    for (const p of panels.filter((x) => x.type !== 'row')) {
      expect(p.gridPos, p.title).toBeDefined();
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: DS });
      expect(p.targets?.length, `${p.title} has queries`).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.datasource, `${p.title} ${t.refId}`).toEqual({ type: 'prometheus', uid: DS });
    }
  });

  it('every query names only metrics a processor exports, each filtered by the job and instance variables', () => {
    const exported = exportedSeriesNames();
    const queries = panelQueries(dashboard);
    expect(queries.length).toBeGreaterThan(30);
    const unknown: string[] = [];
    const unfiltered: string[] = [];
    for (const q of queries) {
      const where = `${q.panel} / ${q.refId}`;
      for (const s of selectors(q.expr)) {
        if (!exported.has(s.metric) && !PROMETHEUS_SERIES.has(s.metric)) unknown.push(`${where}: ${s.metric}`);
        const by = (label: string) => s.matchers.some((m) => m.label === label && m.op === '=~' && m.value === `$${label}`);
        if (!by('job') || !by('instance')) unfiltered.push(`${where}: ${s.metric}`);
      }
    }
    expect(unknown, 'metrics the processor does not export').toEqual([]);
    expect(unfiltered, 'selectors without job=~"$job" and instance=~"$instance"').toEqual([]);
  });

  it('shows every metric of the pipeline, so a metric added to the product is added here too', () => {
    const shown = new Set(panelQueries(dashboard).flatMap((q) => metricNames(q.expr).map(familyOf)));
    expect(pipelineMetricFamilies().filter((n) => !shown.has(n))).toEqual([]);
    // And the process metrics an operator looks at first.
    for (const n of ['s1mig_process_resident_memory_bytes', 's1mig_nodejs_eventloop_lag_p99_seconds', 's1mig_process_cpu_seconds_total']) expect(shown, n).toContain(n);
  });

  it('reads PromQL the way the deploy tests rely on: names, matchers, operands around thresholds, substitution', () => {
    const rule = '(sum by (smso) (s1mig_enrolment_waiting) > 0) and on (smso) ((sum by (smso) (rate(s1mig_enrolment_started_total[5m])) >= 0.95 * max by (smso) (s1mig_enrolment_capacity{limit="perSecond"})) or (x >= bool y))';
    expect(metricNames(rule)).toEqual(['s1mig_enrolment_waiting', 's1mig_enrolment_started_total', 's1mig_enrolment_capacity', 'x', 'y']);
    expect(selectors(rule)[2]!.matchers).toEqual([{ label: 'limit', op: '=', value: 'perSecond' }]);
    expect(operands(rule)).toEqual([
      'sum by (smso) (s1mig_enrolment_waiting)',
      'sum by (smso) (rate(s1mig_enrolment_started_total[5m]))',
      '0.95 * max by (smso) (s1mig_enrolment_capacity{limit="perSecond"})',
      'x', 'y',
    ]);
    expect(operands('max by (smso, day) (a + b) > on (smso) group_left () max by (smso) (c{l="v"})')).toEqual(['max by (smso, day) (a + b)', 'max by (smso) (c{l="v"})']);
    expect(operands('up{job="s1mig"} == 0')).toEqual(['up{job="s1mig"}']);
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(m_bucket{a=~"x|y"}[1m] offset 5m))) / count without (instance) (n)')).toEqual(['m_bucket', 'n']);
    expect(substitute('rate(m{job=~"$job", instance=~"${instance}"}[$__rate_interval])', { job: 's1mig', instance: '127.0.0.1:9464' }, { rateInterval: '1m', range: '1h' }))
      .toBe('rate(m{job=~"s1mig", instance=~"127\\\\.0\\\\.0\\\\.1:9464"}[1m])');
    expect(() => substitute('m{a=~"$missing"}', {}, { rateInterval: '1m', range: '1h' })).toThrow(/\$missing/);
  });
});

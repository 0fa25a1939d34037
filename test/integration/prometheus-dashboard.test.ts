/**
 * The Grafana dashboard and the alert rules against a real Prometheus (issue 12): a processor
 * with all three stages does real work (a Migration file with invalid, failing, over-quota
 * and unalertable installations, a duplicate upload, a poison chunk), Prometheus scrapes its
 * /metrics every second and loads deploy/prometheus/s1mig-rules.yml, and every dashboard
 * query and rule expression is run through Prometheus' HTTP API.
 *
 * What "returns series" means for an expression: Prometheus must parse the whole, and each
 * of its operands must return at least one series. The operands are what its comparison and
 * set operators (== != > < >= <=, and, or, unless) combine, found recursively inside
 * parentheses (test/support/promql.ts `operands`); threshold literals are not operands. An
 * alert rule that does not fire returns nothing by design, and this run must not be made to
 * fire every rule, but the series it compares are its operands: a misspelt metric, label or
 * label value empties one of them. A dashboard query has no threshold, so the whole of it
 * must return series too. The last test proves the check sharp: every metric name of every
 * query and rule, misspelt in turn, fails it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { topicName } from '../../src/adapters/topics/definitions.js';
import { londonDate } from '../../src/core/inputs/london-day.js';
import { publishInputFile } from '../../src/jobs/inputs/publish-inputs.js';
import { labelValuesOf, loadDashboard, panelQueries, substitute } from '../support/grafana-dashboard.js';
import { installationsOf } from '../support/mcf-alerts.js';
import { metricNames, operands } from '../support/promql.js';
import { pipelineWorld } from './pipeline-setup.js';
import { ProcessorRunner, signalGroup, type ProcessorRun, type World } from './processor-runner.js';
import { startPrometheus, type PrometheusServer } from './prometheus-server.js';

const RULES = new URL('../../deploy/prometheus/s1mig-rules.yml', import.meta.url).pathname;
// The job name the shipped scrape configuration uses, and S1migProcessorDown matches on.
const JOB = 's1mig';
const INSTALLATIONS = 24;
const A = '90b3d51f30010000';
const OLD = '90b3d51f30010002';
const UNKNOWN = '90b3d51f30010003';
const hyphenated = (eui: string) => eui.toUpperCase().match(/../g)!.join('-');
/** Grafana's $__rate_interval for a 15 s scrape, and a $__range: durations Prometheus must accept in place. */
const DURATIONS = { rateInterval: '1m', range: '15m' };

interface Rule { readonly name: string; readonly query: string; readonly health: string; readonly lastError?: string; readonly type: string }
interface RuleGroup { readonly name: string; readonly file: string; readonly rules: readonly Rule[] }

describe('the Grafana dashboard and the alert rules on a real Prometheus scraping a processor (issue 12)', () => {
  let world: World;
  let runner: ProcessorRunner;
  let processor: ProcessorRun | null = null;
  let prometheus: PrometheusServer | null = null;
  let metricsUrl = '';
  let instance = '';

  /** The processor's own /metrics: how the test knows the work is done, before asking Prometheus anything. */
  const scrape = async (): Promise<string> => (await fetch(metricsUrl)).text();
  const total = (text: string, name: string, label = ''): number => text.split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  const until = async (what: string, done: (text: string) => boolean, timeoutMs = 120_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (let text = await scrape(); !done(text); text = await scrape()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the processor's metrics:\n${text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    world = await pipelineWorld({ 'mcf.chunks': 1, 'mcf.device-events': 3, 'mcf.installation-outcomes': 2, 'enrolment.lanes': 5, alerts: 2 });
    runner = new ProcessorRunner(world);
    const inputs = { kafka: world.res.kafka, registry: world.registry, plan: world.plan, prefix: world.config.topics.prefix };
    const csv = (name: string, text: string): string => {
      writeFileSync(join(world.dir, name), text);
      return join(world.dir, name);
    };
    // Half the MA's quantity (some installations are beyond it: not enrolled, cause quantity);
    // a supplier below DUIS 3 and one not in the directory (alerts not sent, by reason).
    const ma = csv('ma.csv', `reference,supplier,smso,migrationDate,requested,committed\nMA-DASH,${hyphenated(A)},MDS,${londonDate(Date.now())},12,10\n`);
    expect((await publishInputFile(inputs, 'ma', ma)).ok).toBe(true);
    expect((await publishInputFile(inputs, 'suppliers', csv('suppliers.csv', `supplier,duisVersion,name\n${hyphenated(A)},5.4,Supplier A\n${hyphenated(OLD)},2.9,Old Supplier\n`))).ok).toBe(true);
    // Invalid installations (cause checks) and device codes for the outcome-code panel.
    const file = (await world.gen('DASH', { installations: INSTALLATIONS, purpose: 'Migration', ma: 'MA-DASH', suppliers: [A, OLD, UNKNOWN], defects: 'INST_DMC_NOT_ELIGIBLE:2,DEV_CERT_EXPIRED:3' })).out;
    // The SMSO simulator fails the CHFs of the first two valid active installations (failures by
    // ENR_ code), and takes two at a time, slowly, so installations wait for it.
    const expected = JSON.parse(readFileSync(`${file}.expected.json`, 'utf8')) as { installations: Array<{ status: string }> };
    const failing = installationsOf(file).filter((i, k) => i.type === 'Active' && expected.installations[k]!.status === 'valid').slice(0, 2)
      .map((i) => `${i.devices.find((d) => d.type === 'CHF')!.id}:*`);
    expect(failing).toHaveLength(2);
    const config = csv('config.json', JSON.stringify({ enrolment: { smso: { MDS: { maxInFlight: 2, simulator: { latency: { kind: 'fixed', ms: 200 }, failingChfs: failing } } } } }));

    // A real `s1mig run` with all stages, its ops endpoint on a free port (printed at start).
    processor = runner.start({ S1MIG_CONFIG: config });
    for (const deadline = Date.now() + 120_000; metricsUrl === '';) {
      metricsUrl = /"metrics":"(http:\/\/[^"]+\/metrics)"/.exec(processor.log())?.[1] ?? '';
      if (Date.now() > deadline || processor.child.exitCode !== null) throw new Error(`the processor did not start:\n${processor.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    instance = new URL(metricsUrl).host;
    prometheus = await startPrometheus({ job: JOB, targets: [instance], ruleFiles: [RULES], interval: '1s' });

    // A chunk without headers is poison: the splitter dead-letters it.
    const producer = world.res.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    world.res.onClose(() => producer.disconnect());
    await producer.send({ topic: topicName(world.plan, 'mcf.chunks'), messages: [{ key: 'POISON/1', value: 'not a chunk' }] });
    await world.publish(file);
    await until('every installation enrolled or not', (t) => total(t, 's1mig_enrolment_outcomes_total') >= INSTALLATIONS && total(t, 's1mig_dlq_total') >= 1);
    // The same file again, once it was accepted: MCF_DUPLICATE_FILE, a rejected file.
    await world.publish(file);
    await until('the duplicate rejected', (t) => total(t, 's1mig_files_total', 'status="rejected"') >= 1);

    // Two successful scrapes after the work, so rates and increases have two samples of every
    // series (Prometheus' first scrape comes some seconds after its start: discovery is batched).
    const done = Date.now();
    for (const deadline = done + 60_000; ;) {
      const up = await prometheus.query(`sum_over_time(up{job="${JOB}"}[${Math.max(1, Date.now() - done)}ms])`);
      if (Number(up.result[0]?.value?.[1] ?? 0) >= 2) break;
      if (Date.now() > deadline) throw new Error(`Prometheus did not scrape the processor twice:\n${prometheus.log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  afterAll(async () => {
    await prometheus?.stop();
    if (processor !== null) {
      signalGroup(processor.child, 'SIGTERM');
      await Promise.race([processor.exited, new Promise((r) => setTimeout(r, 30_000))]);
    }
    runner?.killAll();
    await world?.res.close();
  });

  const failed = (test: string) => () => {
    runner.saveLogs(test);
    process.stderr.write(`\n--- prometheus log:\n${prometheus?.log() ?? '(not started)'}\n`);
  };

  /** What is wrong with an expression: it does not parse, or it (when `whole`) or one of its operands returns no series. */
  const problems = async (expr: string, whole: boolean): Promise<string[]> => {
    const r = await prometheus!.query(expr);
    if (r.status !== 'success') return [`does not parse: ${r.error}`];
    const out = whole && r.series === 0 ? ['returns no series'] : [];
    for (const o of operands(expr)) {
      if (whole && o === expr.trim()) continue;
      const q = await prometheus!.query(o);
      if (q.status !== 'success' || q.series === 0) out.push(`operand ${o}: ${q.error ?? 'no series'}`);
    }
    return out;
  };
  const dashboardQueries = () => panelQueries(loadDashboard()).map((q) => ({
    name: `panel "${q.panel}" ${q.refId}`, expr: substitute(q.expr, { job: JOB, instance }, DURATIONS), whole: true,
  }));
  const ruleGroups = async () => (await prometheus!.api<{ groups: RuleGroup[] }>('/api/v1/rules')).groups;
  /** The expressions as Prometheus loaded them from the rule file, not as this test reads the YAML. */
  const ruleQueries = async () => (await ruleGroups()).flatMap((g) => g.rules).map((r) => ({ name: `rule ${r.name}`, expr: r.query, whole: false }));

  it('loads the rule file with no errors and scrapes the processor: the target is up', async () => {
    onTestFailed(failed('dashboard-rules'));
    const { activeTargets } = await prometheus!.api<{ activeTargets: Array<{ scrapeUrl: string; health: string; lastError: string; labels: Record<string, string> }> }>('/api/v1/targets');
    expect(activeTargets.map((t) => ({ url: t.scrapeUrl, health: t.health, error: t.lastError, job: t.labels['job'] })))
      .toEqual([{ url: metricsUrl, health: 'up', error: '', job: JOB }]);

    // Every rule evaluated at least once (evaluation every second) before its health is read.
    let groups = await ruleGroups();
    for (const deadline = Date.now() + 30_000; groups.flatMap((g) => g.rules).some((r) => r.health === 'unknown') && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 250));
      groups = await ruleGroups();
    }
    expect(new Set(groups.map((g) => g.file))).toEqual(new Set([RULES]));
    const inFile = [...readFileSync(RULES, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]).sort();
    const loaded = groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(inFile);
    expect(loaded.filter((r) => r.type !== 'alerting' || r.health !== 'ok' || (r.lastError ?? '') !== '').map((r) => `${r.name}: ${r.health} ${r.lastError}`)).toEqual([]);
  });

  it('runs every dashboard query and template variable: each parses and returns series', async () => {
    onTestFailed(failed('dashboard-panels'));
    const queries = dashboardQueries();
    const wrong: string[] = [];
    for (const q of queries) for (const p of await problems(q.expr, q.whole)) wrong.push(`${q.name}: ${p}\n  ${q.expr}`);
    expect(wrong).toEqual([]);
    // The job and instance variables list this processor, through the series they look up.
    for (const v of loadDashboard().templating.list.filter((x) => x.type === 'query')) {
      const { selector, label } = labelValuesOf(v);
      const r = await prometheus!.query(substitute(selector, { job: JOB, instance }, DURATIONS));
      expect(r.status, `${v.name}: ${r.error}`).toBe('success');
      expect(r.result.map((s) => s.metric[label]), v.name).toContain(label === 'job' ? JOB : instance);
    }
  });

  it('runs every alert rule: each expression parses, and each operand of its comparisons returns series', async () => {
    onTestFailed(failed('dashboard-rule-exprs'));
    const rules = await ruleQueries();
    expect(rules.length).toBe([...readFileSync(RULES, 'utf8').matchAll(/- alert: /g)].length);
    const wrong: string[] = [];
    for (const r of rules) {
      expect(operands(r.expr).length, r.name).toBeGreaterThan(0);
      for (const p of await problems(r.expr, r.whole)) wrong.push(`${r.name}: ${p}`);
    }
    expect(wrong).toEqual([]);
  });

  it('is sharp: every metric name of every query and rule, misspelt in turn, fails the check', async () => {
    onTestFailed(failed('dashboard-misspelt'));
    const undetected: string[] = [];
    let tried = 0;
    for (const q of [...dashboardQueries(), ...(await ruleQueries())]) {
      for (const name of metricNames(q.expr)) {
        const misspelt = q.expr.replace(new RegExp(`(?<![\\w:])${name}(?![\\w:])`, 'g'), `${name}_misspelt`);
        tried++;
        if ((await problems(misspelt, q.whole)).length === 0) undetected.push(`${q.name}: ${name}`);
      }
    }
    expect(tried).toBeGreaterThan(50);
    expect(undetected).toEqual([]);
  });
});

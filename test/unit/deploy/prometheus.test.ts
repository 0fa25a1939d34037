import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportedSeriesNames } from '../../support/exported-metrics.js';

const dir = fileURLToPath(new URL('../../../deploy/prometheus/', import.meta.url));

/** Runs promtool (Debian's prometheus package; .ci/prerequisites.sh installs it): the test fails saying so when it is missing. */
function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: dir, encoding: 'utf8' });
  if (r.error !== undefined) throw new Error('promtool is not installed: apt-get install prometheus (.ci/prerequisites.sh does)');
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('deploy/prometheus (issue 12)', () => {
  it('the scrape configuration and the alert rules pass promtool check', () => {
    const rules = promtool('check', 'rules', 's1mig-rules.yml');
    expect(rules.status, rules.output).toBe(0);
    expect(rules.output).toMatch(/SUCCESS: 10 rules found/);
    const config = promtool('check', 'config', 'prometheus.yml');
    expect(config.status, config.output).toBe(0);
  });

  it('every alert fires where it should and stays quiet on its near miss (promtool test rules)', () => {
    const r = promtool('test', 'rules', 'tests/s1mig-rules.test.yml');
    expect(r.status, r.output).toBe(0);
    // Every rule has a test, and every test names a rule of the file.
    const rules = [...readFileSync(`${dir}s1mig-rules.yml`, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]).sort();
    const tested = [...new Set([...readFileSync(`${dir}tests/s1mig-rules.test.yml`, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]))].sort();
    expect(tested).toEqual(rules);
  });

  it('names only metrics the processor exports, and every rule has a runbook section in operations.md', () => {
    // As `s1mig run` registers them (shared with the Grafana dashboard's test).
    const exported = exportedSeriesNames();
    const text = readFileSync(`${dir}s1mig-rules.yml`, 'utf8');
    const used = new Set([...text.matchAll(/\b(s1mig_[a-z_]+)\b/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
    const ops = readFileSync(fileURLToPath(new URL('../../../docs/operations.md', import.meta.url)), 'utf8');
    for (const [, name] of text.matchAll(/- alert: (\w+)/g)) {
      expect(ops, name).toMatch(new RegExp(`^#### ${name}$`, 'm'));
      expect(text).toContain(`runbook: "docs/operations.md#${name!.toLowerCase()}"`);
    }
  });
});
